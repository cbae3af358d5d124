// What this CPU offers the kernels, found once at start-up: the vector instruction sets the
// kernels' clones are picked by (isa.hpp) and the native bf16 arithmetic the bf16 GEMM needs.
// AE_CPU_MASK (a comma-separated list of avx2, avx512, avx512_bf16, amx) hides features, so
// a test sees the refusals of a CPU without them; it does not change which clone runs.
#pragma once

namespace ae::kernels {

struct CpuFeatures {
  bool avx2 = false;         // with FMA (x86-64-v3)
  bool avx512 = false;       // F, BW, CD, DQ, VL (x86-64-v4)
  bool avx512_bf16 = false;  // AVX-512 BF16 dot products
  bool amx_bf16 = false;     // AMX tiles with bf16
};

// This CPU's features less those AE_CPU_MASK names; computed on the first call.
const CpuFeatures& cpu_features();
// Whether the CPU multiplies bf16 natively (AVX-512 BF16 or AMX).
inline bool cpu_has_bf16() { return cpu_features().avx512_bf16 || cpu_features().amx_bf16; }
// "amx_bf16", "avx512_bf16", "avx512", "avx2" or "x86-64": the best of cpu_features().
const char* cpu_isa_name();

}  // namespace ae::kernels
