// The optimiser update loops over the parameter arena, and the sum of per-thread gradient
// arenas. Each is one plain loop over (n) values that the compiler vectorises as written, so
// none has a `_ref` twin. No allocation, no exceptions, no I/O; the optimiser's settings,
// state and step count are ae/optimizer.hpp's.
#pragma once
#include <cstddef>

namespace ae::kernels {

// p, g, m and v are (n), the parameters, their gradient and the two moments in the same
// layout: one Adam update with alpha already bias-corrected; g is zeroed after use.
// `shrink` is the decoupled weight decay lr * weight_decay (AdamW): p -= shrink * p first.
void adam_step(float* p, float* g, float* m, float* v, std::size_t n, float alpha, float beta1,
               float beta2, float epsilon, float shrink);
// p, g and velocity are (n): one SGD update, with momentum (Nesterov's or not) unless it is
// 0, when velocity is not touched; g is zeroed after use. `l2` adds l2 * p to the gradient
// (weight decay as an L2 term, as PyTorch's SGD does).
void sgd_step(float* p, float* g, float* velocity, std::size_t n, float lr, float momentum,
              bool nesterov, float l2);
// p, g and v are (n): one RMSprop update; g is zeroed after use. `shrink` as in adam_step.
void rmsprop_step(float* p, float* g, float* v, std::size_t n, float lr, float rho, float epsilon,
                  float shrink);

// dst and src are (n): dst += src, then src = 0 (summing per-thread gradient arenas in a
// fixed order).
void add_and_zero(float* dst, float* src, std::size_t n);

}  // namespace ae::kernels
