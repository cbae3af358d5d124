// Collapse diagnostics: a model that outputs the mean row, a dead relu unit, stuck units, and
// a healthy model that raises nothing; the trainer's warning events and the record.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "ae/diagnosis.hpp"
#include "ae/random.hpp"
#include "ae/trainer.hpp"

namespace ae {
namespace {

// 200 rows of 4 features with real variation.
Dataset varied(std::uint64_t seed) {
  Rng rng(seed);
  Dataset d;
  d.rows = 200;
  d.cols = 4;
  d.source = "varied";
  for (std::size_t r = 0; r < d.rows; ++r) {
    const double t = rng.uniform(0, 1);
    d.values.insert(d.values.end(), {static_cast<float>(t), static_cast<float>(1 - t), static_cast<float>(t * t),
                                      static_cast<float>(rng.uniform(0, 1))});
  }
  return d;
}

TEST(Diagnosis, AModelThatAnswersTheMeanRowIsCaught) {
  const Dataset d = varied(1);
  Autoencoder model(make_architecture(4, parse_layers("3:relu,2:sigmoid,4:linear")));
  Rng rng(3);
  model.initialize(Init::glorot_uniform, rng);
  // Zero every weight and put the column means in the output bias: y = mean row for all x.
  std::fill(model.parameters().begin(), model.parameters().end(), 0.0f);
  for (std::size_t c = 0; c < 4; ++c) {
    double s = 0;
    for (std::size_t r = 0; r < d.rows; ++r) s += d.at(r, c);
    model.bias(2)[c] = static_cast<float>(s / static_cast<double>(d.rows));
  }
  const Diagnosis x = Diagnostician(d, nullptr, Loss::mse).run(model, 4, 1);
  EXPECT_TRUE(x.mean_predictor);
  EXPECT_NEAR(x.loss, x.mean_loss, 1e-6 * x.mean_loss);
  EXPECT_LT(x.output_spread, 1e-9);
  EXPECT_EQ(x.count(UnitState::stuck), 2u);  // sigmoid(0) = 0.5 for every row
  const auto findings = x.findings();
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_NE(findings[0].find("predicts the mean row"), std::string::npos) << findings[0];
  EXPECT_NE(findings[1].find("2 of 2 embedding units are stuck"), std::string::npos) << findings[1];
  const auto j = nlohmann::json::parse(x.to_json());
  EXPECT_EQ(j["units"][0]["state"], "stuck");
  EXPECT_TRUE(j["mean_predictor"].get<bool>());
}

// y = 2x - mean: every row's error is its distance from the mean row, so the loss equals the
// mean row's exactly, but the outputs vary four times as much as the rows. A model passing the
// mean row's loss on its way down (the bulk of the rows learnt, their heavy tails not yet)
// looks like this; it has not collapsed.
TEST(Diagnosis, ALossEqualToTheMeanRowsWithVaryingOutputsIsNoCollapse) {
  const Dataset d = varied(2);
  Autoencoder model(make_architecture(4, parse_layers("4:linear,4:linear")));
  std::fill(model.parameters().begin(), model.parameters().end(), 0.0f);
  for (std::size_t c = 0; c < 4; ++c) {
    double s = 0;
    for (std::size_t r = 0; r < d.rows; ++r) s += d.at(r, c);
    model.weight(0)[c * 4 + c] = 1.0f;
    model.weight(1)[c * 4 + c] = 2.0f;
    model.bias(1)[c] = static_cast<float>(-s / static_cast<double>(d.rows));
  }
  const Diagnosis x = Diagnostician(d, nullptr, Loss::mse).run(model, 3, 1);
  EXPECT_NEAR(x.loss, x.mean_loss, 1e-5 * x.mean_loss);
  EXPECT_NEAR(x.output_spread, 4.0, 1e-4);
  EXPECT_FALSE(x.mean_predictor);
  EXPECT_TRUE(x.findings().empty()) << x.findings().front();
  EXPECT_NEAR(nlohmann::json::parse(x.to_json())["output_spread"].get<double>(), 4.0, 1e-4);
}

TEST(Diagnosis, ADeadReluUnitIsDeadNotStuck) {
  const Dataset d = varied(2);
  Autoencoder model(make_architecture(4, parse_layers("3:relu,4:linear")));
  Rng rng(4);
  model.initialize(Init::he_uniform, rng);
  // Unit 2's weights and bias push it below zero for every row in [0, 1]^4.
  for (std::size_t i = 0; i < 4; ++i) model.weight(0)[1 * 4 + i] = -1.0f;
  model.bias(0)[1] = -0.5f;
  const Diagnosis x = Diagnostician(d, nullptr, Loss::mse).run(model, 1, 1);
  ASSERT_EQ(x.units.size(), 3u);
  EXPECT_EQ(x.units[1].state, UnitState::dead);
  EXPECT_EQ(x.count(UnitState::dead), 1u);
  EXPECT_FALSE(x.mean_predictor);
  EXPECT_NE(x.findings().at(0).find("unit 2"), std::string::npos) << x.findings().at(0);
}

TEST(Diagnosis, TrainingThatLearnsRaisesNothingAndTheTrainerKeepsTheLastEpoch) {
  const Dataset d = varied(3);
  Autoencoder model(make_architecture(4, parse_layers("8:relu,2:linear,8:relu,4:linear")));
  Rng rng(5);
  model.initialize(Init::by_activation, rng);
  TrainConfig config;
  config.epochs = 30;
  config.batch = 16;
  config.threads = 1;
  config.optimizer.lr = 0.01;
  Trainer trainer(model, config, rng);
  std::vector<std::string> warnings;
  trainer.fit(d, nullptr, [&](const TrainEvent& e) {
    if (e.kind == TrainEvent::Kind::warning) warnings.push_back(e.message);
  });
  ASSERT_TRUE(trainer.diagnosis().has_value());
  EXPECT_EQ(trainer.diagnosis()->epoch, 30u);
  EXPECT_FALSE(trainer.diagnosis()->mean_predictor);
  EXPECT_LT(trainer.diagnosis()->loss, 0.5 * trainer.diagnosis()->mean_loss);
  EXPECT_EQ(trainer.diagnosis()->count(UnitState::stuck) + trainer.diagnosis()->count(UnitState::dead), 0u);
  EXPECT_TRUE(warnings.empty()) << warnings.front();
}

TEST(Diagnosis, ACollapsedRunSendsWarningEventsOnce) {
  // lr 0 keeps the initial weights: a zero model (all weights 0) answers a constant row.
  const Dataset d = varied(4);
  Autoencoder model(make_architecture(4, parse_layers("3:relu,2:sigmoid,3:relu,4:sigmoid")));
  std::fill(model.parameters().begin(), model.parameters().end(), 0.0f);
  Rng rng(6);
  TrainConfig config;
  config.epochs = 3;
  config.threads = 1;
  config.optimizer.kind = OptimizerKind::sgd;
  config.optimizer.lr = 1e-30;
  Trainer trainer(model, config, rng);
  std::vector<std::size_t> epochs;
  trainer.fit(d, nullptr, [&](const TrainEvent& e) {
    if (e.kind == TrainEvent::Kind::warning) epochs.push_back(e.epoch);
  });
  // Stuck units from epoch 1 on, reported once (the count does not grow).
  ASSERT_FALSE(epochs.empty());
  EXPECT_TRUE(std::all_of(epochs.begin(), epochs.end(), [](std::size_t e) { return e == 1; }));
  EXPECT_EQ(trainer.diagnosis()->count(UnitState::stuck), 2u);
}

}  // namespace
}  // namespace ae
