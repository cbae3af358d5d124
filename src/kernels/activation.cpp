// Activation kernels: forward fused with the bias add, backward from the outputs alone.
// Derivatives in terms of y = act(z): relu y>0; leaky_relu y>0 ? 1 : 0.01; elu (alpha 1)
// y>0 ? 1 : y+1; tanh 1-y^2; sigmoid y(1-y); softplus sigmoid(z) = 1-exp(-y).
// At z = 0 relu and leaky_relu take the left derivative (0 and 0.01), as PyTorch does.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "kernels/fast_math.hpp"
#include "kernels/isa.hpp"
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

namespace {

// y = act(y + b) row by row, or y = act(y) without a bias. relu, linear and sigmoid (float)
// are the hot cases of the seed model and vectorise as written; the others go through the
// reference formulas.
template <bool WithBias, class T>
void forward_pass(Activation act, const T* b, T* y, std::size_t B, std::size_t O) {
  const auto z = [b](const T* row, std::size_t o) {
    if constexpr (WithBias) return row[o] + b[o];
    else return row[o];
  };
  switch (act) {
    case Activation::linear:
      if constexpr (WithBias) {
        for (std::size_t r = 0; r < B; ++r) {
          T* row = y + r * O;
          for (std::size_t o = 0; o < O; ++o) row[o] += b[o];
        }
      }
      return;
    case Activation::relu:
      for (std::size_t r = 0; r < B; ++r) {
        T* row = y + r * O;
        for (std::size_t o = 0; o < O; ++o) {
          const T v = z(row, o);
          row[o] = v > T(0) ? v : T(0);
        }
      }
      return;
    case Activation::sigmoid:
      if constexpr (std::is_same_v<T, float>) {
        for (std::size_t r = 0; r < B; ++r) {
          float* row = y + r * O;
          for (std::size_t o = 0; o < O; ++o) row[o] = sigmoid_approx(z(row, o));
        }
        return;
      }
      [[fallthrough]];
    default:
      for (std::size_t r = 0; r < B; ++r) {
        T* row = y + r * O;
        for (std::size_t o = 0; o < O; ++o) row[o] = apply(act, z(row, o));
      }
  }
}

}  // namespace

template <class T>
AE_KERNEL void bias_activation_forward(Activation act, const T* b, T* y, std::size_t B, std::size_t O) {
  forward_pass<true>(act, b, y, B, O);
}

template <class T>
AE_KERNEL void activation_forward(Activation act, T* y, std::size_t n) {
  forward_pass<false>(act, static_cast<const T*>(nullptr), y, 1, n);
}

template <class T>
void activation_forward_ref(Activation act, T* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = apply(act, y[i]);
}

template <class T>
void activation_backward_ref(Activation act, const T* y, T* dy, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) dy[i] *= derivative(act, y[i]);
}

namespace {

// Calls fn with the rule dz = rule(y, dy) of linear, relu or sigmoid, the seed model's hot
// cases, whose loops vectorise with the rule inlined; false for the other activations,
// which go through the reference formulas.
template <class T, class Fn>
bool with_fast_rule(Activation act, Fn fn) {
  switch (act) {
    case Activation::linear: fn([](T, T d) { return d; }); return true;
    case Activation::relu: fn([](T v, T d) { return v > T(0) ? d : T(0); }); return true;
    case Activation::sigmoid: fn([](T v, T d) { return d * (v * (T(1) - v)); }); return true;
    default: return false;
  }
}

}  // namespace

template <class T>
AE_KERNEL void activation_backward(Activation act, const T* y, T* dy, std::size_t n) {
  const bool fast = with_fast_rule<T>(act, [&](auto rule) {
    for (std::size_t i = 0; i < n; ++i) dy[i] = rule(y[i], dy[i]);
  });
  if (!fast) activation_backward_ref(act, y, dy, n);
}

template <class T>
AE_KERNEL void bias_backward(const T* dz, T* db, std::size_t B, std::size_t O) {
  for (std::size_t r = 0; r < B; ++r) {
    const T* row = dz + r * O;
    for (std::size_t o = 0; o < O; ++o) db[o] += row[o];
  }
}

template <class T>
AE_KERNEL void activation_bias_backward(Activation act, const T* y, T* dy, T* db, std::size_t B, std::size_t O) {
  // One pass instead of activation_backward then bias_backward, adding into db row by row
  // as bias_backward does (the same sums).
  const bool fast = with_fast_rule<T>(act, [&](auto rule) {
    for (std::size_t r = 0; r < B; ++r) {
      const T* yr = y + r * O;
      T* dr = dy + r * O;
      for (std::size_t o = 0; o < O; ++o) {
        const T dz = rule(yr[o], dr[o]);
        dr[o] = dz;
        db[o] += dz;
      }
    }
  });
  if (!fast) activation_bias_backward_ref(act, y, dy, db, B, O);
}

template <class T>
void activation_bias_backward_ref(Activation act, const T* y, T* dy, T* db, std::size_t B,
                                  std::size_t O) {
  activation_backward_ref(act, y, dy, B * O);
  bias_backward(dy, db, B, O);
}

#define AE_INSTANTIATE(T)                                                                   \
  template void bias_activation_forward_ref<T>(Activation, const T*, T*, std::size_t,        \
                                               std::size_t);                                 \
  template void bias_activation_forward<T>(Activation, const T*, T*, std::size_t, std::size_t); \
  template void activation_forward<T>(Activation, T*, std::size_t);                           \
  template void activation_forward_ref<T>(Activation, T*, std::size_t);                       \
  template void activation_backward_ref<T>(Activation, const T*, T*, std::size_t);            \
  template void activation_backward<T>(Activation, const T*, T*, std::size_t);                \
  template void bias_backward<T>(const T*, T*, std::size_t, std::size_t);                    \
  template void activation_bias_backward<T>(Activation, const T*, T*, T*, std::size_t, std::size_t); \
  template void activation_bias_backward_ref<T>(Activation, const T*, T*, T*, std::size_t, std::size_t);
AE_INSTANTIATE(float)
AE_INSTANTIATE(double)
#undef AE_INSTANTIATE

AE_KERNEL void bytes_to_float(const unsigned char* in, float* out, std::size_t n) {
  constexpr float kScale = 1.0f / 255.0f;
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(in[i]) * kScale;
}

AE_KERNEL void gather_bytes_to_float(const unsigned char* rows, std::size_t D, const std::size_t* order, std::size_t n,
                                     float* out) {
  // Rows in flight ahead of the converted one: enough to cover memory latency at the
  // conversion's speed (bench/kernels_bench: BM_GatherRows).
  constexpr std::size_t kAhead = 4;
  constexpr std::size_t kLine = 64;
  constexpr float kScale = 1.0f / 255.0f;
  if (D == 0) return;
  const auto prefetch = [&](std::size_t i) {
    const unsigned char* row = rows + order[i] * D;
    for (std::size_t c = 0; c < D; c += kLine) __builtin_prefetch(row + c, 0, 0);
    __builtin_prefetch(row + D - 1, 0, 0);
  };
  for (std::size_t i = 0; i < std::min(kAhead, n); ++i) prefetch(i);
  for (std::size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) prefetch(i + kAhead);
    const unsigned char* in = rows + order[i] * D;
    float* o = out + i * D;
    for (std::size_t c = 0; c < D; ++c) o[c] = static_cast<float>(in[c]) * kScale;
  }
}

void gather_bytes_to_float_ref(const unsigned char* rows, std::size_t D, const std::size_t* order, std::size_t n,
                               float* out) {
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t c = 0; c < D; ++c) out[i * D + c] = static_cast<float>(rows[order[i] * D + c]) * (1.0f / 255.0f);
  }
}

}  // namespace ae::kernels
