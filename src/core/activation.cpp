// Activation names for the command line and model files.
#include "ae/activation.hpp"

#include <array>
#include <utility>

#include "ae/error.hpp"

namespace ae {
namespace {

constexpr std::array<std::pair<Activation, std::string_view>, 7> kNames{{
    {Activation::linear, "linear"},
    {Activation::relu, "relu"},
    {Activation::leaky_relu, "leaky_relu"},
    {Activation::elu, "elu"},
    {Activation::tanh, "tanh"},
    {Activation::sigmoid, "sigmoid"},
    {Activation::softplus, "softplus"},
}};

}  // namespace

Activation parse_activation(std::string_view name) {
  for (const auto& [act, text] : kNames) {
    if (text == name) return act;
  }
  throw Error(ErrorKind::usage, "unknown activation '" + std::string(name) + "' (known: " +
                                    activation_names() + ")");
}

std::string_view activation_name(Activation a) {
  for (const auto& [act, text] : kNames) {
    if (act == a) return text;
  }
  return "?";
}

std::string activation_names() {
  std::string out;
  for (const auto& [act, text] : kNames) {
    if (!out.empty()) out += ", ";
    out += text;
  }
  return out;
}

}  // namespace ae
