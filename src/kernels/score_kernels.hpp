// Per-row residual loops of outlier scoring, over plain buffers. No allocation, no exceptions,
// no I/O. x is the data and y its reconstruction, both (B, D) row-major; out is (B); pf, when
// not null, is (B, D) and receives each row's per-feature terms. The fast kernels keep
// independent float partial sums (so the compiler can vectorise them) and add them up in
// double; their `_ref` twins accumulate in double, one term at a time, in index order.
#pragma once
#include <cstddef>

namespace ae::kernels {

// out[r] = scale * sum_j w[j] (x - y)^2; pf = w[j] (x - y)^2. A null w means all ones.
void score_sq(const float* x, const float* y, const float* w, double scale, float* out,
              float* pf, std::size_t B, std::size_t D);
void score_sq_ref(const float* x, const float* y, const float* w, double scale, float* out,
                  float* pf, std::size_t B, std::size_t D);

// out[r] = scale * sum_j w[j] |x - y|; pf = w[j] |x - y|. A null w means all ones.
void score_abs(const float* x, const float* y, const float* w, double scale, float* out,
               float* pf, std::size_t B, std::size_t D);
void score_abs_ref(const float* x, const float* y, const float* w, double scale, float* out,
                   float* pf, std::size_t B, std::size_t D);

// out[r] = max_j |x - y| (NaN if any residual is NaN); pf = |x - y|.
void score_max_abs(const float* x, const float* y, float* out, float* pf, std::size_t B,
                   std::size_t D);

// out[r] = mean_j -(x log p + (1 - x) log(1 - p)), p = clamp(y, 1e-7, 1 - 1e-7); pf = the
// terms. Meant for x in [0, 1]; the caller checks. The fast one works in float throughout
// (a vectorised log), within about 1e-6 of the double reference.
void score_bce(const float* x, const float* y, float* out, float* pf, std::size_t B,
               std::size_t D);
void score_bce_ref(const float* x, const float* y, float* out, float* pf, std::size_t B,
                   std::size_t D);

// sum (D) += column sums of (x - y)^2, in double.
void residual_sq_sum(const float* x, const float* y, double* sum, std::size_t B, std::size_t D);

// Widens [lo, hi] to cover the n values of v; NaN values are skipped.
void value_range(const float* v, std::size_t n, float* lo, float* hi);

}  // namespace ae::kernels
