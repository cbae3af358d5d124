// Fitting and applying the per-column normaliser. Statistics are summed in double over all
// training rows in row order, so the same data always gives the same stored floats.
#include "ae/normalizer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
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

}  // namespace

Normalization fit_normalization(const Dataset& train, Scaling scaling) {
  Normalization n;
  if (scaling == Scaling::automatic) scaling = train.byte_data ? Scaling::none : Scaling::standard;
  if (scaling == Scaling::none) {
    n.kind = train.byte_data ? Normalizer::bytes_255 : Normalizer::identity;
    return n;
  }
  const std::size_t N = train.rows, D = train.cols;
  if (N == 0) throw Error(ErrorKind::bad_data, train.source + ": no rows to fit the scaling on");
  std::vector<double> a(D), b(D);
  if (scaling == Scaling::standard) {
    // Two passes (mean, then squared deviations): no cancellation for large offsets.
    for (std::size_t r = 0; r < N; ++r) {
      for (std::size_t c = 0; c < D; ++c) a[c] += train.at(r, c);
    }
    for (double& m : a) m /= static_cast<double>(N);
    for (std::size_t r = 0; r < N; ++r) {
      for (std::size_t c = 0; c < D; ++c) {
        const double d = train.at(r, c) - a[c];
        b[c] += d * d;
      }
    }
    for (double& v : b) v = std::sqrt(v / static_cast<double>(N));
  } else {
    std::fill(a.begin(), a.end(), std::numeric_limits<double>::infinity());
    std::fill(b.begin(), b.end(), -std::numeric_limits<double>::infinity());
    for (std::size_t r = 0; r < N; ++r) {
      for (std::size_t c = 0; c < D; ++c) {
        a[c] = std::min<double>(a[c], train.at(r, c));
        b[c] = std::max<double>(b[c], train.at(r, c));
      }
    }
    for (std::size_t c = 0; c < D; ++c) b[c] -= a[c];
  }
  n.kind = scaling == Scaling::standard ? Normalizer::standard : Normalizer::minmax;
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
  }
  return "?";
}

}  // namespace ae
