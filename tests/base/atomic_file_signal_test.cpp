// remove_temporary_files_then, the signal handlers' way out: it removes the temporary files
// of writes in progress before ending the process, and a write that starts once the process
// is being ended leaves no file either. Each case runs in a child process, which it ends.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "ae/atomic_file.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

namespace fs = std::filesystem;

class TemporaryFilesOnSignals : public test::TempDirTest {
 protected:
  // Files in the folder whose names start with '.' (AtomicFile's temporary files).
  int temporaries() const {
    int n = 0;
    for (const auto& entry : fs::directory_iterator(dir_)) n += entry.path().filename().string().starts_with(".");
    return n;
  }

  // Runs `body` in a child process; returns its exit code (-1 if it did not exit).
  template <class Body>
  static int in_child(Body body) {
    const pid_t child = ::fork();
    if (child == 0) {
      body();
      ::_exit(0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
};

int ends_seen = 0;
// Ends the process with `code`, except the first time (standing in for a handler that, in
// the real program, ends it as it returns).
void end_on_second_call(int code) {
  if (++ends_seen == 2) ::_exit(code);
}

TEST_F(TemporaryFilesOnSignals, OpenWritesAreRemovedBeforeTheEnd) {
  const std::string a = path("a.bin"), b = path("b.bin");
  const int code = in_child([&] {
    AtomicFile first(a), second(b);
    first.write("half");
    if (temporaries() != 2) ::_exit(3);
    remove_temporary_files_then([](int c) { ::_exit(c); }, 7);
    ::_exit(4);  // not reached
  });
  EXPECT_EQ(code, 7);
  EXPECT_EQ(temporaries(), 0);
  EXPECT_FALSE(fs::exists(a));
  EXPECT_FALSE(fs::exists(b));
}

TEST_F(TemporaryFilesOnSignals, AWriteStartedWhileTheProcessEndsLeavesNoFileAndEndsIt) {
  const std::string kept = path("kept.bin");
  write_file_atomic(kept, "old");
  const int code = in_child([&] {
    remove_temporary_files_then(end_on_second_call, 9);  // the first end returns
    AtomicFile late(kept);                               // removes its file and ends the process
    ::_exit(4);                                          // not reached
  });
  EXPECT_EQ(code, 9);
  EXPECT_EQ(temporaries(), 0);
  EXPECT_TRUE(fs::exists(kept));
}

}  // namespace
}  // namespace ae
