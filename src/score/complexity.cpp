// The input complexity of a row: the length of its byte quantisation after zlib compression.
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "ae/error.hpp"
#include "ae/score.hpp"

namespace ae {

double input_complexity_bits(std::span<const float> row, double lo, double range) {
  std::vector<Bytef> q(row.size()), packed(compressBound(static_cast<uLong>(row.size())));
  for (std::size_t j = 0; j < row.size(); ++j) {
    const double v = range > 0 ? std::floor(255.0 * (static_cast<double>(row[j]) - lo) / range + 0.5) : 0.0;
    q[j] = static_cast<Bytef>(std::clamp(std::isnan(v) ? 0.0 : v, 0.0, 255.0));
  }
  uLongf size = static_cast<uLongf>(packed.size());
  if (compress2(packed.data(), &size, q.data(), static_cast<uLong>(q.size()), Z_BEST_COMPRESSION) != Z_OK) {
    throw Error(ErrorKind::internal, "zlib could not compress a row to measure its complexity");
  }
  return 8.0 * static_cast<double>(size);
}

}  // namespace ae
