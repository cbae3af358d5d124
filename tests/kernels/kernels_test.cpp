// Fast kernels against their references at tile edges and odd sizes.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ae/random.hpp"
#include "kernels/kernels.hpp"

namespace ae::kernels {
namespace {

std::vector<float> random_vector(std::size_t n, Rng& rng, float scale = 1.0f) {
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(rng.uniform(-scale, scale));
  return v;
}

// Sizes around the 16-float AVX-512 vector and typical GEMM tile widths.
const std::size_t kSizes[] = {1, 15, 16, 17, 53};

TEST(Kernels, GemmMatchesReferenceForEveryTransposeAndSize) {
  Rng rng(1);
  for (std::size_t M : kSizes) {
    for (std::size_t N : {std::size_t{1}, std::size_t{16}, std::size_t{33}}) {
      for (std::size_t K : {std::size_t{1}, std::size_t{17}, std::size_t{64}}) {
        for (int t = 0; t < 4; ++t) {
          const bool ta = t & 1, tb = t & 2;
          const auto a = random_vector(M * K, rng), b = random_vector(K * N, rng);
          auto c_fast = random_vector(M * N, rng);
          auto c_ref = c_fast;
          gemm<float>(ta, tb, M, N, K, 0.5f, a.data(), b.data(), 1.0f, c_fast.data());
          gemm_ref<float>(ta, tb, M, N, K, 0.5f, a.data(), b.data(), 1.0f, c_ref.data());
          for (std::size_t i = 0; i < M * N; ++i) {
            ASSERT_NEAR(c_fast[i], c_ref[i], 1e-4f) << M << "x" << N << "x" << K << " t=" << t;
          }
        }
      }
    }
  }
}

TEST(Kernels, GemmWithZeroBetaIgnoresNaNInOutput) {
  std::vector<float> a{1, 2, 3, 4}, b{1, 0, 0, 1}, c(4, NAN);
  gemm<float>(false, false, 2, 2, 2, 1.0f, a.data(), b.data(), 0.0f, c.data());
  EXPECT_EQ(c, a);
}

TEST(Kernels, BiasActivationForwardMatchesReference) {
  Rng rng(2);
  for (Activation act : {Activation::linear, Activation::relu, Activation::leaky_relu,
                         Activation::elu, Activation::tanh, Activation::sigmoid,
                         Activation::softplus}) {
    for (std::size_t O : kSizes) {
      const std::size_t B = 3;
      const auto bias = random_vector(O, rng);
      auto y_fast = random_vector(B * O, rng, 5.0f);
      auto y_ref = y_fast;
      bias_activation_forward(act, bias.data(), y_fast.data(), B, O);
      bias_activation_forward_ref(act, bias.data(), y_ref.data(), B, O);
      for (std::size_t i = 0; i < B * O; ++i) {
        ASSERT_NEAR(y_fast[i], y_ref[i], 1e-6f) << activation_name(act) << " O=" << O;
      }
    }
  }
}

TEST(Kernels, ActivationBackwardMatchesReference) {
  Rng rng(3);
  for (Activation act : {Activation::linear, Activation::relu, Activation::leaky_relu,
                         Activation::elu, Activation::tanh, Activation::sigmoid,
                         Activation::softplus}) {
    for (std::size_t n : kSizes) {
      auto y = random_vector(n, rng, 3.0f);
      std::vector<float> bias(n, 0.0f);
      bias_activation_forward_ref(act, bias.data(), y.data(), 1, n);
      auto d_fast = random_vector(n, rng);
      auto d_ref = d_fast;
      activation_backward(act, y.data(), d_fast.data(), n);
      activation_backward_ref(act, y.data(), d_ref.data(), n);
      for (std::size_t i = 0; i < n; ++i) ASSERT_NEAR(d_fast[i], d_ref[i], 1e-6f);
    }
  }
}

TEST(Kernels, ReluAndLeakyReluTakeTheLeftDerivativeAtTheKink) {
  const float y_zero = 0.0f;
  float d = 1.0f;
  activation_backward(Activation::relu, &y_zero, &d, 1);
  EXPECT_EQ(d, 0.0f);
  d = 1.0f;
  activation_backward(Activation::leaky_relu, &y_zero, &d, 1);
  EXPECT_FLOAT_EQ(d, 0.01f);
}

TEST(Kernels, SigmoidAndSoftplusStayFiniteForExtremeInputs) {
  std::vector<float> y{-1000.0f, -80.0f, 0.0f, 80.0f, 1000.0f};
  auto s = y;
  const std::vector<float> zero(5, 0.0f);
  bias_activation_forward(Activation::sigmoid, zero.data(), s.data(), 1, 5);
  for (float v : s) {
    EXPECT_TRUE(std::isfinite(v));
    EXPECT_GE(v, 0.0f);
    EXPECT_LE(v, 1.0f);
  }
  auto sp = y;
  bias_activation_forward(Activation::softplus, zero.data(), sp.data(), 1, 5);
  for (float v : sp) EXPECT_TRUE(std::isfinite(v));
  EXPECT_NEAR(sp[4], 1000.0f, 1e-3f);
}

TEST(Kernels, BytesToFloatScalesTo01) {
  const unsigned char in[3] = {0, 128, 255};
  float out[3];
  bytes_to_float(in, out, 3);
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_NEAR(out[1], 128.0f / 255.0f, 1e-7f);
  EXPECT_EQ(out[2], 1.0f);
}

}  // namespace
}  // namespace ae::kernels
