// Helpers shared by the files of src/score/ and not part of the public interface.
#pragma once
#include <vector>

#include "ae/score.hpp"

namespace ae::detail {

// The weight of each feature in a standardised score: 1 / (s_j^2 + eps) for zsse,
// 1 / sqrt(s_j^2 + eps) for zsae (D values, from cal.feature_mse).
std::vector<float> standard_weights(const ScoreCalibration& cal, ScoreKind kind);

// v rounded to float and then to the shortest decimal that reads back as that float (as a
// double, so JSON writers print it short); the exact float value where that decimal would
// read back, through double, as a different float.
double short_float(double v);

}  // namespace ae::detail
