// Resuming from checkpoints: a run stopped after an epoch or inside one and resumed ends with
// the same weights, moments and history as the uninterrupted run; mismatched checkpoints are
// refused; divergence leaves the last good checkpoint alone.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "ae/checkpoint.hpp"
#include "ae/error.hpp"
#include "ae/random.hpp"
#include "ae/trainer.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

namespace fs = std::filesystem;

// 203 rows of 5 features near a 1-D curve (203: the last batch is partial).
Dataset curve(std::size_t rows = 203, double phase = 0) {
  Dataset d;
  d.rows = rows;
  d.cols = 5;
  d.source = "curve";
  for (std::size_t r = 0; r < d.rows; ++r) {
    const double t = static_cast<double>(r) / static_cast<double>(rows) + phase;
    for (std::size_t c = 0; c < d.cols; ++c) {
      d.values.push_back(static_cast<float>(0.5 + 0.4 * std::sin(3 * t + static_cast<double>(c))));
    }
  }
  return d;
}

const char* kSpec = "8:tanh,2:sigmoid,8:tanh,5:sigmoid";

class Resume : public test::TempDirTest {
 protected:

  // A run as the CLI makes one: model and shuffles from one generator seeded with `seed`.
  struct Run {
    Autoencoder model;
    Rng rng;
    explicit Run(std::uint64_t seed, const char* spec = kSpec)
        : model(make_architecture(5, parse_layers(spec))), rng(seed) {
      model.initialize(Init::glorot_uniform, rng);
    }
    std::vector<float> weights() const { return {model.parameters().begin(), model.parameters().end()}; }
  };

  static TrainConfig config(std::size_t epochs) {
    TrainConfig c{.epochs = epochs, .batch = 16, .loss = Loss::mse};
    c.optimizer.lr = 0.01;
    return c;
  }

};

std::vector<double> losses(const History& h) {
  std::vector<double> out;
  for (const auto& e : h.epochs) out.insert(out.end(), {e.loss, std::isnan(e.val_loss) ? -1.0 : e.val_loss, e.lr});
  return out;
}

std::string file_bytes(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_F(Resume, FourEpochsEqualTwoPlusResumeToFour) {
  const Dataset data = curve();
  Run straight(7);
  Trainer a(straight.model, config(4), straight.rng);
  const History full = a.fit(data);

  Run first(7);
  TrainConfig c2 = config(2);
  c2.checkpoint = {.path = path("ck.safetensors"), .every = 1};
  Trainer b(first.model, c2, first.rng);
  b.fit(data);
  const Checkpoint ck = load_checkpoint(path("ck.safetensors"));
  EXPECT_EQ(ck.state.epoch, 2u);
  EXPECT_EQ(ck.state.batch, 0u);
  EXPECT_EQ(ck.steps, 2u * 13u);  // 203 rows in batches of 16

  Run second(7);
  TrainConfig c4 = config(4);
  c4.checkpoint = {.path = path("ck.safetensors"), .every = 1};
  Trainer c(second.model, c4, second.rng);
  c.resume_from(load_checkpoint(path("ck.safetensors")), path("ck.safetensors"));
  const History resumed = c.fit(data);
  ASSERT_EQ(resumed.epochs.size(), 4u);
  EXPECT_EQ(second.weights(), straight.weights());
  EXPECT_EQ(losses(resumed), losses(full));
  EXPECT_EQ(c.optimizer().first_moment(), a.optimizer().first_moment());
  EXPECT_EQ(c.optimizer().second_moment(), a.optimizer().second_moment());
  EXPECT_EQ(c.optimizer().steps(), a.optimizer().steps());
  EXPECT_EQ(second.rng.state(), straight.rng.state());
}

TEST_F(Resume, StopFlagInsideAnEpochCheckpointsAndResumesExactly) {
  const Dataset data = curve();
  const Dataset val = curve(50, 0.37);
  TrainConfig base = config(5);
  base.reduce_lr = {.patience = 1, .factor = 0.5};
  base.early_stopping = {.patience = 4, .restore_best = true};
  Run straight(11);
  Trainer a(straight.model, base, straight.rng);
  const History full = a.fit(data, &val);

  Run first(11);
  std::atomic<int> stop{0};
  TrainConfig c = base;
  c.checkpoint.path = path("stop.safetensors");
  c.stop = &stop;
  Trainer b(first.model, c, first.rng);
  try {
    b.fit(data, &val, [&](const TrainEvent& e) {
      if (e.kind == TrainEvent::Kind::batch_end && e.epoch == 3 && e.batch == 5) stop = 2;
    });
    FAIL() << "expected an interruption";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::interrupted);
    EXPECT_NE(std::string(e.what()).find(path("stop.safetensors")), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("epoch 3, batch 5"), std::string::npos) << e.what();
  }
  const Checkpoint ck = load_checkpoint(path("stop.safetensors"));
  EXPECT_EQ(ck.state.epoch, 2u);
  EXPECT_EQ(ck.state.batch, 5u);
  EXPECT_EQ(ck.state.seen, 5u * 16u);

  Run second(11);
  TrainConfig c2 = base;
  c2.checkpoint.path = path("stop.safetensors");
  Trainer d(second.model, c2, second.rng);
  d.resume_from(load_checkpoint(path("stop.safetensors")), path("stop.safetensors"));
  const History resumed = d.fit(data, &val);
  EXPECT_EQ(second.weights(), straight.weights());
  EXPECT_EQ(losses(resumed), losses(full));
  EXPECT_EQ(d.optimizer().config().lr, a.optimizer().config().lr);
}

// Dropout masks and input noise are a hash of the run's starting generator and the optimiser
// step, both in the checkpoint: a run with dropout, weight decay and noise stopped inside an
// epoch resumes exactly.
TEST_F(Resume, DropoutWeightDecayAndNoiseResumeExactly) {
  const Dataset data = curve();
  const char* spec = "8:tanh,6:relu,2:sigmoid,6:relu,5:sigmoid";
  TrainConfig base = config(3);
  base.dropout = 0.3;
  base.optimizer.weight_decay = 0.05;
  base.threads = 2;
  for (NoiseKind kind : {NoiseKind::gaussian, NoiseKind::mask}) {
    base.noise = kind == NoiseKind::mask ? 0.2 : 0.1;
    base.noise_kind = kind;
    Run straight(13, spec);
    Trainer a(straight.model, base, straight.rng);
    const History full = a.fit(data);
    Run plain(13, spec);
    TrainConfig no_dropout = base;
    no_dropout.dropout = 0;
    Trainer p(plain.model, no_dropout, plain.rng);
    p.fit(data);
    EXPECT_NE(plain.weights(), straight.weights());

    Run first(13, spec);
    std::atomic<int> stop{0};
    TrainConfig c = base;
    c.checkpoint.path = path("drop.safetensors");
    c.stop = &stop;
    Trainer b(first.model, c, first.rng);
    EXPECT_THROW(b.fit(data, nullptr, [&](const TrainEvent& e) {
      if (e.kind == TrainEvent::Kind::batch_end && e.epoch == 2 && e.batch == 4) stop = 2;
    }), Error);
    Run second(13, spec);
    TrainConfig c2 = base;
    c2.checkpoint.path = path("drop.safetensors");
    Trainer d(second.model, c2, second.rng);
    d.resume_from(load_checkpoint(path("drop.safetensors")), path("drop.safetensors"));
    EXPECT_EQ(losses(d.fit(data)), losses(full));
    EXPECT_EQ(second.weights(), straight.weights());

    // The checkpoint knows the rate: resuming without dropout is refused.
    Run third(13, spec);
    TrainConfig c3 = no_dropout;
    c3.checkpoint.path = path("drop.safetensors");
    Trainer e(third.model, c3, third.rng);
    e.resume_from(load_checkpoint(path("drop.safetensors")), path("drop.safetensors"));
    EXPECT_THROW(e.fit(data), Error);
    // Noise changes the weights, and the other kind is refused on resume.
    Run quiet(13, spec);
    TrainConfig c4 = base;
    c4.noise = 0;
    Trainer q(quiet.model, c4, quiet.rng);
    q.fit(data);
    EXPECT_NE(quiet.weights(), straight.weights()) << noise_kind_name(kind);
    Run fourth(13, spec);
    TrainConfig c5 = base;
    c5.noise_kind = kind == NoiseKind::mask ? NoiseKind::gaussian : NoiseKind::mask;
    c5.checkpoint.path = path("drop.safetensors");
    Trainer r(fourth.model, c5, fourth.rng);
    r.resume_from(load_checkpoint(path("drop.safetensors")), path("drop.safetensors"));
    EXPECT_THROW(r.fit(data), Error);
  }
}

TEST_F(Resume, StopFlagAtAnEpochBoundaryAndWithoutShuffleAlsoResumeExactly) {
  const Dataset data = curve();
  TrainConfig base = config(3);
  base.shuffle = false;
  Run straight(3);
  Trainer a(straight.model, base, straight.rng);
  a.fit(data);

  Run first(3);
  std::atomic<int> stop{0};
  TrainConfig c = base;
  c.checkpoint.path = path("edge.safetensors");
  c.stop = &stop;
  Trainer b(first.model, c, first.rng);
  // Set during the last batch of epoch 1: the stop comes after that batch, inside epoch 1.
  EXPECT_THROW(b.fit(data, nullptr, [&](const TrainEvent& e) {
    if (e.kind == TrainEvent::Kind::batch_end && e.batch == e.batches) stop = 1;
  }), Error);
  EXPECT_EQ(load_checkpoint(path("edge.safetensors")).state.batch, 13u);

  Run second(3);
  Trainer d(second.model, base, second.rng);
  d.resume_from(load_checkpoint(path("edge.safetensors")), "edge");
  d.fit(data);
  EXPECT_EQ(second.weights(), straight.weights());
}

TEST_F(Resume, CheckpointsOfOtherSettingsDataOrLayersAreRefused) {
  const Dataset data = curve();
  Run first(5);
  TrainConfig c = config(1);
  c.checkpoint = {.path = path("ck.safetensors"), .every = 1, .extra = R"({"seed":5})"};
  Trainer(first.model, c, first.rng).fit(data);

  const auto refused = [&](TrainConfig other, const Dataset& d, const char* spec, const std::string& needle) {
    Run run(5, spec);
    Trainer t(run.model, other, run.rng);
    t.resume_from(load_checkpoint(path("ck.safetensors")), path("ck.safetensors"));
    try {
      t.fit(d);
      ADD_FAILURE() << "resumed a mismatched checkpoint";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::bad_data) << e.what();
      EXPECT_NE(std::string(e.what()).find(path("ck.safetensors")), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  TrainConfig lr = c;
  lr.optimizer.lr = 0.02;
  refused(lr, data, kSpec, "lr 0.01 (checkpoint) vs 0.02 (this run)");
  TrainConfig seed = c;
  seed.checkpoint.extra = R"({"seed":6})";
  refused(seed, data, kSpec, "seed 5 (checkpoint) vs 6");
  refused(c, data, "8:tanh,3:sigmoid,8:tanh,5:sigmoid", "spec");
  refused(c, curve(203, 0.01), kSpec, "other data");
  TrainConfig batch = c;
  batch.batch = 17;
  refused(batch, data, kSpec, "batch 16 (checkpoint) vs 17");
  // The epoch count is the only setting that may change.
  Run more(5);
  TrainConfig longer = c;
  longer.epochs = 2;
  Trainer t(more.model, longer, more.rng);
  t.resume_from(load_checkpoint(path("ck.safetensors")), path("ck.safetensors"));
  EXPECT_EQ(t.fit(data).epochs.size(), 2u);
}

TEST_F(Resume, DivergenceLeavesTheLastGoodCheckpointUntouched) {
  const Dataset data = curve();
  Run run(9);
  TrainConfig c = config(5);
  c.checkpoint = {.path = path("ck.safetensors"), .every = 1};
  Trainer t(run.model, c, run.rng);
  std::string after_epoch_2;
  test::expect_error([&] {
    t.fit(data, nullptr, [&](const TrainEvent& e) {
      if (e.kind == TrainEvent::Kind::epoch_begin && e.epoch == 3) after_epoch_2 = file_bytes(path("ck.safetensors"));
      // As if a step had blown up during epoch 3.
      if (e.kind == TrainEvent::Kind::batch_end && e.epoch == 3 && e.batch == 4) run.model.parameters()[3] = NAN;
    });
  }, ErrorKind::diverged, "epoch 3, batch 5");
  ASSERT_FALSE(after_epoch_2.empty());
  EXPECT_EQ(file_bytes(path("ck.safetensors")), after_epoch_2);
  EXPECT_EQ(load_checkpoint(path("ck.safetensors")).state.epoch, 2u);
}

TEST_F(Resume, NonFiniteWeightsAtAnEpochEndAreDivergenceNotACheckpoint) {
  const Dataset data = curve();
  Run run(9);
  TrainConfig c = config(3);
  c.checkpoint = {.path = path("ck.safetensors"), .every = 1};
  Trainer t(run.model, c, run.rng);
  try {
    t.fit(data, nullptr, [&](const TrainEvent& e) {
      if (e.kind == TrainEvent::Kind::batch_end && e.epoch == 2 && e.batch == e.batches) run.model.parameters()[0] = INFINITY;
    });
    FAIL() << "expected divergence";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::diverged) << e.what();
  }
  EXPECT_EQ(load_checkpoint(path("ck.safetensors")).state.epoch, 1u);
}

TEST_F(Resume, StopWithoutACheckpointPathSavesNothingButStillStops) {
  const Dataset data = curve();
  Run run(1);
  std::atomic<int> stop{1};
  TrainConfig c = config(3);
  c.stop = &stop;
  Trainer t(run.model, c, run.rng);
  try {
    t.fit(data);
    FAIL() << "expected an interruption";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::interrupted);
  }
  EXPECT_EQ(t.state().batch, 1u);
  EXPECT_TRUE(fs::is_empty(dir_));
}

}  // namespace
}  // namespace ae
