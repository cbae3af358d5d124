// The arithmetic of a model's GEMMs: fp32, or bf16 inputs (weights and activations rounded
// to bf16) with fp32 sums, fp32 master weights and optimiser state. A setting of a run, not
// of the model file, which stays fp32.
#pragma once
#include <array>
#include <string_view>

#include "ae/names.hpp"

namespace ae {

enum class Precision { fp32, bf16 };
inline constexpr std::array<NameEntry<Precision>, 2> kPrecisionNames{{
    {Precision::fp32, "fp32"}, {Precision::bf16, "bf16"}}};
inline Precision parse_precision(std::string_view name) { return parse_name(kPrecisionNames, name, "precision"); }
inline std::string_view precision_name(Precision p) { return name_of(kPrecisionNames, p); }

// Throws Error(usage) when this CPU cannot compute in p natively (bf16 needs AVX-512 BF16 or
// AMX), naming what the CPU has.
void require_precision(Precision p);
// The CPU's best instruction set as the kernels see it: "amx_bf16", "avx512_bf16",
// "avx512", "avx2" or "x86-64".
std::string_view cpu_isa();

}  // namespace ae
