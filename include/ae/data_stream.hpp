// Data files a block of rows at a time, so that a pass over a file (scoring, encoding) holds
// one block in memory rather than the file; and tables written a block of rows at a time.
// NPY and raw IDX are read by position from their header's layout; CSV is parsed a block of
// lines at a time after a first pass that checks every row and counts them; gzip files and
// pipes are read whole (load_data) and handed out in blocks. A block's values are exactly
// those load_data gives for the same rows.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "ae/data.hpp"
#include "ae/matrix.hpp"

namespace ae {

// Rows per block unless the caller chooses: 65536 MNIST rows are 51 MB as bytes, 205 MB as
// float.
constexpr std::size_t kStreamBlockRows = 65536;

class DataStream {
 public:
  // Opens and checks the file (a CSV file is read through once); throws like load_data.
  // block_rows > 0.
  explicit DataStream(const std::string& path, std::size_t block_rows = kStreamBlockRows);
  DataStream(const DataStream&) = delete;
  DataStream& operator=(const DataStream&) = delete;
  ~DataStream();

  std::size_t rows() const;
  std::size_t cols() const;
  bool byte_data() const;
  const std::vector<std::size_t>& image_shape() const;
  // False when the file was read whole (gzip, a pipe).
  bool streamed() const;
  // Fills `block` with the next block_rows rows (fewer at the end) and sets block.first_row;
  // returns false, leaving `block` empty, once every row has been handed out. Throws
  // Error(bad_data) naming the file row of a value that is not finite.
  bool next(Dataset& block);
  // Starts again from the first row.
  void rewind();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A table of `rows` x `cols` values written a block of rows at a time: NPY v1.0 ('<f4' or
// '<f8', its shape declared up front) or CSV with a header row, to a file through AtomicFile
// (nothing appears before commit()) or, with the path "" or "-", as CSV to standard output.
// CSV cells: whole numbers below 2^53 in magnitude as integers, others in the shortest form
// that reads back to the same float.
class TableWriter {
 public:
  enum class Kind { npy_f4, npy_f8, csv };
  // header: one name per column (CSV only). Throws Error(cannot_create) like AtomicFile.
  TableWriter(const std::string& path, Kind kind, std::size_t rows, std::vector<std::string> header);
  TableWriter(const TableWriter&) = delete;
  TableWriter& operator=(const TableWriter&) = delete;
  ~TableWriter();
  // Appends rows (f4 tables and CSV).
  void write(ConstMatrixView block);
  // Appends n rows of cols doubles (f8 tables and CSV).
  void write(const double* block, std::size_t n);
  // Throws Error(internal) unless exactly `rows` rows were written; Error(io) on a failed write.
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The kind a table output name asks for: .npy -> npy_f4 (npy_f8 when wide is set), anything
// else CSV.
TableWriter::Kind table_kind(const std::string& path, bool wide = false);

}  // namespace ae
