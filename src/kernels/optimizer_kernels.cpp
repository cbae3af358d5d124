// Optimiser update kernels over one or two gradient arenas (see optimizer_kernels.hpp).
#include <cmath>

#include "kernels/isa.hpp"
#include "kernels/optimizer_kernels.hpp"

namespace ae::kernels {
namespace {

// The gradient at i: g[i], or g[i] + g2[i] when Two. The loops' arrays never overlap
// (__restrict), so each value is loaded and stored once, kept in registers between (else
// p is stored twice and the optimiser state read back: 10% of Adam's time).
template <bool Two>
inline float gradient(const float* g, const float* g2, std::size_t i) {
  if constexpr (Two) return g[i] + g2[i];
  else return g[i];
}

template <bool Two>
void adam_loop(float* __restrict p, const float* __restrict g, const float* __restrict g2, float* __restrict m,
               float* __restrict v, std::size_t n, float alpha, float beta1, float beta2, float epsilon,
               float shrink) {
  const float c1 = 1.0f - beta1, c2 = 1.0f - beta2;
  for (std::size_t i = 0; i < n; ++i) {
    const float grad = gradient<Two>(g, g2, i);
    const float mi = beta1 * m[i] + c1 * grad;
    const float vi = beta2 * v[i] + c2 * grad * grad;
    m[i] = mi;
    v[i] = vi;
    float pi = p[i];
    pi -= shrink * pi;
    p[i] = pi - alpha * mi / (std::sqrt(vi) + epsilon);
  }
}

template <bool Two>
void sgd_loop(float* __restrict p, const float* __restrict g, const float* __restrict g2, float* __restrict velocity,
              std::size_t n, float lr, float momentum, bool nesterov, float l2) {
  if (momentum == 0.0f) {
    for (std::size_t i = 0; i < n; ++i) p[i] -= lr * (gradient<Two>(g, g2, i) + l2 * p[i]);
    return;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const float grad = gradient<Two>(g, g2, i) + l2 * p[i];
    const float vi = momentum * velocity[i] - lr * grad;
    velocity[i] = vi;
    p[i] += nesterov ? momentum * vi - lr * grad : vi;
  }
}

template <bool Two>
void rmsprop_loop(float* __restrict p, const float* __restrict g, const float* __restrict g2, float* __restrict v,
                  std::size_t n, float lr, float rho, float epsilon, float shrink) {
  for (std::size_t i = 0; i < n; ++i) {
    const float grad = gradient<Two>(g, g2, i);
    const float vi = rho * v[i] + (1.0f - rho) * grad * grad;
    v[i] = vi;
    float pi = p[i];
    pi -= shrink * pi;
    p[i] = pi - lr * grad / (std::sqrt(vi) + epsilon);
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
