// Internal to src/data: what the streamed reader (stream.cpp) needs from the format readers,
// the payload layout of an NPY or raw IDX file read from its header alone, and the CSV
// parser fed a block of lines at a time. The whole-file parsers use the same code.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ae/data.hpp"
#include "ae/input_file.hpp"

namespace ae::detail {

// gzip's two magic bytes at the start.
inline bool is_gzip(std::span<const std::uint8_t> head) { return head.size() >= 2 && head[0] == 0x1f && head[1] == 0x8b; }
// The first bytes of a regular file, enough for any NPY v1.0 or IDX header (all of a smaller
// file); nothing for a pipe.
std::vector<std::uint8_t> read_head(InputFile& file);

// Rows x cols elements of `elem` bytes each, from byte `offset` of the file on.
struct RawLayout {
  std::uint64_t offset = 0;
  std::size_t rows = 0, cols = 0, elem = 1;
  std::vector<std::size_t> image_shape;
  bool bytes = false;                             // uint8 elements, kept as bytes
  float (*value)(const std::uint8_t*) = nullptr;  // one element as float (not bytes)
};

// From the file's first bytes (head, holding at least the whole header) and its size; checks
// the header and that the payload has exactly the size the shape needs, throwing
// Error(bad_data) as parse_npy / parse_idx do.
RawLayout npy_layout(std::span<const std::uint8_t> head, std::uint64_t file_size, const std::string& path);
RawLayout idx_layout(std::span<const std::uint8_t> head, std::uint64_t file_size, const std::string& path);

// `length` bytes of `file` from byte `offset` on, mapped read-only: the data points at them
// and `owner` unmaps them with its last copy. populate: fault every page in now (a block
// about to be read whole). An empty owner when the kernel refuses the mapping; throws
// Error(bad_data) naming the file when it is now shorter than offset + length.
struct MappedBytes {
  std::shared_ptr<const void> owner;
  const std::uint8_t* data = nullptr;
};
MappedBytes map_bytes(const InputFile& file, std::uint64_t offset, std::size_t length, bool populate);

// The NPY v1.0 preamble and header of a C-order (rows, cols) array of dtype `descr`.
std::string npy_header_text(const std::string& descr, std::size_t rows, std::size_t cols);

// A header name as write_csv writes it: quoted when it would not read back as header text.
std::string csv_header_cell(const std::string& name);

// parse_csv fed a block of lines at a time, with row numbers and the header carried over.
class CsvRows {
 public:
  explicit CsvRows(const std::string& path);
  ~CsvRows();
  // Appends the rows of `text` (whole lines, or the file's last bytes) to d until d holds
  // max_rows rows; returns the bytes consumed.
  std::size_t feed(std::string_view text, Dataset& d, std::size_t max_rows);
  // After the last feed: throws when the file had no data rows.
  void finish(std::size_t total_rows) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ae::detail
