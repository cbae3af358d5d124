// Shared pieces of the libFuzzer targets: the one rule they enforce (a parser either returns
// or throws ae::Error of the documented kind; anything else is a finding) and a scratch file
// for the readers that only take paths. Not a test framework: a finding aborts at once.
#pragma once
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ae/error.hpp"

namespace ae::fuzz {

// Aborts with a message on stderr, so libFuzzer records the input as a crash.
[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "FINDING: %s\n", what.c_str());
  std::abort();
}

inline void check(bool ok, const char* what) {
  if (!ok) finding(what);
}

// Runs f(); an ae::Error of kind `expected` is the normal outcome for bad input; an
// ae::Error of another kind is a finding. Other exceptions escape to libFuzzer, which
// reports them as crashes.
template <class F>
void expect_clean(F&& f, ErrorKind expected) {
  try {
    f();
  } catch (const Error& e) {
    if (e.kind() != expected) {
      finding("ae::Error of kind " + std::to_string(static_cast<int>(e.kind())) + " (expected " +
              std::to_string(static_cast<int>(expected)) + "): " + e.what());
    }
  }
}

// A per-process scratch path in a memory-backed folder when there is one.
inline std::string scratch_path(const char* suffix) {
  const char* dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  return std::string(dir) + "/ae_fuzz_" + std::to_string(::getpid()) + suffix;
}

// Writes the bytes to `path`, replacing it; aborts if the scratch file cannot be written
// (a broken fuzzing setup, not a finding in ae).
inline void write_scratch(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || (size > 0 && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
    std::fprintf(stderr, "cannot write scratch file %s\n", path.c_str());
    std::abort();
  }
}

}  // namespace ae::fuzz
