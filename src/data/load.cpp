// Reading data and label files: whole-file read, gzip unpacking (zlib, with a size cap), format
// detection by content, dispatch to the IDX / NPY / CSV readers. Does not stream: a file is
// held in memory whole.
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>

#include "ae/data.hpp"
#include "ae/error.hpp"

namespace ae {
namespace {

constexpr std::uint64_t kMaxUnpacked = std::uint64_t{4} << 30;  // 4 GiB

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw Error(ErrorKind::bad_data, path + ": " + what);
}

bool is_gzip(std::span<const std::uint8_t> b) { return b.size() >= 2 && b[0] == 0x1f && b[1] == 0x8b; }

bool is_idx_type(std::uint8_t t) {
  return t == 0x08 || t == 0x09 || t == 0x0B || t == 0x0C || t == 0x0D || t == 0x0E;
}

// Unpacks one or more concatenated gzip members; anything else after a member is an error.
std::vector<std::uint8_t> gunzip(std::span<const std::uint8_t> in, const std::string& path,
                                 std::size_t spare_bytes) {
  // The last member's trailer holds its size mod 2^32; deflate expands at most ~1032:1, so a
  // hint above that bound is ignored rather than trusted.
  std::uint64_t hint = 0;
  if (in.size() >= 18) {
    const std::uint8_t* t = in.data() + in.size() - 4;
    hint = std::uint64_t{t[0]} | std::uint64_t{t[1]} << 8 | std::uint64_t{t[2]} << 16 |
           std::uint64_t{t[3]} << 24;
    if (hint > in.size() * std::uint64_t{1032} || hint > kMaxUnpacked) hint = 0;
  }
  std::vector<std::uint8_t> out;
  out.reserve(static_cast<std::size_t>(std::max<std::uint64_t>(hint + 1, std::uint64_t{1} << 16)) + spare_bytes);
  out.resize(static_cast<std::size_t>(std::max<std::uint64_t>(hint + 1, std::uint64_t{1} << 16)));

  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) {
    throw Error(ErrorKind::internal, path + ": cannot initialise zlib");
  }
  std::size_t in_pos = 0, out_pos = 0;
  bool member_done = false;
  while (true) {
    if (zs.avail_in == 0 && in_pos < in.size()) {
      const std::size_t chunk = std::min<std::size_t>(in.size() - in_pos, 1u << 30);
      zs.next_in = const_cast<Bytef*>(in.data() + in_pos);
      zs.avail_in = static_cast<uInt>(chunk);
      in_pos += chunk;
    }
    if (out_pos == out.size()) {
      if (out.size() >= kMaxUnpacked) {
        inflateEnd(&zs);
        fail(path, "gzip data unpacks to more than 4 GiB; refusing (unpack it by hand if intended)");
      }
      out.resize(static_cast<std::size_t>(std::min<std::uint64_t>(out.size() * 2, kMaxUnpacked)));
    }
    const std::size_t room = std::min<std::size_t>(out.size() - out_pos, 1u << 30);
    zs.next_out = out.data() + out_pos;
    zs.avail_out = static_cast<uInt>(room);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    out_pos += room - zs.avail_out;
    const std::size_t consumed = in_pos - zs.avail_in;
    if (rc == Z_STREAM_END) {
      member_done = true;
      if (consumed == in.size()) break;
      if (!is_gzip(in.subspan(consumed))) {
        inflateEnd(&zs);
        fail(path, "gzip data, byte " + std::to_string(consumed) + ": " +
                       std::to_string(in.size() - consumed) + " trailing bytes after the gzip data");
      }
      inflateReset(&zs);
      member_done = false;
      continue;
    }
    if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_MEM_ERROR || rc == Z_STREAM_ERROR) {
      const std::string msg = zs.msg ? zs.msg : "error " + std::to_string(rc);
      inflateEnd(&zs);
      fail(path, "gzip data, byte " + std::to_string(consumed) + ": corrupt (" + msg + ")");
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && in_pos == in.size() && zs.avail_out > 0) {
      break;  // no progress possible: input ended inside a member
    }
  }
  inflateEnd(&zs);
  if (!member_done) {
    fail(path, "gzip data is truncated: the file ends after " + std::to_string(in.size()) +
                   " compressed bytes, inside the compressed stream");
  }
  out.resize(out_pos);
  return out;
}

std::int64_t whole_label(float v, const std::string& path, std::size_t row) {
  if (v != std::floor(v) || std::fabs(v) > 16777216.0f) {
    fail(path, "labels: value " + std::to_string(row) +
                   " (counting from 0) is not a whole number of magnitude at most 2^24 (16777216)");
  }
  return static_cast<std::int64_t>(v);
}

}  // namespace

std::vector<std::uint8_t> read_file_bytes(const std::string& path, std::size_t spare_bytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw Error(ErrorKind::missing_input, path + ": is a directory, not a data file");
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    throw Error(ErrorKind::missing_input, path + ": cannot open: " + std::strerror(errno));
  }
  // Sized from the file (up to the 4 GiB a data set may unpack to) so that a large file is
  // not copied while the buffer grows; the loop still reads to the end, should the file
  // have grown meanwhile.
  const auto size = std::filesystem::file_size(path, ec);
  std::vector<std::uint8_t> bytes;
  if (!ec && size <= kMaxUnpacked) bytes.reserve(static_cast<std::size_t>(size) + 1 + spare_bytes);
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  while (true) {
    const std::size_t at = bytes.size();
    const std::size_t room = bytes.capacity() > at ? std::min(kChunk, bytes.capacity() - at) : kChunk;
    bytes.resize(at + room);
    const std::size_t n = std::fread(bytes.data() + at, 1, room, f);
    bytes.resize(at + n);
    if (n < room) break;
  }
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed) {
    throw Error(ErrorKind::io, path + ": read failed after " + std::to_string(bytes.size()) +
                                   " bytes: " + std::strerror(err));
  }
  if (is_gzip(bytes)) return gunzip(bytes, path, spare_bytes);
  return bytes;
}

DataFormat detect_format(std::span<const std::uint8_t> head) {
  if (head.size() >= 3 && head[0] == 0 && head[1] == 0 && is_idx_type(head[2])) return DataFormat::idx;
  if (head.size() >= 6 && std::memcmp(head.data(), "\x93NUMPY", 6) == 0) return DataFormat::npy;
  return DataFormat::csv;
}

namespace {

// Parses by detected format; refuses binary content that is neither IDX nor NPY rather than
// reporting it as an unparsable CSV cell.
Dataset parse_any(std::span<const std::uint8_t> bytes, const std::string& path) {
  switch (detect_format(bytes)) {
    case DataFormat::idx: return parse_idx(bytes, path);
    case DataFormat::npy: return parse_npy(bytes, path);
    case DataFormat::csv: break;
  }
  const auto head = bytes.first(std::min<std::size_t>(bytes.size(), 4096));
  if (std::find(head.begin(), head.end(), std::uint8_t{0}) != head.end()) {
    fail(path, "binary content that is not IDX (00 00 type dims) or NPY (\\x93NUMPY); "
               "expected IDX, NPY or CSV, optionally gzipped");
  }
  return parse_csv(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path);
}

}  // namespace

Dataset load_data(const std::string& path, std::size_t spare_bytes) {
  std::vector<std::uint8_t> bytes = read_file_bytes(path, spare_bytes);
  Dataset d = detect_format(bytes) == DataFormat::idx ? parse_idx(std::move(bytes), path)
                                                       : parse_any(bytes, path);
  d.source = path;
  return d;
}

std::vector<std::int64_t> load_labels(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(path);
  if (detect_format(bytes) == DataFormat::npy) return parse_npy_labels(bytes, path);
  const Dataset d = parse_any(bytes, path);
  if (d.cols != 1 || !d.image_shape.empty()) {
    fail(path, "labels: expected one value per row, found " + std::to_string(d.rows) + " x " +
                   std::to_string(d.cols));
  }
  std::vector<std::int64_t> labels(d.rows);
  for (std::size_t r = 0; r < d.rows; ++r) {
    labels[r] = d.byte_data ? std::int64_t{d.bytes[r]} : whole_label(d.values[r], path, r);
  }
  return labels;
}

}  // namespace ae
