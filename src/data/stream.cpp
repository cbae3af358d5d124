// DataStream and TableWriter: data files read a block of rows at a time, tables written the
// same way. The format readers' own header checks decide what a file holds (raw_layout.hpp);
// this file only moves bytes. A block of byte rows is mapped on its own and used in place
// (no copy, and the pages come straight from the page cache); other blocks are read by
// position (pread). Either way one block at a time is held, so the address space stays
// bounded too (ulimit -v).
#include "ae/data_stream.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>

#include "ae/atomic_file.hpp"
#include "ae/error.hpp"
#include "ae/input_file.hpp"
#include "data/raw_layout.hpp"

namespace ae {

// --- reading -------------------------------------------------------------------------------

namespace {

constexpr std::size_t kCsvPiece = std::size_t{4} << 20;  // bytes read per CSV read
constexpr std::size_t kNpyHead = 65536 + 16;              // any NPY v1.0 header fits

}  // namespace

struct DataStream::Impl {
  enum class Mode { raw, csv, whole };
  std::string path;
  std::size_t block_rows = 0;
  Mode mode = Mode::whole;
  std::optional<InputFile> file;
  detail::RawLayout layout;  // rows, cols, image_shape in every mode
  Dataset whole;             // Mode::whole: the file's rows
  std::size_t next_row = 0;
  std::vector<std::uint8_t> scratch;  // Mode::raw: the raw elements of a float block
  // Mode::csv: the parser, the text read but not yet parsed, and where reading goes on.
  std::optional<detail::CsvRows> csv;
  std::string pending;
  std::uint64_t read_pos = 0;
  bool eof = false;

  void start_csv() {
    csv.emplace(path);
    pending.clear();
    read_pos = 0;
    eof = false;
  }

  // Parses CSV rows into d until it holds max_rows rows or the file ends. With `count_only`
  // the rows are dropped as they are parsed and only counted; returns the rows parsed.
  std::size_t csv_rows(Dataset& d, std::size_t max_rows, bool count_only) {
    std::size_t counted = 0;
    while (d.rows < max_rows) {
      std::size_t cut = pending.size();
      if (!eof) {
        const std::size_t nl = pending.rfind('\n');
        cut = nl == std::string::npos ? 0 : nl + 1;
      }
      if (cut > 0) {
        const std::size_t used = csv->feed(std::string_view(pending).substr(0, cut), d, max_rows);
        pending.erase(0, used);
        if (count_only) {
          counted += d.rows;
          d.rows = 0;
          d.values.clear();
        }
        if (d.rows == max_rows) break;
      }
      if (eof) break;
      const std::size_t at = pending.size();
      pending.resize(at + kCsvPiece);
      const std::size_t n = file->read_at(pending.data() + at, kCsvPiece, read_pos);
      pending.resize(at + n);
      read_pos += n;
      if (n == 0) eof = true;
    }
    return count_only ? counted : d.rows;
  }

  void raw_block(Dataset& block, std::size_t first, std::size_t count) {
    const std::size_t values = count * layout.cols;
    const std::uint64_t at = layout.offset + static_cast<std::uint64_t>(first) * layout.cols * layout.elem;
    std::uint8_t* dst = nullptr;
    if (layout.bytes) {
      if (values > 0) {
        detail::MappedBytes mapped = detail::map_bytes(*file, at, values, true);
        if (mapped.owner) {
          block.mapped_bytes = mapped.data;
          block.mapping = std::move(mapped.owner);
          return;
        }
      }
      block.bytes.resize(values);
      dst = block.bytes.data();
    } else {
      scratch.resize(values * layout.elem);
      dst = scratch.data();
    }
    if (file->read_at(dst, values * layout.elem, at) != values * layout.elem) {
      throw Error(ErrorKind::bad_data, path + ": the file ended early (it changed while being read)");
    }
    if (layout.bytes) return;
    block.values.resize(values);
    for (std::size_t i = 0; i < values; ++i) {
      const float v = layout.value(dst + i * layout.elem);
      if (!std::isfinite(v)) {
        throw Error(ErrorKind::bad_data,
                    path + ": row " + std::to_string(first + i / layout.cols) + ", column " +
                        std::to_string(i % layout.cols) +
                        " (counting from 0): value is not a finite float (NaN or Inf); ae reads finite values only");
      }
      block.values[i] = v;
    }
  }
};

std::vector<std::uint8_t> detail::read_head(InputFile& file) {
  std::vector<std::uint8_t> head;
  if (file.stream()) return head;
  head.resize(static_cast<std::size_t>(std::min<std::uint64_t>(file.size(), kNpyHead)));
  head.resize(file.read_at(head.data(), head.size(), 0));
  return head;
}

DataStream::DataStream(const std::string& path, std::size_t block_rows) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.path = path;
  s.block_rows = std::max<std::size_t>(block_rows, 1);
  s.file.emplace(path);
  const std::vector<std::uint8_t> head = detail::read_head(*s.file);
  const DataFormat format = detect_format(head);
  const bool binary_csv = format == DataFormat::csv && std::find(head.begin(), head.end(), 0) != head.end();
  if (s.file->stream() || detail::is_gzip(head) || binary_csv) {
    // Read whole: a pipe cannot be read twice, gzip not by position; load_data also gives
    // the message for binary content of no known format.
    s.file.reset();
    s.whole = load_data(path);
    s.layout.rows = s.whole.rows;
    s.layout.cols = s.whole.cols;
    s.layout.image_shape = s.whole.image_shape;
    s.layout.bytes = s.whole.byte_data;
    s.mode = Impl::Mode::whole;
    return;
  }
  const std::uint64_t size = s.file->size();
  switch (format) {
    case DataFormat::npy: s.layout = detail::npy_layout(head, size, path); s.mode = Impl::Mode::raw; return;
    case DataFormat::idx: s.layout = detail::idx_layout(head, size, path); s.mode = Impl::Mode::raw; return;
    case DataFormat::csv: break;
  }
  // CSV: one pass that checks every row and counts them, so that the shape is known ahead.
  s.mode = Impl::Mode::csv;
  s.start_csv();
  Dataset d;
  d.source = path;
  s.layout.rows = s.csv_rows(d, std::numeric_limits<std::size_t>::max(), true);
  s.csv->finish(s.layout.rows);
  s.layout.cols = d.cols;
  rewind();
}

DataStream::~DataStream() = default;

std::size_t DataStream::rows() const { return impl_->layout.rows; }
std::size_t DataStream::cols() const { return impl_->layout.cols; }
bool DataStream::byte_data() const { return impl_->layout.bytes; }
const std::vector<std::size_t>& DataStream::image_shape() const { return impl_->layout.image_shape; }
bool DataStream::streamed() const { return impl_->mode != Impl::Mode::whole; }

void DataStream::rewind() {
  impl_->next_row = 0;
  if (impl_->mode == Impl::Mode::csv) impl_->start_csv();
}

bool DataStream::next(Dataset& block) {
  Impl& s = *impl_;
  const std::size_t first = s.next_row;
  const std::size_t count = std::min(s.block_rows, s.layout.rows - first);
  block.rows = 0;
  block.cols = s.layout.cols;
  block.bytes.clear();
  block.values.clear();
  block.mapping.reset();
  block.mapped_bytes = nullptr;
  block.image_shape = s.layout.image_shape;
  block.source = s.path;
  block.first_row = first;
  block.byte_data = s.layout.bytes;
  if (count == 0) return false;
  switch (s.mode) {
    case Impl::Mode::whole: {
      Dataset part = take(s.whole, first, count);
      block.bytes = std::move(part.bytes);
      block.values = std::move(part.values);
      break;
    }
    case Impl::Mode::raw: s.raw_block(block, first, count); break;
    case Impl::Mode::csv:
      block.cols = 0;
      if (s.csv_rows(block, count, false) != count || block.cols != s.layout.cols) {
        throw Error(ErrorKind::bad_data, s.path + ": the file changed while being read");
      }
      break;
  }
  block.rows = count;
  s.next_row += count;
  return true;
}

// --- writing -------------------------------------------------------------------------------

// NPY rows are written as they lie in memory: little-endian.
static_assert(std::endian::native == std::endian::little, "the NPY writer assumes a little-endian machine");

struct TableWriter::Impl {
  Kind kind = Kind::csv;
  std::string name;
  std::optional<AtomicFile> file;  // empty: standard output
  std::size_t rows = 0, cols = 0, written = 0;
  std::string text;

  void put(std::string_view bytes) {
    if (file) {
      file->write(bytes);
      return;
    }
    errno = 0;
    if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size()) {
      throw Error(ErrorKind::io, name + ": write failed: " + std::strerror(errno));
    }
  }
  void cell(double v) {
    char num[40];
    char* end = num;
    if (v == std::floor(v) && std::fabs(v) < 0x1p53) {
      end = std::to_chars(num, num + sizeof num, static_cast<long long>(v)).ptr;
    } else {
      end = std::to_chars(num, num + sizeof num, static_cast<float>(v)).ptr;
    }
    text.append(num, end);
  }
  void flush_text(bool force) {
    if (force || text.size() >= (std::size_t{1} << 20)) {
      put(text);
      text.clear();
    }
  }
  void count(std::size_t n) {
    written += n;
    if (written > rows) {
      throw Error(ErrorKind::internal, name + ": more rows written than the " + std::to_string(rows) + " declared");
    }
  }
};

TableWriter::Kind table_kind(const std::string& path, bool wide) {
  if (path.ends_with(".npy")) return wide ? TableWriter::Kind::npy_f8 : TableWriter::Kind::npy_f4;
  return TableWriter::Kind::csv;
}

TableWriter::TableWriter(const std::string& path, Kind kind, std::size_t rows, std::vector<std::string> header)
    : impl_(std::make_unique<Impl>()) {
  Impl& w = *impl_;
  w.rows = rows;
  w.cols = header.size();
  const bool to_stdout = path.empty() || path == "-";
  w.kind = to_stdout ? Kind::csv : kind;
  w.name = to_stdout ? "standard output" : path;
  if (!to_stdout) w.file.emplace(path);
  if (w.kind == Kind::csv) {
    for (std::size_t c = 0; c < header.size(); ++c) {
      if (c) w.text.push_back(',');
      w.text += detail::csv_header_cell(header[c]);
    }
    w.text.push_back('\n');
  } else {
    w.text = detail::npy_header_text(w.kind == Kind::npy_f8 ? "<f8" : "<f4", rows, w.cols);
  }
  w.flush_text(true);
}

TableWriter::~TableWriter() = default;

void TableWriter::write(ConstMatrixView block) {
  Impl& w = *impl_;
  if (block.cols != w.cols || w.kind == Kind::npy_f8) {
    throw Error(ErrorKind::internal, w.name + ": rows of the wrong width or type for this table");
  }
  w.count(block.rows);
  if (w.kind == Kind::npy_f4) {
    w.put(std::string_view(reinterpret_cast<const char*>(block.data), block.size() * sizeof(float)));
    return;
  }
  char num[32];
  for (std::size_t r = 0; r < block.rows; ++r) {
    for (std::size_t c = 0; c < w.cols; ++c) {
      if (c) w.text.push_back(',');
      w.text.append(num, std::to_chars(num, num + sizeof num, block.row(r)[c]).ptr);
    }
    w.text.push_back('\n');
    w.flush_text(false);
  }
  w.flush_text(true);
}

void TableWriter::write(const double* block, std::size_t n) {
  Impl& w = *impl_;
  if (w.kind == Kind::npy_f4) throw Error(ErrorKind::internal, w.name + ": double rows for a float table");
  w.count(n);
  if (w.kind == Kind::npy_f8) {
    w.put(std::string_view(reinterpret_cast<const char*>(block), n * w.cols * sizeof(double)));
    return;
  }
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t c = 0; c < w.cols; ++c) {
      if (c) w.text.push_back(',');
      w.cell(block[r * w.cols + c]);
    }
    w.text.push_back('\n');
    w.flush_text(false);
  }
  w.flush_text(true);
}

void TableWriter::commit() {
  Impl& w = *impl_;
  if (w.written != w.rows) {
    throw Error(ErrorKind::internal, w.name + ": " + std::to_string(w.written) + " of the " +
                                         std::to_string(w.rows) + " declared rows written");
  }
  w.flush_text(true);
  if (w.file) {
    w.file->commit();
    return;
  }
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
    throw Error(ErrorKind::io, w.name + ": write failed: " + std::strerror(errno));
  }
}

}  // namespace ae
