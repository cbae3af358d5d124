// Access to tests/fixtures/score_reference.json (written by tests/gen/score_reference.py) for
// the tests of src/score/, and small helpers to build data sets.
#pragma once
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ae/data.hpp"

namespace ae::score_test {

inline const nlohmann::json& reference() {
  static const nlohmann::json data = [] {
    const std::string path = std::string(AE_SOURCE_DIR) + "/tests/fixtures/score_reference.json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    return nlohmann::json::parse(in);
  }();
  return data;
}

inline std::vector<float> floats(const nlohmann::json& j) {
  std::vector<float> out;
  for (const auto& v : j) out.push_back(static_cast<float>(v.get<double>()));
  return out;
}

inline std::vector<double> doubles(const nlohmann::json& j) { return j.get<std::vector<double>>(); }

inline Dataset float_data(std::size_t rows, std::size_t cols, std::vector<float> values,
                          std::string source = "test data") {
  Dataset d;
  d.rows = rows;
  d.cols = cols;
  d.values = std::move(values);
  d.source = std::move(source);
  return d;
}

}  // namespace ae::score_test
