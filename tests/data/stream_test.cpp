// DataStream and TableWriter: every format handed out in blocks of odd sizes gives exactly the
// rows load_data gives, with the file's row numbers in messages; tables written block by block
// read back exactly, integers beyond 2^24 included.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "ae/data.hpp"
#include "ae/data_hash.hpp"
#include "ae/data_stream.hpp"
#include "ae/error.hpp"
#include "ae/random.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

using test::Bytes;

class Stream : public test::TempDirTest {
 protected:
  void write(const std::string& name, const Bytes& bytes) const {
    std::ofstream(path(name), std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                       static_cast<std::streamsize>(bytes.size()));
  }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path(name)) << text; }
};

// NPY v1.0 of (rows, cols) with the dtype `descr`, payload given.
Bytes npy(const std::string& descr, std::size_t rows, std::size_t cols, const Bytes& payload) {
  std::string h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                  std::to_string(cols) + "), }";
  h.append((64 - (10 + h.size() + 1) % 64) % 64, ' ');
  h.push_back('\n');
  std::string pre = "\x93NUMPY";
  pre += {'\x01', '\x00', static_cast<char>(h.size() & 0xff), static_cast<char>(h.size() >> 8)};
  pre += h;
  Bytes b(pre.begin(), pre.end());
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

// IDX with big-endian dims and the payload given.
Bytes idx(std::uint8_t type, const std::vector<std::uint32_t>& dims, const Bytes& payload) {
  Bytes b = {0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (std::uint32_t d : dims) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(d >> s));
  }
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes random_bytes(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  Bytes b(n);
  for (auto& v : b) v = static_cast<std::uint8_t>(rng.below(256));
  return b;
}

template <class T>
Bytes as_bytes(const std::vector<T>& v) {
  Bytes b(v.size() * sizeof(T));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

std::vector<float> random_floats(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(rng.uniform(-100.0, 100.0));
  return v;
}

// Streams `file` in blocks of block_rows and checks that the blocks, joined, are load_data's
// rows, each block starting at the right file row.
void expect_same_rows(const std::string& file, std::size_t block_rows, bool streamed = true) {
  SCOPED_TRACE(file + " in blocks of " + std::to_string(block_rows));
  const Dataset whole = load_data(file);
  DataStream stream(file, block_rows);
  EXPECT_EQ(stream.rows(), whole.rows);
  EXPECT_EQ(stream.cols(), whole.cols);
  EXPECT_EQ(stream.byte_data(), whole.byte_data);
  EXPECT_EQ(stream.image_shape(), whole.image_shape);
  EXPECT_EQ(stream.streamed(), streamed);
  for (int pass = 0; pass < 2; ++pass) {  // the second pass after rewind()
    Dataset block;
    Bytes bytes;
    std::vector<float> values;
    std::size_t blocks = 0;
    while (stream.next(block)) {
      EXPECT_EQ(block.first_row, bytes.size() / whole.cols + values.size() / whole.cols);
      EXPECT_LE(block.rows, block_rows);
      EXPECT_EQ(block.cols, whole.cols);
      if (block.byte_data) {
        // Streamed byte rows are used in place from their own mapping, other blocks held.
        EXPECT_EQ(block.mapped_bytes != nullptr, streamed);
        bytes.insert(bytes.end(), block.byte_rows(), block.byte_rows() + block.rows * block.cols);
      }
      values.insert(values.end(), block.values.begin(), block.values.end());
      ++blocks;
    }
    EXPECT_EQ(blocks, (whole.rows + block_rows - 1) / block_rows);
    EXPECT_EQ(bytes, whole.bytes);
    EXPECT_EQ(values, whole.values);  // bit for bit: no NaN in these files
    EXPECT_FALSE(stream.next(block));
    EXPECT_EQ(block.rows, 0u);
    stream.rewind();
  }
}

TEST_F(Stream, NpyOfEveryDtypeInOddBlocksEqualsTheWholeFile) {
  const std::size_t rows = 1037, cols = 7;
  const std::vector<float> f = random_floats(rows * cols, 1);
  std::vector<double> d(f.begin(), f.end());
  std::vector<std::int32_t> i4(rows * cols);
  std::vector<std::int64_t> i8(rows * cols);
  for (std::size_t k = 0; k < f.size(); ++k) i4[k] = static_cast<std::int32_t>(f[k] * 1000), i8[k] = -i4[k];
  write("u1.npy", npy("|u1", rows, cols, random_bytes(rows * cols, 2)));
  write("f4.npy", npy("<f4", rows, cols, as_bytes(f)));
  write("f8.npy", npy("<f8", rows, cols, as_bytes(d)));
  write("i4.npy", npy("<i4", rows, cols, as_bytes(i4)));
  write("i8.npy", npy("<i8", rows, cols, as_bytes(i8)));
  for (const char* name : {"u1.npy", "f4.npy", "f8.npy", "i4.npy", "i8.npy"}) {
    for (std::size_t block : {1u, 100u, 256u, 1036u, 1037u, 5000u}) expect_same_rows(path(name), block);
  }
}

TEST_F(Stream, ByteBlocksOutliveTheStreamAndAFileCutShortIsAnError) {
  const std::size_t rows = 300, cols = 5;
  const Bytes payload = random_bytes(rows * cols, 3);
  write("u1.npy", npy("|u1", rows, cols, payload));
  Dataset block;
  {
    DataStream stream(path("u1.npy"), 256);
    ASSERT_TRUE(stream.next(block));
    ASSERT_TRUE(stream.next(block));
  }
  ASSERT_EQ(block.rows, rows - 256);
  EXPECT_TRUE(std::equal(payload.begin() + 256 * cols, payload.end(), block.byte_rows()));

  // Cut short after opening: the next block is refused with the file's name, not read
  // past its end.
  DataStream stream(path("u1.npy"), 256);
  ASSERT_TRUE(stream.next(block));
  const auto header = std::filesystem::file_size(path("u1.npy")) - payload.size();
  ASSERT_EQ(::truncate(path("u1.npy").c_str(), static_cast<off_t>(header + 260 * cols)), 0);
  test::expect_error([&] {
    stream.next(block);
  }, ErrorKind::bad_data, "u1.npy: the file ended early");
}

TEST_F(Stream, IdxRawAndGzipAndPipes) {
  write("images.idx", idx(0x08, {301, 5, 3}, random_bytes(301 * 15, 3)));
  write("table.idx", idx(0x0D, {211, 3}, [] {
          Bytes b = as_bytes(random_floats(211 * 3, 4));
          for (std::size_t i = 0; i < b.size(); i += 4) std::swap(b[i], b[i + 3]), std::swap(b[i + 1], b[i + 2]);
          return b;
        }()));
  write("images.idx.gz", test::gzip(idx(0x08, {301, 5, 3}, random_bytes(301 * 15, 3))));
  for (std::size_t block : {7u, 256u, 300u}) {
    expect_same_rows(path("images.idx"), block);
    expect_same_rows(path("table.idx"), block);
    expect_same_rows(path("images.idx.gz"), block, false);
  }
}

TEST_F(Stream, CsvAcrossReadPiecesWithHeaderBlankEndAndCrlf) {
  // Over 4 MiB, so that lines straddle the reader's pieces; a BOM, a header, CRLF line ends
  // and blank lines at the end.
  std::string text = "\xEF\xBB\xBF" "a,b,c\r\n";
  Rng rng(5);
  std::size_t rows = 0;
  while (text.size() < (std::size_t{9} << 19)) {
    text += std::to_string(rng.uniform_double()) + ", " + std::to_string(rng.below(1000)) + "," + std::to_string(-rng.uniform_double()) + "\r\n";
    ++rows;
  }
  text += "\r\n  \r\n";
  write("t.csv", text);
  expect_same_rows(path("t.csv"), 1 + rows / 3);
  // A short file without a header or a final line end.
  write("s.csv", "1,2\n3,4\n5,6");
  expect_same_rows(path("s.csv"), 2);
}

TEST_F(Stream, ErrorsNameTheFileRow) {
  std::vector<float> f = random_floats(900 * 4, 6);
  f[700 * 4 + 2] = std::nanf("");
  write("nan.npy", npy("<f4", 900, 4, as_bytes(f)));
  DataStream stream(path("nan.npy"), 256);
  Dataset block;
  EXPECT_TRUE(stream.next(block));
  EXPECT_TRUE(stream.next(block));
  test::expect_error([&] {
    stream.next(block);
  }, ErrorKind::bad_data, "row 700, column 2");
  // A CSV error far into the file is found when the stream opens, with its line number.
  std::string text = "x,y\n";
  for (int r = 0; r < 5000; ++r) text += std::to_string(r) + "," + (r == 4321 ? "oops" : "1") + "\n";
  write("bad.csv", text);
  test::expect_error([&] {
    DataStream csv(path("bad.csv"), 100);
  }, ErrorKind::bad_data, "row 4323, column 2");
  // Truncated payloads and missing files as load_data reports them.
  write("short.npy", npy("<f4", 900, 4, Bytes(100)));
  EXPECT_THROW(DataStream(path("short.npy")), Error);
  try {
    DataStream missing(path("none.npy"));
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::missing_input);
  }
}

TEST_F(Stream, TablesWrittenInBlocksReadBackExactly) {
  // float64: whole numbers beyond 2^24 stay exact, in NPY and in CSV.
  const std::vector<double> rows = {16777217.0, 0.25, 1.0, 33554435.0, -1.5, 0.0};
  {
    TableWriter npy_table(path("t.npy"), table_kind(path("t.npy"), true), 2, {"i", "s", "r"});
    TableWriter csv_table(path("t.csv"), table_kind(path("t.csv"), true), 2, {"i", "s", "r"});
    npy_table.write(rows.data(), 1);
    npy_table.write(rows.data() + 3, 1);
    csv_table.write(rows.data(), 2);
    EXPECT_FALSE(std::filesystem::exists(path("t.npy")));  // nothing before commit
    npy_table.commit();
    csv_table.commit();
  }
  EXPECT_EQ(test::read_text(path("t.csv")), "i,s,r\n16777217,0.25,1\n33554435,-1.5,0\n");
  const Bytes raw = [&] {
    std::ifstream in(path("t.npy"), std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
  }();
  ASSERT_EQ(raw.size() % 64, 48u);  // 64-byte aligned header + 6 doubles
  std::vector<double> back(6);
  std::memcpy(back.data(), raw.data() + raw.size() - 48, 48);
  EXPECT_EQ(back, rows);
  EXPECT_EQ(load_data(path("t.npy")).rows, 2u);
  // A float table in pieces equals write_npy's file.
  Matrix m(5, 3);
  for (std::size_t i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(i) / 7.0f;
  write_npy(path("whole.npy"), m.view());
  {
    TableWriter pieces(path("pieces.npy"), TableWriter::Kind::npy_f4, 5, {"a", "b", "c"});
    pieces.write(std::as_const(m).view().rows_range(0, 2));
    pieces.write(std::as_const(m).view().rows_range(2, 3));
    pieces.commit();
  }
  EXPECT_EQ(test::read_text(path("whole.npy")), test::read_text(path("pieces.npy")));
  // Too few rows: no file.
  {
    TableWriter short_table(path("short.npy"), TableWriter::Kind::npy_f4, 5, {"a", "b", "c"});
    short_table.write(std::as_const(m).view().rows_range(0, 2));
    EXPECT_THROW(short_table.commit(), Error);
  }
  EXPECT_FALSE(std::filesystem::exists(path("short.npy")));
}


// --- mapped data (map_data), for training on files larger than memory ---------------------

TEST_F(Stream, MappedByteFilesGiveTheRowsOfLoadDataWithoutCopyingThem) {
  const Bytes payload = random_bytes(37 * 12, 5);
  write("u8.npy", npy("|u1", 37, 12, payload));
  write("u8.idx", idx(0x08, {37, 3, 4}, payload));
  for (const std::string name : {"u8.npy", "u8.idx"}) {
    const Dataset mapped = map_data(path(name)), loaded = load_data(path(name));
    ASSERT_NE(mapped.mapped_bytes, nullptr) << name;
    EXPECT_TRUE(mapped.bytes.empty()) << name;
    EXPECT_EQ(mapped.rows, 37u);
    EXPECT_EQ(mapped.cols, 12u);
    EXPECT_EQ(mapped.image_shape, loaded.image_shape) << name;
    EXPECT_EQ(mapped.to_matrix().values(), loaded.to_matrix().values()) << name;
    EXPECT_EQ(data_crc32(mapped), data_crc32(loaded)) << name;
    EXPECT_EQ(training_data_hash(mapped, nullptr), training_data_hash(loaded, nullptr)) << name;
    // Rows taken out of it are copies, alive after the mapping's data set is gone.
    Dataset part;
    {
      const Dataset again = map_data(path(name));
      part = take(again, 5, 9);
    }
    EXPECT_EQ(part.mapped_bytes, nullptr);
    EXPECT_EQ(part.to_matrix().values(), take(loaded, 5, 9).to_matrix().values());
  }
}

TEST_F(Stream, FilesThatCannotBeMappedAreReadAndBrokenOnesFailAsLoadDataFails) {
  const Bytes payload = random_bytes(10 * 4, 6);
  write("u8.npy.gz", test::gzip(npy("|u1", 10, 4, payload)));
  std::vector<float> f(40, 0.25f);
  write("f4.npy", npy("<f4", 10, 4, as_bytes(f)));
  write("x.csv", std::string("a,b\n1,2\n3,4\n"));
  for (const std::string name : {"u8.npy.gz", "f4.npy", "x.csv"}) {
    const Dataset d = map_data(path(name));
    EXPECT_EQ(d.mapped_bytes, nullptr) << name;
    EXPECT_EQ(d.to_matrix().values(), load_data(path(name)).to_matrix().values()) << name;
  }
  Bytes short_file = npy("|u1", 10, 4, payload);
  short_file.resize(short_file.size() - 3);
  write("short.npy", short_file);
  for (const std::string name : {"short.npy", "missing.npy"}) {
    ErrorKind mapped_kind{}, loaded_kind{};
    try { map_data(path(name)); } catch (const Error& e) { mapped_kind = e.kind(); }
    try { load_data(path(name)); } catch (const Error& e) { loaded_kind = e.kind(); }
    EXPECT_EQ(mapped_kind, loaded_kind) << name;
    EXPECT_NE(mapped_kind, ErrorKind{}) << name;
  }
}

}  // namespace
}  // namespace ae
