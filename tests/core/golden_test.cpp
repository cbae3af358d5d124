// Golden test: a tiny autoencoder with fixed weights against PyTorch float64 values stored in
// tests/fixtures/golden.json (written by tests/gen/golden.py): outputs, each loss, every
// parameter gradient, in double and float, and five Keras-style Adam steps in float.
// It does not cover random initialisation or training loops; other tests do.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ae/autoencoder.hpp"
#include "ae/loss.hpp"
#include "ae/matrix.hpp"
#include "ae/optimizer.hpp"
#include "../json_fixture.hpp"

namespace ae {
namespace {

using nlohmann::json;
using test::bias_name;
using test::expect_close;
using test::flatten;
using test::Tolerance;
using test::weight_name;

const json& golden() {
  static const json data = test::read_json_fixture("golden.json");
  return data;
}

// Double runs differ from PyTorch's float64 only by the order of summation.
constexpr Tolerance kDouble{1e-11, 1e-13};
// Float runs start from weights rounded to float and compute in float.
constexpr Tolerance kFloatValues{1e-5, 1e-6};
constexpr Tolerance kFloatGradients{1e-5, 1e-5};

void expect_close_scalar(double actual, double expected, double rel, const std::string& what) {
  EXPECT_NEAR(actual, expected, rel * std::abs(expected)) << what;
}

Architecture golden_architecture() {
  const json& g = golden();
  return make_architecture(g.at("input").get<std::size_t>(),
                           parse_layers(g.at("layers").get<std::string>()));
}

// The model with the fixture's parameters, each weight (out, in) and bias (out) copied into
// the arena.
template <class T>
BasicAutoencoder<T> golden_model(const json& parameters) {
  BasicAutoencoder<T> model(golden_architecture());
  for (std::size_t l = 0; l < model.layer_count(); ++l) {
    const auto w = flatten(parameters.at(weight_name(l)));
    const auto b = flatten(parameters.at(bias_name(l)));
    if (w.size() != model.weight_size(l) || b.size() != model.architecture().layers[l].width) {
      throw std::runtime_error("golden.json: layer " + std::to_string(l) + " has the wrong shape");
    }
    std::transform(w.begin(), w.end(), model.weight(l), [](double v) { return static_cast<T>(v); });
    std::transform(b.begin(), b.end(), model.bias(l), [](double v) { return static_cast<T>(v); });
  }
  return model;
}

template <class T>
BasicMatrix<T> golden_input() {
  const json& x = golden().at("x");
  BasicMatrix<T> out(x.size(), x.at(0).size());
  const auto values = flatten(x);
  std::transform(values.begin(), values.end(), out.data(), [](double v) { return static_cast<T>(v); });
  return out;
}

template <class T>
std::span<const T> as_const(BasicMatrixView<const T> view) {
  return {view.data, view.size()};
}

template <class T>
void check_forward(Tolerance tol, double loss_rel) {
  BasicAutoencoder<T> model = golden_model<T>(golden().at("parameters"));
  const BasicMatrix<T> x = golden_input<T>();
  const auto y = model.forward(x.view());
  ASSERT_EQ(y.rows, x.rows());
  ASSERT_EQ(y.cols, x.cols());
  for (const char* name : {"sse", "mse", "bce"}) {
    const json& expected = golden().at("losses").at(name);
    expect_close(as_const(y), flatten(expected.at("y")), tol, std::string("y, ") + name);
    expect_close_scalar(loss_value<T>(parse_loss(name), y, x.view()),
                           expected.at("value").get<double>(), loss_rel,
                           std::string("loss ") + name);
  }
}

template <class T>
void check_gradients(Tolerance tol, double loss_rel) {
  BasicAutoencoder<T> model = golden_model<T>(golden().at("parameters"));
  const BasicMatrix<T> x = golden_input<T>();
  BasicMatrix<T> dy(x.rows(), x.cols());
  for (const char* name : {"sse", "mse", "bce"}) {
    SCOPED_TRACE(name);
    const json& expected = golden().at("losses").at(name);
    model.zero_gradients();
    const auto y = model.forward(x.view());
    const double value = loss_gradient<T>(parse_loss(name), y, x.view(), dy.view());
    expect_close_scalar(value, expected.at("value").get<double>(), loss_rel, "loss");
    model.backward(dy.view());
    const json& grads = expected.at("gradients");
    for (std::size_t l = 0; l < model.layer_count(); ++l) {
      const std::size_t out = model.architecture().layers[l].width;
      expect_close(std::span<const T>(model.weight_grad(l), model.weight_size(l)),
                   flatten(grads.at(weight_name(l))), tol, weight_name(l) + " grad");
      expect_close(std::span<const T>(model.bias_grad(l), out), flatten(grads.at(bias_name(l))),
                   tol, bias_name(l) + " grad");
    }
  }
}

TEST(Golden, FixtureSpecParsesToTheSameArchitecture) {
  const Architecture arch = golden_architecture();
  EXPECT_EQ(arch.spec(), golden().at("layers").get<std::string>());
  EXPECT_EQ(arch.layers.size(), 6u);
  EXPECT_EQ(arch.bottleneck, 2u);
}

TEST(Golden, ForwardMatchesPyTorch) {
  {
    SCOPED_TRACE("double");
    check_forward<double>(kDouble, 1e-12);
  }
  {
    SCOPED_TRACE("float");
    check_forward<float>(kFloatValues, 1e-5);
  }
}

TEST(Golden, GradientsMatchPyTorchForEachLoss) {
  {
    SCOPED_TRACE("double");
    check_gradients<double>(kDouble, 1e-12);
  }
  {
    SCOPED_TRACE("float");
    check_gradients<float>(kFloatGradients, 1e-5);
  }
}

TEST(Golden, AdamStepsMatchKerasRule) {
  const json& adam = golden().at("adam");
  Autoencoder model = golden_model<float>(golden().at("parameters"));
  const Matrix x = golden_input<float>();
  Matrix dy(x.rows(), x.cols());
  const Loss loss = parse_loss(adam.at("loss").get<std::string>());

  OptimizerConfig config;
  config.kind = OptimizerKind::adam;
  config.lr = adam.at("lr").get<double>();
  config.beta1 = adam.at("beta1").get<double>();
  config.beta2 = adam.at("beta2").get<double>();
  config.epsilon = adam.at("epsilon").get<double>();
  Optimizer optimizer(config, model.parameters().size());

  const auto before = adam.at("loss_before_step").get<std::vector<double>>();
  ASSERT_EQ(before.size(), adam.at("steps").get<std::size_t>());
  model.zero_gradients();
  for (std::size_t t = 0; t < before.size(); ++t) {
    const auto y = model.forward(x.view());
    const double value = loss_gradient<float>(loss, y, x.view(), dy.view());
    EXPECT_NEAR(value, before[t], 1e-5 * before[t]) << "loss before step " << t + 1;
    model.backward(dy.view());
    optimizer.step(model.parameters(), model.gradients());
  }
  EXPECT_EQ(optimizer.steps(), before.size());
  for (const float g : model.gradients()) ASSERT_EQ(g, 0.0f) << "step() leaves gradients zeroed";

  const double final_loss = loss_value<float>(loss, model.forward(x.view()), x.view());
  const double expected_final = adam.at("final_loss").get<double>();
  EXPECT_NEAR(final_loss, expected_final, 1e-5 * expected_final);
  // Each step moves a parameter by up to about lr; after five the float run stays within
  // 1e-5 of the float64 one (the largest parameter is about 1, so the bound is near absolute).
  const json& final_params = adam.at("final_parameters");
  for (std::size_t l = 0; l < model.layer_count(); ++l) {
    const std::size_t out = model.architecture().layers[l].width;
    expect_close(std::span<const float>(model.weight(l), model.weight_size(l)),
                 flatten(final_params.at(weight_name(l))), Tolerance{0, 1e-5}, weight_name(l));
    expect_close(std::span<const float>(model.bias(l), out), flatten(final_params.at(bias_name(l))),
                 Tolerance{0, 1e-5}, bias_name(l));
  }
  // The steps really moved the parameters: lr 0.01 per step, five steps.
  const auto start = flatten(golden().at("parameters").at(weight_name(0)));
  EXPECT_GT(std::abs(static_cast<double>(model.weight(0)[0]) - start[0]), 1e-3);
}

}  // namespace
}  // namespace ae
