// The project's one random generator: xoshiro256** seeded through splitmix64, with our own
// uniform, normal and integer transforms, so a seed gives the same numbers on every platform
// and standard library. Not for cryptography.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace ae {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0);

  std::uint64_t next_u64();
  // Uniform in [0, 1) with 24 random bits (every value exactly representable as float).
  float uniform_float();
  // Uniform in [0, 1) with 53 random bits.
  double uniform_double();
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform_double(); }
  // Standard normal (Box-Muller on our own uniforms; no cached second value, so the state
  // alone determines the stream).
  double normal();
  // Uniform integer in [0, n), unbiased (rejection). n must be > 0.
  std::uint64_t below(std::uint64_t n);
  // Fisher-Yates shuffle driven by below().
  void shuffle(std::span<std::size_t> items);

  // The full state, for checkpoints.
  std::array<std::uint64_t, 4> state() const { return s_; }
  void set_state(const std::array<std::uint64_t, 4>& s) { s_ = s; }

 private:
  std::array<std::uint64_t, 4> s_;
};

}  // namespace ae
