// ae::Error: the one exception the library throws. Its kind decides the CLI's exit code
// (see DESIGN.md); the message names the file, the position and what to do.
#pragma once
#include <stdexcept>
#include <string>

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
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// The process exit code DESIGN.md assigns to each kind.
int exit_code(ErrorKind kind);

}  // namespace ae
