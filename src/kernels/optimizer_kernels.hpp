// Optimiser update loops over the parameter arena (n values); each zeroes g after use.
#pragma once
#include <cstddef>

namespace ae::kernels {

void adam_step(float* p, float* g, float* m, float* v, std::size_t n, float alpha, float beta1,
               float beta2, float epsilon);
void sgd_step(float* p, float* g, float* velocity, std::size_t n, float lr, float momentum,
              bool nesterov);
void rmsprop_step(float* p, float* g, float* v, std::size_t n, float lr, float rho, float epsilon);

}  // namespace ae::kernels

namespace ae::kernels {

// dst[i] += src[i]; src[i] = 0 (summing per-thread gradient arenas in a fixed order).
void add_and_zero(float* dst, float* src, std::size_t n);

}  // namespace ae::kernels
