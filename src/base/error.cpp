// Exit codes for each error kind, as DESIGN.md lists them.
#include "ae/error.hpp"

namespace ae {

int exit_code(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::internal: return 1;
    case ErrorKind::usage: return 2;
    case ErrorKind::diverged: return 3;
    case ErrorKind::bad_data: return 65;
    case ErrorKind::missing_input: return 66;
    case ErrorKind::cannot_create: return 73;
    case ErrorKind::io: return 74;
    case ErrorKind::interrupted: return 130;
    case ErrorKind::terminated: return 143;
    case ErrorKind::hung_up: return 129;
  }
  return 1;
}

}  // namespace ae
