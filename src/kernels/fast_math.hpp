// Vectorisable float approximations shared by the kernels (the compiler turns loops over
// them into SIMD code: no calls, no branches), and the bce term they serve, with its double
// reference through <cmath>.
#pragma once
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

namespace ae::kernels {

// log x for positive normal floats in a form the compiler vectorises: x = m 2^e with m in
// [sqrt(1/2), sqrt(2)), log(m) from Cephes's degree-8 polynomial in m - 1, e ln2 added in two
// parts. Relative error about 1e-7. NaN stays NaN.
inline float log_approx(float x) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(x);
  float e = static_cast<float>(static_cast<std::int32_t>((bits >> 23) & 0xffu) - 126);
  float m = std::bit_cast<float>((bits & 0x807fffffu) | 0x3f000000u);  // in [1/2, 1)
  const bool low = m < 0.707106781186547524f;
  e = low ? e - 1.0f : e;
  m = low ? m + m - 1.0f : m - 1.0f;
  const float z = m * m;
  float p = 7.0376836292e-2f;
  p = p * m - 1.1514610310e-1f;
  p = p * m + 1.1676998740e-1f;
  p = p * m - 1.2420140846e-1f;
  p = p * m + 1.4249322787e-1f;
  p = p * m - 1.6668057665e-1f;
  p = p * m + 2.0000714765e-1f;
  p = p * m - 2.4999993993e-1f;
  p = p * m + 3.3333331174e-1f;
  float r = p * m * z + e * -2.12194440e-4f - 0.5f * z;
  r = m + r + e * 0.693359375f;
  return r + (x - x);  // x - x is NaN for NaN (the bit tricks above would not carry it)
}

// bce clips p = y to [kBceClip, 1 - kBceClip], as Keras does; the float bounds below are
// those of the float path's gradient (1 - kBceClip as a float is 1 - 2^-23).
constexpr double kBceClip = 1e-7;
constexpr float kBceLow = static_cast<float>(kBceClip), kBceHigh = static_cast<float>(1.0 - kBceClip);

// -(t log p + (1 - t) log(1 - p)) with p = y clipped, in double (the reference); p_out, unless
// null, receives p.
inline double bce_term_ref(double y, double t, double* p_out = nullptr) {
  const double p = std::clamp(y, kBceClip, 1.0 - kBceClip);
  if (p_out != nullptr) *p_out = p;
  return -(t * std::log(p) + (1.0 - t) * std::log1p(-p));
}

// The same in float with log_approx. 1 - p is taken as 1 - y clipped to the same range:
// exact in float where y is near 1, so the top clip holds, which kBceHigh would not.
inline float bce_term_fast(float y, float t, float* p_out = nullptr) {
  const float p = std::min(std::max(y, kBceLow), kBceHigh);
  const float q = std::min(std::max(1.0f - y, kBceLow), kBceHigh);
  if (p_out != nullptr) *p_out = p;
  return -(t * log_approx(p) + (1.0f - t) * log_approx(q));
}

}  // namespace ae::kernels
