// Optimiser update kernels, each fused with zeroing the gradient it consumed (see
// optimizer_kernels.hpp).
#include <cmath>

#include "kernels/isa.hpp"
#include "kernels/optimizer_kernels.hpp"

namespace ae::kernels {

AE_KERNEL void adam_step(float* p, float* g, float* m, float* v, std::size_t n, float alpha, float beta1,
               float beta2, float epsilon, float shrink) {
  const float c1 = 1.0f - beta1, c2 = 1.0f - beta2;
  for (std::size_t i = 0; i < n; ++i) {
    const float grad = g[i];
    m[i] = beta1 * m[i] + c1 * grad;
    v[i] = beta2 * v[i] + c2 * grad * grad;
    p[i] -= shrink * p[i];
    p[i] -= alpha * m[i] / (std::sqrt(v[i]) + epsilon);
    g[i] = 0.0f;
  }
}

AE_KERNEL void sgd_step(float* p, float* g, float* velocity, std::size_t n, float lr, float momentum,
              bool nesterov, float l2) {
  if (momentum == 0.0f) {
    for (std::size_t i = 0; i < n; ++i) {
      p[i] -= lr * (g[i] + l2 * p[i]);
      g[i] = 0.0f;
    }
    return;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const float grad = g[i] + l2 * p[i];
    velocity[i] = momentum * velocity[i] - lr * grad;
    p[i] += nesterov ? momentum * velocity[i] - lr * grad : velocity[i];
    g[i] = 0.0f;
  }
}

AE_KERNEL void rmsprop_step(float* p, float* g, float* v, std::size_t n, float lr, float rho,
                  float epsilon, float shrink) {
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = rho * v[i] + (1.0f - rho) * g[i] * g[i];
    p[i] -= shrink * p[i];
    p[i] -= lr * g[i] / (std::sqrt(v[i]) + epsilon);
    g[i] = 0.0f;
  }
}

AE_KERNEL void add_and_zero(float* dst, float* src, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    dst[i] += src[i];
    src[i] = 0.0f;
  }
}

}  // namespace ae::kernels
