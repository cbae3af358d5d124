// Checking analytic gradients against central differences.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "ae/random.hpp"

namespace ae::test {

inline std::vector<double> random_vector(std::size_t n, Rng& rng, double lo = -1, double hi = 1) {
  std::vector<double> v(n);
  for (auto& x : v) x = rng.uniform(lo, hi);
  return v;
}

// Central difference of f with respect to v, a value f reads; v is restored.
inline double numeric_derivative(const std::function<double()>& f, double& v, double h = 1e-6) {
  const double saved = v;
  v = saved + h;
  const double up = f();
  v = saved - h;
  const double down = f();
  v = saved;
  return (up - down) / (2 * h);
}

// An analytic derivative against its central difference: 1e-6 relative, or absolute below 1.
inline void expect_derivative_close(double analytic, double numeric, const std::string& what) {
  EXPECT_NEAR(analytic, numeric, 1e-6 * std::max(1.0, std::abs(numeric))) << what;
}

}  // namespace ae::test
