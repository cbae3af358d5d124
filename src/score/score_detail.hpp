// Helpers shared by the files of src/score/ and not part of the public interface.
#pragma once
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "ae/score.hpp"

namespace ae::detail {

// The weight of each feature in a standardised score: 1 / (s_j^2 + eps) for zsse,
// 1 / sqrt(s_j^2 + eps) for zsae (D values, from cal.feature_mse).
std::vector<float> standard_weights(const ScoreCalibration& cal, ScoreKind kind);

// input_complexity_bits for many rows: one zlib stream, reset per row (not thread-safe; one
// per chunk).
class ComplexityMeter {
 public:
  explicit ComplexityMeter(std::size_t width);
  ~ComplexityMeter();
  ComplexityMeter(const ComplexityMeter&) = delete;
  ComplexityMeter& operator=(const ComplexityMeter&) = delete;
  double bits(std::span<const float> row, double lo, double range);

 private:
  struct Stream;
  std::unique_ptr<Stream> stream_;
  std::vector<unsigned char> q_, packed_;
};

// v rounded to float and then to the shortest decimal that reads back as that float (as a
// double, so JSON writers print it short); the exact float value where that decimal would
// read back, through double, as a different float.
double short_float(double v);

}  // namespace ae::detail
