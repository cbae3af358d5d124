// Helpers of the kernel tests: random and NaN-filled buffers, and the sizes at which a fast
// kernel is compared with its reference (XNNPACK's: 1, tile - 1, tile, tile + 1 and
// 3 tile + 5 for each tile the kernel has: vector width, lane count, block or panel width).
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <vector>

#include "ae/random.hpp"

namespace ae::kernels::test {

template <class T = float>
std::vector<T> random_vector(std::size_t n, Rng& rng, double scale = 1.0) {
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(rng.uniform(-scale, scale));
  return v;
}

// An output buffer the kernel must write in full: any value it leaves stays NaN.
template <class T = float>
std::vector<T> nan_vector(std::size_t n) {
  return std::vector<T>(n, static_cast<T>(NAN));
}

// The edge sizes of every tile given, increasing, without repeats.
inline std::vector<std::size_t> edge_sizes(std::initializer_list<std::size_t> tiles) {
  std::vector<std::size_t> sizes;
  for (std::size_t t : tiles) sizes.insert(sizes.end(), {1, t - 1, t, t + 1, 3 * t + 5});
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  return sizes;
}

// |got - want| <= rel |want| + abs, with NaN equal to NaN.
inline ::testing::AssertionResult near(double got, double want, double rel, double abs = 0) {
  if (std::isnan(got) && std::isnan(want)) return ::testing::AssertionSuccess();
  if (std::fabs(got - want) <= rel * std::fabs(want) + abs) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << got << " vs " << want << " (rel " << rel << ", abs " << abs << ")";
}

}  // namespace ae::kernels::test
