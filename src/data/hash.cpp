// CRC-32 and FNV-1a fingerprints of data sets.
#include "ae/data_hash.hpp"

#include <algorithm>
#include <zlib.h>

namespace ae {

std::uint32_t crc32_of(const void* data, std::size_t size, std::uint32_t crc) {
  const auto* bytes = static_cast<const Bytef*>(data);
  uLong value = crc;
  while (size > 0) {
    const auto chunk = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
    value = ::crc32(value, bytes, chunk);
    bytes += chunk;
    size -= chunk;
  }
  return static_cast<std::uint32_t>(value);
}

std::uint32_t data_crc32(const Dataset& data) {
  return data.byte_data ? crc32_of(data.byte_rows(), data.rows * data.cols)
                        : crc32_of(data.values.data(), data.values.size() * sizeof(float));
}

std::uint64_t fnv1a64(const void* data, std::size_t size, std::uint64_t hash) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 1099511628211ull;
  }
  return hash;
}

std::uint64_t training_data_hash(const Dataset& train, const Dataset* validation) {
  std::uint64_t h = kFnvOffset;
  const auto add = [&h](const Dataset& d) {
    const std::uint64_t shape[3] = {d.rows, d.cols, d.byte_data ? 1u : 0u};
    h = fnv1a64(shape, sizeof shape, h);
    h = d.byte_data ? fnv1a64(d.byte_rows(), d.rows * d.cols, h)
                    : fnv1a64(d.values.data(), d.values.size() * sizeof(float), h);
  };
  add(train);
  const std::uint64_t has_validation = validation != nullptr ? 1 : 0;
  h = fnv1a64(&has_validation, sizeof has_validation, h);
  if (validation != nullptr) add(*validation);
  return h;
}

}  // namespace ae
