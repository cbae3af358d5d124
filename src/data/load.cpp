// Reading data and label files: whole-file read (regular files and open pipes, see
// InputFile), gzip unpacking (zlib, two passes so that the size cap costs no memory), format
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
#include <optional>
#include <string>
#include <string_view>

#include "ae/data.hpp"
#include "ae/error.hpp"
#include "ae/input_file.hpp"
#include "data/raw_layout.hpp"

namespace ae {
namespace {

constexpr std::uint64_t kMaxUnpacked = std::uint64_t{4} << 30;  // 4 GiB

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw Error(ErrorKind::bad_data, path + ": " + what);
}

bool is_idx_type(std::uint8_t t) {
  return t == 0x08 || t == 0x09 || t == 0x0B || t == 0x0C || t == 0x0D || t == 0x0E;
}

// The size an IDX header at the start of `head` declares for the whole file, when the header
// is complete and sane (the parser reports the rest).
std::optional<std::uint64_t> idx_declared_size(std::span<const std::uint8_t> head) {
  if (head.size() < 4 || head[0] != 0 || head[1] != 0 || !is_idx_type(head[2])) return std::nullopt;
  const std::uint64_t elem = head[2] == 0x0B ? 2 : head[2] == 0x0C || head[2] == 0x0D ? 4 : head[2] == 0x0E ? 8 : 1;
  const std::size_t ndims = head[3];
  if (ndims < 1 || ndims > 4 || head.size() < 4 + 4 * ndims) return std::nullopt;
  std::uint64_t size = elem;
  for (std::size_t i = 0; i < ndims; ++i) {
    const std::uint8_t* p = head.data() + 4 + 4 * i;
    const std::uint64_t dim = std::uint64_t{p[0]} << 24 | std::uint64_t{p[1]} << 16 | std::uint64_t{p[2]} << 8 | p[3];
    if (dim == 0 || size > kMaxUnpacked / dim) return std::nullopt;
    size *= dim;
  }
  return size + 4 + 4 * ndims;
}

constexpr std::size_t kHeadBytes = 4096;  // enough for any IDX header and to tell text from binary

// Looks at the first bytes of a data file (after gzip) before the rest is read: binary content
// that is neither IDX nor NPY is refused at once (a stream of zeros, /dev/urandom), and an IDX
// header's declared size becomes the most the rest may hold. Returns that bound.
std::uint64_t check_head(std::span<const std::uint8_t> head, const std::string& path, std::uint64_t limit) {
  if (const auto declared = idx_declared_size(head)) return std::min(limit, *declared);
  if (detect_format(head) == DataFormat::csv && !detail::is_gzip(head) &&
      std::find(head.begin(), head.end(), std::uint8_t{0}) != head.end()) {
    fail(path, "binary content that is not IDX (00 00 type dims) or NPY (\\x93NUMPY); "
               "expected IDX, NPY or CSV, optionally gzipped");
  }
  return limit;
}

// Inflates one or more concatenated gzip members, handing the output to `sink` in pieces;
// anything else after a member, corrupt or truncated data, and more than `limit` bytes of
// output are errors (the limit: 4 GiB, or what the IDX header inside declares).
template <class Sink>
std::uint64_t inflate_members(std::span<const std::uint8_t> in, const std::string& path, Sink sink) {
  std::vector<std::uint8_t> buffer(std::size_t{1} << 18);
  std::uint64_t total = 0, limit = kMaxUnpacked;
  std::vector<std::uint8_t> head;
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) {
    throw Error(ErrorKind::internal, path + ": cannot initialise zlib");
  }
  struct End {
    z_stream* zs;
    ~End() { inflateEnd(zs); }
  } end{&zs};
  std::size_t in_pos = 0;
  bool member_done = false;
  while (true) {
    if (zs.avail_in == 0 && in_pos < in.size()) {
      const std::size_t chunk = std::min<std::size_t>(in.size() - in_pos, 1u << 30);
      zs.next_in = const_cast<Bytef*>(in.data() + in_pos);
      zs.avail_in = static_cast<uInt>(chunk);
      in_pos += chunk;
    }
    zs.next_out = buffer.data();
    zs.avail_out = static_cast<uInt>(buffer.size());
    const int rc = inflate(&zs, Z_NO_FLUSH);
    const std::size_t produced = buffer.size() - zs.avail_out;
    if (head.size() < kHeadBytes) {
      const std::size_t take = std::min(kHeadBytes - head.size(), produced);
      head.insert(head.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(take));
      if (head.size() == kHeadBytes || rc == Z_STREAM_END) limit = check_head(head, path, limit);
    }
    total += produced;
    if (total > limit) {
      fail(path, limit == kMaxUnpacked
                     ? "gzip data unpacks to more than 4 GiB; refusing (unpack it by hand if intended)"
                     : "gzip data unpacks to more than the " + std::to_string(limit) +
                           " bytes its IDX header declares (trailing data after the payload)");
    }
    sink(buffer.data(), produced);
    const std::size_t consumed = in_pos - zs.avail_in;
    if (rc == Z_STREAM_END) {
      member_done = true;
      if (consumed == in.size()) break;
      if (!detail::is_gzip(in.subspan(consumed))) {
        fail(path, "gzip data, byte " + std::to_string(consumed) + ": " +
                       std::to_string(in.size() - consumed) + " trailing bytes after the gzip data");
      }
      inflateReset(&zs);
      member_done = false;
      continue;
    }
    if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_MEM_ERROR || rc == Z_STREAM_ERROR) {
      const std::string msg = zs.msg ? zs.msg : "error " + std::to_string(rc);
      fail(path, "gzip data, byte " + std::to_string(consumed) + ": corrupt (" + msg + ")");
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && in_pos == in.size() && produced == 0) {
      break;  // no progress possible: input ended inside a member
    }
  }
  if (!member_done) {
    fail(path, "gzip data is truncated: the file ends after " + std::to_string(in.size()) +
                   " compressed bytes, inside the compressed stream");
  }
  return total;
}

// Unpacks gzip data in two passes: the first checks it and counts the bytes (in 256 KiB of
// memory, so a gzip bomb is refused without being unpacked), the second fills a buffer of
// exactly that size.
std::vector<std::uint8_t> gunzip(std::span<const std::uint8_t> in, const std::string& path,
                                 std::size_t spare_bytes) {
  const std::uint64_t total = inflate_members(in, path, [](const std::uint8_t*, std::size_t) {});
  std::vector<std::uint8_t> out;
  out.reserve(static_cast<std::size_t>(total) + spare_bytes);
  inflate_members(in, path, [&out](const std::uint8_t* p, std::size_t n) { out.insert(out.end(), p, p + n); });
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
  InputFile file(path);
  std::vector<std::uint8_t> bytes;
  if (!file.stream()) {
    // Sized from the file so that a large file is not copied while the buffer grows; a file
    // that grew meanwhile is read to its size at opening. Reserved before it is sized: the
    // other order holds the file twice for a moment (the peak resident memory of a run).
    const auto size = static_cast<std::size_t>(file.size());
    bytes.reserve(size + 1 + spare_bytes);
    bytes.resize(size);
    bytes.resize(file.read(bytes.data(), bytes.size()));
  } else {
    // A pipe: read in pieces, the head checked first, up to 4 GiB (or an IDX header's size).
    std::uint64_t limit = kMaxUnpacked;
    constexpr std::size_t kChunk = std::size_t{1} << 20;
    for (bool head_checked = false;;) {
      const std::size_t at = bytes.size();
      bytes.resize(at + kChunk);
      const std::size_t n = file.read(bytes.data() + at, kChunk);
      bytes.resize(at + n);
      if (!head_checked && (bytes.size() >= kHeadBytes || n < kChunk)) {
        limit = check_head(std::span(bytes).first(std::min(bytes.size(), kHeadBytes)), path, limit);
        head_checked = true;
      }
      if (bytes.size() > limit) {
        fail(path, "the pipe holds more than " + std::to_string(limit) + " bytes" +
                       (limit == kMaxUnpacked ? " (4 GiB); refusing" : ", the size its IDX header declares"));
      }
      if (n < kChunk) break;
    }
  }
  if (detail::is_gzip(bytes)) return gunzip(bytes, path, spare_bytes);
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
