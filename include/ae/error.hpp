// ae::Error: the one exception the library throws. Its kind decides the CLI's exit code
// (see DESIGN.md); the message names the file, the position and what to do.
#pragma once
#include <stdexcept>
#include <string>
#include <utility>

namespace ae {

enum class ErrorKind {
  internal,       // exit 1: a bug in ae
  usage,          // exit 2: bad flag, bad layer spec, bad argument
  diverged,       // exit 3: training produced NaN/Inf
  bad_data,       // exit 65: malformed data or model file
  missing_input,  // exit 66: an input file does not exist or cannot be opened
  cannot_create,  // exit 73: an output file cannot be created
  io,             // exit 74: a read or write failed part way
  interrupted,    // exit 130: stopped by the user (SIGINT)
  terminated,     // exit 143: stopped by SIGTERM
  hung_up,        // exit 129: stopped by SIGHUP (the terminal went away)
};

// `setting`, when given, is the name of the setting the message is about (e.g. "epochs",
// "reduce_lr.factor"), written as a word in the message; a front end may show its own name
// for it (the CLI shows the flag).
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message, std::string setting = {})
      : std::runtime_error(message), kind_(kind), setting_(std::move(setting)) {}
  ErrorKind kind() const { return kind_; }
  const std::string& setting() const { return setting_; }

 private:
  ErrorKind kind_;
  std::string setting_;
};

// The process exit code DESIGN.md assigns to each kind.
int exit_code(ErrorKind kind);

}  // namespace ae
