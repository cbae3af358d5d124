// CPU feature detection for the kernels (see cpu.hpp): GCC's cpuid reading, less what
// AE_CPU_MASK hides. Read once; nothing here changes afterwards.
#include "kernels/cpu.hpp"

#include <cstdlib>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace ae::kernels {
namespace {

// Whether the comma-separated `list` holds `word`.
bool listed(const char* list, const char* word) {
  const std::size_t n = std::strlen(word);
  for (const char* p = list; *p != '\0';) {
    const char* end = std::strchr(p, ',');
    const std::size_t len = end != nullptr ? static_cast<std::size_t>(end - p) : std::strlen(p);
    if (len == n && std::strncmp(p, word, n) == 0) return true;
    if (end == nullptr) break;
    p = end + 1;
  }
  return false;
}

CpuFeatures detect() {
  CpuFeatures f;
#if defined(__x86_64__)
  __builtin_cpu_init();
  f.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  f.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx512vl");
  f.avx512_bf16 = f.avx512 && __builtin_cpu_supports("avx512bf16");
  // AMX-BF16: CPUID leaf 7, EDX bit 22 (read directly: not every compiler names it).
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) != 0) f.amx_bf16 = ((d >> 22) & 1u) != 0;
#endif
  if (const char* mask = std::getenv("AE_CPU_MASK"); mask != nullptr) {
    if (listed(mask, "avx2")) f.avx2 = false;
    if (listed(mask, "avx512")) f.avx512 = false;
    if (listed(mask, "avx512_bf16")) f.avx512_bf16 = false;
    if (listed(mask, "amx")) f.amx_bf16 = false;
  }
  return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

const char* cpu_isa_name() {
  const CpuFeatures& f = cpu_features();
  if (f.amx_bf16) return "amx_bf16";
  if (f.avx512_bf16) return "avx512_bf16";
  if (f.avx512) return "avx512";
  if (f.avx2) return "avx2";
  return "x86-64";
}

}  // namespace ae::kernels
