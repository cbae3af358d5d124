// GEMM and the activation kernels against their references at tile edges and odd sizes,
// and the contracts their header states (beta = 0 overwrites, left derivative at the kink).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernel_test_util.hpp"
#include "kernels/kernels.hpp"

namespace ae::kernels {
namespace {

using test::edge_sizes;
using test::nan_vector;
using test::random_vector;

const Activation kActivations[] = {Activation::linear, Activation::relu, Activation::leaky_relu,
                                   Activation::elu, Activation::tanh, Activation::sigmoid,
                                   Activation::softplus};

// The element-wise kernels vectorise in 8 (AVX2) or 16 (AVX-512) floats.
const std::vector<std::size_t> kSizes = edge_sizes({8, 16});

TEST(Kernels, GemmMatchesReferenceForEveryTransposeAndSize) {
  Rng rng(1);
  for (std::size_t M : edge_sizes({16})) {
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
  std::vector<float> a{1, 2, 3, 4}, b{1, 0, 0, 1}, c(4, NAN), c_ref(4, NAN);
  gemm<float>(false, false, 2, 2, 2, 1.0f, a.data(), b.data(), 0.0f, c.data());
  gemm_ref<float>(false, false, 2, 2, 2, 1.0f, a.data(), b.data(), 0.0f, c_ref.data());
  EXPECT_EQ(c, a);
  EXPECT_EQ(c_ref, a);
}

TEST(Kernels, BiasActivationForwardMatchesReference) {
  Rng rng(2);
  for (Activation act : kActivations) {
    for (std::size_t O : kSizes) {
      const std::size_t B = 3;
      const auto bias = random_vector(O, rng);
      auto y_fast = random_vector(B * O, rng, 5.0);
      auto y_ref = y_fast;
      // Without a bias: the same values with the bias added beforehand.
      auto y_unbiased = y_fast;
      for (std::size_t i = 0; i < B * O; ++i) y_unbiased[i] += bias[i % O];
      auto y_unbiased_ref = y_unbiased;
      bias_activation_forward(act, bias.data(), y_fast.data(), B, O);
      bias_activation_forward_ref(act, bias.data(), y_ref.data(), B, O);
      activation_forward(act, y_unbiased.data(), B * O);
      activation_forward_ref(act, y_unbiased_ref.data(), B * O);
      for (std::size_t i = 0; i < B * O; ++i) {
        ASSERT_NEAR(y_fast[i], y_ref[i], 1e-6f) << activation_name(act) << " O=" << O;
        ASSERT_EQ(y_unbiased[i], y_fast[i]) << activation_name(act) << " O=" << O;
        ASSERT_EQ(y_unbiased_ref[i], y_ref[i]) << activation_name(act) << " O=" << O;
      }
    }
  }
}

TEST(Kernels, ActivationBackwardMatchesReference) {
  Rng rng(3);
  for (Activation act : kActivations) {
    for (std::size_t n : kSizes) {
      auto y = random_vector(n, rng, 3.0);
      activation_forward_ref(act, y.data(), n);
      auto d_fast = random_vector(n, rng);
      auto d_ref = d_fast;
      activation_backward(act, y.data(), d_fast.data(), n);
      activation_backward_ref(act, y.data(), d_ref.data(), n);
      for (std::size_t i = 0; i < n; ++i) ASSERT_NEAR(d_fast[i], d_ref[i], 1e-6f);
    }
  }
}

TEST(Kernels, ActivationBiasBackwardMatchesReferenceAndTheTwoPasses) {
  Rng rng(25);
  for (Activation act : kActivations) {
    for (std::size_t O : kSizes) {
      const std::size_t B = 5;
      auto y = random_vector(B * O, rng, 3.0);
      activation_forward_ref(act, y.data(), B * O);
      const auto dy = random_vector(B * O, rng);
      auto fused = dy, apart = dy, ref = dy;
      // db is added into: start it from nonzero values.
      auto db_fused = random_vector(O, rng);
      auto db_apart = db_fused, db_ref = db_fused;
      activation_bias_backward(act, y.data(), fused.data(), db_fused.data(), B, O);
      activation_backward(act, y.data(), apart.data(), B * O);
      bias_backward(apart.data(), db_apart.data(), B, O);
      activation_bias_backward_ref(act, y.data(), ref.data(), db_ref.data(), B, O);
      EXPECT_EQ(fused, apart) << activation_name(act) << " O=" << O;
      EXPECT_EQ(db_fused, db_apart) << activation_name(act) << " O=" << O;
      for (std::size_t i = 0; i < B * O; ++i) ASSERT_NEAR(fused[i], ref[i], 1e-6f) << activation_name(act);
      for (std::size_t i = 0; i < O; ++i) ASSERT_NEAR(db_fused[i], db_ref[i], 1e-5f) << activation_name(act);
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

// Gathering byte rows: the same floats as the reference at every width around the vector
// and cache-line tiles, with rows repeated and out of order, and fewer rows than the
// prefetch distance; every output written.
TEST(Kernels, GatherBytesToFloatMatchesReference) {
  Rng rng(5);
  for (std::size_t D : edge_sizes({16, 64})) {
    const std::size_t R = 9;
    std::vector<unsigned char> rows(R * D);
    for (auto& v : rows) v = static_cast<unsigned char>(rng.next_u64() & 0xff);
    for (std::size_t n : {std::size_t{1}, std::size_t{3}, std::size_t{12}}) {
      std::vector<std::size_t> order(n);
      for (std::size_t i = 0; i < n; ++i) order[i] = (7 * i + 3) % R;
      auto got = nan_vector(n * D), want = nan_vector(n * D);
      gather_bytes_to_float(rows.data(), D, order.data(), n, got.data());
      gather_bytes_to_float_ref(rows.data(), D, order.data(), n, want.data());
      ASSERT_EQ(got, want) << "D " << D << ", n " << n;
      EXPECT_EQ(got[0], static_cast<float>(rows[order[0] * D]) * (1.0f / 255.0f));
    }
  }
}

// Dropout masks: only 0 and 1 / (1 - rate), about `rate` of them 0, the same rows whatever
// the split (row0), another key gives another mask, rate 0 keeps every unit.
TEST(DropoutMask, RateScaleSplitAndKey) {
  const std::size_t B = 64, O = 50;
  std::vector<float> whole(B * O), top(20 * O), rest((B - 20) * O), other(B * O);
  dropout_mask(whole.data(), B, O, dropout_key(1, 2, 3), 0, 0.25);
  dropout_mask(top.data(), 20, O, dropout_key(1, 2, 3), 0, 0.25);
  dropout_mask(rest.data(), B - 20, O, dropout_key(1, 2, 3), 20, 0.25);
  dropout_mask(other.data(), B, O, dropout_key(1, 3, 3), 0, 0.25);
  std::size_t dropped = 0;
  for (float v : whole) {
    EXPECT_TRUE(v == 0.0f || v == static_cast<float>(1.0 / 0.75)) << v;
    dropped += v == 0.0f;
  }
  EXPECT_NEAR(static_cast<double>(dropped) / (B * O), 0.25, 0.03);
  EXPECT_TRUE(std::equal(top.begin(), top.end(), whole.begin()));
  EXPECT_TRUE(std::equal(rest.begin(), rest.end(), whole.begin() + 20 * O));
  EXPECT_NE(other, whole);
  std::vector<double> keep(B * O);
  dropout_mask(keep.data(), B, O, dropout_key(1, 2, 3), 0, 0.0);
  for (double v : keep) EXPECT_EQ(v, 1.0);
}

// Input noise: gaussian has mean 0 and standard deviation sigma, masking zeroes about sigma
// of the values and keeps the rest; both the same for any split of the rows.
TEST(InputNoise, GaussianMomentsMaskFractionAndSplit) {
  const std::size_t B = 100, D = 100;
  std::vector<double> x(B * D, 0.5), top(30 * D, 0.5), rest((B - 30) * D, 0.5);
  input_noise(x.data(), B, D, dropout_key(4, 5, 6), 0, 0.3, false);
  input_noise(top.data(), 30, D, dropout_key(4, 5, 6), 0, 0.3, false);
  input_noise(rest.data(), B - 30, D, dropout_key(4, 5, 6), 30, 0.3, false);
  EXPECT_TRUE(std::equal(top.begin(), top.end(), x.begin()));
  EXPECT_TRUE(std::equal(rest.begin(), rest.end(), x.begin() + 30 * D));
  double sum = 0, sq = 0;
  for (double v : x) {
    sum += v - 0.5;
    sq += (v - 0.5) * (v - 0.5);
  }
  const double n = static_cast<double>(B * D), mean = sum / n;
  EXPECT_NEAR(mean, 0.0, 0.01);
  EXPECT_NEAR(std::sqrt(sq / n - mean * mean), 0.3, 0.01);
  std::vector<float> m(B * D, 2.0f);
  input_noise(m.data(), B, D, dropout_key(4, 5, 6), 0, 0.2, true);
  std::size_t zeros = 0;
  for (float v : m) {
    EXPECT_TRUE(v == 0.0f || v == 2.0f);
    zeros += v == 0.0f;
  }
  EXPECT_NEAR(static_cast<double>(zeros) / n, 0.2, 0.02);
}

}  // namespace
}  // namespace ae::kernels
