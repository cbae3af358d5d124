// Tests that need a CPU feature skip, visibly, where the CPU lacks it.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "kernels/cpu.hpp"

namespace ae::test {

inline std::string no_bf16_message() {
  return std::string("this CPU (") + kernels::cpu_isa_name() + ") has neither AVX-512 BF16 nor AMX";
}

}  // namespace ae::test

// Skips the calling test, saying why, where the CPU has no native bf16. GoogleTest's skip
// returns from the test body, so this has to be a macro.
#define AE_SKIP_WITHOUT_BF16() \
  if (!::ae::kernels::cpu_has_bf16()) GTEST_SKIP() << ::ae::test::no_bf16_message()
