// IDX reader (the MNIST format): 00 00, a type code, a dimension count, big-endian u32 sizes,
// then the big-endian payload. u8 stays bytes; i8/i16/i32/f32/f64 become floats. Gzip is
// unpacked before this (read_file_bytes); nothing here touches files.
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>

#include "ae/data.hpp"
#include "ae/error.hpp"
#include "data/raw_layout.hpp"

namespace ae {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw Error(ErrorKind::bad_data, path + ": " + what);
}

std::string hex_byte(std::uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", b);
  return buf;
}

std::uint64_t read_be(const std::uint8_t* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

// Bytes per element for a type code; 0 when the code is unknown.
std::size_t element_size(std::uint8_t type) {
  switch (type) {
    case 0x08: return 1;  // unsigned byte
    case 0x09: return 1;  // signed byte
    case 0x0B: return 2;  // i16
    case 0x0C: return 4;  // i32
    case 0x0D: return 4;  // f32
    case 0x0E: return 8;  // f64
    default: return 0;
  }
}

float element_value(std::uint8_t type, const std::uint8_t* p) {
  switch (type) {
    case 0x09: return static_cast<float>(static_cast<std::int8_t>(p[0]));
    case 0x0B: return static_cast<float>(static_cast<std::int16_t>(read_be(p, 2)));
    case 0x0C: return static_cast<float>(static_cast<std::int32_t>(read_be(p, 4)));
    case 0x0D: return std::bit_cast<float>(static_cast<std::uint32_t>(read_be(p, 4)));
    case 0x0E: return static_cast<float>(std::bit_cast<double>(read_be(p, 8)));
    default: return static_cast<float>(p[0]);
  }
}

}  // namespace

namespace {

// The header of an IDX file read from its first bytes (`bytes`, at least the header) and
// checked against the file's size.
struct IdxHeader {
  std::uint8_t type = 0;
  std::size_t elem = 0, ndims = 0, header = 0;
  std::size_t dims[4] = {};
  std::uint64_t count = 0, need = 0;
};

IdxHeader read_idx_header(std::span<const std::uint8_t> bytes, std::uint64_t file_size, const std::string& path) {
  if (file_size < 4) {
    fail(path, "IDX header: file is only " + std::to_string(file_size) + " bytes long");
  }
  if (bytes[0] != 0 || bytes[1] != 0) {
    fail(path, "IDX header, bytes 0-1: magic is " + hex_byte(bytes[0]) + " " + hex_byte(bytes[1]) +
                   ", expected 0x00 0x00 (not an IDX file)");
  }
  IdxHeader h;
  h.type = bytes[2];
  const std::uint8_t type = h.type;
  h.elem = element_size(type);
  const std::size_t elem = h.elem;
  if (elem == 0) {
    fail(path, "IDX header, byte 2: unsupported type code " + hex_byte(type) +
                   " (supported: 0x08 u8, 0x09 i8, 0x0b i16, 0x0c i32, 0x0d f32, 0x0e f64)");
  }
  const std::size_t ndims = bytes[3];
  h.ndims = ndims;
  if (ndims < 1 || ndims > 4) {
    fail(path, "IDX header, byte 3: " + std::to_string(ndims) +
                   " dimensions; expected 1 (labels), 2 (rows x features) or 3-4 (images)");
  }
  const std::size_t header = 4 + 4 * ndims;
  h.header = header;
  if (file_size < header || bytes.size() < header) {
    fail(path, "IDX header: truncated, " + std::to_string(ndims) + " dimensions need " +
                   std::to_string(header) + " header bytes but the file has " +
                   std::to_string(file_size));
  }

  std::size_t* dims = h.dims;
  std::uint64_t count = 1;
  std::string shape_text;
  bool overflow = false;
  for (std::size_t i = 0; i < ndims; ++i) {
    dims[i] = static_cast<std::size_t>(read_be(bytes.data() + 4 + 4 * i, 4));
    if (dims[i] == 0) {
      fail(path, "IDX header, byte " + std::to_string(4 + 4 * i) + ": dimension " +
                     std::to_string(i + 1) + " is 0 (no data)");
    }
    shape_text += (i ? " x " : "") + std::to_string(dims[i]);
    if (count > std::numeric_limits<std::uint64_t>::max() / dims[i]) overflow = true;
    count *= dims[i];
  }
  if (overflow || count > std::numeric_limits<std::uint64_t>::max() / elem ||
      count * elem > std::numeric_limits<std::size_t>::max()) {
    fail(path, "IDX header: dimensions " + shape_text + " are too large (size overflows)");
  }
  const std::uint64_t need = count * elem;
  const std::uint64_t have = file_size - header;
  if (have < need) {
    fail(path, "IDX payload: dimensions " + shape_text + " need " + std::to_string(need) +
                   " bytes after the header but only " + std::to_string(have) +
                   " are there (file truncated?)");
  }
  if (have > need) {
    fail(path, "IDX payload: " + std::to_string(have - need) + " trailing bytes after the " +
                   std::to_string(need) + " bytes that dimensions " + shape_text + " need");
  }
  h.count = count;
  h.need = need;
  return h;
}

template <std::uint8_t T>
float value_as_float(const std::uint8_t* p) {
  return element_value(T, p);
}

// parse_idx's work; when `owned` holds the same bytes, u8 data takes over its storage (the
// payload is moved to the front) instead of being copied, so a 47 MB file is in memory once.
Dataset parse_idx_into(std::span<const std::uint8_t> bytes, const std::string& path,
                       std::vector<std::uint8_t>* owned) {
  const IdxHeader h = read_idx_header(bytes, bytes.size(), path);
  const std::uint8_t type = h.type;
  const std::size_t elem = h.elem, ndims = h.ndims, header = h.header;
  const std::size_t* dims = h.dims;
  const std::uint64_t count = h.count, need = h.need;

  Dataset d;
  d.source = path;
  d.rows = dims[0];
  d.cols = static_cast<std::size_t>(count / dims[0]);
  if (ndims == 3) d.image_shape = {dims[1], dims[2]};
  const std::uint8_t* payload = bytes.data() + header;
  if (type == 0x08) {
    d.byte_data = true;
    if (owned != nullptr) {
      std::memmove(owned->data(), payload, static_cast<std::size_t>(need));
      owned->resize(static_cast<std::size_t>(need));
      d.bytes = std::move(*owned);
    } else {
      d.bytes.assign(payload, payload + need);
    }
    return d;
  }
  d.values.resize(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < d.values.size(); ++i) {
    const float v = element_value(type, payload + i * elem);
    if (!std::isfinite(v)) {
      fail(path, "row " + std::to_string(i / d.cols) + ", column " + std::to_string(i % d.cols) +
                     " (counting from 0): value is not a finite float (NaN or Inf); ae reads finite values only");
    }
    d.values[i] = v;
  }
  return d;
}

}  // namespace

namespace detail {

RawLayout idx_layout(std::span<const std::uint8_t> head, std::uint64_t file_size, const std::string& path) {
  const IdxHeader h = read_idx_header(head, file_size, path);
  RawLayout l;
  l.offset = h.header;
  l.rows = h.dims[0];
  l.cols = static_cast<std::size_t>(h.count / h.dims[0]);
  l.elem = h.elem;
  if (h.ndims == 3) l.image_shape = {h.dims[1], h.dims[2]};
  l.bytes = h.type == 0x08;
  switch (h.type) {
    case 0x09: l.value = value_as_float<0x09>; break;
    case 0x0B: l.value = value_as_float<0x0B>; break;
    case 0x0C: l.value = value_as_float<0x0C>; break;
    case 0x0D: l.value = value_as_float<0x0D>; break;
    case 0x0E: l.value = value_as_float<0x0E>; break;
    default: l.value = value_as_float<0x08>; break;
  }
  return l;
}

}  // namespace detail

Dataset parse_idx(std::span<const std::uint8_t> bytes, const std::string& path) {
  return parse_idx_into(bytes, path, nullptr);
}

Dataset parse_idx(std::vector<std::uint8_t>&& bytes, const std::string& path) {
  const std::span<const std::uint8_t> view(bytes);
  return parse_idx_into(view, path, &bytes);
}

}  // namespace ae
