// The JSON reference fixtures (tests/fixtures/*.json, written by the PyTorch scripts beside
// them) and the comparison of computed tensors with them.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <nlohmann/json.hpp>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace ae::test {

// tests/fixtures/NAME, parsed; throws when it cannot be read.
inline nlohmann::json read_json_fixture(const std::string& name) {
  const std::string path = std::string(AE_SOURCE_DIR) + "/tests/fixtures/" + name;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return nlohmann::json::parse(in);
}

// Every number of a nested array, in row-major order (a number alone: itself).
inline std::vector<double> flatten(const nlohmann::json& value) {
  std::vector<double> out;
  if (value.is_array()) {
    for (const auto& item : value) {
      const auto inner = flatten(item);
      out.insert(out.end(), inner.begin(), inner.end());
    }
  } else {
    out.push_back(value.get<double>());
  }
  return out;
}

// How close a computed value must be to the reference's: |a - e| <= rel |e| + abs_of_max
// max|e|, where max|e| is taken over the tensor compared, so values far below their tensor's
// scale are held to the rounding error of that scale.
struct Tolerance {
  double rel;
  double abs_of_max;
};

template <class T>
void expect_close(std::span<const T> actual, const std::vector<double>& expected, Tolerance tol,
                  const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  double scale = 0;
  for (const double e : expected) scale = std::max(scale, std::abs(e));
  for (std::size_t k = 0; k < expected.size(); ++k) {
    EXPECT_NEAR(static_cast<double>(actual[k]), expected[k], tol.rel * std::abs(expected[k]) + tol.abs_of_max * scale)
        << what << " [" << k << "]";
  }
}

// The fixtures' parameter names, as in the model file.
inline std::string weight_name(std::size_t l) { return "layers." + std::to_string(l) + ".weight"; }
inline std::string bias_name(std::size_t l) { return "layers." + std::to_string(l) + ".bias"; }

}  // namespace ae::test
