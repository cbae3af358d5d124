// Loss loops over an output y and its target x: sums of squared errors and of binary
// cross-entropy terms, and their gradients, each beside its `_ref` (see kernels.hpp). The
// scaling by batch and width is the caller's (ae/loss.hpp has the formulas).
#include <algorithm>
#include <type_traits>

#include "kernels/fast_math.hpp"
#include "kernels/isa.hpp"
#include "kernels/kernels.hpp"

namespace ae::kernels {
namespace {

// The sum of term(i) for i in [0, n): 8 float lanes (one vector register; a bce term's two
// logarithms leave no registers for more) over blocks of 1024 values, 128 per lane, each
// block's lanes added up in double.
template <class Term>
double sum_in_lanes(std::size_t n, Term term) {
  constexpr std::size_t kLanes = 8, kBlock = 1024;
  double total = 0;
  std::size_t i = 0;
  for (; i + kLanes <= n;) {
    float acc[kLanes] = {};
    const std::size_t end = i + std::min(kBlock, (n - i) / kLanes * kLanes);
    for (; i < end; i += kLanes) {
      for (std::size_t k = 0; k < kLanes; ++k) acc[k] += term(i + k);
    }
    for (std::size_t k = 0; k < kLanes; ++k) total += static_cast<double>(acc[k]);
  }
  for (; i < n; ++i) total += static_cast<double>(term(i));
  return total;
}

}  // namespace

template <class T>
AE_KERNEL double squared_error_sum(const T* y, const T* x, std::size_t n) {
  // Eight partial sums in double (two vector registers), added up in order at the end.
  constexpr std::size_t kLanes = 8;
  double acc[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (std::size_t k = 0; k < kLanes; ++k) {
      const double r = static_cast<double>(y[i + k]) - static_cast<double>(x[i + k]);
      acc[k] += r * r;
    }
  }
  double sum = 0;
  for (double a : acc) sum += a;
  for (; i < n; ++i) {
    const double r = static_cast<double>(y[i]) - static_cast<double>(x[i]);
    sum += r * r;
  }
  return sum;
}

template <class T>
double squared_error_sum_ref(const T* y, const T* x, std::size_t n) {
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = static_cast<double>(y[i]) - static_cast<double>(x[i]);
    sum += r * r;
  }
  return sum;
}

// In float, bce runs in float with log_approx (the double version is the reference): about
// 8.6x faster (bench: BM_BceGradient), within 2e-6 of it relatively.
template <class T>
AE_KERNEL double bce_sum(const T* y, const T* x, std::size_t n) {
  if constexpr (std::is_same_v<T, float>) {
    return sum_in_lanes(n, [&](std::size_t i) { return bce_term(y[i], x[i]); });
  } else {
    return bce_sum_ref(y, x, n);
  }
}

template <class T>
[[gnu::noinline]] double bce_sum_ref(const T* y, const T* x, std::size_t n) {
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += bce_term_ref(y[i], x[i]);
  return sum;
}

template <class T>
AE_KERNEL double squared_error_gradient(const T* y, const T* x, T* dy, std::size_t B, std::size_t D, T two_scale) {
  // Per row, kLanes partial sums in T that the compiler keeps in vector registers, added up
  // in double; only the returned sum depends on this order, not the gradient.
  constexpr std::size_t kLanes = 16;
  double total = 0;
  for (std::size_t row = 0; row < B; ++row) {
    const T* yr = y + row * D;
    const T* xr = x + row * D;
    T* dr = dy + row * D;
    T acc[kLanes] = {};
    std::size_t j = 0;
    for (; j + kLanes <= D; j += kLanes) {
      for (std::size_t k = 0; k < kLanes; ++k) {
        const T r = yr[j + k] - xr[j + k];
        dr[j + k] = two_scale * r;
        acc[k] += r * r;
      }
    }
    for (; j < D; ++j) {
      const T r = yr[j] - xr[j];
      dr[j] = two_scale * r;
      total += static_cast<double>(r) * static_cast<double>(r);
    }
    for (std::size_t k = 0; k < kLanes; ++k) total += static_cast<double>(acc[k]);
  }
  return total;
}

template <class T>
double squared_error_gradient_ref(const T* y, const T* x, T* dy, std::size_t B, std::size_t D,
                                  T two_scale) {
  for (std::size_t i = 0; i < B * D; ++i) dy[i] = two_scale * (y[i] - x[i]);
  return squared_error_sum_ref(y, x, B * D);
}

template <class T>
AE_KERNEL double bce_gradient(const T* y, const T* x, T* dy, std::size_t n, T scale) {
  if constexpr (std::is_same_v<T, float>) {
    return sum_in_lanes(n, [&](std::size_t i) {
      float p;
      const float term = bce_term(y[i], x[i], &p);
      dy[i] = y[i] < kBceLow || y[i] > kBceHigh ? 0.0f : (p - x[i]) / (p * (1.0f - p)) * scale;
      return term;
    });
  } else {
    return bce_gradient_ref(y, x, dy, n, scale);
  }
}

template <class T>
[[gnu::noinline]] double bce_gradient_ref(const T* y, const T* x, T* dy, std::size_t n, T scale) {
  double total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double p = 0;
    total += bce_term_ref(y[i], x[i], &p);
    const double t = x[i];
    const bool clipped = y[i] < T(kBceClip) || y[i] > T(1.0 - kBceClip);
    dy[i] = clipped ? T(0) : static_cast<T>((p - t) / (p * (1.0 - p))) * scale;
  }
  return total;
}

#define AE_LOSS_INSTANTIATE(T)                                                                       \
  template double squared_error_sum<T>(const T*, const T*, std::size_t);                            \
  template double squared_error_sum_ref<T>(const T*, const T*, std::size_t);                        \
  template double squared_error_gradient<T>(const T*, const T*, T*, std::size_t, std::size_t, T);   \
  template double squared_error_gradient_ref<T>(const T*, const T*, T*, std::size_t, std::size_t, T); \
  template double bce_sum<T>(const T*, const T*, std::size_t);                                      \
  template double bce_sum_ref<T>(const T*, const T*, std::size_t);                                  \
  template double bce_gradient<T>(const T*, const T*, T*, std::size_t, T);                          \
  template double bce_gradient_ref<T>(const T*, const T*, T*, std::size_t, T);
AE_LOSS_INSTANTIATE(float)
AE_LOSS_INSTANTIATE(double)
#undef AE_LOSS_INSTANTIATE

}  // namespace ae::kernels
