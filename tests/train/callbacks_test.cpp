// Early stopping and ReduceLROnPlateau: Keras's rules on fixed monitor sequences, then in
// real training (a validation set the model drifts away from), and the data checks.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ae/error.hpp"
#include "ae/random.hpp"
#include "ae/trainer.hpp"
#include "train/callbacks.hpp"

namespace ae {
namespace {

TEST(TrainCallbacks, EarlyStoppingCountsEpochsWithoutImprovementLikeKeras) {
  const EarlyStopping rule{.patience = 2, .restore_best = true};
  TrainState s;
  const std::vector<double> monitor = {1.0, 0.9, 0.95, 0.9, 0.91};
  std::vector<float> params = {0};
  std::size_t stopped_at = 0;
  for (std::size_t e = 1; e <= monitor.size() && stopped_at == 0; ++e) {
    params[0] = static_cast<float>(e);
    if (early_stopping_update(rule, s, e, monitor[e - 1], params)) stopped_at = e;
  }
  // 0.9 at epoch 4 equals the best, which is no improvement with min_delta 0.
  EXPECT_EQ(stopped_at, 4u);
  EXPECT_EQ(s.best_epoch, 2u);
  EXPECT_EQ(s.best, 0.9);
  EXPECT_EQ(s.best_weights, std::vector<float>{2.0f});
  EXPECT_TRUE(s.stopped);
}

TEST(TrainCallbacks, EarlyStoppingMinDeltaAndOffByDefault) {
  TrainState s;
  std::vector<float> p = {0};
  EXPECT_FALSE(early_stopping_update({}, s, 1, 1.0, p));
  EXPECT_EQ(s.wait, 0u);
  const EarlyStopping rule{.patience = 1, .min_delta = 0.1};
  EXPECT_FALSE(early_stopping_update(rule, s, 1, 1.0, p));
  EXPECT_TRUE(early_stopping_update(rule, s, 2, 0.95, p));  // better, but not by 0.1
  EXPECT_TRUE(s.best_weights.empty());                      // restore_best off
}

TEST(TrainCallbacks, ReduceLrAfterPatienceEpochsThenAgain) {
  const ReduceLrOnPlateau rule{.patience = 2};
  TrainState s;
  double lr = 1e-3;
  std::vector<double> lrs;
  for (double m : {1.0, 1.0, 1.0, 0.99995, 1.0, 0.5, 0.6}) {
    lr = plateau_update(rule, s, m, lr);
    lrs.push_back(lr);
  }
  // Epoch 3 is the second without improvement; 0.99995 is within min_delta 1e-4 of 1.0.
  EXPECT_EQ(lrs, (std::vector<double>{1e-3, 1e-3, 1e-3 * 0.1, 1e-3 * 0.1, 1e-3 * 0.1 * 0.1, 1e-3 * 0.1 * 0.1,
                                       1e-3 * 0.1 * 0.1}));
}

TEST(TrainCallbacks, ReduceLrCooldownAndMinLr) {
  const ReduceLrOnPlateau rule{.patience = 1, .factor = 0.5, .cooldown = 2, .min_lr = 0.3};
  TrainState s;
  double lr = 1.0;
  std::vector<double> lrs;
  for (int e = 0; e < 8; ++e) {
    lr = plateau_update(rule, s, 1.0, lr);
    lrs.push_back(lr);
  }
  // Reduce after epoch 2; epoch 3 counts down the cooldown, epoch 4 counts it down to 0 and
  // (patience 1) reduces again, to min_lr; there it stays.
  EXPECT_EQ(lrs, (std::vector<double>{1.0, 0.5, 0.5, 0.3, 0.3, 0.3, 0.3, 0.3}));
}

// Training rows near 0.2 and validation rows near 0.8: as the model learns the training data,
// val_loss grows every epoch, so the first epoch is the best.
struct Drift {
  Dataset train, val;
  Drift() {
    Rng rng(4);
    for (Dataset* d : {&train, &val}) {
      d->rows = d == &train ? 200 : 40;
      d->cols = 4;
      d->source = d == &train ? "low" : "high";
      for (std::size_t i = 0; i < d->rows * d->cols; ++i) {
        d->values.push_back(static_cast<float>((d == &train ? 0.2 : 0.8) + 0.05 * rng.uniform_double()));
      }
    }
  }
};

struct Model {
  Autoencoder model;
  Rng rng;
  explicit Model(std::uint64_t seed) : model(make_architecture(4, parse_layers("3:tanh,4:sigmoid"))), rng(seed) {
    model.initialize(Init::glorot_uniform, rng);
  }
};

TrainConfig drift_config(std::size_t epochs) {
  TrainConfig c{.epochs = epochs, .batch = 20};
  c.optimizer.lr = 0.01;
  return c;
}

TEST(TrainCallbacks, EarlyStoppingEndsTrainingAndRestoresTheBestEpoch) {
  const Drift d;
  Model best(2);
  Trainer(best.model, drift_config(1), best.rng).fit(d.train, &d.val);

  Model m(2);
  TrainConfig c = drift_config(20);
  c.early_stopping = {.patience = 3, .restore_best = true};
  Trainer t(m.model, c, m.rng);
  const History h = t.fit(d.train, &d.val);
  ASSERT_EQ(h.epochs.size(), 4u);
  for (std::size_t e = 1; e < h.epochs.size(); ++e) EXPECT_GT(h.epochs[e].val_loss, h.epochs[e - 1].val_loss);
  EXPECT_TRUE(t.state().stopped);
  EXPECT_EQ(t.state().best_epoch, 1u);
  EXPECT_EQ(std::vector<float>(m.model.parameters().begin(), m.model.parameters().end()),
            std::vector<float>(best.model.parameters().begin(), best.model.parameters().end()));
  EXPECT_NEAR(t.evaluate(d.val), h.epochs[0].val_loss, 1e-9);

  // Without restore_best the last epoch's weights stay.
  Model last(2);
  c.early_stopping.restore_best = false;
  Trainer u(last.model, c, last.rng);
  const History h2 = u.fit(d.train, &d.val);
  EXPECT_NEAR(u.evaluate(d.val), h2.epochs.back().val_loss, 1e-9);
}

TEST(TrainCallbacks, EarlyStoppingMonitorsTrainingLossWithoutValidation) {
  const Drift d;
  Model m(2);
  TrainConfig c = drift_config(6);
  c.early_stopping = {.patience = 1};
  const History h = Trainer(m.model, c, m.rng).fit(d.train);
  EXPECT_EQ(h.epochs.size(), 6u);  // training loss keeps falling
}

TEST(TrainCallbacks, ReduceLrShowsInTheHistoryLrColumn) {
  const Drift d;
  Model m(2);
  TrainConfig c = drift_config(6);
  c.reduce_lr = {.patience = 2};
  const History h = Trainer(m.model, c, m.rng).fit(d.train, &d.val);
  ASSERT_EQ(h.epochs.size(), 6u);
  const std::vector<double> expected = {0.01, 0.01, 0.01, 0.01 * 0.1, 0.01 * 0.1, 0.01 * 0.1 * 0.1};
  for (std::size_t e = 0; e < 6; ++e) EXPECT_DOUBLE_EQ(h.epochs[e].lr, expected[e]) << "epoch " << e + 1;
}

TEST(TrainCallbacks, BadFactorIsAUsageError) {
  Model m(1);
  TrainConfig c = drift_config(1);
  c.reduce_lr = {.patience = 1, .factor = 1.0};
  EXPECT_THROW(Trainer(m.model, c, m.rng), Error);
}

TEST(TrainDataChecks, WarningsForConstantColumnsRangeAndBatch) {
  const Drift d;
  Model m(1);
  Dataset x = d.train;
  for (std::size_t r = 0; r < x.rows; ++r) x.values[r * 4 + 1] = x.values[r * 4 + 3] = 0.5f;
  x.values[4] = 1.5f;  // row 1, column 0
  TrainConfig c = drift_config(1);
  c.batch = 500;
  const auto w = check_training_data(m.model, c, x, &d.val);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_NE(w[0].find("2 of 4 columns are constant"), std::string::npos) << w[0];
  EXPECT_NE(w[1].find("sigmoid"), std::string::npos) << w[1];
  EXPECT_NE(w[2].find("batch size 500"), std::string::npos) << w[2];

  Autoencoder linear(make_architecture(4, parse_layers("3:tanh,4:linear")));
  EXPECT_TRUE(check_training_data(linear, drift_config(1), d.train, nullptr).empty());
  Dataset wide = d.train;
  wide.values[0] = -0.5f;
  TrainConfig bce = drift_config(1);
  bce.loss = Loss::bce;
  const auto wb = check_training_data(linear, bce, wide, nullptr);
  ASSERT_EQ(wb.size(), 1u);
  EXPECT_NE(wb[0].find("bce"), std::string::npos) << wb[0];
}

TEST(TrainDataChecks, ByteRowsCountTheirConstantColumns) {
  // Columns: always 0, always 255, always 7, 0 to 255, 3 to 4.
  Dataset bytes;
  bytes.rows = 300;
  bytes.cols = 5;
  bytes.byte_data = true;
  bytes.source = "bytes";
  for (std::size_t r = 0; r < bytes.rows; ++r) {
    for (const int v : {0, 255, 7, static_cast<int>(r % 256), 3 + static_cast<int>(r % 2)}) {
      bytes.bytes.push_back(static_cast<std::uint8_t>(v));
    }
  }
  Autoencoder model(make_architecture(5, parse_layers("3:tanh,5:sigmoid")));
  const auto w = check_training_data(model, drift_config(1), bytes, nullptr);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("bytes: 3 of 5 columns are constant"), std::string::npos) << w[0];
}

TEST(TrainDataChecks, TheFirstBadValueInRowOrderIsNamed) {
  const Drift d;
  Model m(1);
  const auto message = [&](const Dataset& train) {
    try {
      check_training_data(m.model, drift_config(1), train, nullptr);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  Dataset bad = d.train;
  bad.values[2 * 4 + 1] = 1e16f;                                      // row 3, column 2
  bad.values[2 * 4 + 2] = std::numeric_limits<float>::quiet_NaN();   // row 3, column 3
  EXPECT_NE(message(bad).find("low: row 3, column 2 is 1e+16; values beyond 1e15"), std::string::npos) << message(bad);
  bad.values[1 * 4 + 3] = -std::numeric_limits<float>::infinity();  // row 2, column 4
  EXPECT_NE(message(bad).find("low: row 2, column 4 is Inf"), std::string::npos) << message(bad);
  bad.values[1 * 4 + 0] = std::numeric_limits<float>::quiet_NaN();  // row 2, column 1
  EXPECT_NE(message(bad).find("low: row 2, column 1 is NaN"), std::string::npos) << message(bad);
}

TEST(TrainDataChecks, NoRowsNonFiniteAndWidthAreErrors) {
  const Drift d;
  Model m(1);
  const auto kind_of = [&](const Dataset& train, const Dataset* val) {
    try {
      check_training_data(m.model, drift_config(1), train, val);
    } catch (const Error& e) {
      return e.kind();
    }
    return ErrorKind::internal;
  };
  Dataset empty = d.train;
  empty.rows = 0;
  empty.values.clear();
  EXPECT_EQ(kind_of(empty, nullptr), ErrorKind::bad_data);
  Dataset nan = d.val;
  nan.values[5] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(kind_of(d.train, &nan), ErrorKind::bad_data);
  Dataset narrow;
  narrow.rows = 1;
  narrow.cols = 3;
  narrow.values = {0, 0, 0};
  EXPECT_EQ(kind_of(d.train, &narrow), ErrorKind::usage);
  Trainer t(m.model, drift_config(1), m.rng);
  EXPECT_THROW(t.fit(empty), Error);
}

}  // namespace
}  // namespace ae
