// The input complexity of a row: the length of its byte quantisation after zlib compression.
// One deflate stream per meter, reset between rows: the same bytes as compress2 at the same
// level, without allocating and clearing zlib's tables for every row.
#include <zlib.h>

#include <vector>

#include "ae/error.hpp"
#include "ae/score.hpp"
#include "kernels/score_kernels.hpp"
#include "score/score_detail.hpp"

namespace ae {
namespace detail {

struct ComplexityMeter::Stream {
  z_stream z{};
};

ComplexityMeter::ComplexityMeter(std::size_t width)
    : stream_(std::make_unique<Stream>()), q_(width), packed_(compressBound(static_cast<uLong>(width))) {
  if (deflateInit(&stream_->z, Z_BEST_SPEED) != Z_OK) throw Error(ErrorKind::internal, "cannot initialise zlib");
}

ComplexityMeter::~ComplexityMeter() { deflateEnd(&stream_->z); }

double ComplexityMeter::bits(std::span<const float> row, double lo, double range) {
  q_.resize(row.size());
  packed_.resize(compressBound(static_cast<uLong>(row.size())));
  kernels::quantize_levels(row.data(), row.size(), lo, range, q_.data());
  z_stream& z = stream_->z;
  if (deflateReset(&z) != Z_OK) throw Error(ErrorKind::internal, "zlib could not reset its stream");
  z.next_in = q_.data();
  z.avail_in = static_cast<uInt>(q_.size());
  z.next_out = packed_.data();
  z.avail_out = static_cast<uInt>(packed_.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
    throw Error(ErrorKind::internal, "zlib could not compress a row to measure its complexity");
  }
  return 8.0 * static_cast<double>(z.total_out);
}

}  // namespace detail

double input_complexity_bits(std::span<const float> row, double lo, double range) {
  detail::ComplexityMeter meter(row.size());
  return meter.bits(row, lo, range);
}

}  // namespace ae
