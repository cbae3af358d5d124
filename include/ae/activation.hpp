// The activation functions a layer can use, and their names on the command line.
#pragma once
#include <string>
#include <string_view>

namespace ae {

enum class Activation { linear, relu, leaky_relu, elu, tanh, sigmoid, softplus };

// "relu" -> Activation::relu; throws Error(usage) naming the unknown name.
Activation parse_activation(std::string_view name);
std::string_view activation_name(Activation a);
// Every name parse_activation accepts, comma-separated, for help texts and messages.
std::string activation_names();

}  // namespace ae
