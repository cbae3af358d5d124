// CSV reader and writer for numeric tables: ',' separated, optional header row, every cell
// one finite number read completely by std::from_chars. Quoted cells are text (allowed in
// the header only); a quoted cell cannot span lines. No other dialects (';', decimal commas).
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "ae/atomic_file.hpp"
#include "ae/data.hpp"
#include "ae/error.hpp"
#include "data/raw_layout.hpp"

namespace ae {
namespace {

struct Cell {
  std::string_view text;  // without quotes and surrounding blanks
  bool quoted = false;
};

enum class NumberStatus { ok, not_number, out_of_range, not_finite };

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// For a number from_chars read whole: whether its magnitude is below 1 (from the position
// of its first nonzero digit and its exponent), which tells underflow from overflow.
bool below_one(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  const std::size_t e = std::min(s.find_first_of("eE"), s.size());
  const std::string_view mantissa = s.substr(0, e);
  long long order = 0;  // the power of ten of the first nonzero digit
  const std::size_t point = std::min(mantissa.find('.'), mantissa.size());
  const std::size_t first = mantissa.find_first_of("123456789");
  if (first == std::string_view::npos) return true;  // zero
  order = first < point ? static_cast<long long>(point - first) - 1 : -static_cast<long long>(first - point);
  long long exponent = 0;
  if (e < s.size()) {
    std::string_view digits = s.substr(e + 1);
    const bool negative = !digits.empty() && digits[0] == '-';
    if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
    for (const char c : digits) exponent = std::min<long long>(exponent * 10 + (c - '0'), 1'000'000'000);
    if (negative) exponent = -exponent;
  }
  return order + exponent < 0;
}

NumberStatus parse_number(std::string_view s, float& out) {
  // from_chars takes no leading '+'; accept one, but not "+-1" or "++1".
  if (s.size() > 1 && s[0] == '+' && s[1] != '+' && s[1] != '-') s.remove_prefix(1);
  if (s.empty()) return NumberStatus::not_number;
  const char* end = s.data() + s.size();
  float v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (ec == std::errc::result_out_of_range && ptr == end) {
    // Underflow below the float range reads as the nearest float (0 or subnormal); overflow
    // is an error.
    double d = 0;
    const auto [dptr, dec] = std::from_chars(s.data(), end, d);
    if (dec == std::errc::result_out_of_range && dptr == end && below_one(s)) {
      d = s[0] == '-' ? -0.0 : 0.0;  // below even the double range, e.g. 1e-400
    } else if (dec != std::errc() || dptr != end || !std::isfinite(static_cast<float>(d))) {
      return NumberStatus::out_of_range;
    }
    v = static_cast<float>(d);
    ec = std::errc();
  }
  if (ec != std::errc() || ptr != end) return NumberStatus::not_number;
  if (!std::isfinite(v)) return NumberStatus::not_finite;
  out = v;
  return NumberStatus::ok;
}

// A cell's text for a one-line message: control characters shown as '?', long text cut.
std::string shown(std::string_view s) {
  std::string r;
  for (char c : s.substr(0, 40)) r.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
  if (s.size() > 40) r += "...";
  return r;
}

class CsvParser {
 public:
  explicit CsvParser(const std::string& path) : path_(path) {}

  Dataset parse(std::string_view text) {
    Dataset d;
    d.source = path_;
    feed(text, d, static_cast<std::size_t>(-1));
    finish(d.rows);
    return d;
  }

  // Appends the rows of `text` (whole lines: it ends at a line end or at the file's end) to
  // d until d holds max_rows rows; returns the bytes consumed (a line end included). Called
  // again with the rest, the parser carries on with the same row numbers and header state.
  std::size_t feed(std::string_view text, Dataset& d, std::size_t max_rows) {
    std::size_t pos = 0;
    if (line_ == 0 && text.starts_with("\xEF\xBB\xBF")) pos = 3;  // UTF-8 byte order mark
    while (pos < text.size() && d.rows < max_rows) {
      // Lines end in \n, \r\n or a lone \r (old Mac files).
      std::size_t end = text.find_first_of("\r\n", pos);
      if (end == std::string_view::npos) end = text.size();
      const std::string_view line = text.substr(pos, end - pos);
      const std::size_t next = std::min(text.size(), end + (text.substr(end, 2) == "\r\n" ? 2 : 1));
      ++line_;
      if (trim(line).empty()) {
        if (first_blank_ == 0) first_blank_ = line_;
        pos = next;
        continue;
      }
      if (first_blank_ != 0) {
        fail("row " + std::to_string(first_blank_) + ": empty line inside the data");
      }
      split(line);
      if (cols_ == 0) {
        cols_ = cells_.size();
        if (is_header()) {
          header_ = true;
          pos = next;
          continue;
        }
      }
      if (d.cols == 0) {
        d.cols = cols_;
        // Reserve for the rest of the text, guessing from this row's length.
        d.values.reserve(d.cols * std::min(max_rows, text.size() / (line.size() + 1) + 1));
      }
      if (cells_.size() != cols_) {
        fail("row " + std::to_string(line_) + ": expected " + std::to_string(cols_) +
             " columns, found " + std::to_string(cells_.size()));
      }
      for (std::size_t c = 0; c < cells_.size(); ++c) d.values.push_back(number(cells_[c], c));
      ++d.rows;
      pos = next;
    }
    return pos;
  }

  // After the last feed: total_rows rows were read in all.
  void finish(std::size_t total_rows) const {
    if (total_rows == 0) fail(header_ ? "no data rows (only a header row)" : "no data rows (empty file)");
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorKind::bad_data, path_ + ": " + what);
  }
  std::string where(std::size_t column) const {
    return "row " + std::to_string(line_) + ", column " + std::to_string(column + 1);
  }

  // Splits one line into cells_. Unquoted cells run to the next ','; quoted cells run to the
  // closing quote, with "" standing for one quote.
  void split(std::string_view line) {
    cells_.clear();
    scratch_.clear();
    std::size_t pos = 0;
    while (true) {
      while (pos < line.size() && is_blank(line[pos])) ++pos;
      Cell cell;
      if (pos < line.size() && line[pos] == '"') {
        cell.quoted = true;
        const std::size_t start = pos + 1;
        std::size_t i = start;
        bool escaped = false;
        while (true) {
          if (i >= line.size()) fail(where(cells_.size()) + ": unterminated quote");
          if (line[i] == '"') {
            if (i + 1 < line.size() && line[i + 1] == '"') {
              escaped = true;
              i += 2;
              continue;
            }
            break;
          }
          ++i;
        }
        cell.text = line.substr(start, i - start);
        if (escaped) {
          std::string& s = scratch_.emplace_back();
          for (std::size_t k = 0; k < cell.text.size(); ++k) {
            s.push_back(cell.text[k]);
            if (cell.text[k] == '"') ++k;
          }
          cell.text = s;
        }
        pos = i + 1;
        while (pos < line.size() && is_blank(line[pos])) ++pos;
        if (pos < line.size() && line[pos] != ',') {
          fail(where(cells_.size()) + ": unexpected text after the closing quote");
        }
      } else {
        const std::size_t end = std::min(line.find(',', pos), line.size());
        cell.text = trim(line.substr(pos, end - pos));
        pos = end;
      }
      cells_.push_back(cell);
      if (pos >= line.size()) break;
      ++pos;  // past the ','
    }
  }

  // A header has a cell of text; an empty cell (a trailing comma) does not make one.
  bool is_header() const {
    float v = 0;
    for (const Cell& c : cells_) {
      if (c.quoted || (!c.text.empty() && parse_number(c.text, v) == NumberStatus::not_number)) return true;
    }
    return false;
  }

  float number(const Cell& cell, std::size_t column) const {
    if (cell.text.empty() && !cell.quoted) {
      fail(where(column) + ": empty cell" + (column + 1 == cells_.size() ? " (a trailing comma?)" : ""));
    }
    float v = 0;
    switch (cell.quoted ? NumberStatus::not_number : parse_number(cell.text, v)) {
      case NumberStatus::ok: return v;
      case NumberStatus::not_number:
        fail(where(column) + ": cannot parse '" + shown(cell.text) + "' as a number");
      case NumberStatus::out_of_range:
        fail(where(column) + ": '" + shown(cell.text) + "' is out of the 32-bit float range");
      case NumberStatus::not_finite:
        fail(where(column) + ": '" + shown(cell.text) +
             "' is not a finite number (NaN or Inf); ae reads finite values only");
    }
    return v;
  }

  const std::string& path_;
  std::size_t line_ = 0;  // 1-based line number of the current row
  std::size_t cols_ = 0;  // columns of the first row, 0 before it
  std::size_t first_blank_ = 0;  // line of the first blank line seen, 0 if none
  bool header_ = false;
  std::vector<Cell> cells_;
  std::deque<std::string> scratch_;  // unescaped text of quoted cells holding ""
};

// Quotes a header name when it would not read back as the same header text.
std::string header_cell(const std::string& name) {
  float v = 0;
  const bool plain = !name.empty() && trim(name) == name &&
                     name.find_first_of(",\"\r\n") == std::string::npos &&
                     parse_number(name, v) == NumberStatus::not_number;
  if (plain) return name;
  std::string q = "\"";
  for (char c : name) {
    if (c == '"') q.push_back('"');
    q.push_back(c);
  }
  q.push_back('"');
  return q;
}

}  // namespace

Dataset parse_csv(std::string_view text, const std::string& path) {
  return CsvParser(path).parse(text);
}

namespace detail {

struct CsvRows::Impl {
  explicit Impl(std::string p) : path(std::move(p)), parser(path) {}
  std::string path;
  CsvParser parser;
};

CsvRows::CsvRows(const std::string& path) : impl_(std::make_unique<Impl>(path)) {}
CsvRows::~CsvRows() = default;
std::size_t CsvRows::feed(std::string_view text, Dataset& d, std::size_t max_rows) {
  return impl_->parser.feed(text, d, max_rows);
}
void CsvRows::finish(std::size_t total_rows) const { impl_->parser.finish(total_rows); }

std::string csv_header_cell(const std::string& name) { return header_cell(name); }

}  // namespace detail

namespace {

void check_header(const std::string& name, ConstMatrixView m, const std::vector<std::string>& header) {
  if (!header.empty() && header.size() != m.cols) {
    throw Error(ErrorKind::usage, name + ": " + std::to_string(header.size()) +
                                      " header names for " + std::to_string(m.cols) + " columns");
  }
}

// The CSV text of m in pieces of about 1 MB, each handed to `sink`.
template <class Sink>
void csv_pieces(ConstMatrixView m, const std::vector<std::string>& header, Sink sink) {
  std::string buf;
  constexpr std::size_t kFlush = std::size_t{1} << 20;
  buf.reserve(kFlush + 4096);
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (c) buf.push_back(',');
    buf += header_cell(header[c]);
  }
  if (!header.empty()) buf.push_back('\n');
  char num[32];
  for (std::size_t r = 0; r < m.rows; ++r) {
    const float* row = m.row(r);
    for (std::size_t c = 0; c < m.cols; ++c) {
      if (c) buf.push_back(',');
      const auto res = std::to_chars(num, num + sizeof num, row[c]);
      buf.append(num, res.ptr);
    }
    buf.push_back('\n');
    if (buf.size() >= kFlush) {
      sink(buf);
      buf.clear();
    }
  }
  sink(buf);
}

}  // namespace

void write_csv(const std::string& path, ConstMatrixView m, const std::vector<std::string>& header) {
  check_header(path, m, header);
  AtomicFile file(path);
  csv_pieces(m, header, [&file](std::string_view piece) { file.write(piece); });
  file.commit();
}

void write_csv(std::FILE* stream, const std::string& name, ConstMatrixView m, const std::vector<std::string>& header) {
  const auto fail = [&name]() {
    throw Error(ErrorKind::io, name + ": write failed: " + std::strerror(errno));
  };
  check_header(name, m, header);
  csv_pieces(m, header, [&](std::string_view piece) {
    errno = 0;
    if (std::fwrite(piece.data(), 1, piece.size(), stream) != piece.size()) fail();
  });
  errno = 0;
  if (std::fflush(stream) != 0 || std::ferror(stream) != 0) fail();
}

}  // namespace ae
