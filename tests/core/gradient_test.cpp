// Central-difference gradient checks in double for every activation, the dense layer, every
// loss and the whole autoencoder, plus the backward-adds and NaN-poison contracts.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <functional>
#include <vector>

#include "ae/autoencoder.hpp"
#include "ae/loss.hpp"
#include "ae/random.hpp"
#include "kernels/kernels.hpp"
#include "../finite_difference.hpp"

namespace ae {
namespace {

using test::expect_derivative_close;
using test::numeric_derivative;
using test::random_vector;

const Activation kActivations[] = {Activation::linear, Activation::relu, Activation::leaky_relu,
                                   Activation::elu, Activation::tanh, Activation::sigmoid,
                                   Activation::softplus};

// Moves values away from 0 so finite differences never straddle a relu kink.
void avoid_kinks(std::vector<double>& v) {
  for (auto& x : v) {
    if (std::abs(x) < 0.05) x = x < 0 ? -0.05 - std::abs(x) : 0.05 + x;
  }
}

TEST(Gradient, EveryActivationMatchesCentralDifferences) {
  Rng rng(11);
  for (Activation act : kActivations) {
    const std::size_t n = 40;
    auto z = random_vector(n, rng, -3, 3);
    avoid_kinks(z);
    const auto r = random_vector(n, rng);
    const std::vector<double> zero(n, 0.0);
    const auto f = [&]() {
      auto y = z;
      kernels::bias_activation_forward_ref<double>(act, zero.data(), y.data(), 1, n);
      double s = 0;
      for (std::size_t i = 0; i < n; ++i) s += y[i] * r[i];
      return s;
    };
    auto y = z;
    kernels::bias_activation_forward<double>(act, zero.data(), y.data(), 1, n);
    auto dz = r;
    kernels::activation_backward<double>(act, y.data(), dz.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      expect_derivative_close(dz[i], numeric_derivative(f, z[i]),
                              std::string(activation_name(act)) + " at z=" + std::to_string(z[i]));
    }
  }
}

TEST(Gradient, DenseLayerMatchesCentralDifferencesForWeightsBiasAndInput) {
  Rng rng(12);
  const std::size_t B = 3, I = 5, O = 4;
  for (Activation act : kActivations) {
    auto x = random_vector(B * I, rng), w = random_vector(O * I, rng), b = random_vector(O, rng);
    const auto r = random_vector(B * O, rng);
    const auto f = [&]() {
      std::vector<double> y(B * O);
      kernels::dense_forward<double>(act, x.data(), w.data(), b.data(), y.data(), B, I, O);
      double s = 0;
      for (std::size_t i = 0; i < B * O; ++i) s += y[i] * r[i];
      return s;
    };
    // Skip draws that land near a kink of relu-like activations.
    std::vector<double> z(B * O);
    const std::vector<double> zero(O, 0.0);
    kernels::dense_forward<double>(Activation::linear, x.data(), w.data(), b.data(), z.data(), B, I, O);
    bool near_kink = false;
    for (double v : z) near_kink |= std::abs(v) < 1e-3;
    if (near_kink) continue;

    std::vector<double> y(B * O), dw(O * I, 0.0), db(O, 0.0), dx(B * I, 0.0);
    kernels::dense_forward<double>(act, x.data(), w.data(), b.data(), y.data(), B, I, O);
    auto dy = r;
    kernels::dense_backward<double>(act, x.data(), w.data(), y.data(), dy.data(), dw.data(),
                                    db.data(), dx.data(), B, I, O);
    const std::string name(activation_name(act));
    for (std::size_t i = 0; i < O * I; ++i) expect_derivative_close(dw[i], numeric_derivative(f, w[i]), name + " dw");
    for (std::size_t i = 0; i < O; ++i) expect_derivative_close(db[i], numeric_derivative(f, b[i]), name + " db");
    for (std::size_t i = 0; i < B * I; ++i) expect_derivative_close(dx[i], numeric_derivative(f, x[i]), name + " dx");
  }
}

TEST(Gradient, EveryLossMatchesCentralDifferences) {
  Rng rng(13);
  const std::size_t B = 3, D = 7;
  for (Loss loss : {Loss::sse, Loss::mse, Loss::bce}) {
    auto y = random_vector(B * D, rng, 0.05, 0.95);
    const auto x = random_vector(B * D, rng, 0.0, 1.0);
    const auto f = [&]() {
      return loss_value<double>(loss, {y.data(), B, D}, {x.data(), B, D});
    };
    std::vector<double> dy(B * D, NAN);
    const double value = loss_gradient<double>(loss, {y.data(), B, D}, {x.data(), B, D}, {dy.data(), B, D});
    EXPECT_NEAR(value, f(), 1e-12);
    for (std::size_t i = 0; i < B * D; ++i) {
      expect_derivative_close(dy[i], numeric_derivative(f, y[i]), std::string(loss_name(loss)));
    }
  }
}

TEST(Gradient, LossPerSampleAgreesWithTheBatchValue) {
  Rng rng(14);
  const std::size_t B = 5, D = 4;
  const auto y = random_vector(B * D, rng, 0.1, 0.9), x = random_vector(B * D, rng, 0, 1);
  for (Loss loss : {Loss::sse, Loss::mse, Loss::bce}) {
    std::vector<double> per(B);
    loss_per_sample<double>(loss, {y.data(), B, D}, {x.data(), B, D}, per.data());
    double mean = 0;
    for (double v : per) mean += v / B;
    EXPECT_NEAR(mean, loss_value<double>(loss, {y.data(), B, D}, {x.data(), B, D}), 1e-12);
  }
  // sse of one row by hand.
  std::vector<double> per(B);
  loss_per_sample<double>(Loss::sse, {y.data(), B, D}, {x.data(), B, D}, per.data());
  double sse0 = 0;
  for (std::size_t j = 0; j < D; ++j) sse0 += (y[j] - x[j]) * (y[j] - x[j]);
  EXPECT_NEAR(per[0], sse0, 1e-15);
}

TEST(Gradient, BceIsFiniteAtZeroAndOneAndMatchesTheClip) {
  const std::vector<double> y{0.0, 1.0}, x{1.0, 0.0};
  std::vector<double> dy(2);
  const double v = loss_gradient<double>(Loss::bce, {y.data(), 1, 2}, {x.data(), 1, 2}, {dy.data(), 1, 2});
  EXPECT_NEAR(v, -std::log(1e-7), 1e-6);
  EXPECT_EQ(dy[0], 0.0);
  EXPECT_EQ(dy[1], 0.0);
}

// The whole model, every parameter and the input gradient.
TEST(Gradient, WholeAutoencoderMatchesCentralDifferences) {
  const auto arch = make_architecture(
      5, parse_layers("6:tanh,3:elu,2:sigmoid,3:softplus,4:leaky_relu,5:sigmoid"));
  BasicAutoencoder<double> model(arch);
  Rng rng(15);
  model.initialize(Init::glorot_uniform, rng);
  for (std::size_t l = 0; l < model.layer_count(); ++l) {
    for (std::size_t o = 0; o < arch.layers[l].width; ++o) model.bias(l)[o] = rng.uniform(-0.3, 0.3);
  }
  const std::size_t B = 4;
  auto x = random_vector(B * 5, rng, 0, 1);
  const auto target = random_vector(B * 5, rng, 0, 1);
  const auto f = [&]() {
    return loss_value<double>(Loss::mse, model.forward({x.data(), B, 5}), {target.data(), B, 5});
  };
  std::vector<double> dy(B * 5);
  model.zero_gradients();
  loss_gradient<double>(Loss::mse, model.forward({x.data(), B, 5}), {target.data(), B, 5}, {dy.data(), B, 5});
  std::vector<double> dx(B * 5, NAN);
  BasicMatrixView<double> dxv{dx.data(), B, 5};
  model.backward({dy.data(), B, 5}, &dxv);
  const auto params = model.parameters();
  const auto grads = model.gradients();
  for (std::size_t i = 0; i < params.size(); ++i) {
    expect_derivative_close(grads[i], numeric_derivative(f, params[i]), "parameter " + std::to_string(i));
  }
  for (std::size_t i = 0; i < x.size(); ++i) expect_derivative_close(dx[i], numeric_derivative(f, x[i]), "input");
}

// Dropout with fixed masks (layers 1 and 3 of 5): the loss is a function of the parameters
// and input alone, and backward follows the masks.
TEST(Gradient, WholeAutoencoderWithDropoutMasksMatchesCentralDifferences) {
  const auto arch = make_architecture(5, parse_layers("6:tanh,4:elu,2:sigmoid,4:softplus,5:sigmoid"));
  BasicAutoencoder<double> model(arch);
  Rng rng(16);
  model.initialize(Init::glorot_uniform, rng);
  const std::size_t B = 4;
  auto x = random_vector(B * 5, rng, 0, 1);
  const auto target = random_vector(B * 5, rng, 0, 1);
  Workspace<double> ws;
  ws.masks.resize(model.layer_count());
  for (std::size_t l : {0u, 3u}) {
    ws.masks[l].resize(B * arch.layers[l].width);
    kernels::dropout_mask(ws.masks[l].data(), B, arch.layers[l].width, kernels::dropout_key(3, 1, l), 0, 0.4);
  }
  const auto f = [&]() {
    return loss_value<double>(Loss::mse, model.forward({x.data(), B, 5}, 0, model.layer_count(), ws), {target.data(), B, 5});
  };
  std::vector<double> dy(B * 5);
  model.zero_gradients();
  loss_gradient<double>(Loss::mse, model.forward({x.data(), B, 5}, 0, model.layer_count(), ws), {target.data(), B, 5},
                        {dy.data(), B, 5});
  std::vector<double> dx(B * 5, NAN);
  BasicMatrixView<double> dxv{dx.data(), B, 5};
  model.backward({dy.data(), B, 5}, ws, model.gradients(), &dxv);
  const auto params = model.parameters();
  const auto grads = model.gradients();
  for (std::size_t i = 0; i < params.size(); ++i) {
    expect_derivative_close(grads[i], numeric_derivative(f, params[i]), "parameter " + std::to_string(i));
  }
  for (std::size_t i = 0; i < x.size(); ++i) expect_derivative_close(dx[i], numeric_derivative(f, x[i]), "input");
  // Without masks the same weights give another loss: the masks were in force.
  Workspace<double> plain;
  const double with = f();
  const double without = loss_value<double>(Loss::mse, model.forward({x.data(), B, 5}, 0, model.layer_count(), plain),
                                            {target.data(), B, 5});
  EXPECT_NE(with, without);
}

TEST(Gradient, WholeAutoencoderOnSparseInputMatchesCentralDifferences) {
  // An input with about 20% nonzeros and a first layer wide enough for the sparse path.
  const auto arch = make_architecture(40, parse_layers("33:tanh,3:sigmoid,40:sigmoid"));
  BasicAutoencoder<double> model(arch);
  Rng rng(17);
  model.initialize(Init::glorot_uniform, rng);
  for (std::size_t o = 0; o < 33; ++o) model.bias(0)[o] = rng.uniform(-0.3, 0.3);
  const std::size_t B = 9, D = 40;
  std::vector<double> x(B * D, 0.0);
  for (auto& v : x) {
    if (rng.uniform(0, 1) < 0.2) v = rng.uniform(0.1, 1);
  }
  const auto target = random_vector(B * D, rng, 0, 1);
  Workspace<double> ws;
  const auto f = [&]() {
    return loss_value<double>(Loss::mse, model.forward({x.data(), B, D}, 0, model.layer_count(), ws), {target.data(), B, D});
  };
  std::vector<double> dy(B * D), grads(model.parameters().size(), 0.0), dx(B * D, NAN);
  loss_gradient<double>(Loss::mse, model.forward({x.data(), B, D}, 0, model.layer_count(), ws), {target.data(), B, D},
                        {dy.data(), B, D});
  ASSERT_TRUE(ws.sparse.active);
  BasicMatrixView<double> dxv{dx.data(), B, D};
  model.backward({dy.data(), B, D}, ws, grads, &dxv);
  const auto params = model.parameters();
  for (std::size_t i = 0; i < params.size(); ++i) {
    expect_derivative_close(grads[i], numeric_derivative(f, params[i]), "parameter " + std::to_string(i));
  }
  for (std::size_t i = 0; i < x.size(); ++i) expect_derivative_close(dx[i], numeric_derivative(f, x[i]), "input");
}

TEST(Contract, DenseBackwardAddsIntoGradients) {
  Rng rng(16);
  const std::size_t B = 2, I = 3, O = 4;
  const auto x = random_vector(B * I, rng), w = random_vector(O * I, rng), b = random_vector(O, rng);
  std::vector<double> y(B * O);
  kernels::dense_forward<double>(Activation::tanh, x.data(), w.data(), b.data(), y.data(), B, I, O);
  const auto r = random_vector(B * O, rng);
  std::vector<double> dw0(O * I, 0.0), db0(O, 0.0), dx0(B * I, 0.0);
  auto dy = r;
  kernels::dense_backward<double>(Activation::tanh, x.data(), w.data(), y.data(), dy.data(),
                                  dw0.data(), db0.data(), dx0.data(), B, I, O);
  std::vector<double> dw(O * I, 1.5), db(O, -2.0), dx(B * I, 0.25);
  dy = r;
  kernels::dense_backward<double>(Activation::tanh, x.data(), w.data(), y.data(), dy.data(),
                                  dw.data(), db.data(), dx.data(), B, I, O);
  for (std::size_t i = 0; i < dw.size(); ++i) EXPECT_NEAR(dw[i], dw0[i] + 1.5, 1e-14);
  for (std::size_t i = 0; i < db.size(); ++i) EXPECT_NEAR(db[i], db0[i] - 2.0, 1e-14);
  for (std::size_t i = 0; i < dx.size(); ++i) EXPECT_NEAR(dx[i], dx0[i] + 0.25, 1e-14);
}

TEST(Contract, AutoencoderBackwardAddsAcrossCalls) {
  const auto arch = make_architecture(4, parse_layers("3:relu,2:sigmoid,3:relu,4:sigmoid"));
  Autoencoder model(arch);
  Rng rng(17);
  model.initialize(Init::glorot_uniform, rng);
  std::vector<float> x(8), dy(8);
  for (auto& v : x) v = rng.uniform_float();
  for (auto& v : dy) v = rng.uniform_float() - 0.5f;
  model.zero_gradients();
  model.forward({x.data(), 2, 4});
  model.backward({dy.data(), 2, 4});
  const std::vector<float> once(model.gradients().begin(), model.gradients().end());
  model.forward({x.data(), 2, 4});
  model.backward({dy.data(), 2, 4});
  for (std::size_t i = 0; i < once.size(); ++i) EXPECT_NEAR(model.gradients()[i], 2 * once[i], 1e-6f);
}

// dx_beta 0 writes dx: a dx pre-filled with NaN comes back as the sum added into zeros, on
// shapes that take oneDNN (no side under 16, with AVX-512) and OpenBLAS (a side of 8).
TEST(Contract, BackwardWithZeroDxBetaWritesDx) {
  Rng rng(19);
  for (const auto [B, I, O] : {std::array<std::size_t, 3>{32, 16, 24}, std::array<std::size_t, 3>{32, 8, 24}}) {
    std::vector<float> x(B * I), w(O * I), y(B * O), dz(B * O);
    for (auto& v : x) v = rng.uniform_float();
    for (auto& v : w) v = rng.uniform_float() - 0.5f;
    for (auto& v : dz) v = rng.uniform_float() - 0.5f;
    const std::vector<float> b(O, 0.1f);
    kernels::dense_forward<float>(Activation::relu, x.data(), w.data(), b.data(), y.data(), B, I, O);
    std::vector<float> dw(O * I, 0.0f), db(O, 0.0f), added(B * I, 0.0f), written(B * I, NAN);
    auto dy = dz;
    kernels::dense_backward<float>(Activation::relu, x.data(), w.data(), y.data(), dy.data(), dw.data(), db.data(),
                                   added.data(), B, I, O);
    dy = dz;
    kernels::dense_backward<float>(Activation::relu, x.data(), w.data(), y.data(), dy.data(), dw.data(), db.data(),
                                   written.data(), B, I, O, 0.0f);
    EXPECT_EQ(written, added) << "I " << I;
  }
}

TEST(Contract, OutputsPoisonedWithNaNComeBackFinite) {
  Rng rng(18);
  const std::size_t B = 3, I = 4, O = 5;
  std::vector<float> x(B * I), w(O * I), b(O);
  for (auto& v : x) v = rng.uniform_float();
  for (auto& v : w) v = rng.uniform_float() - 0.5f;
  for (Activation act : kActivations) {
    std::vector<float> y(B * O, NAN);
    kernels::dense_forward<float>(act, x.data(), w.data(), b.data(), y.data(), B, I, O);
    for (float v : y) EXPECT_TRUE(std::isfinite(v)) << activation_name(act);
    std::vector<float> dy(B * O, 1.0f), dw(O * I, 0.0f), db(O, 0.0f), dx(B * I, 0.0f);
    kernels::dense_backward<float>(act, x.data(), w.data(), y.data(), dy.data(), dw.data(),
                                   db.data(), dx.data(), B, I, O);
    for (float v : dw) EXPECT_TRUE(std::isfinite(v));
  }
  // The model's own workspace and the dx it overwrites.
  Autoencoder model(make_architecture(4, parse_layers("3:relu,2:sigmoid,3:relu,4:sigmoid")));
  model.initialize(Init::glorot_uniform, rng);
  std::vector<float> in(8, 0.5f), dy(8, 0.1f), dxs(8, NAN);
  MatrixView dxv{dxs.data(), 2, 4};
  for (float v : model.forward({in.data(), 2, 4}).span()) EXPECT_TRUE(std::isfinite(v));
  model.backward({dy.data(), 2, 4}, &dxv);
  for (float v : dxs) EXPECT_TRUE(std::isfinite(v));
}

}  // namespace
}  // namespace ae
