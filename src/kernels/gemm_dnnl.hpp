// GEMMs through oneDNN's matmul, which packs, blocks and picks its AVX-512, AVX-512 BF16 or
// AMX code at run time: fp32 where it measures faster than OpenBLAS (gemm_dnnl_pays_off),
// and the dense layer in bf16: GEMM inputs (weights and activations) rounded to bf16, products
// summed in fp32, outputs, bias, activation and gradients in fp32. Float only; the model and
// its master weights stay fp32. bf16 callers check cpu_has_bf16() first (oneDNN would
// otherwise emulate). Each calling thread keeps its matmul primitives and bf16 copies, built
// or grown when a new shape or a larger one first arrives; no other allocation.
#pragma once
#include <cstddef>
#include <cstdint>

#include "ae/activation.hpp"

namespace ae::kernels {

// x to bf16, rounded to nearest, ties to even (NaN stays NaN).
std::uint16_t to_bf16(float x);
inline float from_bf16(std::uint16_t h) {
  const std::uint32_t bits = static_cast<std::uint32_t>(h) << 16;
  float x;
  __builtin_memcpy(&x, &bits, sizeof x);
  return x;
}
// in and out are (n): out = to_bf16(in) element-wise.
void round_to_bf16(const float* in, std::uint16_t* out, std::size_t n);
void round_to_bf16_ref(const float* in, std::uint16_t* out, std::size_t n);

// Whether oneDNN's fp32 matmul beats OpenBLAS on an (M, N, K) product on this CPU: with
// AVX-512, when no side is under 16 (bench/gemm_engines.sh on the seed model's shapes: 1.7-2x
// on 32- and 128-wide products, up to 10x on the 784-wide ones, slower on 8-wide ones). On
// AVX2 alone OpenBLAS is kept (it was tuned there; oneDNN unmeasured).
bool gemm_dnnl_pays_off(std::size_t M, std::size_t N, std::size_t K);
// a, b and c as for gemm (kernels.hpp): c = op(a) op(b) + beta c, beta 0 or 1, in fp32.
void gemm_f32_dnnl(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K, const float* a,
                   const float* b, float beta, float* c);

// a, b and c as for gemm (kernels.hpp): c = bf16(op(a)) bf16(op(b)) + beta c, beta 0 or 1,
// products summed in fp32. The reference rounds the inputs alike and sums in double, so the
// two differ by fp32 summation rounding only.
void gemm_bf16(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K, const float* a,
               const float* b, float beta, float* c);
void gemm_bf16_ref(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K, const float* a,
                   const float* b, float beta, float* c);

// As gemm_bf16 on inputs already rounded: a16 is bf16(a), b16 is bf16(b), stored as a and b.
void gemm_bf16_rounded(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K,
                       const std::uint16_t* a16, const std::uint16_t* b16, float beta, float* c);

// As dense_forward and dense_backward (kernels.hpp), with every GEMM in bf16. The forward pass
// leaves its rounded input and weight in x16 (B, I) and w16 (O, I), which the backward pass of
// the same step reads instead of rounding x and w again (the weight does not change between
// them); the backward pass rounds dz once into dz16 (B, O) for both of its products.
// Backward ADDS into dw, db and dx (dx_beta 0 writes dx, dw_beta 0 dw and db).
void dense_forward_bf16(Activation act, const float* x, const float* w, const float* b, float* y,
                        std::size_t B, std::size_t I, std::size_t O, std::uint16_t* x16, std::uint16_t* w16);
void dense_backward_bf16(Activation act, const std::uint16_t* x16, const std::uint16_t* w16, const float* y,
                         float* dy, float* dw, float* db, float* dx, std::size_t B, std::size_t I, std::size_t O,
                         std::uint16_t* dz16, float dx_beta = 1.0f, float dw_beta = 1.0f);

}  // namespace ae::kernels
