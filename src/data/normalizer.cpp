// Fitting and applying the per-column normaliser. Statistics are summed in double over all
// training rows in row order, so the same data always gives the same stored floats.
#include "ae/normalizer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <string>

#include "ae/error.hpp"

namespace ae {
namespace {

void check_width(std::size_t cols, const Normalization& n, const std::string& source) {
  if (n.per_column() && cols != n.center.size()) {
    throw Error(ErrorKind::usage, source + ": has " + std::to_string(cols) + " columns, the model's scaling was fitted on " +
                                      std::to_string(n.center.size()));
  }
}

void apply_rows(float* x, std::size_t rows, const Normalization& n) {
  const std::size_t D = n.center.size();
  for (std::size_t r = 0; r < rows; ++r, x += D) {
    for (std::size_t c = 0; c < D; ++c) x[c] = (x[c] - n.center[c]) / n.scale[c];
  }
}

// Each column's mean and population standard deviation, in two passes (mean, then squared
// deviations): no cancellation for large offsets.
void mean_and_deviation(const Dataset& train, std::vector<double>& mean, std::vector<double>& deviation) {
  const std::size_t N = train.rows, D = train.cols;
  for (std::size_t r = 0; r < N; ++r) {
    for (std::size_t c = 0; c < D; ++c) mean[c] += train.at(r, c);
  }
  for (double& m : mean) m /= static_cast<double>(N);
  for (std::size_t r = 0; r < N; ++r) {
    for (std::size_t c = 0; c < D; ++c) {
      const double d = train.at(r, c) - mean[c];
      deviation[c] += d * d;
    }
  }
  for (double& v : deviation) v = std::sqrt(v / static_cast<double>(N));
}

// The p-quantile of v with linear interpolation between order statistics (numpy's default):
// h = p (n - 1), v_(floor h) + (h - floor h) (v_(floor h + 1) - v_(floor h)). Reorders v.
double quantile(std::span<float> v, double p) {
  const double h = p * static_cast<double>(v.size() - 1);
  const auto k = static_cast<std::size_t>(std::floor(h));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  const double low = v[k];
  if (h == static_cast<double>(k)) return low;
  const double high = *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(k) + 1, v.end());
  return low + (h - static_cast<double>(k)) * (high - low);
}

// Robust scaling's centre (the median) and spread ((q90 - q10) / kInterdecileSigmas) of each
// column, over at most max_rows evenly spaced rows, read kRobustBufferBytes of columns at a
// time. A column whose interdecile range is 0, or within float rounding of its values
// (kRobustResolution of their magnitude), gets spread 0: the caller divides it by its standard
// deviation instead.
void robust_centre_and_spread(const Dataset& train, std::size_t max_rows, std::vector<double>& centre,
                              std::vector<double>& spread) {
  const std::size_t N = train.rows, D = train.cols, S = std::min(N, max_rows);
  const std::size_t group = std::clamp<std::size_t>(kRobustBufferBytes / (S * sizeof(float)), 1, D);
  std::vector<float> columns(S * group);
  for (std::size_t c0 = 0; c0 < D; c0 += group) {
    const std::size_t width = std::min(group, D - c0);
    for (std::size_t i = 0; i < S; ++i) {
      const std::size_t r = i * N / S;
      for (std::size_t c = 0; c < width; ++c) columns[c * S + i] = train.at(r, c0 + c);
    }
    for (std::size_t c = 0; c < width; ++c) {
      const std::span<float> v(columns.data() + c * S, S);
      centre[c0 + c] = quantile(v, 0.5);
      const double q90 = quantile(v, 0.9), q10 = quantile(v, 0.1);
      const bool resolved = q90 - q10 > kRobustResolution * std::max(std::abs(q10), std::abs(q90));
      spread[c0 + c] = resolved ? (q90 - q10) / kInterdecileSigmas : 0.0;
    }
  }
}

}  // namespace

Normalization fit_normalization(const Dataset& train, Scaling scaling, std::size_t robust_rows) {
  Normalization n;
  if (scaling == Scaling::automatic) scaling = train.byte_data ? Scaling::none : Scaling::robust;
  if (scaling == Scaling::none) {
    n.kind = train.byte_data ? Normalizer::bytes_255 : Normalizer::identity;
    return n;
  }
  const std::size_t N = train.rows, D = train.cols;
  if (N == 0) throw Error(ErrorKind::bad_data, train.source + ": no rows to fit the scaling on");
  std::vector<double> a(D), b(D);
  if (scaling == Scaling::minmax) {
    std::fill(a.begin(), a.end(), std::numeric_limits<double>::infinity());
    std::fill(b.begin(), b.end(), -std::numeric_limits<double>::infinity());
    for (std::size_t r = 0; r < N; ++r) {
      for (std::size_t c = 0; c < D; ++c) {
        a[c] = std::min<double>(a[c], train.at(r, c));
        b[c] = std::max<double>(b[c], train.at(r, c));
      }
    }
    for (std::size_t c = 0; c < D; ++c) b[c] -= a[c];
  } else if (scaling == Scaling::standard) {
    mean_and_deviation(train, a, b);
  } else {
    robust_centre_and_spread(train, std::max<std::size_t>(robust_rows, 1), a, b);
    // The two passes over every row for the standard deviation, only where it is needed.
    if (std::find(b.begin(), b.end(), 0.0) != b.end()) {
      std::vector<double> mean(D), deviation(D);
      mean_and_deviation(train, mean, deviation);
      for (std::size_t c = 0; c < D; ++c) {
        if (b[c] == 0.0) b[c] = deviation[c];
      }
    }
  }
  n.kind = scaling == Scaling::standard ? Normalizer::standard : scaling == Scaling::minmax ? Normalizer::minmax : Normalizer::robust;
  n.center.resize(D);
  n.scale.resize(D);
  for (std::size_t c = 0; c < D; ++c) {
    const float center = static_cast<float>(a[c]);
    const float spread = static_cast<float>(b[c]);
    if (!std::isfinite(center) || !std::isfinite(spread)) {
      throw Error(ErrorKind::bad_data, train.source + ": column " + std::to_string(c + 1) +
                                           " is too large to scale in float (values near 3.4e38)");
    }
    n.center[c] = center;
    // A constant column (or one whose spread is below float resolution) is only centred.
    n.scale[c] = spread > 0 && std::isnormal(spread) ? spread : 1.0f;
  }
  return n;
}

void normalize(Dataset& data, const Normalization& n) {
  if (!n.per_column()) return;
  check_width(data.cols, n, data.source);
  if (data.byte_data) {
    data.values.resize(data.rows * data.cols);
    data.copy_rows(0, data.rows, data.values.data());
    data.bytes.clear();
    data.bytes.shrink_to_fit();
    data.mapping.reset();
    data.mapped_bytes = nullptr;
    data.byte_data = false;
  }
  apply_rows(data.values.data(), data.rows, n);
}

void normalize(MatrixView rows, const Normalization& n) {
  if (!n.per_column()) return;
  check_width(rows.cols, n, "rows");
  apply_rows(rows.data, rows.rows, n);
}

void denormalize(MatrixView rows, const Normalization& n) {
  if (!n.per_column()) return;
  check_width(rows.cols, n, "rows");
  const std::size_t D = rows.cols;
  float* x = rows.data;
  for (std::size_t r = 0; r < rows.rows; ++r, x += D) {
    for (std::size_t c = 0; c < D; ++c) x[c] = x[c] * n.scale[c] + n.center[c];
  }
}

std::string scaling_text(const Normalization& n) {
  switch (n.kind) {
    case Normalizer::identity: return "none (values as read)";
    case Normalizer::bytes_255: return "bytes / 255";
    case Normalizer::standard: return "z-score per column (standard, fitted on the training rows)";
    case Normalizer::minmax: return "min-max to [0, 1] per column (fitted on the training rows)";
    case Normalizer::robust: return "median and interdecile range per column (robust, fitted on the training rows)";
  }
  return "?";
}

}  // namespace ae
