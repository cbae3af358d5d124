// Activation kernels: forward fused with the bias add, backward from the outputs alone.
// Derivatives in terms of y = act(z): relu y>0; leaky_relu y>0 ? 1 : 0.01; elu (alpha 1)
// y>0 ? 1 : y+1; tanh 1-y^2; sigmoid y(1-y); softplus sigmoid(z) = 1-exp(-y).
// At z = 0 relu and leaky_relu take the left derivative (0 and 0.01), as PyTorch does.
#include <cmath>

#include "kernels/kernels.hpp"

namespace ae::kernels {
namespace {

constexpr double kLeakySlope = 0.01;

template <class T>
T apply(Activation act, T z) {
  switch (act) {
    case Activation::linear: return z;
    case Activation::relu: return z > T(0) ? z : T(0);
    case Activation::leaky_relu: return z > T(0) ? z : T(kLeakySlope) * z;
    case Activation::elu: return z > T(0) ? z : std::expm1(z);
    case Activation::tanh: return std::tanh(z);
    case Activation::sigmoid:
      // Two branches so exp never overflows.
      if (z >= T(0)) return T(1) / (T(1) + std::exp(-z));
      return std::exp(z) / (T(1) + std::exp(z));
    case Activation::softplus:
      // log(1 + e^z) = max(z, 0) + log1p(e^-|z|).
      return (z > T(0) ? z : T(0)) + std::log1p(std::exp(-std::abs(z)));
  }
  return z;
}

template <class T>
T derivative(Activation act, T y) {
  switch (act) {
    case Activation::linear: return T(1);
    case Activation::relu: return y > T(0) ? T(1) : T(0);
    case Activation::leaky_relu: return y > T(0) ? T(1) : T(kLeakySlope);
    case Activation::elu: return y > T(0) ? T(1) : y + T(1);
    case Activation::tanh: return T(1) - y * y;
    case Activation::sigmoid: return y * (T(1) - y);
    case Activation::softplus: return -std::expm1(-y);
  }
  return T(1);
}

}  // namespace

template <class T>
void bias_activation_forward_ref(Activation act, const T* b, T* y, std::size_t B, std::size_t O) {
  for (std::size_t r = 0; r < B; ++r) {
    for (std::size_t o = 0; o < O; ++o) y[r * O + o] = apply(act, y[r * O + o] + b[o]);
  }
}

template <class T>
void bias_activation_forward(Activation act, const T* b, T* y, std::size_t B, std::size_t O) {
  // relu and linear are the hot cases of the seed model; their loops vectorise as written.
  // The others go through the reference formulas.
  switch (act) {
    case Activation::linear:
      for (std::size_t r = 0; r < B; ++r) {
        T* row = y + r * O;
        for (std::size_t o = 0; o < O; ++o) row[o] += b[o];
      }
      return;
    case Activation::relu:
      for (std::size_t r = 0; r < B; ++r) {
        T* row = y + r * O;
        for (std::size_t o = 0; o < O; ++o) {
          const T z = row[o] + b[o];
          row[o] = z > T(0) ? z : T(0);
        }
      }
      return;
    default: bias_activation_forward_ref(act, b, y, B, O);
  }
}

template <class T>
void activation_backward_ref(Activation act, const T* y, T* dy, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) dy[i] *= derivative(act, y[i]);
}

template <class T>
void activation_backward(Activation act, const T* y, T* dy, std::size_t n) {
  switch (act) {
    case Activation::linear: return;
    case Activation::relu:
      for (std::size_t i = 0; i < n; ++i) dy[i] = y[i] > T(0) ? dy[i] : T(0);
      return;
    case Activation::sigmoid:
      for (std::size_t i = 0; i < n; ++i) dy[i] *= y[i] * (T(1) - y[i]);
      return;
    default: activation_backward_ref(act, y, dy, n);
  }
}

template <class T>
void bias_backward(const T* dz, T* db, std::size_t B, std::size_t O) {
  for (std::size_t r = 0; r < B; ++r) {
    const T* row = dz + r * O;
    for (std::size_t o = 0; o < O; ++o) db[o] += row[o];
  }
}

#define AE_INSTANTIATE(T)                                                                   \
  template void bias_activation_forward_ref<T>(Activation, const T*, T*, std::size_t,        \
                                               std::size_t);                                 \
  template void bias_activation_forward<T>(Activation, const T*, T*, std::size_t, std::size_t); \
  template void activation_backward_ref<T>(Activation, const T*, T*, std::size_t);            \
  template void activation_backward<T>(Activation, const T*, T*, std::size_t);                \
  template void bias_backward<T>(const T*, T*, std::size_t, std::size_t);
AE_INSTANTIATE(float)
AE_INSTANTIATE(double)
#undef AE_INSTANTIATE

void bytes_to_float(const unsigned char* in, float* out, std::size_t n) {
  constexpr float kScale = 1.0f / 255.0f;
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(in[i]) * kScale;
}

}  // namespace ae::kernels
