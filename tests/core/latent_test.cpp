// The terms on the embedding, checked in double with central differences: the sparsity
// (L1 activity) penalty of a plain model, and a variational model's KL term and
// reparameterised path with fixed noise; plus what inference sees (the mean) and the model
// kind's widths.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "ae/autoencoder.hpp"
#include "ae/error.hpp"
#include "ae/loss.hpp"
#include "ae/random.hpp"
#include "kernels/kernels.hpp"
#include "../finite_difference.hpp"

namespace ae {
namespace {

using test::expect_derivative_close;
using test::numeric_derivative;
using test::random_vector;

// loss + penalty of one pass on ws, its analytic gradient against central differences for
// every parameter and input value. Returns the penalty of the pass.
double check_model(BasicAutoencoder<double>& model, Workspace<double>& ws, std::vector<double>& x,
                   const std::vector<double>& target, std::size_t B) {
  const std::size_t D = model.architecture().input;
  const auto f = [&]() {
    const double loss = loss_value<double>(Loss::mse, model.forward({x.data(), B, D}, 0, model.layer_count(), ws),
                                           {target.data(), B, D});
    return loss + ws.penalty;
  };
  std::vector<double> dy(B * D);
  model.zero_gradients();
  loss_gradient<double>(Loss::mse, model.forward({x.data(), B, D}, 0, model.layer_count(), ws), {target.data(), B, D},
                        {dy.data(), B, D});
  const double penalty = ws.penalty;
  std::vector<double> dx(B * D, NAN);
  BasicMatrixView<double> dxv{dx.data(), B, D};
  model.backward({dy.data(), B, D}, ws, model.gradients(), &dxv);
  const auto params = model.parameters();
  const auto grads = model.gradients();
  for (std::size_t i = 0; i < params.size(); ++i) {
    expect_derivative_close(grads[i], numeric_derivative(f, params[i]), "parameter " + std::to_string(i));
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    expect_derivative_close(dx[i], numeric_derivative(f, x[i]), "input " + std::to_string(i));
  }
  return penalty;
}

TEST(Sparsity, L1PenaltyOnTheEmbeddingMatchesCentralDifferences) {
  const auto arch = make_architecture(5, parse_layers("6:tanh,3:tanh,6:elu,5:sigmoid"));
  BasicAutoencoder<double> model(arch);
  Rng rng(21);
  model.initialize(Init::glorot_uniform, rng);
  for (std::size_t o = 0; o < 3; ++o) model.bias(1)[o] = rng.uniform(-0.5, 0.5);
  const std::size_t B = 4;
  auto x = random_vector(B * 5, rng, 0, 1);
  const auto target = random_vector(B * 5, rng, 0, 1);
  Workspace<double> ws;
  ws.activity_l1 = 0.37;
  const double penalty = check_model(model, ws, x, target, B);
  // The penalty is the weight times sum |h| over the embedding of every row.
  (void)model.forward({x.data(), B, 5}, 0, model.layer_count(), ws);
  const double l1 = kernels::l1_sum(ws.outputs[1].data(), B * 3);
  EXPECT_GT(l1, 0.0);
  EXPECT_NEAR(penalty, 0.37 * l1, 1e-12);
  // Without the weight there is no penalty.
  Workspace<double> none;
  (void)model.forward({x.data(), B, 5}, 0, model.layer_count(), none);
  EXPECT_EQ(none.penalty, 0.0);
}

// A variational model with fixed noise: the loss is a function of the parameters and input
// alone, through the reparameterisation z = mean + exp(log_var / 2) * noise and the KL term.
TEST(Variational, KlAndReparameterisedPathMatchCentralDifferences) {
  const auto arch = make_architecture(5, parse_layers("6:tanh,2:linear,6:tanh,5:sigmoid"), std::nullopt, ModelKind::variational);
  BasicAutoencoder<double> model(arch);
  Rng rng(22);
  model.initialize(Init::glorot_uniform, rng);
  for (std::size_t o = 0; o < 4; ++o) model.bias(1)[o] = rng.uniform(-0.5, 0.5);
  const std::size_t B = 3, K = 2;
  auto x = random_vector(B * 5, rng, 0, 1);
  const auto target = random_vector(B * 5, rng, 0, 1);
  Workspace<double> ws;
  ws.latent_noise.resize(B * K);
  kernels::input_noise(ws.latent_noise.data(), B, K, kernels::dropout_key(5, 1, 7), 0, 1.0, false);
  for (double kl_weight : {0.0, 0.6}) {
    ws.kl_weight = kl_weight;
    const double penalty = check_model(model, ws, x, target, B);
    (void)model.forward({x.data(), B, 5}, 0, model.layer_count(), ws);
    const double kl = kernels::latent_kl<double>(ws.outputs[1].data(), B, K, nullptr);
    EXPECT_GT(kl, 0.0);
    EXPECT_NEAR(penalty, kl_weight * kl, 1e-12);
  }
  // The decoder read the sample: without noise (inference) the reconstruction differs, and
  // the embedding is the mean, the first K outputs of the bottleneck layer.
  const auto with_noise = model.forward({x.data(), B, 5}, 0, model.layer_count(), ws);
  const std::vector<double> sampled(with_noise.data, with_noise.data + B * 5);
  Workspace<double> inference;
  const auto mean_path = model.forward({x.data(), B, 5}, 0, model.layer_count(), inference);
  EXPECT_NE(std::vector<double>(mean_path.data, mean_path.data + B * 5), sampled);
  const auto z = model.forward({x.data(), B, 5}, 0, arch.bottleneck + 1, inference);
  ASSERT_EQ(z.cols, K);
  for (std::size_t r = 0; r < B; ++r) {
    for (std::size_t k = 0; k < K; ++k) EXPECT_EQ(z.row(r)[k], inference.outputs[1][r * 2 * K + k]);
  }
}

TEST(Variational, KlIsZeroAtTheStandardNormalAndKnownElsewhere) {
  // Rows of (mean, log_var): (0, 0) gives 0; mean 1, log_var log 2 gives 0.5 (1 + 2 - 1 - log 2).
  const std::vector<double> h{0, 0, 1, std::log(2.0)};
  std::vector<double> per_row(2);
  const double total = kernels::latent_kl<double>(h.data(), 2, 1, per_row.data());
  EXPECT_EQ(per_row[0], 0.0);
  EXPECT_NEAR(per_row[1], 0.5 * (2.0 - std::log(2.0)), 1e-15);
  EXPECT_NEAR(total, per_row[1], 1e-15);
}

TEST(Variational, TheEmbeddingLayerHoldsMeanAndLogVarianceAndMustBeLinear) {
  const auto arch = make_architecture(6, parse_layers("4:relu,2:linear,4:relu,6:sigmoid"), std::nullopt, ModelKind::variational);
  EXPECT_EQ(arch.out_width(1), 4u);
  EXPECT_EQ(arch.embedding_width(), 2u);
  EXPECT_EQ(arch.in_width(2), 2u);
  const auto plain = make_architecture(6, parse_layers("4:relu,2:linear,4:relu,6:sigmoid"));
  EXPECT_EQ(arch.parameter_count(), plain.parameter_count() + (4 + 1) * 2);  // two more rows of 4 weights and a bias
  EXPECT_NE(summary(arch).find("variational"), std::string::npos);
  EXPECT_THROW(make_architecture(6, parse_layers("4:relu,2:sigmoid,4:relu,6:sigmoid"), std::nullopt, ModelKind::variational),
               Error);
}

}  // namespace
}  // namespace ae
