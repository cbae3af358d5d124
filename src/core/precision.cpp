// The precision check against the CPU (ae/precision.hpp), on the kernels' feature detection.
#include "ae/precision.hpp"

#include <string>

#include "ae/error.hpp"
#include "kernels/cpu.hpp"

namespace ae {

void require_precision(Precision p) {
  if (p == Precision::bf16 && !kernels::cpu_has_bf16()) {
    throw Error(ErrorKind::usage, "bf16 precision needs a CPU with AVX-512 BF16 or AMX; this one has " +
                                      std::string(kernels::cpu_isa_name()) + " (use fp32)");
  }
}

std::string_view cpu_isa() { return kernels::cpu_isa_name(); }

}  // namespace ae
