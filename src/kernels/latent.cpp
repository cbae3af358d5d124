// The terms on the embedding: the L1 activity penalty of a sparse autoencoder and the
// variational model's sampling step and KL divergence (see kernels.hpp). Plain loops; the
// embedding is narrow, so none of this is where the time goes.
#include <cmath>

#include "kernels/kernels.hpp"

namespace ae::kernels {

template <class T>
double l1_sum(const T* h, std::size_t n) {
  double total = 0;
  for (std::size_t i = 0; i < n; ++i) total += std::fabs(static_cast<double>(h[i]));
  return total;
}

template <class T>
void l1_gradient_add(const T* h, T* dh, std::size_t n, T weight) {
  for (std::size_t i = 0; i < n; ++i) dh[i] += h[i] > T(0) ? weight : h[i] < T(0) ? -weight : T(0);
}

template <class T>
void latent_sample(const T* h, const T* noise, T* z, std::size_t B, std::size_t K) {
  for (std::size_t r = 0; r < B; ++r) {
    const T* mean = h + r * 2 * K;
    const T* log_var = mean + K;
    for (std::size_t k = 0; k < K; ++k) {
      z[r * K + k] = noise == nullptr ? mean[k] : mean[k] + std::exp(T(0.5) * log_var[k]) * noise[r * K + k];
    }
  }
}

template <class T>
double latent_kl(const T* h, std::size_t B, std::size_t K, T* per_row) {
  double total = 0;
  for (std::size_t r = 0; r < B; ++r) {
    const T* mean = h + r * 2 * K;
    const T* log_var = mean + K;
    double kl = 0;
    for (std::size_t k = 0; k < K; ++k) {
      const double m = mean[k], v = log_var[k];
      kl += 0.5 * (m * m + std::exp(v) - 1.0 - v);
    }
    if (per_row != nullptr) per_row[r] = static_cast<T>(kl);
    total += kl;
  }
  return total;
}

template <class T>
void latent_backward(const T* h, const T* noise, const T* dz, T* dh, std::size_t B, std::size_t K, T kl_weight) {
  for (std::size_t r = 0; r < B; ++r) {
    const T* mean = h + r * 2 * K;
    const T* log_var = mean + K;
    T* dmean = dh + r * 2 * K;
    T* dlog_var = dmean + K;
    for (std::size_t k = 0; k < K; ++k) {
      const T g = dz[r * K + k];
      const T sampled = noise == nullptr ? T(0) : g * noise[r * K + k] * T(0.5) * std::exp(T(0.5) * log_var[k]);
      dmean[k] = g + kl_weight * mean[k];
      dlog_var[k] = sampled + kl_weight * T(0.5) * (std::exp(log_var[k]) - T(1));
    }
  }
}

#define AE_INSTANTIATE(T)                                                                        \
  template double l1_sum<T>(const T*, std::size_t);                                              \
  template void l1_gradient_add<T>(const T*, T*, std::size_t, T);                                \
  template void latent_sample<T>(const T*, const T*, T*, std::size_t, std::size_t);              \
  template double latent_kl<T>(const T*, std::size_t, std::size_t, T*);                          \
  template void latent_backward<T>(const T*, const T*, const T*, T*, std::size_t, std::size_t, T);
AE_INSTANTIATE(float)
AE_INSTANTIATE(double)
#undef AE_INSTANTIATE

}  // namespace ae::kernels
