// Training with the embedding terms: a variational model and a sparse one train, are
// bit-identical for the same seed and thread count (the reparameterisation noise hashed like
// the dropout masks), resume exactly from a checkpoint taken inside an epoch, and report
// losses that include their terms; model files and checkpoints keep the kind.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>

#include "ae/checkpoint.hpp"
#include "ae/error.hpp"
#include "ae/inference.hpp"
#include "ae/model_file.hpp"
#include "ae/random.hpp"
#include "ae/trainer.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

// 203 rows of 6 features near a 2-D surface (203: the last batch is partial).
Dataset surface() {
  Dataset d;
  d.rows = 203;
  d.cols = 6;
  d.source = "surface";
  for (std::size_t r = 0; r < d.rows; ++r) {
    const double s = static_cast<double>(r % 29) / 29.0, t = static_cast<double>(r) / 203.0;
    for (std::size_t c = 0; c < d.cols; ++c) {
      d.values.push_back(static_cast<float>(0.5 + 0.3 * std::sin(3 * s + static_cast<double>(c)) * std::cos(2 * t + 0.5 * static_cast<double>(c))));
    }
  }
  return d;
}

const char* kSpec = "8:tanh,2:linear,8:tanh,6:sigmoid";

struct VaeRun {
  Autoencoder model;
  Rng rng;
  VaeRun(std::uint64_t seed, ModelKind kind)
      : model(make_architecture(6, parse_layers(kSpec), std::nullopt, kind)), rng(seed) {
    model.initialize(Init::glorot_uniform, rng);
  }
  std::vector<float> weights() const { return {model.parameters().begin(), model.parameters().end()}; }
};

TrainConfig config(std::size_t epochs, std::size_t threads) {
  TrainConfig c{.epochs = epochs, .batch = 16, .loss = Loss::mse};
  c.optimizer.lr = 0.01;
  c.threads = threads;
  c.diagnose = false;
  return c;
}

class VariationalTraining : public test::TempDirTest {};

TEST_F(VariationalTraining, SameSeedAndThreadsGiveIdenticalWeightsAndTheNoiseMatters) {
  const Dataset data = surface();
  for (std::size_t threads : {1u, 3u}) {
    VaeRun a(5, ModelKind::variational), b(5, ModelKind::variational);
    Trainer ta(a.model, config(2, threads), a.rng), tb(b.model, config(2, threads), b.rng);
    const History ha = ta.fit(data);
    tb.fit(data);
    EXPECT_EQ(a.weights(), b.weights()) << threads << " threads";
    EXPECT_TRUE(std::isfinite(ha.epochs.back().loss));
  }
  // The sampling noise does not depend on how the rows are split over threads; the weights
  // differ only by the order gradients are summed in, so they stay close.
  VaeRun one(5, ModelKind::variational), three(5, ModelKind::variational);
  Trainer t1(one.model, config(1, 1), one.rng), t3(three.model, config(1, 3), three.rng);
  t1.fit(data);
  t3.fit(data);
  for (std::size_t i = 0; i < one.weights().size(); ++i) EXPECT_NEAR(one.weights()[i], three.weights()[i], 1e-4);
  // beta weighs the KL term: another beta gives other weights.
  VaeRun other(5, ModelKind::variational);
  TrainConfig c = config(1, 1);
  c.beta = 4;
  Trainer to(other.model, c, other.rng);
  to.fit(data);
  EXPECT_NE(other.weights(), one.weights());
}

TEST_F(VariationalTraining, ReportedLossesIncludeTheKlAndTheSparsityTerms) {
  const Dataset data = surface();
  for (ModelKind kind : {ModelKind::variational, ModelKind::plain}) {
    VaeRun run(9, kind);
    TrainConfig c = config(1, 1);
    if (kind == ModelKind::plain) c.sparsity = 0.5;
    Trainer t(run.model, c, run.rng);
    t.fit(data);
    // evaluate() is the reconstruction loss at the mean plus the term; the term is positive.
    const auto errors = per_sample_errors(run.model, data, Loss::mse, 1);
    const auto terms = per_sample_embedding_terms(run.model, data, 1);
    double recon = 0, term = 0;
    for (std::size_t r = 0; r < data.rows; ++r) {
      recon += errors[r];
      term += terms[r];
    }
    recon /= static_cast<double>(data.rows);
    term /= static_cast<double>(data.rows);
    EXPECT_GT(term, 0.0);
    const double weight = kind == ModelKind::variational ? 1.0 / 6.0 : 0.5;
    EXPECT_NEAR(t.evaluate(data), recon + weight * term, 1e-6 * (recon + weight * term)) << model_kind_name(kind);
  }
  // Sparsity is for plain models.
  VaeRun vae(9, ModelKind::variational);
  TrainConfig c = config(1, 1);
  c.sparsity = 0.1;
  EXPECT_THROW(Trainer(vae.model, c, vae.rng), Error);
}

TEST_F(VariationalTraining, SparsityShrinksTheEmbedding) {
  const Dataset data = surface();
  double l1[2];
  for (int k = 0; k < 2; ++k) {
    VaeRun run(3, ModelKind::plain);
    TrainConfig c = config(4, 1);
    c.sparsity = k == 0 ? 0.0 : 0.05;
    Trainer t(run.model, c, run.rng);
    t.fit(data);
    double sum = 0;
    for (float v : per_sample_embedding_terms(run.model, data, 1)) sum += v;
    l1[k] = sum;
  }
  EXPECT_LT(l1[1], 0.5 * l1[0]);
}

TEST_F(VariationalTraining, StoppedInsideAnEpochResumesExactlyAndTheCheckpointKnowsTheKind) {
  const Dataset data = surface();
  TrainConfig base = config(3, 2);
  base.beta = 0.5;
  base.dropout = 0.2;
  VaeRun straight(13, ModelKind::variational);
  Trainer a(straight.model, base, straight.rng);
  const History full = a.fit(data);

  VaeRun first(13, ModelKind::variational);
  std::atomic<int> stop{0};
  TrainConfig c = base;
  c.checkpoint.path = path("vae.safetensors");
  c.stop = &stop;
  Trainer b(first.model, c, first.rng);
  EXPECT_THROW(b.fit(data, nullptr, [&](const TrainEvent& e) {
    if (e.kind == TrainEvent::Kind::batch_end && e.epoch == 2 && e.batch == 5) stop = 2;
  }), Error);
  Checkpoint saved = load_checkpoint(path("vae.safetensors"));
  EXPECT_TRUE(saved.model.architecture().variational());
  VaeRun second(13, ModelKind::variational);
  TrainConfig c2 = base;
  c2.checkpoint.path = path("vae.safetensors");
  Trainer d(second.model, c2, second.rng);
  d.resume_from(std::move(saved), path("vae.safetensors"));
  const History resumed = d.fit(data);
  EXPECT_EQ(resumed.epochs.back().loss, full.epochs.back().loss);
  EXPECT_EQ(second.weights(), straight.weights());
  // Another beta is refused on resume.
  VaeRun third(13, ModelKind::variational);
  TrainConfig c3 = base;
  c3.beta = 1;
  Trainer e(third.model, c3, third.rng);
  e.resume_from(load_checkpoint(path("vae.safetensors")), path("vae.safetensors"));
  EXPECT_THROW(e.fit(data), Error);
}

TEST_F(VariationalTraining, ModelFilesKeepTheKindAndSamplingIsSeeded) {
  const Dataset data = surface();
  VaeRun run(4, ModelKind::variational);
  Trainer t(run.model, config(1, 1), run.rng);
  t.fit(data);
  Model model{std::move(run.model), {}};
  save_model(path("m.safetensors"), model.autoencoder, model.info);
  Model back = load_model(path("m.safetensors"));
  EXPECT_TRUE(back.autoencoder.architecture().variational());
  EXPECT_EQ(std::vector<float>(back.autoencoder.parameters().begin(), back.autoencoder.parameters().end()),
            std::vector<float>(model.autoencoder.parameters().begin(), model.autoencoder.parameters().end()));
  const Matrix a = sample_prior(back.autoencoder, 5, 1), b = sample_prior(back.autoencoder, 5, 1);
  const Matrix c = sample_prior(back.autoencoder, 5, 2);
  EXPECT_EQ(a.values(), b.values());
  EXPECT_NE(a.values(), c.values());
  EXPECT_EQ(a.cols(), 6u);
  // encode gives the mean: K values per row, the same on every call.
  const Matrix z = encode_all(back.autoencoder, data, 1);
  EXPECT_EQ(z.cols(), 2u);
  EXPECT_EQ(z.values(), encode_all(back.autoencoder, data, 2).values());
  Autoencoder plain(make_architecture(6, parse_layers(kSpec)));
  EXPECT_THROW(sample_prior(plain, 5, 1), Error);
}

}  // namespace
}  // namespace ae
