// NPY reader and writers. Reads versions 1.0-3.0 with a strictly parsed header dict,
// little-endian '<f4' '<f8' '<i4' '<i8' and '|u1', C order, 1-D or 2-D. Writes v1.0 '<f4'
// and '<i8'. Does not read pickled, big-endian, Fortran-order or structured arrays.
#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "ae/atomic_file.hpp"
#include "ae/data.hpp"
#include "ae/error.hpp"
#include "data/raw_layout.hpp"

namespace ae {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw Error(ErrorKind::bad_data, path + ": " + what);
}

// Header text for a one-line message: control characters shown as '?', long text cut.
std::string shown(std::string_view s) {
  std::string r;
  for (char c : s.substr(0, 40)) r.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
  if (s.size() > 40) r += "...";
  return r;
}

enum class NpyType { f4, f8, u1, i4, i8 };

struct NpyHeader {
  NpyType type = NpyType::f4;
  std::size_t elem = 4;
  std::vector<std::uint64_t> shape;
  std::size_t data_offset = 0;
};

// A strict reader for the one dict numpy writes: {'descr': '<f4', 'fortran_order': False,
// 'shape': (3, 4), } with any spacing, either quote kind and the keys in any order.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::size_t offset, const std::string& path)
      : text_(text), offset_(offset), path_(path) {}

  void parse(NpyHeader& h) {
    bool have_descr = false, have_order = false, have_shape = false;
    skip_space();
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::size_t key_pos = pos_;
      const std::string key = parse_string();
      skip_space();
      expect(':');
      skip_space();
      if (key == "descr" && !have_descr) {
        const std::size_t value_pos = pos_;
        if (peek() == '[') error("structured dtypes are not supported; save a plain numeric array");
        set_type(h, parse_string(), value_pos);
        have_descr = true;
      } else if (key == "fortran_order" && !have_order) {
        const std::size_t value_pos = pos_;
        if (parse_bool()) {
          pos_ = value_pos;
          error("fortran_order is True; only C-order arrays are read "
                "(save np.ascontiguousarray(a) instead)");
        }
        have_order = true;
      } else if (key == "shape" && !have_shape) {
        parse_shape(h.shape);
        have_shape = true;
      } else {
        pos_ = key_pos;
        error("unexpected or repeated key '" + shown(key) + "' (expected descr, fortran_order, shape)");
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}') error("expected ',' or '}'");
    }
    ++pos_;
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n')) ++pos_;
    if (pos_ != text_.size()) error("unexpected text after the header dict");
    if (!have_descr || !have_order || !have_shape) {
      error("header dict lacks one of the keys descr, fortran_order, shape");
    }
  }

 private:
  [[noreturn]] void error(const std::string& what) const {
    fail(path_, "NPY header, byte " + std::to_string(offset_ + pos_) + ": " + what);
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n')) ++pos_;
  }
  void expect(char c) {
    if (peek() != c) error(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string parse_string() {
    const char quote = peek();
    if (quote != '\'' && quote != '"') error("expected a quoted string");
    const std::size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) error("unterminated string");
    std::string s(text_.substr(pos_ + 1, end - pos_ - 1));
    if (s.find('\\') != std::string::npos) error("escape sequences are not supported");
    pos_ = end + 1;
    return s;
  }
  bool parse_bool() {
    if (text_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    error("expected True or False");
  }
  void parse_shape(std::vector<std::uint64_t>& shape) {
    expect('(');
    while (true) {
      skip_space();
      if (peek() == ')') break;
      std::uint64_t v = 0;
      const char* first = text_.data() + pos_;
      const auto [ptr, ec] = std::from_chars(first, text_.data() + text_.size(), v);
      if (ec == std::errc::result_out_of_range) error("shape value is too large");
      if (ec != std::errc() || ptr == first) error("expected a non-negative integer in shape");
      pos_ += static_cast<std::size_t>(ptr - first);
      if (peek() == 'L') ++pos_;  // written by Python 2 numpy
      shape.push_back(v);
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != ')') error("expected ',' or ')' in shape");
    }
    ++pos_;
  }
  void set_type(NpyHeader& h, const std::string& raw_descr, std::size_t value_pos) {
    const std::string descr = shown(raw_descr);
    if (descr == "<f4") h.type = NpyType::f4, h.elem = 4;
    else if (descr == "<f8") h.type = NpyType::f8, h.elem = 8;
    else if (descr == "|u1" || descr == "<u1") h.type = NpyType::u1, h.elem = 1;
    else if (descr == "<i4") h.type = NpyType::i4, h.elem = 4;
    else if (descr == "<i8") h.type = NpyType::i8, h.elem = 8;
    else {
      pos_ = value_pos;
      if (descr.starts_with(">")) {
        error("big-endian dtype '" + descr + "' is not supported (save a.astype('<" +
              descr.substr(1) + "') instead)");
      }
      if (descr.find('O') != std::string::npos) {
        error("object dtype '" + descr + "' cannot be read; save a numeric array");
      }
      error("unsupported dtype '" + descr + "' (supported: <f4, <f8, |u1, <i4, <i8)");
    }
  }

  std::string_view text_;
  std::size_t offset_;
  std::size_t pos_ = 0;
  const std::string& path_;
};

std::uint64_t read_le(const std::uint8_t* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = n; i > 0; --i) v = (v << 8) | p[i - 1];
  return v;
}

// Reads the preamble and header and checks the payload size against the shape. `bytes` holds
// the file from its start, at least through the header; file_size is the whole file's size.
NpyHeader read_header(std::span<const std::uint8_t> bytes, std::uint64_t file_size, const std::string& path) {
  if (bytes.size() < kMagicSize || std::memcmp(bytes.data(), kMagic, kMagicSize) != 0) {
    fail(path, "NPY preamble, byte 0: magic is not \\x93NUMPY (not an NPY file)");
  }
  if (bytes.size() < 10) fail(path, "NPY preamble: file ends inside the preamble");
  const unsigned major = bytes[6], minor = bytes[7];
  std::size_t header_len = 0, start = 0;
  if (major == 1) {
    header_len = static_cast<std::size_t>(read_le(bytes.data() + 8, 2));
    start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail(path, "NPY preamble: file ends inside the preamble");
    header_len = static_cast<std::size_t>(read_le(bytes.data() + 8, 4));
    start = 12;
  } else {
    fail(path, "NPY preamble, byte 6: unsupported format version " + std::to_string(major) + "." +
                   std::to_string(minor) + " (supported: 1.0, 2.0, 3.0)");
  }
  if (header_len > file_size - start) {
    fail(path, "NPY header: its length " + std::to_string(header_len) +
                   " runs past the end of the file (" + std::to_string(file_size) + " bytes)");
  }
  if (header_len > bytes.size() - start) {
    fail(path, "NPY header: " + std::to_string(header_len) + " bytes long, more than the " +
                   std::to_string(bytes.size() - start) + " read ahead of the rows; save it again with numpy");
  }
  NpyHeader h;
  const std::string_view text(reinterpret_cast<const char*>(bytes.data() + start), header_len);
  HeaderParser(text, start, path).parse(h);
  h.data_offset = start + header_len;

  if (h.shape.size() != 1 && h.shape.size() != 2) {
    fail(path, "NPY header: shape has " + std::to_string(h.shape.size()) +
                   " dimensions; expected (rows,) or (rows, cols)");
  }
  std::uint64_t count = 1;
  std::string shape_text;
  for (std::size_t i = 0; i < h.shape.size(); ++i) {
    shape_text += (i ? ", " : "") + std::to_string(h.shape[i]);
    if (h.shape[i] == 0) fail(path, "NPY header: shape (" + shape_text + "...) has a zero size (no data)");
    if (count > std::numeric_limits<std::uint64_t>::max() / h.shape[i]) {
      fail(path, "NPY header: shape is too large (size overflows)");
    }
    count *= h.shape[i];
  }
  if (count > std::numeric_limits<std::size_t>::max() / h.elem) {
    fail(path, "NPY header: shape is too large (size overflows)");
  }
  const std::uint64_t need = count * h.elem;
  const std::uint64_t have = file_size - h.data_offset;
  if (have < need) {
    fail(path, "NPY payload: shape (" + shape_text + ") needs " + std::to_string(need) +
                   " bytes after the header but only " + std::to_string(have) +
                   " are there (file truncated?)");
  }
  if (have > need) {
    fail(path, "NPY payload: " + std::to_string(have - need) + " trailing bytes after the " +
                   std::to_string(need) + " bytes that shape (" + shape_text + ") needs");
  }
  return h;
}

double element_value(NpyType type, const std::uint8_t* p) {
  switch (type) {
    case NpyType::f4: return std::bit_cast<float>(static_cast<std::uint32_t>(read_le(p, 4)));
    case NpyType::f8: return std::bit_cast<double>(read_le(p, 8));
    case NpyType::u1: return p[0];
    case NpyType::i4: return static_cast<std::int32_t>(read_le(p, 4));
    case NpyType::i8: return static_cast<double>(static_cast<std::int64_t>(read_le(p, 8)));
  }
  return 0;
}

std::string npy_header(const std::string& descr, const std::string& shape) {
  std::string h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // numpy's rule: magic (6) + version (2) + length (2) + header, padded with spaces and
  // ended by '\n', is a multiple of 64 bytes.
  const std::size_t total = 10 + h.size() + 1;
  h.append((64 - total % 64) % 64, ' ');
  h.push_back('\n');
  std::string pre(kMagic, kMagicSize);
  pre.push_back('\x01');
  pre.push_back('\x00');
  pre.push_back(static_cast<char>(h.size() & 0xff));
  pre.push_back(static_cast<char>(h.size() >> 8));
  return pre + h;
}

// Writes `n` little-endian values of `size` bytes each.
template <class T>
void write_le(AtomicFile& file, const T* data, std::size_t n) {
  if constexpr (std::endian::native == std::endian::little) {
    file.write(data, n * sizeof(T));
  } else {
    std::vector<unsigned char> buf(sizeof(T) * 4096);
    for (std::size_t i = 0; i < n; i += 4096) {
      const std::size_t m = std::min<std::size_t>(4096, n - i);
      for (std::size_t j = 0; j < m; ++j) {
        const auto* src = reinterpret_cast<const unsigned char*>(data + i + j);
        for (std::size_t k = 0; k < sizeof(T); ++k) buf[j * sizeof(T) + k] = src[sizeof(T) - 1 - k];
      }
      file.write(buf.data(), m * sizeof(T));
    }
  }
}

template <NpyType T>
float value_as_float(const std::uint8_t* p) {
  return static_cast<float>(element_value(T, p));
}

}  // namespace

namespace detail {

RawLayout npy_layout(std::span<const std::uint8_t> head, std::uint64_t file_size, const std::string& path) {
  const NpyHeader h = read_header(head, file_size, path);
  RawLayout l;
  l.offset = h.data_offset;
  l.rows = static_cast<std::size_t>(h.shape[0]);
  l.cols = h.shape.size() == 2 ? static_cast<std::size_t>(h.shape[1]) : 1;
  l.elem = h.elem;
  l.bytes = h.type == NpyType::u1;
  switch (h.type) {
    case NpyType::f4: l.value = value_as_float<NpyType::f4>; break;
    case NpyType::f8: l.value = value_as_float<NpyType::f8>; break;
    case NpyType::u1: l.value = value_as_float<NpyType::u1>; break;
    case NpyType::i4: l.value = value_as_float<NpyType::i4>; break;
    case NpyType::i8: l.value = value_as_float<NpyType::i8>; break;
  }
  return l;
}

std::string npy_header_text(const std::string& descr, std::size_t rows, std::size_t cols) {
  std::string shape = "(";
  shape += std::to_string(rows);
  shape += ", ";
  shape += std::to_string(cols);
  shape += ")";
  return npy_header(descr, shape);
}

}  // namespace detail

Dataset parse_npy(std::span<const std::uint8_t> bytes, const std::string& path) {
  const NpyHeader h = read_header(bytes, bytes.size(), path);
  Dataset d;
  d.source = path;
  d.rows = static_cast<std::size_t>(h.shape[0]);
  d.cols = h.shape.size() == 2 ? static_cast<std::size_t>(h.shape[1]) : 1;
  const std::size_t count = d.rows * d.cols;
  const std::uint8_t* payload = bytes.data() + h.data_offset;
  if (h.type == NpyType::u1) {
    d.byte_data = true;
    d.bytes.assign(payload, payload + count);
    return d;
  }
  d.values.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto v = static_cast<float>(element_value(h.type, payload + i * h.elem));
    if (!std::isfinite(v)) {
      fail(path, "row " + std::to_string(i / d.cols) + ", column " + std::to_string(i % d.cols) +
                     " (counting from 0): value is not a finite float (NaN or Inf); ae reads finite values only");
    }
    d.values[i] = v;
  }
  return d;
}

std::vector<std::int64_t> parse_npy_labels(std::span<const std::uint8_t> bytes,
                                           const std::string& path) {
  const NpyHeader h = read_header(bytes, bytes.size(), path);
  if (h.shape.size() == 2 && h.shape[1] != 1) {
    fail(path, "labels: shape (" + std::to_string(h.shape[0]) + ", " + std::to_string(h.shape[1]) +
                   ") has more than one column; expected (rows,) or (rows, 1)");
  }
  const auto n = static_cast<std::size_t>(h.shape[0]);
  const std::uint8_t* payload = bytes.data() + h.data_offset;
  std::vector<std::int64_t> labels(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* p = payload + i * h.elem;
    switch (h.type) {
      case NpyType::u1: labels[i] = p[0]; break;
      case NpyType::i4: labels[i] = static_cast<std::int32_t>(read_le(p, 4)); break;
      case NpyType::i8: labels[i] = static_cast<std::int64_t>(read_le(p, 8)); break;
      case NpyType::f4:
      case NpyType::f8: {
        const double v = element_value(h.type, p);
        // 2^63 is exactly representable; every whole double below it fits in int64.
        if (!(v == std::floor(v) && v >= -0x1p63 && v < 0x1p63)) {
          fail(path, "labels: row " + std::to_string(i) +
                         " (counting from 0) is not a whole number in the int64 range");
        }
        labels[i] = static_cast<std::int64_t>(v);
        break;
      }
    }
  }
  return labels;
}

void write_npy(const std::string& path, ConstMatrixView m) {
  AtomicFile file(path);
  std::string shape = "(";  // built by appends: GCC 12 warns falsely on "(" + std::string
  shape += std::to_string(m.rows);
  shape += ", ";
  shape += std::to_string(m.cols);
  shape += ")";
  file.write(npy_header("<f4", shape));
  write_le(file, m.data, m.size());
  file.commit();
}

void write_npy_i64(const std::string& path, std::span<const std::int64_t> v) {
  AtomicFile file(path);
  std::string shape = "(";
  shape += std::to_string(v.size());
  shape += ",)";
  file.write(npy_header("<i8", shape));
  write_le(file, v.data(), v.size());
  file.commit();
}

}  // namespace ae
