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

// Weight decay wd as an L2 term is the gradient of wd/2 |p|^2: one SGD step of lr 1 on a
// zero loss gradient moves p by minus that gradient, checked by central differences in double.
TEST(Optimizer, SgdWeightDecayIsTheGradientOfAnL2Term) {
  const double wd = 0.3;
  const std::vector<double> p0{0.5, -1.25, 2.0};
  const auto penalty = [wd](const std::vector<double>& p) {
    double sum = 0;
    for (double v : p) sum += v * v;
    return 0.5 * wd * sum;
  };
  Optimizer opt({.kind = OptimizerKind::sgd, .lr = 1.0, .weight_decay = wd}, 3);
  std::vector<float> p(p0.begin(), p0.end()), g(3, 0.0f);
  opt.step(p, g);
  for (std::size_t i = 0; i < 3; ++i) {
    const double h = 1e-6;
    std::vector<double> plus = p0, minus = p0;
    plus[i] += h;
    minus[i] -= h;
    const double numeric = (penalty(plus) - penalty(minus)) / (2 * h);
    EXPECT_NEAR(p0[i] - p[i], numeric, 1e-6) << i;
  }
}

// AdamW and RMSprop shrink p by lr * wd before the usual update (decoupled decay).
TEST(Optimizer, AdamAndRmspropDecayIsDecoupled) {
  const double wd = 0.1, lr = 0.01;
  for (OptimizerKind kind : {OptimizerKind::adam, OptimizerKind::rmsprop}) {
    Optimizer opt({.kind = kind, .lr = lr, .weight_decay = wd}, 1);
    std::vector<float> p{1.5f};
    double pd = 1.5, m = 0, v = 0;
    for (int t = 1; t <= 3; ++t) {
      const double gv = t == 2 ? -0.5 : 0.25;
      std::vector<float> g{float(gv)};
      opt.step(p, g);
      pd -= lr * wd * pd;
      if (kind == OptimizerKind::adam) {
        m = 0.9 * m + 0.1 * gv;
        v = 0.999 * v + 0.001 * gv * gv;
        pd -= lr * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t)) * m / (std::sqrt(v) + 1e-7);
      } else {
        v = 0.9 * v + 0.1 * gv * gv;
        pd -= lr * gv / (std::sqrt(v) + 1e-7);
      }
      EXPECT_NEAR(p[0], pd, 1e-6) << optimizer_name(kind) << " step " << t;
    }
  }
}

// Only the named ranges decay, however update() splits the arena (as threads do), and the
// bytes are those of one whole update.
TEST(Optimizer, WeightDecayOnlyOnDecayedRangesWhateverTheSplit) {
  const std::size_t n = 10;
  const std::vector<std::pair<std::size_t, std::size_t>> weights{{1, 4}, {6, 9}};
  for (OptimizerKind kind : {OptimizerKind::adam, OptimizerKind::sgd, OptimizerKind::rmsprop}) {
    const OptimizerConfig config{.kind = kind, .lr = 0.5, .weight_decay = 0.2};
    std::vector<float> whole(n), split(n), plain(n);
    for (std::size_t i = 0; i < n; ++i) whole[i] = split[i] = plain[i] = 1.0f + 0.1f * float(i);
    Optimizer a(config, n), b(config, n);
    Optimizer c({.kind = kind, .lr = 0.5}, n);
    a.set_decayed(weights);
    b.set_decayed(weights);
    for (int step = 0; step < 2; ++step) {
      std::vector<float> ga(n, 0.125f), gb(n, 0.125f), gc(n, 0.125f);
      a.step(whole, ga);
      b.begin_step();
      for (std::size_t cut : {0u, 2u, 5u, 7u}) b.update(split, gb, cut, cut == 7 ? n : (cut == 0 ? 2 : cut == 2 ? 5 : 7));
      c.step(plain, gc);
    }
    for (std::size_t i = 0; i < n; ++i) {
      const bool decayed = (i >= 1 && i < 4) || (i >= 6 && i < 9);
      EXPECT_EQ(whole[i], split[i]) << i;
      if (decayed) EXPECT_LT(whole[i], plain[i]) << optimizer_name(kind) << " " << i;
      else EXPECT_EQ(whole[i], plain[i]) << optimizer_name(kind) << " " << i;
    }
  }
}

TEST(Optimizer, UpdateOnTwoArenasIsTheUpdateOnTheirSumAndChangesNeither) {
  const std::size_t n = 37;
  for (OptimizerKind kind : {OptimizerKind::adam, OptimizerKind::sgd, OptimizerKind::rmsprop}) {
    const OptimizerConfig config{.kind = kind, .lr = 0.05, .momentum = 0.5, .weight_decay = 0.1};
    std::vector<float> two(n), summed(n);
    for (std::size_t i = 0; i < n; ++i) two[i] = summed[i] = 0.3f - 0.02f * float(i);
    Optimizer a(config, n), b(config, n);
    a.set_decayed({{0, 20}});
    b.set_decayed({{0, 20}});
    for (int step = 0; step < 3; ++step) {
      std::vector<float> g(n), g2(n), sum(n);
      for (std::size_t i = 0; i < n; ++i) {
        g[i] = std::sin(float(i + step));
        g2[i] = 0.1f * float(i % 5) - 0.2f;
        sum[i] = g[i] + g2[i];
      }
      const auto g_before = g, g2_before = g2;
      a.begin_step();
      a.update(two, g, 0, 11, g2.data());
      a.update(two, g, 11, n, g2.data());
      b.begin_step();
      b.update(summed, sum, 0, n);
      EXPECT_EQ(g, g_before);
      EXPECT_EQ(g2, g2_before);
      EXPECT_EQ(two, summed) << optimizer_name(kind) << " step " << step;
    }
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
