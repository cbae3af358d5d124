// ae: the command-line tool. A table of subcommands; each parses its flags, calls the
// library and prints. Errors become one line on stderr and the exit code of DESIGN.md.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "ae/error.hpp"
#include "common.hpp"

int main(int argc, char** argv) {
  // Past a file-size limit (ulimit -f) a write should fail with EFBIG, which the atomic
  // writer reports as exit 74 with the old file intact, instead of killing the process.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"ae: dense autoencoders - train, embed, reconstruct, find outliers, draw", "ae"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ae 0.1.0");
  using Adder = ae::cli::Command (*)(CLI::App&);
  const Adder adders[] = {ae::cli::add_demo,   ae::cli::add_train,  ae::cli::add_summary,
                          ae::cli::add_encode, ae::cli::add_decode, ae::cli::add_reconstruct,
                          ae::cli::add_show,   ae::cli::add_score,  ae::cli::add_plot,
                          ae::cli::add_report, ae::cli::add_export};
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
    std::fprintf(stderr, "ae: %s (see ae --help)\n", e.what());
    return 2;
  }
  try {
    for (const auto& command : commands) {
      if (!command.app->parsed()) continue;
      const int code = command.run();
      // Whatever went to stdout must have arrived: a full disk, a closed pipe or a size limit
      // is exit 74, not a silent loss.
      errno = 0;
      if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
        throw ae::Error(ae::ErrorKind::io, std::string("standard output: write failed: ") + std::strerror(errno));
      }
      return code;
    }
    return 2;
  } catch (const ae::Error& e) {
    std::fprintf(stderr, "ae: %s\n", ae::cli::message_with_flags(e).c_str());
    return ae::exit_code(e.kind());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "ae: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ae: internal error: %s\n", e.what());
    return 1;
  }
}
