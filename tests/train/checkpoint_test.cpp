// Checkpoint files: every field round-trips exactly; broken, foreign or edited files are
// refused with the right error; NaN weights are never written.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "ae/checkpoint.hpp"
#include "ae/data_hash.hpp"
#include "ae/error.hpp"
#include "ae/model_file.hpp"
#include "ae/random.hpp"
#include "ae/safetensors.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

namespace fs = std::filesystem;

class Checkpoints : public test::TempDirTest {
 protected:

  static Checkpoint sample() {
    Autoencoder model(make_architecture(6, parse_layers("4:relu,2:sigmoid,4:relu,6:linear")));
    Rng rng(3);
    model.initialize(Init::he_uniform, rng);
    Checkpoint c(std::move(model));
    const std::size_t P = c.model.parameters().size();
    for (std::size_t i = 0; i < P; ++i) {
      c.m.push_back(static_cast<float>(rng.normal()));
      c.v.push_back(static_cast<float>(rng.uniform_double()));
    }
    c.steps = 12345;
    c.lr = 0.1 * 0.001;  // not a short decimal
    c.state.epoch = 2;
    c.state.batch = 7;
    c.state.loss_sum = 1.0 / 3.0;
    c.state.seen = 224;
    c.state.seconds = 0.25;
    c.state.rng_start = Rng(1).state();
    c.state.rng = rng.state();
    c.state.history.epochs = {{1, 0.1 / 3, std::numeric_limits<double>::quiet_NaN(), 1.5, 1e-3},
                              {2, 0.2 / 7, 0.3 / 11, 1.25, 1e-4}};
    c.state.best = 0.3 / 11;
    c.state.best_epoch = 2;
    c.state.wait = 0;
    c.state.best_weights.assign(P, 0.5f);
    c.state.plateau_best = std::numeric_limits<double>::infinity();
    c.state.plateau_wait = 1;
    c.state.cooldown = 3;
    c.config = R"({"lr":0.001,"seed":7})";
    c.data_hash = 0xfedcba9876543210ull;
    return c;
  }

};

TEST_F(Checkpoints, EveryFieldRoundTripsExactly) {
  const Checkpoint c = sample();
  save_checkpoint(path("c.safetensors"), c);
  const Checkpoint r = load_checkpoint(path("c.safetensors"));
  EXPECT_EQ(r.model.architecture().spec(), c.model.architecture().spec());
  EXPECT_EQ(r.model.architecture().bottleneck, c.model.architecture().bottleneck);
  EXPECT_EQ(std::vector<float>(r.model.parameters().begin(), r.model.parameters().end()),
            std::vector<float>(c.model.parameters().begin(), c.model.parameters().end()));
  EXPECT_EQ(r.m, c.m);
  EXPECT_EQ(r.v, c.v);
  EXPECT_EQ(r.steps, c.steps);
  EXPECT_EQ(r.lr, c.lr);
  EXPECT_EQ(r.config, c.config);
  EXPECT_EQ(r.config_hash, fnv1a64(c.config.data(), c.config.size()));
  EXPECT_EQ(r.data_hash, c.data_hash);
  const TrainState& a = r.state;
  const TrainState& b = c.state;
  EXPECT_EQ(a.epoch, b.epoch);
  EXPECT_EQ(a.batch, b.batch);
  EXPECT_EQ(a.loss_sum, b.loss_sum);
  EXPECT_EQ(a.seen, b.seen);
  EXPECT_EQ(a.seconds, b.seconds);
  EXPECT_EQ(a.rng_start, b.rng_start);
  EXPECT_EQ(a.rng, b.rng);
  ASSERT_EQ(a.history.epochs.size(), 2u);
  EXPECT_TRUE(std::isnan(a.history.epochs[0].val_loss));
  EXPECT_EQ(a.history.epochs[0].loss, b.history.epochs[0].loss);
  EXPECT_EQ(a.history.epochs[1].val_loss, b.history.epochs[1].val_loss);
  EXPECT_EQ(a.history.epochs[1].lr, b.history.epochs[1].lr);
  EXPECT_EQ(a.best, b.best);
  EXPECT_EQ(a.best_epoch, b.best_epoch);
  EXPECT_EQ(a.best_weights, b.best_weights);
  EXPECT_TRUE(std::isinf(a.plateau_best));
  EXPECT_EQ(a.plateau_wait, b.plateau_wait);
  EXPECT_EQ(a.cooldown, b.cooldown);
}

TEST_F(Checkpoints, FileIsPlainSafetensorsWithTheDocumentedNames) {
  Checkpoint c = sample();
  c.v.clear();  // sgd and rmsprop keep one moment
  c.state.best_weights.clear();
  save_checkpoint(path("c.safetensors"), c);
  const TensorFile f = read_safetensors(path("c.safetensors"));
  EXPECT_EQ(f.metadata.at("format"), "ae-checkpoint");
  EXPECT_EQ(f.metadata.at("epoch"), "2");
  EXPECT_EQ(f.metadata.at("step"), "12345");
  EXPECT_EQ(f.metadata.at("data_hash"), "fedcba9876543210");
  EXPECT_EQ(f.metadata.at("rng_start").front(), '[');
  ASSERT_NE(f.find("layers.0.weight"), nullptr);
  EXPECT_EQ(f.find("layers.0.weight")->shape, (std::vector<std::size_t>{4, 6}));
  ASSERT_NE(f.find("optimizer.m"), nullptr);
  EXPECT_EQ(f.find("optimizer.v")->shape, std::vector<std::size_t>{0});
  EXPECT_EQ(f.find("early_stopping.best_weights"), nullptr);
  EXPECT_TRUE(load_checkpoint(path("c.safetensors")).v.empty());
}

TEST_F(Checkpoints, NonFiniteValuesAreDivergenceAndNothingIsWritten) {
  Checkpoint c = sample();
  c.model.parameters()[1] = std::numeric_limits<float>::quiet_NaN();
  try {
    save_checkpoint(path("c.safetensors"), c);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::diverged);
  }
  Checkpoint d = sample();
  d.v[0] = std::numeric_limits<float>::infinity();
  EXPECT_THROW(save_checkpoint(path("c.safetensors"), d), Error);
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(Checkpoints, MissingModelTruncatedAndEditedFilesAreRefused) {
  const auto kind_of = [](const std::string& p) {
    try {
      load_checkpoint(p);
    } catch (const Error& e) {
      return e.kind();
    }
    return ErrorKind::internal;
  };
  EXPECT_EQ(kind_of(path("none.safetensors")), ErrorKind::missing_input);

  Autoencoder model(make_architecture(6, parse_layers("2:relu,6:sigmoid")));
  save_model(path("model.safetensors"), model, {});
  EXPECT_EQ(kind_of(path("model.safetensors")), ErrorKind::bad_data);

  save_checkpoint(path("c.safetensors"), sample());
  EXPECT_THROW(load_model(path("c.safetensors")), Error);  // a checkpoint is not a model
  const auto size = fs::file_size(path("c.safetensors"));
  fs::copy_file(path("c.safetensors"), path("cut.safetensors"));
  fs::resize_file(path("cut.safetensors"), size - 3);
  EXPECT_EQ(kind_of(path("cut.safetensors")), ErrorKind::bad_data);

  const auto edited = [&](const std::string& key, const std::string& value) {
    TensorFile f = read_safetensors(path("c.safetensors"));
    f.metadata[key] = value;
    write_safetensors(path("edited.safetensors"), f);
    return kind_of(path("edited.safetensors"));
  };
  EXPECT_EQ(edited("config", R"({"lr":0.01,"seed":7})"), ErrorKind::bad_data);  // hash no longer matches
  EXPECT_EQ(edited("rng_state", R"(["1","2","3"])"), ErrorKind::bad_data);
  EXPECT_EQ(edited("epoch", "3"), ErrorKind::bad_data);  // history has 2 rows
  EXPECT_EQ(edited("lr", "-1"), ErrorKind::bad_data);
  EXPECT_EQ(edited("format_version", "9"), ErrorKind::bad_data);
  EXPECT_EQ(edited("history", "[{}]"), ErrorKind::bad_data);

  TensorFile f = read_safetensors(path("c.safetensors"));
  for (Tensor& t : f.tensors) {
    if (t.name == "optimizer.m") t = {"optimizer.m", {3}, {0, 0, 0}};
  }
  write_safetensors(path("short_m.safetensors"), f);
  EXPECT_EQ(kind_of(path("short_m.safetensors")), ErrorKind::bad_data);
}

TEST_F(Checkpoints, DataHashCoversValuesShapeAndValidation) {
  Dataset a;
  a.rows = 2;
  a.cols = 2;
  a.values = {0.1f, 0.2f, 0.3f, 0.4f};
  Dataset b = a;
  b.values[3] = 0.5f;
  Dataset c = a;
  c.rows = 1;
  c.cols = 4;
  EXPECT_EQ(training_data_hash(a, nullptr), training_data_hash(Dataset(a), nullptr));
  EXPECT_NE(training_data_hash(a, nullptr), training_data_hash(b, nullptr));
  EXPECT_NE(training_data_hash(a, nullptr), training_data_hash(c, nullptr));
  EXPECT_NE(training_data_hash(a, nullptr), training_data_hash(a, &a));
  EXPECT_NE(training_data_hash(a, &a), training_data_hash(a, &b));
  // FNV-1a 64 of "a", the published test vector.
  EXPECT_EQ(fnv1a64("a", 1), 0xaf63dc4c8601ec8cull);
}

}  // namespace
}  // namespace ae
