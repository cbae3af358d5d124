// The loss kernels against their references at the edges of their lanes (8 double lanes of
// the squared-error sum, 16 of its gradient's rows, 8 float lanes and 1024-value blocks of
// the float bce), with gradients pre-filled with NaN, and the float bce at its clips.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernel_test_util.hpp"
#include "kernels/fast_math.hpp"
#include "kernels/kernels.hpp"

namespace ae::kernels {
namespace {

using test::edge_sizes;
using test::nan_vector;
using test::near;
using test::random_vector;

TEST(LossKernels, SquaredErrorSumMatchesReference) {
  Rng rng(30);
  for (std::size_t n : edge_sizes({8})) {
    SCOPED_TRACE(n);
    const auto y = random_vector(n, rng), x = random_vector(n, rng);
    const auto yd = random_vector<double>(n, rng), xd = random_vector<double>(n, rng);
    EXPECT_TRUE(near(squared_error_sum(y.data(), x.data(), n), squared_error_sum_ref(y.data(), x.data(), n), 1e-14));
    EXPECT_TRUE(near(squared_error_sum(yd.data(), xd.data(), n), squared_error_sum_ref(yd.data(), xd.data(), n), 1e-14));
  }
}

TEST(LossKernels, SquaredErrorGradientMatchesReference) {
  Rng rng(31);
  const std::size_t B = 3;
  for (std::size_t D : edge_sizes({16})) {
    SCOPED_TRACE(D);
    const auto y = random_vector(B * D, rng), x = random_vector(B * D, rng);
    auto dy = nan_vector(B * D), dy_ref = nan_vector(B * D);
    const double sum = squared_error_gradient(y.data(), x.data(), dy.data(), B, D, 0.125f);
    const double ref = squared_error_gradient_ref(y.data(), x.data(), dy_ref.data(), B, D, 0.125f);
    EXPECT_TRUE(near(sum, ref, 1e-6));  // float lanes against double terms
    EXPECT_EQ(dy, dy_ref);
    const auto yd = random_vector<double>(B * D, rng), xd = random_vector<double>(B * D, rng);
    auto dyd = nan_vector<double>(B * D), dyd_ref = nan_vector<double>(B * D);
    const double sumd = squared_error_gradient(yd.data(), xd.data(), dyd.data(), B, D, 0.125);
    const double refd = squared_error_gradient_ref(yd.data(), xd.data(), dyd_ref.data(), B, D, 0.125);
    EXPECT_TRUE(near(sumd, refd, 1e-14));
    EXPECT_EQ(dyd, dyd_ref);
  }
}

// The float bce on targets in [0, 1] and outputs across (0, 1), at both clips and beyond
// them; the double kernels are their references.
TEST(LossKernels, BceMatchesReference) {
  Rng rng(21);
  for (std::size_t n : edge_sizes({8, 1024})) {
    SCOPED_TRACE(n);
    std::vector<float> y(n), x(n);
    for (std::size_t i = 0; i < n; ++i) {
      y[i] = static_cast<float>(rng.uniform(0.0, 1.0));
      x[i] = static_cast<float>(rng.uniform(0.0, 1.0));
    }
    const float edges[] = {0.0f, 1e-8f, 1e-7f, 2e-7f, 0.5f, 0.9999997f, 0.9999999f, 1.0f, 1.5f, -0.5f};
    for (std::size_t i = 0; i < n && i < std::size(edges); ++i) y[n - 1 - i] = edges[i];
    auto dy = nan_vector(n), dy_ref = nan_vector(n);
    const double ref = bce_gradient_ref(y.data(), x.data(), dy_ref.data(), n, 0.25f);
    EXPECT_TRUE(near(bce_gradient(y.data(), x.data(), dy.data(), n, 0.25f), ref, 2e-6));
    EXPECT_TRUE(near(bce_sum(y.data(), x.data(), n), bce_sum_ref(y.data(), x.data(), n), 2e-6));
    EXPECT_EQ(bce_sum_ref(y.data(), x.data(), n), ref);
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_TRUE(near(dy[i], dy_ref[i], 1e-5, 1e-6)) << "y " << y[i] << " x " << x[i];
      if (dy_ref[i] == 0.0f) EXPECT_EQ(dy[i], 0.0f);  // the clip's zero gradient exactly
    }
    // In double the kernels are the references.
    const std::vector<double> yd(y.begin(), y.end()), xd(x.begin(), x.end());
    auto dyd = nan_vector<double>(n), dyd_ref = nan_vector<double>(n);
    EXPECT_EQ(bce_gradient(yd.data(), xd.data(), dyd.data(), n, 0.25), bce_gradient_ref(yd.data(), xd.data(), dyd_ref.data(), n, 0.25));
    EXPECT_EQ(dyd, dyd_ref);
  }
}

TEST(LossKernels, FloatBceClipsLikeTheReference) {
  // At and beyond both clips: the terms of the clipped values, no gradient outside.
  const std::vector<float> y{1.0f, 0.9999999f, 0.0f, 1e-7f, 2.0f, -1.0f};
  const std::vector<float> x{0.25f, 0.25f, 0.75f, 0.75f, 0.5f, 0.5f};
  auto dy = nan_vector(y.size()), dy_ref = nan_vector(y.size());
  const double ref = bce_gradient_ref(y.data(), x.data(), dy_ref.data(), y.size(), 1.0f);
  EXPECT_TRUE(near(bce_gradient(y.data(), x.data(), dy.data(), y.size(), 1.0f), ref, 2e-6));
  for (std::size_t i = 0; i < y.size(); ++i) EXPECT_TRUE(near(dy[i], dy_ref[i], 1e-5)) << "y " << y[i];
  EXPECT_EQ(dy[0], 0.0f);
  EXPECT_EQ(dy[2], 0.0f);
  EXPECT_EQ(dy[4], 0.0f);
  EXPECT_EQ(dy[5], 0.0f);
}

TEST(LossKernels, FloatBceCarriesNaN) {
  std::vector<float> y(20, 0.5f), x(20, 0.5f), dy(20);
  y[13] = NAN;
  EXPECT_TRUE(std::isnan(bce_gradient(y.data(), x.data(), dy.data(), y.size(), 1.0f)));
  EXPECT_TRUE(std::isnan(dy[13]));
  EXPECT_TRUE(std::isnan(bce_sum(y.data(), x.data(), y.size())));
}

}  // namespace
}  // namespace ae::kernels
