// Optimiser update kernels over one or two gradient arenas (see optimizer_kernels.hpp).
#include <cmath>

#include "kernels/isa.hpp"
#include "kernels/optimizer_kernels.hpp"

namespace ae::kernels {
namespace {

// The gradient at i: g[i], or g[i] + g2[i] when Two.
template <bool Two>
inline float gradient(const float* g, const float* g2, std::size_t i) {
  if constexpr (Two) return g[i] + g2[i];
  else return g[i];
}

template <bool Two>
void adam_loop(float* p, const float* g, const float* g2, float* m, float* v, std::size_t n, float alpha,
               float beta1, float beta2, float epsilon, float shrink) {
  const float c1 = 1.0f - beta1, c2 = 1.0f - beta2;
  for (std::size_t i = 0; i < n; ++i) {
    const float grad = gradient<Two>(g, g2, i);
    m[i] = beta1 * m[i] + c1 * grad;
    v[i] = beta2 * v[i] + c2 * grad * grad;
    p[i] -= shrink * p[i];
    p[i] -= alpha * m[i] / (std::sqrt(v[i]) + epsilon);
  }
}

template <bool Two>
void sgd_loop(float* p, const float* g, const float* g2, float* velocity, std::size_t n, float lr, float momentum,
              bool nesterov, float l2) {
  if (momentum == 0.0f) {
    for (std::size_t i = 0; i < n; ++i) p[i] -= lr * (gradient<Two>(g, g2, i) + l2 * p[i]);
    return;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const float grad = gradient<Two>(g, g2, i) + l2 * p[i];
    velocity[i] = momentum * velocity[i] - lr * grad;
    p[i] += nesterov ? momentum * velocity[i] - lr * grad : velocity[i];
  }
}

template <bool Two>
void rmsprop_loop(float* p, const float* g, const float* g2, float* v, std::size_t n, float lr, float rho,
                  float epsilon, float shrink) {
  for (std::size_t i = 0; i < n; ++i) {
    const float grad = gradient<Two>(g, g2, i);
    v[i] = rho * v[i] + (1.0f - rho) * grad * grad;
    p[i] -= shrink * p[i];
    p[i] -= lr * grad / (std::sqrt(v[i]) + epsilon);
  }
}

}  // namespace

AE_KERNEL void adam_step(float* p, const float* g, const float* g2, float* m, float* v, std::size_t n, float alpha,
                         float beta1, float beta2, float epsilon, float shrink) {
  if (g2 != nullptr) adam_loop<true>(p, g, g2, m, v, n, alpha, beta1, beta2, epsilon, shrink);
  else adam_loop<false>(p, g, g2, m, v, n, alpha, beta1, beta2, epsilon, shrink);
}

AE_KERNEL void sgd_step(float* p, const float* g, const float* g2, float* velocity, std::size_t n, float lr,
                        float momentum, bool nesterov, float l2) {
  if (g2 != nullptr) sgd_loop<true>(p, g, g2, velocity, n, lr, momentum, nesterov, l2);
  else sgd_loop<false>(p, g, g2, velocity, n, lr, momentum, nesterov, l2);
}

AE_KERNEL void rmsprop_step(float* p, const float* g, const float* g2, float* v, std::size_t n, float lr, float rho,
                            float epsilon, float shrink) {
  if (g2 != nullptr) rmsprop_loop<true>(p, g, g2, v, n, lr, rho, epsilon, shrink);
  else rmsprop_loop<false>(p, g, g2, v, n, lr, rho, epsilon, shrink);
}

AE_KERNEL void add_to(float* dst, const float* src, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) dst[i] += src[i];
}

}  // namespace ae::kernels
