// Dataset row access (bytes scaled by 1/255 on the way out) and the set operations: concat,
// take, select, inject, shuffle, split. Randomness comes only from Rng::below and
// Rng::shuffle. Nothing here normalises beyond the byte scaling.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>

#include "ae/data.hpp"
#include "ae/error.hpp"
#include "ae/random.hpp"

namespace ae {
namespace {

constexpr float kByteScale = 1.0f / 255.0f;

std::string name_of(const Dataset& d) { return d.source.empty() ? "(unnamed data)" : d.source; }

std::string shape_of(const Dataset& d) {
  return std::to_string(d.rows) + " x " + std::to_string(d.cols);
}

bool is_default_empty(const Dataset& d) { return d.rows == 0 && d.cols == 0; }

// The empty result of combining `a` and `b` into `rows` rows: bytes only if both are bytes.
Dataset combined(const Dataset& a, const Dataset& b, std::size_t rows, const char* op) {
  if (a.cols != b.cols) {
    throw Error(ErrorKind::usage, std::string(op) + ": " + name_of(a) + " (" + shape_of(a) +
                                      ") and " + name_of(b) + " (" + shape_of(b) +
                                      ") have different column counts");
  }
  Dataset out;
  out.rows = rows;
  out.cols = a.cols;
  out.byte_data = a.byte_data && b.byte_data;
  if (a.image_shape == b.image_shape) out.image_shape = a.image_shape;
  if (out.byte_data) out.bytes.resize(rows * out.cols);
  else out.values.resize(rows * out.cols);
  return out;
}

// An empty data set shaped like `d` with `rows` rows.
Dataset shaped_like(const Dataset& d, std::size_t rows) {
  Dataset out;
  out.rows = rows;
  out.cols = d.cols;
  out.byte_data = d.byte_data;
  out.image_shape = d.image_shape;
  out.source = d.source;
  if (out.byte_data) out.bytes.resize(rows * out.cols);
  else out.values.resize(rows * out.cols);
  return out;
}

// Copies row `r` of `src` into row `dst_row` of `dst` (same cols), converting bytes to float
// when `dst` holds floats.
void copy_row(const Dataset& src, std::size_t r, Dataset& dst, std::size_t dst_row) {
  const std::size_t n = src.cols;
  if (dst.byte_data) {
    std::memcpy(dst.bytes.data() + dst_row * n, src.byte_rows() + r * n, n);
  } else if (src.byte_data) {
    src.copy_rows(r, 1, dst.values.data() + dst_row * n);
  } else {
    std::memcpy(dst.values.data() + dst_row * n, src.values.data() + r * n, n * sizeof(float));
  }
}

}  // namespace

float Dataset::at(std::size_t r, std::size_t c) const {
  const std::size_t i = r * cols + c;
  return byte_data ? static_cast<float>(byte_rows()[i]) * kByteScale : values[i];
}

void Dataset::copy_rows(std::size_t first, std::size_t count, float* out) const {
  if (first > rows || count > rows - first) {
    throw Error(ErrorKind::usage, name_of(*this) + ": rows [" + std::to_string(first) + ", " +
                                      std::to_string(first + count) + ") out of range (" +
                                      std::to_string(rows) + " rows)");
  }
  const std::size_t n = count * cols;
  if (byte_data) {
    const std::uint8_t* src = byte_rows() + first * cols;
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(src[i]) * kByteScale;
  } else if (n > 0) {
    std::memcpy(out, values.data() + first * cols, n * sizeof(float));
  }
}

void Dataset::gather_rows(std::span<const std::size_t> order, float* out) const {
  for (const std::size_t r : order) {
    if (r >= rows) {
      throw Error(ErrorKind::usage, name_of(*this) + ": row " + std::to_string(r) +
                                        " out of range (" + std::to_string(rows) + " rows)");
    }
  }
  if (byte_data) {
    for (const std::size_t r : order) {
      const std::uint8_t* src = byte_rows() + r * cols;
      for (std::size_t c = 0; c < cols; ++c) out[c] = static_cast<float>(src[c]) * kByteScale;
      out += cols;
    }
  } else {
    for (const std::size_t r : order) {
      std::memcpy(out, values.data() + r * cols, cols * sizeof(float));
      out += cols;
    }
  }
}

Matrix Dataset::to_matrix() const {
  Matrix m(rows, cols);
  copy_rows(0, rows, m.data());
  return m;
}

Dataset concat(const Dataset& a, const Dataset& b) {
  if (is_default_empty(a)) return b;
  if (is_default_empty(b)) return a;
  Dataset out = combined(a, b, a.rows + b.rows, "concat");
  out.source = name_of(a) + " + " + name_of(b);
  for (std::size_t r = 0; r < a.rows; ++r) copy_row(a, r, out, r);
  for (std::size_t r = 0; r < b.rows; ++r) copy_row(b, r, out, a.rows + r);
  return out;
}

Dataset take(const Dataset& d, std::size_t first, std::size_t count) {
  if (first > d.rows || count > d.rows - first) {
    throw Error(ErrorKind::usage, name_of(d) + ": cannot take rows [" + std::to_string(first) +
                                      ", " + std::to_string(first + count) + "): it has " +
                                      std::to_string(d.rows) + " rows");
  }
  Dataset out = shaped_like(d, count);
  for (std::size_t r = 0; r < count; ++r) copy_row(d, first + r, out, r);
  return out;
}

Dataset select(const Dataset& d, std::span<const std::size_t> rows) {
  for (const std::size_t r : rows) {
    if (r >= d.rows) {
      throw Error(ErrorKind::usage, name_of(d) + ": cannot select row " + std::to_string(r) +
                                        ": it has " + std::to_string(d.rows) + " rows");
    }
  }
  Dataset out = shaped_like(d, rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) copy_row(d, rows[i], out, i);
  return out;
}

namespace {

// Floyd's sampling: extra rows distinct slots of [0, total), each subset equally likely.
std::vector<bool> injection_slots(std::size_t total, std::size_t extra, Rng& rng) {
  std::vector<bool> taken(total, false);
  for (std::size_t j = total - extra; j < total; ++j) {
    const auto t = static_cast<std::size_t>(rng.below(j + 1));
    taken[taken[t] ? j : t] = true;
  }
  return taken;
}

}  // namespace

Dataset inject(const Dataset& base, const Dataset& extra, Rng& rng, std::vector<std::size_t>& positions) {
  positions.clear();
  if (is_default_empty(extra)) return base;
  if (is_default_empty(base)) {
    positions.resize(extra.rows);
    std::iota(positions.begin(), positions.end(), std::size_t{0});
    return extra;
  }
  const std::size_t total = base.rows + extra.rows;
  Dataset out = combined(base, extra, total, "inject");
  out.source = name_of(base) + " + " + name_of(extra);
  const std::vector<bool> taken = injection_slots(total, extra.rows, rng);
  positions.reserve(extra.rows);
  std::size_t next_base = 0;
  for (std::size_t p = 0; p < total; ++p) {
    if (taken[p]) {
      copy_row(extra, positions.size(), out, p);
      positions.push_back(p);
    } else {
      copy_row(base, next_base++, out, p);
    }
  }
  return out;
}

Dataset inject(Dataset&& base, const Dataset& extra, Rng& rng, std::vector<std::size_t>& positions) {
  if (!base.byte_data || !extra.byte_data || is_default_empty(extra) || base.rows == 0 || base.mapped_bytes != nullptr) {
    return inject(static_cast<const Dataset&>(base), extra, rng, positions);
  }
  if (base.cols != extra.cols) (void)combined(base, extra, 0, "inject");  // throws, naming both
  positions.clear();
  const std::size_t total = base.rows + extra.rows, D = base.cols;
  const std::vector<bool> taken = injection_slots(total, extra.rows, rng);
  // Grow in place, then fill from the back: base row i moves to a slot >= i, so each row is
  // read before anything is written over it.
  base.bytes.resize(total * D);
  std::uint8_t* data = base.bytes.data();
  std::size_t next_extra = extra.rows, next_base = base.rows;
  for (std::size_t p = total; p-- > 0;) {
    const std::uint8_t* from = taken[p] ? extra.byte_rows() + --next_extra * D : data + --next_base * D;
    if (from != data + p * D) std::memmove(data + p * D, from, D);
  }
  positions.reserve(extra.rows);
  for (std::size_t p = 0; p < total; ++p) {
    if (taken[p]) positions.push_back(p);
  }
  base.rows = total;
  base.source = name_of(base) + " + " + name_of(extra);
  if (base.image_shape != extra.image_shape) base.image_shape.clear();
  return std::move(base);
}

Dataset shuffled(const Dataset& d, Rng& rng) {
  std::vector<std::size_t> order(d.rows);
  std::iota(order.begin(), order.end(), std::size_t{0});
  rng.shuffle(order);
  return select(d, order);
}

std::pair<Dataset, Dataset> split(const Dataset& d, double fraction, Rng& rng) {
  if (!(fraction >= 0.0 && fraction <= 1.0)) {
    throw Error(ErrorKind::usage, name_of(d) + ": split fraction " + std::to_string(fraction) +
                                      " is not in [0, 1]");
  }
  std::vector<std::size_t> order(d.rows);
  std::iota(order.begin(), order.end(), std::size_t{0});
  rng.shuffle(order);
  const auto first = std::min(
      d.rows, static_cast<std::size_t>(std::llround(fraction * static_cast<double>(d.rows))));
  const std::span<const std::size_t> all(order);
  return {select(d, all.first(first)), select(d, all.subspan(first))};
}

}  // namespace ae
