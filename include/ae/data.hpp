// Data sets and the files they come from: IDX (raw or gzip), NPY v1.0 and CSV, chosen by
// content. Byte images stay uint8 in memory and are scaled to [0, 1] only when a batch is
// copied out. No normalisation beyond that lives here (see the model's normaliser).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ae/matrix.hpp"

namespace ae {

class Rng;

enum class DataFormat { idx, npy, csv };

// N rows of D features, row-major. When byte_data is set, `bytes` holds them (0..255, read as
// value / 255) and `values` is empty; otherwise `values` holds them.
struct Dataset {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<std::uint8_t> bytes;
  std::vector<float> values;
  // Image height and width when each row is an image (IDX with 3 dims, or a square width
  // given by the caller); empty otherwise.
  std::vector<std::size_t> image_shape;
  std::string source;  // the file it came from, for messages
  std::size_t first_row = 0;  // the file row of row 0 (a block of a streamed file), for messages

  bool byte_data = false;
  // Byte rows used in place from a mapped file (map_data) instead of held in `bytes`: rows x
  // cols bytes at mapped_bytes, read-only, kept mapped by `mapping` (shared by copies).
  std::shared_ptr<const void> mapping;
  const std::uint8_t* mapped_bytes = nullptr;
  // Byte data's rows, wherever they are.
  const std::uint8_t* byte_rows() const { return mapped_bytes != nullptr ? mapped_bytes : bytes.data(); }
  // Feature value (r, c) as float (byte * (1.0f / 255.0f) for byte data). Not range-checked.
  float at(std::size_t r, std::size_t c) const;
  // Copies rows [first, first + count) as float into out (count x cols, row-major).
  // Throws Error(usage) if the range runs past the last row; allocates nothing.
  void copy_rows(std::size_t first, std::size_t count, float* out) const;
  // Copies the rows listed in `order` as float into out (order.size() x cols).
  // Throws Error(usage) on an index >= rows; allocates nothing.
  void gather_rows(std::span<const std::size_t> order, float* out) const;
  // All rows as a float matrix (for small data and tests).
  Matrix to_matrix() const;
};

// Reads a data file of any supported format, detected by content: gzip is unpacked first;
// IDX by its two zero bytes and type code; NPY by "\x93NUMPY"; anything else as CSV.
// Throws Error(missing_input) if it cannot be opened, Error(bad_data) naming the file and the
// problem otherwise. spare_bytes: extra capacity reserved in the storage of IDX byte images,
// so that inject() into the result can add that many bytes of rows without a second copy
// of the data (it is a hint: other formats ignore it).
Dataset load_data(const std::string& path, std::size_t spare_bytes = 0);
// The same rows, but an uncompressed NPY or raw IDX file of uint8 values is mapped rather than
// read (Dataset::mapped_bytes): rows are read from the page cache as they are used, so a file
// larger than memory can be trained on. The set operations (take, select, split, ...) copy
// the rows they return into memory. Other files are read as load_data reads them. The file
// must not change while the data set lives.
Dataset map_data(const std::string& path);
// How the rows of mapped data will be read next: in passes from first to last (the kernel
// reads ahead) or in shuffled batches (it reads only the pages faulted in; read-ahead around
// each row would read many times the rows used once the data exceeds the page cache). No
// effect on data in memory.
enum class RowAccess { sequential, shuffled };
void advise_row_access(const Dataset& data, RowAccess access);
// The path of the mapped data file (map_data, or a streamed block) whose mapping holds
// `address`, or null. Async-signal-safe: for a SIGBUS handler, since reading a mapped page
// that a shortened file no longer has raises SIGBUS instead of a read error.
const char* mapped_file_at(const void* address) noexcept;
DataFormat detect_format(std::span<const std::uint8_t> head);

// Per-row integer labels from an IDX label file (1-D u8), a 1-D (or N x 1) NPY of integers
// (or of floats holding whole numbers), or a one-column CSV (whole numbers up to 2^24 in
// magnitude, since CSV cells are read as float).
std::vector<std::int64_t> load_labels(const std::string& path);

// The individual readers (path is used for messages; `bytes` is the whole, already
// un-gzipped file content).
Dataset parse_idx(std::span<const std::uint8_t> bytes, const std::string& path);
// The same, taking over `bytes`' storage for byte images instead of copying them.
Dataset parse_idx(std::vector<std::uint8_t>&& bytes, const std::string& path);
Dataset parse_npy(std::span<const std::uint8_t> bytes, const std::string& path);
// CSV: ',' separated numbers; the first row is a header when one of its cells is not a number
// (quoted cells are always text). Rows in messages count from 1, header line included.
Dataset parse_csv(std::string_view text, const std::string& path);
// NPY labels: 1-D or N x 1, '|u1', '<i4', '<i8' read exactly, '<f4'/'<f8' only if whole.
std::vector<std::int64_t> parse_npy_labels(std::span<const std::uint8_t> bytes, const std::string& path);
// Whole file, gunzipped when it starts with the gzip magic (1f 8b). Truncated or corrupt gzip
// data and output over 4 GiB throw Error(bad_data). Otherwise throws like load_data. The
// buffer is sized from the file (or the gzip size field) and reserves spare_bytes more.
std::vector<std::uint8_t> read_file_bytes(const std::string& path, std::size_t spare_bytes = 0);

// Writers, atomic (AtomicFile). NPY: v1.0, little-endian, C order: write_npy '<f4' of shape
// (rows, cols), write_npy_i64 '<i8' of shape (n,). CSV: the header names joined by ',' (quoted
// where needed so the row reads back as a header; no header row when `header` is empty, else
// it must have one name per column), then one row per sample, floats in the shortest form
// that reads back to the same float (std::to_chars).
void write_npy(const std::string& path, ConstMatrixView m);
void write_npy_i64(const std::string& path, std::span<const std::int64_t> v);
void write_csv(const std::string& path, ConstMatrixView m, const std::vector<std::string>& header);
// The same CSV to an open stream (standard output), flushed; Error(io) naming `name` when a
// write or the flush fails (a full disk, a closed pipe, a file-size limit).
void write_csv(std::FILE* stream, const std::string& name, ConstMatrixView m, const std::vector<std::string>& header);

// Data set operations. All keep byte data as bytes when every input is bytes; otherwise
// byte rows are converted to float (value * (1.0f / 255.0f)). Column counts must match
// (Error(usage) naming both sources); a default-constructed 0 x 0 Dataset is the identity
// of concat. image_shape is kept when the inputs agree on it.
Dataset concat(const Dataset& a, const Dataset& b);            // rows of a, then rows of b
Dataset take(const Dataset& d, std::size_t first, std::size_t count);  // range-checked
Dataset select(const Dataset& d, std::span<const std::size_t> rows);    // range-checked
// Inserts the rows of `extra`, in order, at random positions of `base`; returns the new set
// and writes into `positions` where each extra row ended up (ascending order of extra rows).
// Method: the set of final positions is a uniform random sample of extra.rows distinct
// values from [0, base.rows + extra.rows) (Floyd's algorithm on rng.below), sorted; extra
// row i goes to the i-th smallest, base rows fill the remaining slots in their order.
Dataset inject(const Dataset& base, const Dataset& extra, Rng& rng, std::vector<std::size_t>& positions);
// The same result and draws, built in base's own storage when both are byte data (no second
// copy of base when its capacity already holds the extra rows: see load_data's spare_bytes).
Dataset inject(Dataset&& base, const Dataset& extra, Rng& rng, std::vector<std::size_t>& positions);
// Rows in a seeded random order (Rng::shuffle of the row indices).
Dataset shuffled(const Dataset& d, Rng& rng);
// The first part gets round(fraction * rows) rows of a seeded shuffle, the second the
// rest; fraction outside [0, 1] throws Error(usage).
std::pair<Dataset, Dataset> split(const Dataset& d, double fraction, Rng& rng);

}  // namespace ae
