// Residual loops for outlier scores (see score_kernels.hpp). The fast versions split each
// row into blocks of kLanes features with one float partial sum per lane; the tail and the
// final sum are in double.
#include <algorithm>
#include <cmath>

#include "kernels/fast_math.hpp"
#include "kernels/isa.hpp"
#include "kernels/score_kernels.hpp"

namespace ae::kernels {
namespace {

constexpr std::size_t kLanes = 16;

double lane_sum(const float* acc) {
  double s = 0;
  for (std::size_t k = 0; k < kLanes; ++k) s += acc[k];
  return s;
}

}  // namespace

AE_KERNEL void score_sq(const float* x, const float* y, const float* w, double scale, float* out,
              float* pf, std::size_t B, std::size_t D) {
  for (std::size_t r = 0; r < B; ++r) {
    const float* xr = x + r * D;
    const float* yr = y + r * D;
    float acc[kLanes] = {};
    std::size_t j = 0;
    if (w) {
      for (; j + kLanes <= D; j += kLanes) {
        for (std::size_t k = 0; k < kLanes; ++k) {
          const float d = xr[j + k] - yr[j + k];
          acc[k] += w[j + k] * d * d;
        }
      }
    } else {
      for (; j + kLanes <= D; j += kLanes) {
        for (std::size_t k = 0; k < kLanes; ++k) {
          const float d = xr[j + k] - yr[j + k];
          acc[k] += d * d;
        }
      }
    }
    double sum = lane_sum(acc);
    for (; j < D; ++j) {
      const double d = static_cast<double>(xr[j] - yr[j]);
      sum += (w ? static_cast<double>(w[j]) : 1.0) * d * d;
    }
    out[r] = static_cast<float>(scale * sum);
    if (pf) {
      float* pr = pf + r * D;
      for (std::size_t c = 0; c < D; ++c) {
        const float d = xr[c] - yr[c];
        pr[c] = (w ? w[c] : 1.0f) * d * d;
      }
    }
  }
}

void score_sq_ref(const float* x, const float* y, const float* w, double scale, float* out,
                  float* pf, std::size_t B, std::size_t D) {
  for (std::size_t r = 0; r < B; ++r) {
    double sum = 0;
    for (std::size_t j = 0; j < D; ++j) {
      const double d = static_cast<double>(x[r * D + j]) - static_cast<double>(y[r * D + j]);
      const double term = (w ? static_cast<double>(w[j]) : 1.0) * d * d;
      sum += term;
      if (pf) pf[r * D + j] = static_cast<float>(term);
    }
    out[r] = static_cast<float>(scale * sum);
  }
}

AE_KERNEL void score_abs(const float* x, const float* y, const float* w, double scale, float* out,
               float* pf, std::size_t B, std::size_t D) {
  for (std::size_t r = 0; r < B; ++r) {
    const float* xr = x + r * D;
    const float* yr = y + r * D;
    float acc[kLanes] = {};
    std::size_t j = 0;
    if (w) {
      for (; j + kLanes <= D; j += kLanes) {
        for (std::size_t k = 0; k < kLanes; ++k) acc[k] += w[j + k] * std::fabs(xr[j + k] - yr[j + k]);
      }
    } else {
      for (; j + kLanes <= D; j += kLanes) {
        for (std::size_t k = 0; k < kLanes; ++k) acc[k] += std::fabs(xr[j + k] - yr[j + k]);
      }
    }
    double sum = lane_sum(acc);
    for (; j < D; ++j) {
      sum += (w ? static_cast<double>(w[j]) : 1.0) * static_cast<double>(std::fabs(xr[j] - yr[j]));
    }
    out[r] = static_cast<float>(scale * sum);
    if (pf) {
      float* pr = pf + r * D;
      for (std::size_t c = 0; c < D; ++c) pr[c] = (w ? w[c] : 1.0f) * std::fabs(xr[c] - yr[c]);
    }
  }
}

void score_abs_ref(const float* x, const float* y, const float* w, double scale, float* out,
                   float* pf, std::size_t B, std::size_t D) {
  for (std::size_t r = 0; r < B; ++r) {
    double sum = 0;
    for (std::size_t j = 0; j < D; ++j) {
      const double a = (w ? static_cast<double>(w[j]) : 1.0) *
                       std::fabs(static_cast<double>(x[r * D + j]) - static_cast<double>(y[r * D + j]));
      sum += a;
      if (pf) pf[r * D + j] = static_cast<float>(a);
    }
    out[r] = static_cast<float>(scale * sum);
  }
}

AE_KERNEL void score_max_abs(const float* x, const float* y, float* out, float* pf, std::size_t B,
                   std::size_t D) {
  for (std::size_t r = 0; r < B; ++r) {
    float m = 0.0f;
    for (std::size_t j = 0; j < D; ++j) {
      const float a = std::fabs(x[r * D + j] - y[r * D + j]);
      if (a > m || std::isnan(a)) m = a;
      if (pf) pf[r * D + j] = a;
    }
    out[r] = m;
  }
}

AE_KERNEL void score_bce(const float* x, const float* y, float* out, float* pf, std::size_t B,
               std::size_t D) {
  // In float with bce_term, in 8 lanes (16 would spill registers: each term takes two
  // logarithms); within about 1e-6 of score_bce_ref relatively.
  constexpr std::size_t kBceLanes = 8;
  for (std::size_t r = 0; r < B; ++r) {
    const float* xr = x + r * D;
    const float* yr = y + r * D;
    float* pr = pf != nullptr ? pf + r * D : nullptr;
    float acc[kBceLanes] = {};
    std::size_t j = 0;
    for (; j + kBceLanes <= D; j += kBceLanes) {
      for (std::size_t k = 0; k < kBceLanes; ++k) {
        const float term = bce_term(yr[j + k], xr[j + k]);
        acc[k] += term;
        if (pr != nullptr) pr[j + k] = term;
      }
    }
    double sum = 0;
    for (float a : acc) sum += static_cast<double>(a);
    for (; j < D; ++j) {
      const float term = bce_term(yr[j], xr[j]);
      sum += static_cast<double>(term);
      if (pr != nullptr) pr[j] = term;
    }
    out[r] = static_cast<float>(sum / static_cast<double>(D));
  }
}

void score_bce_ref(const float* x, const float* y, float* out, float* pf, std::size_t B,
                   std::size_t D) {
  for (std::size_t r = 0; r < B; ++r) {
    double sum = 0;
    for (std::size_t j = 0; j < D; ++j) {
      const double term = bce_term_ref(y[r * D + j], x[r * D + j]);
      sum += term;
      if (pf) pf[r * D + j] = static_cast<float>(term);
    }
    out[r] = static_cast<float>(sum / static_cast<double>(D));
  }
}

AE_KERNEL void residual_sq_sum(const float* x, const float* y, double* sum, std::size_t B, std::size_t D) {
  for (std::size_t r = 0; r < B; ++r) {
    for (std::size_t j = 0; j < D; ++j) {
      const double d = static_cast<double>(x[r * D + j]) - static_cast<double>(y[r * D + j]);
      sum[j] += d * d;
    }
  }
}

AE_KERNEL void value_range(const float* v, std::size_t n, float* lo, float* hi) {
  float l = *lo, h = *hi;
  for (std::size_t i = 0; i < n; ++i) {
    if (v[i] < l) l = v[i];
    if (v[i] > h) h = v[i];
  }
  *lo = l;
  *hi = h;
}

AE_KERNEL void quantize_levels(const float* __restrict x, std::size_t n, double lo, double range,
                               unsigned char* __restrict out) {
  if (!(range > 0)) {
    for (std::size_t j = 0; j < n; ++j) out[j] = 0;
    return;
  }
  for (std::size_t j = 0; j < n; ++j) {
    const double v = 255.0 * (static_cast<double>(x[j]) - lo) / range + 0.5;
    // v >= 0 truncates to its floor; NaN fails the first test.
    out[j] = !(v >= 0.0) ? 0 : v >= 255.0 ? 255 : static_cast<unsigned char>(static_cast<int>(v));
  }
}

void quantize_levels_ref(const float* x, std::size_t n, double lo, double range, unsigned char* out) {
  for (std::size_t j = 0; j < n; ++j) {
    const double v = range > 0 ? std::floor(255.0 * (static_cast<double>(x[j]) - lo) / range + 0.5) : 0.0;
    out[j] = static_cast<unsigned char>(std::clamp(std::isnan(v) ? 0.0 : v, 0.0, 255.0));
  }
}

}  // namespace ae::kernels
