// The activation functions a layer can use (the kernels implement them) and their names.
#pragma once
#include <array>
#include <string>
#include <string_view>

#include "ae/names.hpp"

namespace ae {

enum class Activation { linear, relu, leaky_relu, elu, tanh, sigmoid, softplus };

inline constexpr std::array<NameEntry<Activation>, 7> kActivationNames{{
    {Activation::linear, "linear"},
    {Activation::relu, "relu"},
    {Activation::leaky_relu, "leaky_relu"},
    {Activation::elu, "elu"},
    {Activation::tanh, "tanh"},
    {Activation::sigmoid, "sigmoid"},
    {Activation::softplus, "softplus"},
}};

// "relu" -> Activation::relu; throws Error(usage) naming the unknown name.
inline Activation parse_activation(std::string_view name) {
  return parse_name(kActivationNames, name, "activation");
}
inline std::string_view activation_name(Activation a) { return name_of(kActivationNames, a); }
// Every name parse_activation accepts, comma-separated, for help texts and messages.
inline std::string activation_names() { return names_of(kActivationNames); }

}  // namespace ae
