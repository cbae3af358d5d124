// Checks of the data before training: errors that make training meaningless are thrown,
// everything the user should know but may intend is returned as warning lines.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

#include "ae/error.hpp"
#include "ae/inference.hpp"
#include "ae/trainer.hpp"

namespace ae {
namespace {

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}

// Squared errors of values up to this size, summed over a million features, stay far inside
// the float range.
constexpr float kMaxTrainingMagnitude = 1e15f;

struct ColumnRange {
  std::vector<float> lo, hi;
};

// Per-column min and max of R rows of C bytes into lo and hi (which start at 255 and 0).
// Bytes may alias anything unless declared otherwise, and the loop vectorises only so.
void byte_column_ranges(const std::uint8_t* __restrict rows, std::size_t R, std::size_t C, std::uint8_t* __restrict lo,
                        std::uint8_t* __restrict hi) {
  for (std::size_t i = 0; i < R; ++i) {
    const std::uint8_t* row = rows + i * C;
    for (std::size_t c = 0; c < C; ++c) {
      lo[c] = std::min(lo[c], row[c]);
      hi[c] = std::max(hi[c], row[c]);
    }
  }
}

// Widens lo and hi to the row's C values; false when one is NaN, Inf or beyond
// kMaxTrainingMagnitude (lo and hi then hold no meaning).
bool add_row_range(const float* __restrict row, std::size_t C, float* __restrict lo, float* __restrict hi) {
  std::uint32_t bad = 0;  // a count (rows are far narrower than 2^32), which vectorises where a flag does not
  for (std::size_t c = 0; c < C; ++c) {
    bad += !(std::fabs(row[c]) <= kMaxTrainingMagnitude);  // NaN too
    lo[c] = std::min(lo[c], row[c]);
    hi[c] = std::max(hi[c], row[c]);
  }
  return bad == 0;
}

// Per-column min and max; throws Error(bad_data) at the first NaN, Inf or value beyond
// kMaxTrainingMagnitude (in row order). Byte rows can hold none of those, and their scaling
// by 1/255 keeps the order, so their ranges come from the bytes' own; other rows are checked
// a row at a time and searched only when one fails.
ColumnRange column_ranges(const Dataset& d) {
  ColumnRange r{std::vector<float>(d.cols, std::numeric_limits<float>::infinity()),
                std::vector<float>(d.cols, -std::numeric_limits<float>::infinity())};
  if (d.rows == 0) return r;
  if (d.byte_data) {
    std::vector<std::uint8_t> lo(d.cols, 255), hi(d.cols, 0);
    byte_column_ranges(d.byte_rows(), d.rows, d.cols, lo.data(), hi.data());
    for (std::size_t c = 0; c < d.cols; ++c) {
      r.lo[c] = static_cast<float>(lo[c]) * (1.0f / 255.0f);
      r.hi[c] = static_cast<float>(hi[c]) * (1.0f / 255.0f);
    }
    return r;
  }
  for (std::size_t i = 0; i < d.rows; ++i) {
    const float* row = d.values.data() + i * d.cols;
    if (add_row_range(row, d.cols, r.lo.data(), r.hi.data())) continue;
    for (std::size_t c = 0; c < d.cols; ++c) {
      const float x = row[c];
      if (!std::isfinite(x)) {
        throw Error(ErrorKind::bad_data, d.source + ": row " + std::to_string(i + 1) + ", column " +
                                             std::to_string(c + 1) + " is " + (std::isnan(x) ? "NaN" : "Inf") +
                                             " (clean the data first)");
      }
      if (std::fabs(x) > kMaxTrainingMagnitude) {
        throw Error(ErrorKind::bad_data, d.source + ": row " + std::to_string(i + 1) + ", column " +
                                             std::to_string(c + 1) + " is " + number(x) +
                                             "; values beyond 1e15 in magnitude overflow the float sums of training "
                                             "and scoring (scale the data first)");
      }
    }
  }
  return r;
}

}  // namespace

std::vector<std::string> check_training_data(const Autoencoder& model, const TrainConfig& config,
                                             const Dataset& train, const Dataset* validation) {
  std::vector<std::string> warnings;
  const bool sigmoid_out = model.architecture().layers.back().activation == Activation::sigmoid;
  const bool bce = config.loss == Loss::bce;
  const auto check = [&](const Dataset& d, bool is_train) {
    check_width(model, d);
    if (d.rows == 0) {
      throw Error(ErrorKind::bad_data, d.source + ": no rows to " + (is_train ? "train on" : "validate on"));
    }
    const ColumnRange r = column_ranges(d);
    if (is_train && d.rows > 1) {
      std::size_t constant = 0;
      for (std::size_t c = 0; c < d.cols; ++c) constant += r.lo[c] == r.hi[c] ? 1 : 0;
      if (constant > 0) {
        warnings.push_back(d.source + ": " + std::to_string(constant) + " of " + std::to_string(d.cols) +
                           " columns are constant (they carry no information)");
      }
    }
    if (sigmoid_out || bce) {
      const float lo = *std::min_element(r.lo.begin(), r.lo.end());
      const float hi = *std::max_element(r.hi.begin(), r.hi.end());
      if (lo < 0.0f || hi > 1.0f) {
        warnings.push_back(d.source + ": values range from " + number(lo) + " to " + number(hi) + " but " +
                           (bce ? std::string("the bce loss expects") : std::string("the sigmoid output layer can only give")) +
                           " values in [0, 1] (use the minmax scaling or a linear output)");
      }
    }
  };
  check(train, true);
  if (validation != nullptr) check(*validation, false);
  if (config.batch > train.rows) {
    warnings.push_back("the batch size " + std::to_string(config.batch) + " is larger than the " +
                       std::to_string(train.rows) + " training rows; using one batch of " +
                       std::to_string(train.rows) + " per epoch");
  }
  return warnings;
}

}  // namespace ae
