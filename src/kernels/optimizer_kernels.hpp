// The optimiser update loops over the parameter arena, and the sum of gradient arenas. Each
// is one plain loop over (n) values that the compiler vectorises as written, so
// none has a `_ref` twin. No allocation, no exceptions, no I/O; the optimiser's settings,
// state and step count are ae/optimizer.hpp's.
#pragma once
#include <cstddef>

namespace ae::kernels {

// Each update reads the gradient g, or g + g2 (two arenas summed on the way, in that order)
// where g2 is not null, and changes neither. No two of an update's arrays may overlap.
// p, g, g2, m and v are (n), the parameters, their gradient and the two moments in the same
// layout: one Adam update with alpha already bias-corrected. `shrink` is the decoupled weight
// decay lr * weight_decay (AdamW): p -= shrink * p first.
void adam_step(float* p, const float* g, const float* g2, float* m, float* v, std::size_t n, float alpha,
               float beta1, float beta2, float epsilon, float shrink);
// p, g, g2 and velocity are (n): one SGD update, with momentum (Nesterov's or not) unless it
// is 0, when velocity is not touched. `l2` adds l2 * p to the gradient (weight decay as an
// L2 term, as PyTorch's SGD does).
void sgd_step(float* p, const float* g, const float* g2, float* velocity, std::size_t n, float lr, float momentum,
              bool nesterov, float l2);
// p, g, g2 and v are (n): one RMSprop update. `shrink` as in adam_step.
void rmsprop_step(float* p, const float* g, const float* g2, float* v, std::size_t n, float lr, float rho,
                  float epsilon, float shrink);

// dst and src are (n): dst += src (summing gradient arenas in a fixed order).
void add_to(float* dst, const float* src, std::size_t n);

}  // namespace ae::kernels
