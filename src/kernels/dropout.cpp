// Inverted dropout masks and training input noise drawn from a counter-based hash, and the
// element-wise products that apply the masks (see kernels.hpp). The hash is splitmix64's finaliser; nothing here keeps state.
#include <cmath>
#include <cstdint>

#include "kernels/isa.hpp"
#include "kernels/kernels.hpp"

namespace ae::kernels {

namespace {

std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

std::uint64_t dropout_key(std::uint64_t seed, std::uint64_t step, std::uint64_t layer) {
  return mix(mix(mix(seed + 0x9E3779B97F4A7C15ull) ^ step) ^ layer);
}

template <class T>
AE_KERNEL void dropout_mask(T* mask, std::size_t B, std::size_t O, std::uint64_t key, std::uint64_t row0, double rate) {
  const T keep = static_cast<T>(1.0 / (1.0 - rate));
  // A unit is dropped when the top 24 bits of its hash, as a fraction, fall below rate.
  const std::uint64_t cut = static_cast<std::uint64_t>(rate * 16777216.0);
  for (std::size_t r = 0; r < B; ++r) {
    const std::uint64_t row_key = mix(key ^ mix(row0 + r));
    for (std::size_t j = 0; j < O; ++j) {
      mask[r * O + j] = (mix(row_key + j) >> 40) < cut ? T(0) : keep;
    }
  }
}

template <class T>
AE_KERNEL void input_noise(T* x, std::size_t B, std::size_t D, std::uint64_t key, std::uint64_t row0, double sigma, bool mask) {
  const std::uint64_t cut = static_cast<std::uint64_t>(sigma * 16777216.0);
  constexpr double kTwoPi = 6.283185307179586476925;
  for (std::size_t r = 0; r < B; ++r) {
    const std::uint64_t row_key = mix(key ^ mix(row0 + r));
    for (std::size_t j = 0; j < D; ++j) {
      const std::uint64_t h = mix(row_key + j);
      if (mask) {
        if ((h >> 40) < cut) x[r * D + j] = T(0);
        continue;
      }
      // Box-Muller on two 32-bit uniforms, u1 in (0, 1].
      const double u1 = (static_cast<double>(h >> 32) + 1.0) / 4294967296.0;
      const double u2 = static_cast<double>(h & 0xFFFFFFFFull) / 4294967296.0;
      x[r * D + j] += static_cast<T>(sigma * std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2));
    }
  }
}

template <class T>
AE_KERNEL void multiply(const T* a, const T* m, T* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] * m[i];
}

template void dropout_mask<float>(float*, std::size_t, std::size_t, std::uint64_t, std::uint64_t, double);
template void dropout_mask<double>(double*, std::size_t, std::size_t, std::uint64_t, std::uint64_t, double);
template void input_noise<float>(float*, std::size_t, std::size_t, std::uint64_t, std::uint64_t, double, bool);
template void input_noise<double>(double*, std::size_t, std::size_t, std::uint64_t, std::uint64_t, double, bool);
template void multiply<float>(const float*, const float*, float*, std::size_t);
template void multiply<double>(const double*, const double*, double*, std::size_t);

}  // namespace ae::kernels
