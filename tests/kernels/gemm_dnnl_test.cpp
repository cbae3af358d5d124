// The oneDNN GEMMs: fp32 against gemm_ref, and through gemm's per-shape choice, for every
// transpose at tile edges (oneDNN's AVX-512 tiles are 16 wide; AMX's 16 x 32); rounding to
// bf16 (ties to even, NaN kept) against its reference at lane edges; the bf16 GEMM against
// the reference that rounds alike and sums in double. The bf16 GEMM tests skip, saying so, on
// a CPU without AVX-512 BF16 or AMX.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <limits>
#include <vector>

#include "../cpu_support.hpp"
#include "kernel_test_util.hpp"
#include "kernels/gemm_dnnl.hpp"
#include "kernels/cpu.hpp"
#include "kernels/kernels.hpp"

namespace ae::kernels {
namespace {

using test::edge_sizes;
using test::random_vector;

float float_of(std::uint32_t b) {
  float x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

TEST(DnnlKernels, Fp32GemmMatchesReferenceForEveryTransposeAtTileEdges) {
  Rng rng(10);
  for (std::size_t M : edge_sizes({16})) {
    for (std::size_t N : edge_sizes({16})) {
      for (std::size_t K : {std::size_t{1}, std::size_t{16}, std::size_t{33}, std::size_t{101}}) {
        for (int t = 0; t < 8; ++t) {
          const bool ta = t & 1, tb = t & 2, accumulate = t & 4;
          const auto a = random_vector(M * K, rng), b = random_vector(K * N, rng);
          auto c_dnnl = accumulate ? random_vector(M * N, rng) : test::nan_vector(M * N);
          auto c_gemm = c_dnnl, c_ref = c_dnnl;
          const float beta = accumulate ? 1.0f : 0.0f;
          gemm_f32_dnnl(ta, tb, M, N, K, a.data(), b.data(), beta, c_dnnl.data());
          gemm<float>(ta, tb, M, N, K, 1.0f, a.data(), b.data(), beta, c_gemm.data());  // whichever engine pays
          gemm_ref<float>(ta, tb, M, N, K, 1.0f, a.data(), b.data(), beta, c_ref.data());
          for (std::size_t i = 0; i < M * N; ++i) {
            ASSERT_NEAR(c_dnnl[i], c_ref[i], 2e-5f * static_cast<float>(K) + 1e-6f) << M << "x" << N << "x" << K << " t=" << t;
            ASSERT_NEAR(c_gemm[i], c_ref[i], 2e-5f * static_cast<float>(K) + 1e-6f) << M << "x" << N << "x" << K << " t=" << t;
          }
        }
      }
    }
  }
}

TEST(DnnlKernels, Fp32EngineIsOneDnnOnlyWithAvx512AndNoSideUnder16) {
  EXPECT_FALSE(gemm_dnnl_pays_off(128, 8, 32));
  EXPECT_FALSE(gemm_dnnl_pays_off(15, 784, 128));
  EXPECT_EQ(gemm_dnnl_pays_off(128, 784, 128), cpu_features().avx512);
}

// The fp32 dense layer takes oneDNN (product, then bias with activation) or OpenBLAS (bias,
// then product added) by shape; either must write every output (pre-filled with NaN) and
// match the reference: the product, plus the bias, through the activation.
TEST(DnnlKernels, Fp32DenseForwardMatchesReferenceOnEitherEngineAtTileEdges) {
  Rng rng(14);
  for (std::size_t B : edge_sizes({16})) {
    for (std::size_t O : edge_sizes({16})) {
      for (std::size_t I : {std::size_t{1}, std::size_t{16}, std::size_t{53}}) {
        for (Activation act : {Activation::relu, Activation::sigmoid, Activation::linear}) {
          const auto x = random_vector(B * I, rng), w = random_vector(O * I, rng), b = random_vector(O, rng);
          auto y = test::nan_vector(B * O), want = test::nan_vector(B * O);
          dense_forward<float>(act, x.data(), w.data(), b.data(), y.data(), B, I, O);
          gemm_ref<float>(false, true, B, O, I, 1.0f, x.data(), w.data(), 0.0f, want.data());
          bias_activation_forward_ref(act, b.data(), want.data(), B, O);
          for (std::size_t i = 0; i < B * O; ++i) {
            ASSERT_NEAR(y[i], want[i], 2e-5f * static_cast<float>(I) + 1e-6f)
                << B << "x" << I << "->" << O << " " << activation_name(act) << " dnnl " << gemm_dnnl_pays_off(B, O, I);
          }
        }
      }
    }
  }
}

TEST(Bf16Kernels, RoundsToNearestWithTiesToEvenAndKeepsSpecials) {
  EXPECT_EQ(to_bf16(1.0f), 0x3f80);
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: the even one (1) wins; just above rounds up.
  EXPECT_EQ(to_bf16(float_of(0x3f808000u)), 0x3f80);
  EXPECT_EQ(to_bf16(float_of(0x3f808001u)), 0x3f81);
  // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6: rounds up to even.
  EXPECT_EQ(to_bf16(float_of(0x3f818000u)), 0x3f82);
  EXPECT_EQ(to_bf16(-2.5f), 0xc020);
  EXPECT_EQ(to_bf16(std::numeric_limits<float>::infinity()), 0x7f80);
  EXPECT_TRUE(std::isnan(from_bf16(to_bf16(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_TRUE(std::isnan(from_bf16(to_bf16(float_of(0x7f800001u)))));  // a NaN whose top bits are inf's
  EXPECT_EQ(to_bf16(std::numeric_limits<float>::max()), 0x7f80);  // rounds past bf16's largest: inf
  EXPECT_EQ(from_bf16(to_bf16(0.15625f)), 0.15625f);  // exact in bf16 (bits 0x3e20)
}

TEST(Bf16Kernels, RoundToBf16MatchesReferenceAtLaneEdges) {
  Rng rng(11);
  for (std::size_t n : edge_sizes({8, 16, 32})) {
    auto x = random_vector(n, rng, 1e3);
    if (n > 2) x[1] = std::numeric_limits<float>::quiet_NaN();
    std::vector<std::uint16_t> fast(n, 0xdead), ref(n, 0xbeef);
    round_to_bf16(x.data(), fast.data(), n);
    round_to_bf16_ref(x.data(), ref.data(), n);
    EXPECT_EQ(fast, ref) << "n=" << n;
  }
}

TEST(Bf16Kernels, GemmMatchesReferenceForEveryTransposeAtTileEdges) {
  AE_SKIP_WITHOUT_BF16();
  Rng rng(12);
  for (std::size_t M : edge_sizes({16})) {
    for (std::size_t N : edge_sizes({16})) {
      for (std::size_t K : {std::size_t{1}, std::size_t{31}, std::size_t{32}, std::size_t{33}, std::size_t{101}}) {
        for (int t = 0; t < 8; ++t) {
          const bool ta = t & 1, tb = t & 2, accumulate = t & 4;
          const auto a = random_vector(M * K, rng), b = random_vector(K * N, rng);
          auto c_fast = accumulate ? random_vector(M * N, rng) : test::nan_vector(M * N);
          auto c_ref = c_fast;
          const float beta = accumulate ? 1.0f : 0.0f;
          gemm_bf16(ta, tb, M, N, K, a.data(), b.data(), beta, c_fast.data());
          gemm_bf16_ref(ta, tb, M, N, K, a.data(), b.data(), beta, c_ref.data());
          for (std::size_t i = 0; i < M * N; ++i) {
            // Exact bf16 products summed in fp32: K roundings of at most 2^-24 relative each.
            ASSERT_NEAR(c_fast[i], c_ref[i], 2e-6f * static_cast<float>(K) + 1e-6f)
                << M << "x" << N << "x" << K << " t=" << t;
          }
        }
      }
    }
  }
}

TEST(Bf16Kernels, DenseLayerIsCloseToFp32AndBackwardAdds) {
  AE_SKIP_WITHOUT_BF16();
  Rng rng(13);
  const std::size_t B = 37, I = 53, O = 17;
  const auto x = random_vector(B * I, rng), w = random_vector(O * I, rng, 0.3), b = random_vector(O, rng);
  auto y16 = test::nan_vector(B * O), y32 = test::nan_vector(B * O);
  std::vector<std::uint16_t> x16(B * I), w16(O * I), dz16(B * O);
  dense_forward_bf16(Activation::sigmoid, x.data(), w.data(), b.data(), y16.data(), B, I, O, x16.data(), w16.data());
  dense_forward<float>(Activation::sigmoid, x.data(), w.data(), b.data(), y32.data(), B, I, O);
  for (std::size_t i = 0; i < B * O; ++i) ASSERT_NEAR(y16[i], y32[i], 2e-2f) << i;
  // The forward pass leaves its rounded input and weight for the backward pass.
  std::vector<std::uint16_t> x_rounded(B * I), w_rounded(O * I);
  round_to_bf16_ref(x.data(), x_rounded.data(), B * I);
  round_to_bf16_ref(w.data(), w_rounded.data(), O * I);
  EXPECT_EQ(x16, x_rounded);
  EXPECT_EQ(w16, w_rounded);
  // Backward adds into dw, db and dx: start them at 1 and compare with fp32 plus 1.
  auto dy16 = random_vector(B * O, rng), dy32 = dy16;
  std::vector<float> dw16(O * I, 1.0f), db16(O, 1.0f), dx16(B * I, 1.0f);
  std::vector<float> dw32(O * I, 1.0f), db32(O, 1.0f), dx32(B * I, 1.0f);
  dense_backward_bf16(Activation::sigmoid, x16.data(), w16.data(), y32.data(), dy16.data(), dw16.data(), db16.data(),
                      dx16.data(), B, I, O, dz16.data());
  dense_backward<float>(Activation::sigmoid, x.data(), w.data(), y32.data(), dy32.data(), dw32.data(), db32.data(),
                        dx32.data(), B, I, O);
  EXPECT_EQ(db16, db32);  // the bias gradient is fp32 in both
  for (std::size_t i = 0; i < O * I; ++i) ASSERT_NEAR(dw16[i], dw32[i], 2e-2f) << i;
  for (std::size_t i = 0; i < B * I; ++i) ASSERT_NEAR(dx16[i], dx32[i], 2e-2f) << i;
  // dz rounded once for both products gives the bits of each product rounding its own
  // inputs (dy16 now holds dz).
  std::vector<float> dw_each(O * I, 1.0f), dx_each(B * I, 1.0f);
  gemm_bf16(true, false, O, I, B, dy16.data(), x.data(), 1.0f, dw_each.data());
  gemm_bf16(false, false, B, I, O, dy16.data(), w.data(), 1.0f, dx_each.data());
  EXPECT_EQ(dw16, dw_each);
  EXPECT_EQ(dx16, dx_each);
}

TEST(CpuFeatures, NamesTheBestInstructionSetConsistently) {
  const CpuFeatures& f = cpu_features();
  const std::string name = cpu_isa_name();
  std::printf("CPU as the kernels see it: %s (avx2 %d, avx512 %d, avx512_bf16 %d, amx_bf16 %d)\n", name.c_str(),
              f.avx2, f.avx512, f.avx512_bf16, f.amx_bf16);
  if (f.avx512_bf16) EXPECT_TRUE(f.avx512);
  EXPECT_EQ(cpu_has_bf16(), f.avx512_bf16 || f.amx_bf16);
  EXPECT_EQ(name == "x86-64", !f.avx2 && !f.avx512 && !cpu_has_bf16());
}

}  // namespace
}  // namespace ae::kernels
