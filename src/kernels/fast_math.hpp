// Scalar float functions in a form the compiler turns into SIMD code when a kernel's loop
// calls them (no calls, no branches, no tables): exp, sigmoid, log and the bce term, each
// beside a plain `_ref` in double through <cmath> that the tests compare it with. No loops
// over buffers here; the kernels that use these are in the .cpp files.
#pragma once
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

namespace ae::kernels {

// e^x: x = n ln2 + r with |r| <= ln2 / 2, e^r from Cephes's degree-6 polynomial, 2^n built
// in the exponent bits. Relative error about 2e-7; inputs are clamped to [-87, 88] with min
// and max (an instruction each; NaN stays NaN) so 2^n stays a normal float.
inline float exp_approx(float x) {
  x = std::min(std::max(x, -87.0f), 88.0f);
  // Round to nearest by adding and subtracting 1.5 * 2^23 (exact for |v| < 2^22): t's low
  // mantissa bits then hold n itself, t's bits being those of 1.5 * 2^23 plus n.
  constexpr float kRound = 12582912.0f;
  constexpr std::uint32_t kRoundBits = 0x4B400000u;
  const float t = x * 1.44269504088896341f + kRound;
  const float n = t - kRound;
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const std::uint32_t bits = (std::bit_cast<std::uint32_t>(t) - kRoundBits + 127u) << 23;
  return p * std::bit_cast<float>(bits);
}
// e^x with x clamped to the same range.
inline double exp_approx_ref(double x) { return std::exp(std::clamp(x, -87.0, 88.0)); }

// 1 / (1 + e^-z) in one formula: exp_approx clamps its argument, so e^-z stays finite
// (at most e^88, 1.7e38) and 1 / (1 + e^-z) keeps the exponential's relative accuracy on
// both sides, without a branch or select.
inline float sigmoid_approx(float z) { return 1.0f / (1.0f + exp_approx(-z)); }
inline double sigmoid_approx_ref(double z) { return 1.0 / (1.0 + exp_approx_ref(-z)); }

// log x for positive normal floats: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(m) from
// Cephes's degree-8 polynomial in m - 1, e ln2 added in two parts. Relative error about
// 1e-7. NaN stays NaN.
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
inline double log_approx_ref(double x) { return std::log(x); }

// bce clips p = y to [kBceClip, 1 - kBceClip], as Keras does; the float bounds below are
// those of the float path's gradient (1 - kBceClip as a float is 1 - 2^-23).
constexpr double kBceClip = 1e-7;
constexpr float kBceLow = static_cast<float>(kBceClip), kBceHigh = static_cast<float>(1.0 - kBceClip);

// -(t log p + (1 - t) log(1 - p)) with p = y clipped, in float with log_approx; p_out, unless
// null, receives p. 1 - p is taken as 1 - y clipped to the same range: exact in float where
// y is near 1, so the top clip holds, which kBceHigh would not.
inline float bce_term(float y, float t, float* p_out = nullptr) {
  const float p = std::min(std::max(y, kBceLow), kBceHigh);
  const float q = std::min(std::max(1.0f - y, kBceLow), kBceHigh);
  if (p_out != nullptr) *p_out = p;
  return -(t * log_approx(p) + (1.0f - t) * log_approx(q));
}
inline double bce_term_ref(double y, double t, double* p_out = nullptr) {
  const double p = std::clamp(y, kBceClip, 1.0 - kBceClip);
  if (p_out != nullptr) *p_out = p;
  return -(t * std::log(p) + (1.0 - t) * std::log1p(-p));
}

}  // namespace ae::kernels
