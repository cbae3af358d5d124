// Golden test of the variational model: one step of a tiny VAE with fixed weights and fixed
// reparameterisation noise against PyTorch float64 values in tests/fixtures/vae_golden.json
// (written by tests/gen/vae_golden.py): mean, log-variance, z, reconstruction, the loss and
// its KL term, every gradient (double and float), and the parameters after one Adam step.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ae/autoencoder.hpp"
#include "ae/loss.hpp"
#include "ae/optimizer.hpp"
#include "kernels/kernels.hpp"
#include "../json_fixture.hpp"

namespace ae {
namespace {

using nlohmann::json;
using test::bias_name;
using test::expect_close;
using test::flatten;
using test::weight_name;

const json& golden() {
  static const json data = test::read_json_fixture("vae_golden.json");
  return data;
}

template <class T>
BasicAutoencoder<T> golden_model(const json& parameters) {
  const json& g = golden();
  BasicAutoencoder<T> model(make_architecture(g.at("input").get<std::size_t>(), parse_layers(g.at("layers").get<std::string>()),
                                              g.at("bottleneck").get<std::size_t>(), ModelKind::variational));
  for (std::size_t l = 0; l < model.layer_count(); ++l) {
    const auto w = flatten(parameters.at(weight_name(l)));
    const auto b = flatten(parameters.at(bias_name(l)));
    if (w.size() != model.weight_size(l) || b.size() != model.architecture().out_width(l)) {
      throw std::runtime_error("vae_golden.json: layer " + std::to_string(l) + " has the wrong shape");
    }
    std::transform(w.begin(), w.end(), model.weight(l), [](double v) { return static_cast<T>(v); });
    std::transform(b.begin(), b.end(), model.bias(l), [](double v) { return static_cast<T>(v); });
  }
  return model;
}

template <class T>
std::vector<T> values(const json& v) {
  const auto d = flatten(v);
  return {d.begin(), d.end()};
}

// One forward and backward pass with the fixture's noise and KL weight; returns the loss.
template <class T>
double step(BasicAutoencoder<T>& model, Workspace<T>& ws, const std::vector<T>& x, std::vector<T>& dy) {
  const json& g = golden();
  const std::size_t D = model.architecture().input, B = x.size() / D;
  const std::size_t K = model.architecture().embedding_width();
  ws.latent_noise.assign(B * K, T(0));
  const auto noise = values<T>(g.at("noise"));
  std::copy(noise.begin(), noise.end(), ws.latent_noise.begin());
  ws.kl_weight = static_cast<T>(g.at("beta").get<double>() / (per_sample_divisor(Loss::mse, D) * static_cast<double>(B)));
  dy.assign(B * D, T(0));
  const auto y = model.forward({x.data(), B, D}, 0, model.layer_count(), ws);
  const double loss = loss_gradient<T>(Loss::mse, y, {x.data(), B, D}, {dy.data(), B, D});
  model.backward({dy.data(), B, D}, ws, model.gradients());
  return loss + ws.penalty;
}

template <class T>
void check_pass(double rel, double abs_of_max) {
  const json& g = golden();
  BasicAutoencoder<T> model = golden_model<T>(g.at("parameters"));
  const auto x = values<T>(g.at("x"));
  Workspace<T> ws;
  std::vector<T> dy;
  model.zero_gradients();
  const double loss = step(model, ws, x, dy);
  const std::size_t D = model.architecture().input, B = x.size() / D, K = model.architecture().embedding_width();
  // The bottleneck's output rows are (mean, log_var).
  std::vector<T> mean, log_var;
  for (std::size_t r = 0; r < B; ++r) {
    const T* h = ws.outputs[1].data() + r * 2 * K;
    mean.insert(mean.end(), h, h + K);
    log_var.insert(log_var.end(), h + K, h + 2 * K);
  }
  expect_close<T>(mean, flatten(g.at("mean")), {rel, abs_of_max}, "mean");
  expect_close<T>(log_var, flatten(g.at("log_var")), {rel, abs_of_max}, "log_var");
  expect_close<T>({ws.latent.data(), B * K}, flatten(g.at("z")), {rel, abs_of_max}, "z");
  expect_close<T>({ws.outputs.back().data(), B * D}, flatten(g.at("y")), {rel, abs_of_max}, "y");
  const double kl = kernels::latent_kl<T>(ws.outputs[1].data(), B, K, nullptr) / static_cast<double>(B);
  EXPECT_NEAR(kl, g.at("kl").get<double>(), rel * g.at("kl").get<double>() + abs_of_max);
  EXPECT_NEAR(loss, g.at("total_loss").get<double>(), rel * g.at("total_loss").get<double>() + abs_of_max);
  for (std::size_t l = 0; l < model.layer_count(); ++l) {
    expect_close<T>({model.weight_grad(l), model.weight_size(l)}, flatten(g.at("gradients").at(weight_name(l))),
                    {rel, abs_of_max}, weight_name(l) + " gradient");
    expect_close<T>({model.bias_grad(l), model.architecture().out_width(l)}, flatten(g.at("gradients").at(bias_name(l))),
                    {rel, abs_of_max}, bias_name(l) + " gradient");
  }
}

TEST(VaeGolden, ForwardLossAndEveryGradientMatchPyTorch) {
  {
    SCOPED_TRACE("double");
    check_pass<double>(1e-11, 1e-13);
  }
  {
    SCOPED_TRACE("float");
    check_pass<float>(1e-5, 1e-5);
  }
}

TEST(VaeGolden, OneAdamStepMatchesPyTorch) {
  const json& g = golden();
  const json& adam = g.at("adam");
  Autoencoder model = golden_model<float>(g.at("parameters"));
  const auto x = values<float>(g.at("x"));
  OptimizerConfig config;
  config.kind = OptimizerKind::adam;
  config.lr = adam.at("lr").get<double>();
  config.beta1 = adam.at("beta1").get<double>();
  config.beta2 = adam.at("beta2").get<double>();
  config.epsilon = adam.at("epsilon").get<double>();
  Optimizer optimizer(config, model.parameters().size());
  Workspace<float> ws;
  std::vector<float> dy;
  model.zero_gradients();
  (void)step(model, ws, x, dy);
  optimizer.step(model.parameters(), model.gradients());
  const json& after = adam.at("parameters_after_one_step");
  for (std::size_t l = 0; l < model.layer_count(); ++l) {
    expect_close<float>({model.weight(l), model.weight_size(l)}, flatten(after.at(weight_name(l))),
                        {0, 1e-6}, weight_name(l));
    expect_close<float>({model.bias(l), model.architecture().out_width(l)}, flatten(after.at(bias_name(l))), {0, 1e-6},
                        bias_name(l));
  }
  model.zero_gradients();
  const double next = step(model, ws, x, dy);
  EXPECT_NEAR(next, adam.at("total_loss_after").get<double>(), 1e-5 * adam.at("total_loss_after").get<double>());
  EXPECT_LT(next, g.at("total_loss").get<double>());
}

}  // namespace
}  // namespace ae
