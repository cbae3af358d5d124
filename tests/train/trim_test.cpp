// Robust training (TrainConfig::trim): which rows of a batch get zero weight, worked by hand,
// and a trimmed step that equals an untrimmed step on the kept rows alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "ae/error.hpp"
#include "ae/inference.hpp"
#include "ae/random.hpp"
#include "ae/trainer.hpp"

namespace ae {
namespace {

std::vector<std::uint8_t> mask_of(const std::vector<float>& loss, double fraction) {
  std::vector<std::uint8_t> mask(loss.size(), 7);
  std::vector<std::size_t> scratch;
  const std::size_t n = trimmed_rows(loss, fraction, mask, scratch);
  EXPECT_EQ(n, static_cast<std::size_t>(std::count(mask.begin(), mask.end(), 1)));
  return mask;
}

TEST(Trim, RowsByHand) {
  const std::vector<float> loss{0.1f, 5, 0.3f, 5, 2};
  // floor(0.4 x 5) = 2 rows: the two losses of 5.
  EXPECT_EQ(mask_of(loss, 0.4), (std::vector<std::uint8_t>{0, 1, 0, 1, 0}));
  // floor(0.2 x 5) = 1 row: of the tie, the earlier.
  EXPECT_EQ(mask_of(loss, 0.2), (std::vector<std::uint8_t>{0, 1, 0, 0, 0}));
  // floor(0.1 x 5) = 0 rows: every mask entry is cleared.
  EXPECT_EQ(mask_of(loss, 0.1), (std::vector<std::uint8_t>(5, 0)));
  EXPECT_EQ(mask_of({1, NAN, 3, 2}, 0.5), (std::vector<std::uint8_t>{0, 1, 1, 0}));
  std::vector<std::uint8_t> short_mask(3);
  std::vector<std::size_t> scratch;
  EXPECT_THROW(trimmed_rows(loss, 0.2, short_mask, scratch), Error);
  std::vector<std::uint8_t> mask(5);
  EXPECT_THROW(trimmed_rows(loss, 0.6, mask, scratch), Error);
  EXPECT_THROW(trimmed_rows(loss, -0.1, mask, scratch), Error);
  EXPECT_THROW(check_train_config({.trim = 0.51}), Error);
}

// 40 rows on a curve plus 4 far off it, 5 features.
Dataset curve_with_outliers() {
  Dataset d;
  d.rows = 44;
  d.cols = 5;
  d.source = "curve";
  for (std::size_t r = 0; r < d.rows; ++r) {
    const double t = static_cast<double>(r) / 40.0;
    for (std::size_t c = 0; c < d.cols; ++c) {
      d.values.push_back(r < 40 ? static_cast<float>(0.5 + 0.4 * std::sin(3 * t + static_cast<double>(c))) : (c % 2 ? 0.0f : 1.0f));
    }
  }
  return d;
}

// One SGD step on the whole batch with trim = 0.1 gives the weights of one step on the rows
// that remain once the floor(0.1 x 44) = 4 largest initial losses are dropped, and its loss
// is the mean of the kept rows' initial losses.
TEST(Trim, OneStepEqualsAStepOnTheKeptRows) {
  const Dataset data = curve_with_outliers();
  Autoencoder start(make_architecture(5, parse_layers("6:tanh,2:linear,6:tanh,5:sigmoid")));
  Rng init(4);
  start.initialize(Init::glorot_uniform, init);
  const std::vector<float> loss = per_sample_errors(start, data, Loss::mse, 1);
  std::vector<std::size_t> by_loss(data.rows);
  std::iota(by_loss.begin(), by_loss.end(), std::size_t{0});
  std::stable_sort(by_loss.begin(), by_loss.end(), [&](std::size_t a, std::size_t b) { return loss[a] > loss[b]; });
  std::vector<std::size_t> kept(by_loss.begin() + 4, by_loss.end());
  std::sort(kept.begin(), kept.end());
  double kept_mean = 0;
  for (std::size_t r : kept) kept_mean += loss[r];
  kept_mean /= static_cast<double>(kept.size());

  for (std::size_t threads : {1u, 3u}) {
    SCOPED_TRACE(threads);
    TrainConfig config{.epochs = 1, .batch = data.rows, .loss = Loss::mse, .shuffle = false, .threads = threads,
                       .diagnose = false};
    config.optimizer.kind = OptimizerKind::sgd;
    config.optimizer.lr = 0.5;
    config.trim = 0.1;
    Autoencoder trimmed = start;
    Rng rng_a(1);
    const History a = Trainer(trimmed, config, rng_a).fit(data);
    EXPECT_NEAR(a.epochs[0].loss, kept_mean, 1e-6 * kept_mean);

    config.trim = 0;
    config.batch = kept.size();
    Autoencoder plain = start;
    Rng rng_b(1);
    Trainer(plain, config, rng_b).fit(select(data, kept));
    const auto p = trimmed.parameters(), q = plain.parameters(), s = start.parameters();
    double moved = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
      EXPECT_NEAR(p[i], q[i], 1e-6) << i;
      moved = std::max(moved, static_cast<double>(std::fabs(p[i] - s[i])));
    }
    EXPECT_GT(moved, 1e-3);  // the step did move the weights
  }
}

}  // namespace
}  // namespace ae
