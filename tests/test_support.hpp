// Helpers shared by the test files: a fixture that gives each test a fresh folder, running a
// command line, reading a whole file as text, gzip-compressing a byte buffer, and expecting
// an ae::Error.
#pragma once
#include <gtest/gtest.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "ae/error.hpp"

extern char** environ;

namespace ae::test {

using Bytes = std::vector<std::uint8_t>;

// A folder of its own for each test (suite, test name and process id), created empty before
// the test and removed after it.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("ae_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

// Runs a shell command line (/bin/sh) and returns its exit code (-1 when it did not exit) and
// what it wrote to standard output; the line itself redirects anything else.
struct CommandRun {
  int code = -1;
  std::string out;
};
inline CommandRun run_command(const std::string& command) {
  CommandRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) run.out.append(buf, n);
  const int status = ::pclose(pipe);
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// Starts `ae ARGS` in `dir` without waiting, stdout and stderr to dir/stdout.txt and
// dir/stderr.txt; returns the pid, or -1 when it could not start.
inline pid_t spawn_ae(const std::filesystem::path& dir, const std::vector<std::string>& args) {
  std::vector<std::string> strings = {AE_BINARY};
  strings.insert(strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, (dir / "stdout.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, (dir / "stderr.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, AE_BINARY, &actions, nullptr, argv.data(), environ);
  std::filesystem::current_path(cwd);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `ae ARGS` run through the shell in the current folder: its exit code (-1 when it did not
// exit), standard output, and standard error, which goes through the scratch file err_file.
struct AeRun {
  int code = -1;
  std::string out, err;
};
inline AeRun run_ae(const std::string& args, const std::filesystem::path& err_file) {
  const CommandRun run = run_command(std::string(AE_BINARY) + " " + args + " 2>" + err_file.string());
  return {run.code, run.out, read_text(err_file)};
}

// A bash command line run in `dir` with stdout discarded (unless the line redirects it): its
// exit code (128 + the signal that ended it) and standard error.
struct ErrRun {
  int code = -1;
  std::string err;
};
inline ErrRun run_shell_in(const std::filesystem::path& dir, const std::string& line) {
  std::string quoted;
  // "( " with a space: a line that starts with "(" must not make bash read "((" (arithmetic).
  for (char c : "cd '" + dir.string() + "' && ( " + line + " ) 2>&1 >/dev/null") {
    if (c == '"' || c == '\\' || c == '$' || c == '`') quoted += '\\';
    quoted += c;
  }
  const CommandRun run = run_command("bash -c \"" + quoted + "\"");
  return {run.code, run.out};
}
// `ae ARGS` the same way: ARGS may hold bash quoting ($'...') and redirections, which apply
// to ae.
inline ErrRun run_ae_in(const std::filesystem::path& dir, const std::string& args) {
  return run_shell_in(dir, std::string(AE_BINARY) + " " + args);
}

// Runs fn, which must throw an ae::Error of `kind` whose message holds `part`.
template <class Fn>
void expect_error(Fn&& fn, ErrorKind kind, std::string_view part) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected one holding \"" << part << '"';
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_NE(std::string_view(e.what()).find(part), std::string_view::npos) << e.what();
  }
}

// One gzip member holding `in` (zlib, level 6).
inline Bytes gzip(const Bytes& in) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  Bytes out(deflateBound(&zs, static_cast<uLong>(in.size())) + 32);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace ae::test
