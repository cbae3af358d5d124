// Robust training (TrainConfig::trim): which rows of a batch get zero weight, worked by hand,
// a trimmed step that equals an untrimmed step on the kept rows alone, the trimmed validation
// loss by hand, and early stopping on it resuming from a checkpoint bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>
#include <vector>

#include "ae/checkpoint.hpp"
#include "ae/error.hpp"
#include "ae/inference.hpp"
#include "ae/random.hpp"
#include "ae/trainer.hpp"
#include "../test_support.hpp"

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

// A model whose reconstruction is 0 for every row (output weights and biases 0) and whose
// 1-unit linear embedding is the constant 0.5 (its bias): each row's mse loss is mean(x^2),
// its sparsity term 0.5.
TEST(Trim, ValidationLossIsTheTrimmedMeanByHand) {
  Dataset data;
  data.rows = 6;
  data.cols = 2;
  data.source = "hand";
  // Per-row mse: 1, 4, 0, 5, 50, 2 (sum 62).
  data.values = {1, 1, 2, 2, 0, 0, 3, 1, 10, 0, 0, -2};
  Autoencoder model(make_architecture(2, parse_layers("1:linear,2:linear")));
  std::fill(model.parameters().begin(), model.parameters().end(), 0.0f);
  model.bias(0)[0] = 0.5f;
  const auto loss_at = [&](double trim, double sparsity) {
    TrainConfig config{.epochs = 1, .batch = 4, .loss = Loss::mse, .threads = 1};
    config.trim = trim;
    config.sparsity = sparsity;
    Rng rng(1);
    return Trainer(model, config, rng).evaluate(data);
  };
  EXPECT_DOUBLE_EQ(loss_at(0, 0), 62.0 / 6);
  EXPECT_DOUBLE_EQ(loss_at(0.1, 0), 62.0 / 6);         // floor(0.6) = 0 rows left out
  EXPECT_DOUBLE_EQ(loss_at(0.2, 0), 12.0 / 5);         // floor(1.2) = 1: the 50
  EXPECT_DOUBLE_EQ(loss_at(0.34, 0), 7.0 / 4);         // floor(2.04) = 2: 50 and 5
  EXPECT_DOUBLE_EQ(loss_at(0.5, 0), 3.0 / 3);          // 50, 5 and 4
  // The sparsity term (0.1 x |0.5| per row) stays a mean over all six rows.
  EXPECT_DOUBLE_EQ(loss_at(0.34, 0.1), 7.0 / 4 + 0.05);
  EXPECT_DOUBLE_EQ(loss_at(0, 0.1), 62.0 / 6 + 0.05);
}

class TrimResume : public test::TempDirTest {};

// 160 training rows on a curve with 8 far off it, validation alike (40 + 2): early stopping
// on the trimmed val_loss, with restore_best, stopped by the flag inside epoch 3 and resumed,
// ends with the uninterrupted run's weights, history and best epoch.
TEST_F(TrimResume, EarlyStoppingOnTheTrimmedValidationLossResumesExactly) {
  const auto mixed = [](std::size_t rows, std::size_t outliers, double phase) {
    Dataset d;
    d.rows = rows + outliers;
    d.cols = 5;
    d.source = "curve" + std::to_string(rows);
    for (std::size_t r = 0; r < d.rows; ++r) {
      const double t = static_cast<double>(r) / static_cast<double>(rows) + phase;
      for (std::size_t c = 0; c < d.cols; ++c) {
        d.values.push_back(r < rows ? static_cast<float>(0.5 + 0.4 * std::sin(3 * t + static_cast<double>(c)))
                                    : ((r + c) % 2 ? 0.0f : 1.0f));
      }
    }
    return d;
  };
  const Dataset train = mixed(160, 8, 0), val = mixed(40, 2, 0.013);
  TrainConfig base{.epochs = 40, .batch = 16, .loss = Loss::mse, .threads = 2, .diagnose = false};
  base.optimizer.lr = 0.01;
  base.trim = 0.1;
  base.early_stopping = {.patience = 2, .min_delta = 1e-3, .restore_best = true};
  const auto fresh = [] {
    auto model = std::make_unique<Autoencoder>(make_architecture(5, parse_layers("8:tanh,2:linear,8:tanh,5:sigmoid")));
    Rng init(11);
    model->initialize(Init::glorot_uniform, init);
    return model;
  };
  auto straight = fresh();
  Rng rng_a(3);
  Trainer a(*straight, base, rng_a);
  const History full = a.fit(train, &val);
  ASSERT_TRUE(a.state().stopped);  // min_delta 1e-3 ends it well before 40 epochs
  ASSERT_GT(full.epochs.size(), 3u);

  auto first = fresh();
  Rng rng_b(3);
  std::atomic<int> stop{0};
  TrainConfig c = base;
  c.checkpoint.path = path("trim.safetensors");
  c.stop = &stop;
  Trainer b(*first, c, rng_b);
  EXPECT_THROW(b.fit(train, &val, [&](const TrainEvent& e) {
    if (e.kind == TrainEvent::Kind::batch_end && e.epoch == 3 && e.batch == 4) stop = 2;
  }), Error);
  auto second = fresh();
  Rng rng_c(3);
  TrainConfig c2 = base;
  c2.checkpoint.path = path("trim.safetensors");
  Trainer d(*second, c2, rng_c);
  d.resume_from(load_checkpoint(path("trim.safetensors")), path("trim.safetensors"));
  const History resumed = d.fit(train, &val);
  ASSERT_EQ(resumed.epochs.size(), full.epochs.size());
  for (std::size_t i = 0; i < full.epochs.size(); ++i) {
    EXPECT_EQ(resumed.epochs[i].loss, full.epochs[i].loss) << i;
    EXPECT_EQ(resumed.epochs[i].val_loss, full.epochs[i].val_loss) << i;
  }
  EXPECT_EQ(d.state().best_epoch, a.state().best_epoch);
  EXPECT_TRUE(std::equal(second->parameters().begin(), second->parameters().end(), straight->parameters().begin()));
  // The restored weights are the best epoch's: their trimmed val_loss is the history's at it.
  EXPECT_DOUBLE_EQ(a.evaluate(val), full.epochs[a.state().best_epoch - 1].val_loss);
}

}  // namespace
}  // namespace ae
