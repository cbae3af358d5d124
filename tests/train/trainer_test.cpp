// Trainer: learning happens, history rows, the last partial batch, determinism, divergence.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ae/error.hpp"
#include "ae/parallel.hpp"
#include "ae/random.hpp"
#include "ae/trainer.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

// 300 rows of 5 features on a 1-D curve.
Dataset curve_data() {
  Dataset d;
  d.rows = 300;
  d.cols = 5;
  d.source = "curve";
  for (std::size_t r = 0; r < d.rows; ++r) {
    const double t = static_cast<double>(r) / 300.0;
    for (std::size_t c = 0; c < d.cols; ++c) d.values.push_back(static_cast<float>(0.5 + 0.4 * std::sin(3 * t + static_cast<double>(c))));
  }
  return d;
}

Autoencoder make_model(std::uint64_t seed) {
  Autoencoder model(make_architecture(5, parse_layers("8:tanh,1:sigmoid,8:tanh,5:sigmoid")));
  Rng rng(seed);
  model.initialize(Init::glorot_uniform, rng);
  return model;
}

TEST(Trainer, LossFallsAndHistoryHasARowPerEpoch) {
  const Dataset data = curve_data();
  Autoencoder model = make_model(1);
  Rng rng(1);
  TrainConfig config{.epochs = 30, .batch = 16, .loss = Loss::mse};
  config.optimizer.lr = 0.01;
  Trainer trainer(model, config, rng);
  const double before = trainer.evaluate(data);
  std::size_t batch_events = 0;
  const History h = trainer.fit(data, &data, [&](const TrainEvent& e) {
    if (e.kind == TrainEvent::Kind::batch_end) ++batch_events;
  });
  ASSERT_EQ(h.epochs.size(), 30u);
  EXPECT_EQ(batch_events, 30u * 19u);  // 300 rows in batches of 16: 18 full + 1 of 12
  EXPECT_LT(h.epochs.back().val_loss, 0.2 * before);
  EXPECT_LT(h.epochs.back().loss, h.epochs.front().loss);
  EXPECT_NEAR(h.epochs.back().val_loss, trainer.evaluate(data), 1e-9);
  EXPECT_EQ(h.epochs[4].epoch, 5u);
  EXPECT_EQ(h.epochs[4].lr, 0.01);
}

TEST(Trainer, SameSeedGivesIdenticalWeightsOtherSeedDoesNot) {
  const Dataset data = curve_data();
  const auto train = [&](std::uint64_t seed) {
    Autoencoder model = make_model(seed);
    Rng rng(seed);
    Trainer trainer(model, {.epochs = 3, .batch = 7}, rng);
    trainer.fit(data);
    return std::vector<float>(model.parameters().begin(), model.parameters().end());
  };
  EXPECT_EQ(train(5), train(5));
  EXPECT_NE(train(5), train(6));
}

TEST(Trainer, SparseInputTrainsDeterministicallyOnEveryThreadCount) {
  // 15% nonzeros, wide enough for the first layer's sparse path.
  Dataset data;
  data.rows = 240;
  data.cols = 64;
  data.source = "sparse";
  Rng gen(9);
  for (std::size_t i = 0; i < data.rows * data.cols; ++i) data.values.push_back(gen.uniform_float() < 0.15f ? gen.uniform_float() : 0.0f);
  std::size_t threads = 1;
  const auto train = [&](std::uint64_t seed, double* first_loss, double* last_loss) {
    Autoencoder model(make_architecture(64, parse_layers("40:relu,4:sigmoid,40:relu,64:sigmoid")));
    Rng rng(seed);
    model.initialize(Init::he_uniform, rng);
    Trainer trainer(model, {.epochs = 4, .batch = 32, .threads = threads}, rng);
    const History h = trainer.fit(data);
    if (first_loss != nullptr) *first_loss = h.epochs.front().loss;
    if (last_loss != nullptr) *last_loss = h.epochs.back().loss;
    return std::vector<float>(model.parameters().begin(), model.parameters().end());
  };
  for (threads = 1; threads <= 3; ++threads) {
    double first = 0, last = 0;
    const auto a = train(5, &first, &last);
    EXPECT_EQ(a, train(5, nullptr, nullptr)) << threads << " threads";
    EXPECT_LT(last, first) << threads << " threads";
  }
}

TEST(Trainer, AThreadWithoutRowsInABatchAddsNoGradient) {
  // 6 rows, batches of 4 then 2: on 4 threads the second batch leaves two slices without
  // rows, whose arenas still hold the first batch's gradients unless cleared. One thread
  // sums the same rows in another order, so the weights agree to rounding.
  Dataset data = curve_data();
  data.rows = 6;
  data.values.resize(6 * data.cols);
  const auto train = [&](std::size_t threads) {
    Autoencoder model = make_model(3);
    Rng rng(3);
    Trainer trainer(model, {.epochs = 5, .batch = 4, .threads = threads, .diagnose = false}, rng);
    trainer.fit(data);
    return std::vector<float>(model.parameters().begin(), model.parameters().end());
  };
  const auto one = train(1), four = train(4);
  for (std::size_t i = 0; i < one.size(); ++i) EXPECT_NEAR(four[i], one[i], 1e-6f) << i;
}

TEST(Trainer, DefaultEpochsMakeAtLeast250StepsAndAtLeast10Epochs) {
  EXPECT_EQ(default_epochs(74, 32), 84u);      // 3 batches an epoch
  EXPECT_EQ(default_epochs(374, 32), 21u);     // 12 batches
  EXPECT_EQ(default_epochs(7968, 32), 10u);    // 249 batches: ceil(250 / 249) = 2, then the floor of 10
  EXPECT_EQ(default_epochs(60000, 32), 10u);
  EXPECT_EQ(default_epochs(1, 32), 250u);
  EXPECT_EQ(default_epochs(0, 32), 250u);      // no rows: one (empty) batch counted
  EXPECT_EQ(default_epochs(100, 1), 10u);
  EXPECT_EQ(default_epochs(2500, 0), 10u);     // a batch of 0 counts as 1
}

TEST(Trainer, BatchLargerThanTheDataIsOneBatch) {
  const Dataset data = curve_data();
  Autoencoder model = make_model(2);
  Rng rng(2);
  Trainer trainer(model, {.epochs = 2, .batch = 1000}, rng);
  std::size_t batches = 0;
  trainer.fit(data, nullptr, [&](const TrainEvent& e) { batches = e.batches; });
  EXPECT_EQ(batches, 1u);
}

TEST(Trainer, DivergenceStopsWithTheEpochAndBatch) {
  Dataset data = curve_data();
  Autoencoder model = make_model(3);
  model.parameters()[0] = NAN;  // as if an earlier step had blown up
  Rng rng(3);
  Trainer trainer(model, {.epochs = 2, .batch = 10, .loss = Loss::sse}, rng);
  test::expect_error([&] {
    trainer.fit(data);
  }, ErrorKind::diverged, "epoch 1, batch 1");
}

TEST(Trainer, ABatchWithANonFiniteLossUpdatesNothing) {
  // The update overlaps the backward passes: it must still wait for the batch's loss. After
  // batch 1 one weight is set to NaN; batch 2's loss is NaN, and no parameter may change.
  const Dataset data = curve_data();
  for (std::size_t threads : {1u, 2u, 3u}) {
    Autoencoder model = make_model(3);
    Rng rng(3);
    Trainer trainer(model, {.epochs = 1, .batch = 10, .threads = threads, .diagnose = false}, rng);
    std::vector<float> poisoned;
    test::expect_error([&] {
      trainer.fit(data, nullptr, [&](const TrainEvent& e) {
        if (e.kind != TrainEvent::Kind::batch_end || e.batch != 1) return;
        model.parameters()[0] = NAN;
        poisoned.assign(model.parameters().begin(), model.parameters().end());
      });
    }, ErrorKind::diverged, "epoch 1, batch 2");
    ASSERT_EQ(poisoned.size(), model.parameters().size());
    EXPECT_EQ(std::memcmp(poisoned.data(), model.parameters().data(), poisoned.size() * sizeof(float)), 0) << threads << " threads";
    for (float g : model.gradients()) ASSERT_EQ(g, 0.0f) << threads << " threads";
  }
}

TEST(Trainer, WidthMismatchAndBadConfigAreUsageErrors) {
  Dataset data = curve_data();
  Autoencoder model(make_architecture(4, parse_layers("2:relu,4:sigmoid")));
  Rng rng(4);
  Trainer trainer(model, {}, rng);
  EXPECT_THROW(trainer.fit(data), Error);
  EXPECT_THROW(Trainer(model, {.epochs = 0}, rng), Error);
  EXPECT_THROW(Trainer(model, {.batch = 0}, rng), Error);
}

// Strong weight decay drives the weights towards zero but leaves the biases to the loss: the
// output layer's biases still learn the data's level (about logit(0.8)). Deterministic per
// thread count; the setting is in the checkpoint config and checked.
TEST(Trainer, WeightDecayShrinksWeightsNotBiases) {
  Dataset data = curve_data();
  for (float& v : data.values) v = 0.8f + 0.1f * (v - 0.5f);
  const auto train = [&](double wd, std::size_t threads) {
    Autoencoder model = make_model(7);
    Rng rng(7);
    TrainConfig config{.epochs = 6, .batch = 16, .threads = threads};
    config.optimizer.lr = 0.02;
    config.optimizer.weight_decay = wd;
    Trainer trainer(model, config, rng);
    trainer.fit(data);
    EXPECT_EQ(trainer.config_json().find("weight_decay") != std::string::npos, wd != 0);
    return model;
  };
  const auto max_weight = [](const Autoencoder& m) {
    float most = 0;
    for (std::size_t l = 0; l < m.layer_count(); ++l) {
      for (std::size_t i = 0; i < m.weight_size(l); ++i) most = std::max(most, std::abs(m.weight(l)[i]));
    }
    return most;
  };
  const Autoencoder plain = train(0, 2), decayed = train(5, 2);
  EXPECT_LT(max_weight(decayed), 0.25f * max_weight(plain));
  const std::size_t out = decayed.layer_count() - 1;
  for (std::size_t i = 0; i < 5; ++i) EXPECT_GT(decayed.bias(out)[i], 0.6f) << i;
  for (std::size_t threads : {1u, 3u}) {
    const Autoencoder a = train(5, threads), b = train(5, threads);
    EXPECT_TRUE(std::equal(a.parameters().begin(), a.parameters().end(), b.parameters().begin())) << threads;
  }
  Autoencoder model = make_model(1);
  Rng rng(1);
  TrainConfig bad;
  bad.optimizer.weight_decay = -0.1;
  EXPECT_THROW(Trainer(model, bad, rng), Error);
  bad.optimizer.weight_decay = INFINITY;
  EXPECT_THROW(Trainer(model, bad, rng), Error);
}

TEST(History, CsvHasTheDocumentedHeaderAndEmptyValLossWithoutValidation) {
  History h;
  h.epochs.push_back({1, 0.5, NAN, 1.25, 0.001});
  h.epochs.push_back({2, 0.25, 0.3, 1.0, 0.001});
  const auto path = (std::filesystem::temp_directory_path() / "ae_history_test.csv").string();
  write_history_csv(path, h);
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_EQ(s.str(), "epoch,loss,val_loss,seconds,lr\n1,0.5,,1.25,0.001\n2,0.25,0.3,1,0.001\n");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace ae
