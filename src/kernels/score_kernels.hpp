// The per-row residual loops of outlier scoring over plain row-major buffers. No allocation,
// no exceptions, no I/O; the choice of score, its statistics and thresholds are src/score's.
// Each fast kernel is declared first and its plain `_ref` twin right below it: the fast ones
// keep independent float partial sums (so the compiler vectorises them) and add them up in
// double, the references accumulate in double, one term at a time, in index order.
#pragma once
#include <cstddef>

namespace ae::kernels {

// x and y are (B, D), the data and its reconstruction; w is (D) or null for all ones; out is
// (B); pf is (B, D) or null: out[r] = scale * sum_j w[j] (x - y)^2, pf = w[j] (x - y)^2.
// The fast one sums in 16 float lanes.
void score_sq(const float* x, const float* y, const float* w, double scale, float* out,
              float* pf, std::size_t B, std::size_t D);
void score_sq_ref(const float* x, const float* y, const float* w, double scale, float* out,
                  float* pf, std::size_t B, std::size_t D);

// x and y are (B, D), w is (D) or null for all ones, out is (B), pf is (B, D) or null:
// out[r] = scale * sum_j w[j] |x - y|, pf = w[j] |x - y|. The fast one sums in 16 float lanes.
void score_abs(const float* x, const float* y, const float* w, double scale, float* out,
               float* pf, std::size_t B, std::size_t D);
void score_abs_ref(const float* x, const float* y, const float* w, double scale, float* out,
                   float* pf, std::size_t B, std::size_t D);

// x and y are (B, D), out is (B), pf is (B, D) or null: out[r] = mean_j -(x log p + (1 - x)
// log(1 - p)), p = y clipped to [kBceClip, 1 - kBceClip]; pf = the terms. Meant for x in
// [0, 1]; the caller checks. The fast one works in float throughout (bce_term, 8 float
// lanes), within about 1e-6 of the reference.
void score_bce(const float* x, const float* y, float* out, float* pf, std::size_t B,
               std::size_t D);
void score_bce_ref(const float* x, const float* y, float* out, float* pf, std::size_t B,
                   std::size_t D);

// x and y are (B, D), out is (B), pf is (B, D) or null: out[r] = max_j |x - y| (NaN if any
// residual is NaN), pf = |x - y|.
void score_max_abs(const float* x, const float* y, float* out, float* pf, std::size_t B,
                   std::size_t D);

// x and y are (B, D), sum is (D): sum += column sums of (x - y)^2, in double.
void residual_sq_sum(const float* x, const float* y, double* sum, std::size_t B, std::size_t D);

// v is (n): widens [lo, hi] to cover its values; NaN values are skipped.
void value_range(const float* v, std::size_t n, float* lo, float* hi);

// Each of the n values to the nearest of 256 levels over [lo, lo + range], as bytes:
// floor(255 (x - lo) / range + 0.5) clamped to [0, 255], NaN (and every value when range is
// not positive) as 0. The fast one clamps by comparisons and truncates (floor is a library
// call in the baseline instruction set); the reference calls floor and clamp. Same bytes.
void quantize_levels(const float* x, std::size_t n, double lo, double range, unsigned char* out);
void quantize_levels_ref(const float* x, std::size_t n, double lo, double range, unsigned char* out);

}  // namespace ae::kernels
