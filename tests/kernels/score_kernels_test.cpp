// The fast score kernels against their references at the edges of their lanes (16 floats
// for the squared and absolute residuals, 8 for bce), with every output pre-filled with NaN;
// the values against numpy are checked in tests/score.
#include <gtest/gtest.h>

#include <vector>

#include "kernel_test_util.hpp"
#include "kernels/score_kernels.hpp"

namespace ae::kernels {
namespace {

using test::edge_sizes;
using test::nan_vector;
using test::near;

using ScoreKernel = void (*)(const float*, const float*, const float*, double, float*, float*, std::size_t,
                             std::size_t);
using BceKernel = void (*)(const float*, const float*, float*, float*, std::size_t, std::size_t);

struct Outputs {
  std::vector<float> out, pf;
};

// Runs a kernel on (B, D) inputs into NaN-filled outputs; pf is left empty when not asked.
template <class Run>
Outputs run(std::size_t B, std::size_t D, bool per_feature, Run kernel) {
  Outputs o{nan_vector(B), per_feature ? nan_vector(B * D) : std::vector<float>{}};
  kernel(o.out.data(), per_feature ? o.pf.data() : nullptr);
  return o;
}

// Scores within rel_out, per-feature terms within rel_pf, both relatively, plus abs.
void expect_near(const Outputs& fast, const Outputs& ref, double rel_out, double rel_pf, double abs) {
  ASSERT_EQ(fast.pf.size(), ref.pf.size());
  for (std::size_t r = 0; r < ref.out.size(); ++r) EXPECT_TRUE(near(fast.out[r], ref.out[r], rel_out, abs)) << "row " << r;
  for (std::size_t i = 0; i < ref.pf.size(); ++i) EXPECT_TRUE(near(fast.pf[i], ref.pf[i], rel_pf, abs)) << "at " << i;
}

TEST(ScoreKernels, EachFastKernelMatchesItsReferenceAtLaneEdges) {
  Rng rng(40);
  const std::size_t B = 3;
  const struct {
    ScoreKernel fast, ref;
    const char* name;
  } weighted[] = {{score_sq, score_sq_ref, "sq"}, {score_abs, score_abs_ref, "abs"}};
  for (std::size_t D : edge_sizes({8, 16})) {
    SCOPED_TRACE(D);
    std::vector<float> x(B * D), y(B * D), w(D);
    for (auto& v : x) v = rng.uniform_float();
    for (auto& v : y) v = rng.uniform_float();
    for (auto& v : w) v = 1.0f + 10.0f * rng.uniform_float();
    for (bool per_feature : {false, true}) {
      for (const auto& k : weighted) {
        SCOPED_TRACE(k.name);
        for (const float* weights : {static_cast<const float*>(nullptr), static_cast<const float*>(w.data())}) {
          const auto call = [&](ScoreKernel kernel) {
            return run(B, D, per_feature, [&](float* out, float* pf) { kernel(x.data(), y.data(), weights, 0.5, out, pf, B, D); });
          };
          expect_near(call(k.fast), call(k.ref), 1e-5, 1e-6, 1e-12);
        }
      }
      // bce: targets in [0, 1], binary ones too, and outputs at and beyond the clips.
      auto xb = x, yb = y;
      for (std::size_t i = 0; i < B * D; i += 3) xb[i] = static_cast<float>(i % 2);
      yb[0] = 0.0f;
      yb[B * D - 1] = 1.0f;
      const auto call = [&](BceKernel kernel) {
        return run(B, D, per_feature, [&](float* out, float* pf) { kernel(xb.data(), yb.data(), out, pf, B, D); });
      };
      expect_near(call(score_bce), call(score_bce_ref), 2e-6, 2e-6, 1e-7);  // floats near 1 step by 6e-8
    }
  }
}

}  // namespace
}  // namespace ae::kernels
