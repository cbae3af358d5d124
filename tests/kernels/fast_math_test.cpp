// The vectorisable float functions against their double references: over their whole
// ranges, at their clamps and range ends, and with NaN.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>

#include "kernel_test_util.hpp"
#include "kernels/fast_math.hpp"

namespace ae::kernels {
namespace {

using test::near;

TEST(FastMathKernels, ExpApproxMatchesReferenceOverItsRangeAndAtTheClamps) {
  for (double v = -87.0; v <= 88.0; v += 1e-3) {
    const float x = static_cast<float>(v);
    ASSERT_TRUE(near(exp_approx(x), exp_approx_ref(x), 1.5e-7)) << "x " << x;
  }
  // Beyond the clamps the values at -87 and 88, finite and normal.
  for (float x : {-87.0f, -87.5f, -1000.0f, -INFINITY, 88.0f, 88.5f, 1000.0f, INFINITY}) {
    EXPECT_TRUE(near(exp_approx(x), exp_approx_ref(x), 1.5e-7)) << "x " << x;
    EXPECT_TRUE(std::isnormal(exp_approx(x))) << "x " << x;
  }
  EXPECT_EQ(exp_approx_ref(-1000.0), std::exp(-87.0));
  EXPECT_EQ(exp_approx_ref(1000.0), std::exp(88.0));
  EXPECT_TRUE(std::isnan(exp_approx(NAN)));
  EXPECT_TRUE(std::isnan(exp_approx_ref(NAN)));
}

TEST(FastMathKernels, SigmoidApproxMatchesReference) {
  for (double v = -100.0; v <= 100.0; v += 1e-3) {
    const float z = static_cast<float>(v);
    ASSERT_TRUE(near(sigmoid_approx(z), sigmoid_approx_ref(z), 2e-7)) << "z " << z;
  }
  EXPECT_EQ(sigmoid_approx(1000.0f), 1.0f);
  EXPECT_GT(sigmoid_approx(-1000.0f), 0.0f);  // e^-88 clamps the tail above zero
  EXPECT_TRUE(std::isnan(sigmoid_approx(NAN)));
}

TEST(FastMathKernels, LogApproxMatchesReferenceOverEveryExponent) {
  // 4096 mantissas per binade, from the smallest normal float to the largest.
  for (int e = -126; e <= 127; ++e) {
    for (int k = 0; k < 4096; ++k) {
      const float x = std::ldexp(1.0f + static_cast<float>(k) / 4096.0f, e);
      ASSERT_TRUE(near(log_approx(x), log_approx_ref(x), 1.5e-7, 1e-30)) << "x " << x;
    }
  }
  // Every float around 1, where log x is small, and the range ends.
  for (float x = 0.70710677f; x < 1.4142135f; x = std::nextafter(x, 2.0f)) {
    ASSERT_TRUE(near(log_approx(x), log_approx_ref(x), 1.5e-7)) << "x " << x;
  }
  for (float x : {FLT_MIN, FLT_MAX, 1.0f, 0.70710677f, 0.70710683f, 1.4142135f}) {
    EXPECT_TRUE(near(log_approx(x), log_approx_ref(x), 1.5e-7)) << "x " << x;
  }
  EXPECT_EQ(log_approx(1.0f), 0.0f);
  EXPECT_TRUE(std::isnan(log_approx(NAN)));
}

TEST(FastMathKernels, BceTermMatchesReferenceAcrossAndBeyondTheClips) {
  for (double v = -0.5; v <= 1.5; v += 1e-5) {
    const float y = static_cast<float>(v);
    for (float t : {0.0f, 0.3f, 1.0f}) {
      float p = NAN;
      double p_ref = NAN;
      // 1 - y in float loses up to 3e-8 where the term is small.
      ASSERT_TRUE(near(bce_term(y, t, &p), bce_term_ref(y, t, &p_ref), 1e-6, 6e-8)) << "y " << y << " t " << t;
      ASSERT_TRUE(near(p, p_ref, 1e-7)) << "y " << y;
    }
  }
  for (float y : {-1.0f, 0.0f, 1e-8f, kBceLow, kBceHigh, 0.9999999f, 1.0f, 2.0f}) {
    EXPECT_TRUE(near(bce_term(y, 0.25f), bce_term_ref(y, 0.25), 1e-6)) << "y " << y;
    EXPECT_TRUE(std::isfinite(bce_term(y, 0.25f))) << "y " << y;
  }
  EXPECT_TRUE(std::isnan(bce_term(NAN, 0.5f)));
}

}  // namespace
}  // namespace ae::kernels
