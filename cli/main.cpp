// ae: the command-line tool. A table of subcommands; each parses its flags, calls the
// library and prints. Errors become one line on stderr and the exit code of DESIGN.md.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "ae/atomic_file.hpp"
#include "ae/data.hpp"
#include "ae/error.hpp"
#include "common.hpp"
#include "mpi_session.hpp"

namespace {

// Dies of `sig` (in a handler of `sig`: as the handler returns).
extern "C" void die_of(int sig) {
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// SIGINT, SIGTERM or SIGHUP outside training (which handles them itself): remove the
// temporary file of any write in progress, then die of the signal as before.
extern "C" void on_fatal_signal(int sig) { ae::remove_temporary_files_then(die_of, sig); }

extern "C" void exit_with(int code) { ::_exit(code); }

// SIGBUS from a mapped data file that was shortened while in use (its pages past the new end
// are gone): one line naming the file, the temporary files removed, exit 65 as for any file
// that changed while being read. Any other SIGBUS dies of the signal as before.
extern "C" void on_bus_error(int sig, siginfo_t* info, void*) {
  const char* path = ae::mapped_file_at(info->si_addr);
  if (path == nullptr) {
    die_of(sig);
    return;
  }
  constexpr char kHead[] = "ae: ";
  constexpr char kWhy[] = ": the file was cut short while ae was reading it (a data file must not change while in use)\n";
  // Said once: while another thread finishes creating a file, the read faults again.
  static std::atomic<bool> said{false};
  if (!said.exchange(true)) {
    (void)!::write(STDERR_FILENO, kHead, sizeof kHead - 1);
    (void)!::write(STDERR_FILENO, path, std::strlen(path));
    (void)!::write(STDERR_FILENO, kWhy, sizeof kWhy - 1);
  }
  ae::remove_temporary_files_then(exit_with, 65);
}

void remove_temporaries_on_signals() {
  struct sigaction bus {};
  bus.sa_sigaction = on_bus_error;
  bus.sa_flags = SA_SIGINFO;
  sigemptyset(&bus.sa_mask);
  ::sigaction(SIGBUS, &bus, nullptr);
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    ::sigaction(sig, nullptr, &old);
    if (old.sa_handler == SIG_IGN) continue;  // ignored by whoever started ae: stays ignored
    struct sigaction action {};
    action.sa_handler = on_fatal_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(sig, &action, nullptr);
  }
}

// One line on stderr: control characters in the message (a newline in a file name) are
// written as escapes.
std::string one_line(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  // Past a file-size limit (ulimit -f) a write should fail with EFBIG, which the atomic
  // writer reports as exit 74 with the old file intact, instead of killing the process.
  std::signal(SIGXFSZ, SIG_IGN);
#if defined(__GLIBC__)
  // A fixed threshold: buffers of 128 KiB or more come from the OS and go back to it when
  // freed. glibc's default raises the threshold to the size of the largest buffer freed so far
  // (a 26 MB gzip read), after which the freed scratch of validation and diagnostics passes
  // stays resident (9 MB of the demo's peak). A training step allocates no such buffer.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
  remove_temporaries_on_signals();
  CLI::App app{"ae: dense autoencoders - train, embed, reconstruct, find outliers, draw", "ae"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ae 0.1.0");
  using Adder = ae::cli::Command (*)(CLI::App&);
  const Adder adders[] = {ae::cli::add_demo,   ae::cli::add_train,  ae::cli::add_summary,
                          ae::cli::add_encode, ae::cli::add_decode, ae::cli::add_reconstruct,
                          ae::cli::add_show,   ae::cli::add_score,  ae::cli::add_plot,
                          ae::cli::add_report, ae::cli::add_export, ae::cli::add_explain,
                          ae::cli::add_sample};
  std::vector<ae::cli::Command> commands;
  for (Adder add : adders) commands.push_back(add(app));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "ae: %s (see ae --help)\n", one_line(e.what()).c_str());
    return 2;
  }
  // Under mpirun: MPI for train and demo; other commands refuse to run as several copies,
  // which would each do the whole work and write the same files.
  std::optional<ae::cli::MpiSession> mpi;
  try {
    for (const auto& command : commands) {
      if (!command.app->parsed()) continue;
      mpi.emplace(command.app->get_name());
      ae::cli::OutputGuard outputs(*command.app);
      if (!mpi->writer()) outputs.keep();  // rank 0's outputs: not this rank's to remove
      const int code = command.run();
      // Whatever went to stdout must have arrived: a full disk, a closed pipe or a size limit
      // is exit 74, not a silent loss.
      errno = 0;
      if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
        throw ae::Error(ae::ErrorKind::io, std::string("standard output: write failed: ") + std::strerror(errno));
      }
      outputs.keep();
      return code;
    }
    return 2;
  } catch (const ae::Error& e) {
    const std::string line = "ae: " + one_line(ae::cli::message_with_flags(e));
    if (mpi && mpi->active()) return mpi->fail(e, line);
    std::fprintf(stderr, "%s\n", line.c_str());
    return ae::exit_code(e.kind());
  } catch (const std::bad_alloc&) {
    if (mpi && mpi->active()) return mpi->fail(ae::Error(ae::ErrorKind::internal, "out of memory"), "ae: out of memory");
    std::fprintf(stderr, "ae: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    const std::string line = "ae: internal error: " + one_line(e.what());
    if (mpi && mpi->active()) return mpi->fail(ae::Error(ae::ErrorKind::internal, e.what()), line);
    std::fprintf(stderr, "%s\n", line.c_str());
    return 1;
  }
}
