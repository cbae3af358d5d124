// Optimiser updates against the Keras formulas computed by hand in double.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ae/error.hpp"
#include "ae/optimizer.hpp"

namespace ae {
namespace {

TEST(Optimizer, AdamFollowsKerasWithEpsilonHatAndZeroesGradients) {
  OptimizerConfig config;  // Keras defaults
  EXPECT_EQ(config.lr, 1e-3);
  EXPECT_EQ(config.epsilon, 1e-7);
  Optimizer opt(config, 2);
  std::vector<float> p{0.5f, -1.0f};
  double pd[2] = {0.5, -1.0}, m[2] = {0, 0}, v[2] = {0, 0};
  const double g_seq[3][2] = {{0.1, -2.0}, {0.3, 1e-4}, {-0.2, 0.5}};
  for (int t = 1; t <= 3; ++t) {
    std::vector<float> g{float(g_seq[t - 1][0]), float(g_seq[t - 1][1])};
    opt.step(p, g);
    EXPECT_EQ(g[0], 0.0f);
    EXPECT_EQ(g[1], 0.0f);
    const double alpha = 1e-3 * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t));
    for (int i = 0; i < 2; ++i) {
      const double gi = float(g_seq[t - 1][i]);
      m[i] = 0.9 * m[i] + 0.1 * gi;
      v[i] = 0.999 * v[i] + 0.001 * gi * gi;
      pd[i] -= alpha * m[i] / (std::sqrt(v[i]) + 1e-7);
      EXPECT_NEAR(p[i], pd[i], 1e-6) << "step " << t;
    }
  }
  EXPECT_EQ(opt.steps(), 3u);
}

TEST(Optimizer, SgdPlainMomentumAndNesterov) {
  {
    Optimizer opt({.kind = OptimizerKind::sgd, .lr = 0.1}, 1);
    std::vector<float> p{1.0f}, g{2.0f};
    opt.step(p, g);
    EXPECT_FLOAT_EQ(p[0], 0.8f);
  }
  for (bool nesterov : {false, true}) {
    Optimizer opt({.kind = OptimizerKind::sgd, .lr = 0.1, .momentum = 0.9, .nesterov = nesterov}, 1);
    std::vector<float> p{1.0f};
    double pd = 1.0, vel = 0;
    for (double gv : {2.0, -1.0, 0.5}) {
      std::vector<float> g{float(gv)};
      opt.step(p, g);
      vel = 0.9 * vel - 0.1 * gv;
      pd += nesterov ? 0.9 * vel - 0.1 * gv : vel;
      EXPECT_NEAR(p[0], pd, 1e-6);
    }
  }
}

TEST(Optimizer, RmspropFollowsKeras) {
  Optimizer opt({.kind = OptimizerKind::rmsprop, .lr = 0.01}, 1);
  std::vector<float> p{1.0f};
  double pd = 1.0, v = 0;
  for (double gv : {2.0, -1.0, 0.5}) {
    std::vector<float> g{float(gv)};
    opt.step(p, g);
    v = 0.9 * v + 0.1 * gv * gv;
    pd -= 0.01 * gv / (std::sqrt(v) + 1e-7);
    EXPECT_NEAR(p[0], pd, 1e-6);
  }
}

TEST(Optimizer, NamesAndKerasDefaultRates) {
  EXPECT_EQ(parse_optimizer("rmsprop"), OptimizerKind::rmsprop);
  EXPECT_EQ(default_lr(OptimizerKind::sgd), 1e-2);
  EXPECT_EQ(default_lr(OptimizerKind::adam), 1e-3);
  EXPECT_THROW(parse_optimizer("adagrad"), Error);
}

}  // namespace
}  // namespace ae
