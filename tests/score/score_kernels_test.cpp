// Score kernels: each against the numpy values of the fixture, and the fast kernels against
// their double-precision references at block edges and odd sizes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "ae/random.hpp"
#include "kernels/score_kernels.hpp"
#include "score_fixture.hpp"

namespace ae {
namespace {

using score_test::doubles;
using score_test::floats;
using score_test::reference;

// Relative tolerance for float kernels against float64 numpy values.
void expect_close(const std::vector<float>& got, const std::vector<double>& want, double rel,
                  const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], rel * std::max(1.0, std::fabs(want[i]))) << what << " at " << i;
  }
}

TEST(ScoreKernels, MatchNumpyForEveryKind) {
  const auto& k = reference()["kernels"];
  const std::size_t B = k["rows"], D = k["cols"];
  const std::vector<float> x = floats(k["x"]), y = floats(k["y"]), w = floats(k["w"]);
  const std::vector<float> w_abs = floats(k["w_abs"]);
  for (const char* name : {"zsae", "zsse", "sse", "mse", "mae", "bce", "max"}) {
    SCOPED_TRACE(name);
    const std::string kind = name;
    std::vector<float> out(B, std::numeric_limits<float>::quiet_NaN());
    std::vector<float> pf(B * D, std::numeric_limits<float>::quiet_NaN());
    std::vector<float> out_ref(B), pf_ref(B * D);
    bool has_ref = true;
    if (kind == "zsse" || kind == "sse" || kind == "mse") {
      const float* weights = kind == "zsse" ? w.data() : nullptr;
      const double scale = kind == "mse" ? 1.0 / static_cast<double>(D) : 1.0;
      kernels::score_sq(x.data(), y.data(), weights, scale, out.data(), pf.data(), B, D);
      kernels::score_sq_ref(x.data(), y.data(), weights, scale, out_ref.data(), pf_ref.data(), B, D);
    } else if (kind == "zsae" || kind == "mae") {
      const float* weights = kind == "zsae" ? w_abs.data() : nullptr;
      const double scale = kind == "mae" ? 1.0 / static_cast<double>(D) : 1.0;
      kernels::score_abs(x.data(), y.data(), weights, scale, out.data(), pf.data(), B, D);
      kernels::score_abs_ref(x.data(), y.data(), weights, scale, out_ref.data(), pf_ref.data(), B, D);
    } else if (kind == "bce") {
      kernels::score_bce(x.data(), y.data(), out.data(), pf.data(), B, D);
      kernels::score_bce_ref(x.data(), y.data(), out_ref.data(), pf_ref.data(), B, D);
    } else {
      kernels::score_max_abs(x.data(), y.data(), out.data(), pf.data(), B, D);
      has_ref = false;
    }
    expect_close(out, doubles(k[kind]["scores"]), 2e-6, "scores");
    expect_close(pf, doubles(k[kind]["per_feature"]), 2e-6, "per-feature");
    if (has_ref) {
      expect_close(out_ref, doubles(k[kind]["scores"]), 2e-6, "reference scores");
      expect_close(pf_ref, doubles(k[kind]["per_feature"]), 2e-6, "reference per-feature");
    }
    // Without a per-feature buffer the scores are the same.
    std::vector<float> alone(B);
    if (kind == "zsse") kernels::score_sq(x.data(), y.data(), w.data(), 1.0, alone.data(), nullptr, B, D);
    if (kind == "zsae") kernels::score_abs(x.data(), y.data(), w_abs.data(), 1.0, alone.data(), nullptr, B, D);
    if (kind == "bce") kernels::score_bce(x.data(), y.data(), alone.data(), nullptr, B, D);
    if (kind == "max") kernels::score_max_abs(x.data(), y.data(), alone.data(), nullptr, B, D);
    if (kind == "zsae" || kind == "zsse" || kind == "bce" || kind == "max") {
      for (std::size_t r = 0; r < B; ++r) EXPECT_EQ(alone[r], out[r]);
    }
  }
}

TEST(ScoreKernels, FastMatchesReferenceAtBlockEdges) {
  Rng rng(7);
  for (std::size_t D : {1u, 15u, 16u, 17u, 53u, 784u}) {
    SCOPED_TRACE(D);
    const std::size_t B = 3;
    std::vector<float> x(B * D), y(B * D), w(D);
    for (auto& v : x) v = rng.uniform_float();
    for (auto& v : y) v = rng.uniform_float();
    for (auto& v : w) v = 1.0f + 10.0f * rng.uniform_float();
    std::vector<float> a(B), b(B), pa(B * D), pb(B * D);
    for (const float* weights : {static_cast<const float*>(nullptr), static_cast<const float*>(w.data())}) {
      kernels::score_sq(x.data(), y.data(), weights, 0.5, a.data(), pa.data(), B, D);
      kernels::score_sq_ref(x.data(), y.data(), weights, 0.5, b.data(), pb.data(), B, D);
      for (std::size_t r = 0; r < B; ++r) EXPECT_NEAR(a[r], b[r], 1e-5 * b[r]);
      for (std::size_t i = 0; i < B * D; ++i) EXPECT_NEAR(pa[i], pb[i], 1e-6 * pb[i] + 1e-12);
    }
    for (const float* weights : {static_cast<const float*>(nullptr), static_cast<const float*>(w.data())}) {
      kernels::score_abs(x.data(), y.data(), weights, 0.25, a.data(), pa.data(), B, D);
      kernels::score_abs_ref(x.data(), y.data(), weights, 0.25, b.data(), pb.data(), B, D);
      for (std::size_t r = 0; r < B; ++r) EXPECT_NEAR(a[r], b[r], 1e-5 * b[r]);
      for (std::size_t i = 0; i < B * D; ++i) EXPECT_NEAR(pa[i], pb[i], 1e-6 * pb[i] + 1e-12);
    }
    // bce: targets in [0, 1], binary ones too, and outputs down to the low clip.
    for (std::size_t i = 0; i < B * D; i += 3) x[i] = static_cast<float>(i % 2);
    y[0] = 0.0f;
    kernels::score_bce(x.data(), y.data(), a.data(), pa.data(), B, D);
    kernels::score_bce_ref(x.data(), y.data(), b.data(), pb.data(), B, D);
    for (std::size_t r = 0; r < B; ++r) EXPECT_NEAR(a[r], b[r], 2e-6 * b[r] + 1e-7);  // floats near 1 step by 6e-8
    for (std::size_t i = 0; i < B * D; ++i) EXPECT_NEAR(pa[i], pb[i], 2e-6 * pb[i] + 1e-7);
  }
}

TEST(ScoreKernels, MaxPropagatesNaN) {
  const float x[3] = {0.0f, std::numeric_limits<float>::quiet_NaN(), 0.0f};
  const float y[3] = {0.5f, 0.0f, 0.25f};
  float out = 0;
  kernels::score_max_abs(x, y, &out, nullptr, 1, 3);
  EXPECT_TRUE(std::isnan(out));
}

TEST(ScoreKernels, ResidualSumAddsAndRangeWidens) {
  const float x[4] = {1, 2, 3, 4};
  const float y[4] = {0, 0, 1, 1};
  double sum[2] = {10, 20};
  kernels::residual_sq_sum(x, y, sum, 2, 2);
  EXPECT_DOUBLE_EQ(sum[0], 10 + 1 + 4);
  EXPECT_DOUBLE_EQ(sum[1], 20 + 4 + 9);
  float lo = 2.5f, hi = 2.5f;
  const float v[4] = {3, std::numeric_limits<float>::quiet_NaN(), -1, 2};
  kernels::value_range(v, 4, &lo, &hi);
  EXPECT_EQ(lo, -1.0f);
  EXPECT_EQ(hi, 3.0f);
}

}  // namespace
}  // namespace ae
