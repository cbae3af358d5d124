// The project's one random generator: xoshiro256** seeded through splitmix64, with our own
// uniform, normal and integer transforms, so a seed gives the same numbers on every platform
// and standard library; and splitmix64 itself for short streams. Not for cryptography.
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

// splitmix64 (Steele, Lea and Flood), the generator that seeds Rng, as a stream of its own:
// one 64-bit state, one output per step. For short streams whose values must not change,
// e.g. the jitter and drawing order of a plot.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t state) : state_(state) {}

  std::uint64_t next_u64() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform_double() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t state_;
};

}  // namespace ae
