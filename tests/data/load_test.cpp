// load_data / load_labels / read_file_bytes: detection by content, gzip (good, multi-member,
// truncated, corrupt), missing files, and labels from each format.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "ae/data.hpp"
#include "ae/error.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

namespace fs = std::filesystem;
using test::gzip;
using test::Bytes;

class LoadData : public test::TempDirTest {
 protected:
  std::string write(const std::string& name, const Bytes& bytes) const {
    const std::string p = (dir_ / name).string();
    std::ofstream out(p, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return p;
  }
  std::string write(const std::string& name, const std::string& text) const {
    return write(name, Bytes(text.begin(), text.end()));
  }

};
using LoadLabels = LoadData;


Bytes mnist_like() {
  Bytes b = {0, 0, 0x08, 3, 0, 0, 0, 5, 0, 0, 0, 4, 0, 0, 0, 3};
  for (int i = 0; i < 5 * 12; ++i) b.push_back(static_cast<std::uint8_t>(i * 37));
  return b;
}

template <class F>
void expect_error(F&& f, ErrorKind kind, const std::string& file, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning '" << fragment << "'";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.kind(), kind) << msg;
    EXPECT_NE(msg.find(file), std::string::npos) << msg;
    EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(LoadDetect, DetectsByContent) {
  EXPECT_EQ(detect_format(Bytes{0, 0, 0x08, 3}), DataFormat::idx);
  EXPECT_EQ(detect_format(Bytes{0, 0, 0x0D, 1}), DataFormat::idx);
  EXPECT_EQ(detect_format(Bytes{0, 0, 0x07, 1}), DataFormat::csv);
  EXPECT_EQ(detect_format(Bytes{0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}), DataFormat::npy);
  EXPECT_EQ(detect_format(Bytes{'1', ',', '2'}), DataFormat::csv);
  EXPECT_EQ(detect_format(Bytes{}), DataFormat::csv);
}

TEST_F(LoadData, ReadsRawAndGzippedIdxTheSame) {
  const std::string raw = write("train-images-idx3-ubyte", mnist_like());
  const std::string gz = write("train-images-idx3-ubyte.gz", gzip(mnist_like()));
  const Dataset a = load_data(raw);
  const Dataset b = load_data(gz);
  EXPECT_EQ(a.rows, 5u);
  EXPECT_EQ(a.cols, 12u);
  EXPECT_EQ(a.image_shape, (std::vector<std::size_t>{4, 3}));
  EXPECT_TRUE(b.byte_data);
  EXPECT_EQ(a.bytes, b.bytes);
  EXPECT_EQ(b.source, gz);
  EXPECT_EQ(read_file_bytes(gz), mnist_like());
}

TEST_F(LoadData, ReadsConcatenatedGzipMembers) {
  const std::string text1 = "a,b\n1,2\n", text2 = "3,4\n";
  Bytes both = gzip(Bytes(text1.begin(), text1.end()));
  const Bytes second = gzip(Bytes(text2.begin(), text2.end()));
  both.insert(both.end(), second.begin(), second.end());
  EXPECT_EQ(load_data(write("two.csv.gz", both)).values, (std::vector<float>{1, 2, 3, 4}));
}

TEST_F(LoadData, TruncatedGzipIsRejected) {
  Bytes gz = gzip(mnist_like());
  for (std::size_t cut : {gz.size() - 1, gz.size() - 6, gz.size() / 2, std::size_t{12}}) {
    const std::string p = write("cut.gz", Bytes(gz.begin(), gz.begin() + static_cast<std::ptrdiff_t>(cut)));
    expect_error([&] { load_data(p); }, ErrorKind::bad_data, "cut.gz", "truncated");
  }
}

TEST_F(LoadData, CorruptGzipIsRejected) {
  Bytes gz = gzip(mnist_like());
  gz[gz.size() - 6] ^= 0xFF;  // inside the CRC32 trailer
  const std::string p = write("bad.gz", gz);
  expect_error([&] { load_data(p); }, ErrorKind::bad_data, "bad.gz", "corrupt");
  Bytes junk = gzip(mnist_like());
  junk.push_back('x');
  const std::string q = write("junk.gz", junk);
  expect_error([&] { load_data(q); }, ErrorKind::bad_data, "junk.gz", "trailing bytes");
}

TEST_F(LoadData, MissingFileIsMissingInput) {
  const std::string p = (dir_ / "nope.idx").string();
  expect_error([&] { load_data(p); }, ErrorKind::missing_input, "nope.idx", "cannot open");
  expect_error([&] { load_labels(p); }, ErrorKind::missing_input, "nope.idx", "cannot open");
  expect_error([&] { load_data(dir_.string()); }, ErrorKind::missing_input, dir_.string(), "directory");
}

TEST_F(LoadData, CsvAndUnknownBinary) {
  EXPECT_EQ(load_data(write("x.csv", "a\n1\n2\n")).rows, 2u);
  const std::string p = write("blob.bin", Bytes{0x50, 0x4B, 0x03, 0x04, 0, 0, 0});
  expect_error([&] { load_data(p); }, ErrorKind::bad_data, "blob.bin", "binary content");
}

TEST_F(LoadLabels, ReadsIdxNpyAndCsvLabels) {
  const std::string idx = write("labels.idx", Bytes{0, 0, 0x08, 1, 0, 0, 0, 3, 7, 0, 9});
  EXPECT_EQ(load_labels(idx), (std::vector<std::int64_t>{7, 0, 9}));
  const std::string gz = write("labels.idx.gz", gzip(Bytes{0, 0, 0x08, 1, 0, 0, 0, 2, 4, 5}));
  EXPECT_EQ(load_labels(gz), (std::vector<std::int64_t>{4, 5}));
  const std::string npy = (dir_ / "labels.npy").string();
  write_npy_i64(npy, std::vector<std::int64_t>{3, -1});
  EXPECT_EQ(load_labels(npy), (std::vector<std::int64_t>{3, -1}));
  EXPECT_EQ(load_labels(write("labels.csv", "label\n1\n0\n-2\n")), (std::vector<std::int64_t>{1, 0, -2}));
}

TEST_F(LoadLabels, RejectsImagesWideTablesAndFractions) {
  const std::string images = write("images.idx", mnist_like());
  expect_error([&] { load_labels(images); }, ErrorKind::bad_data, "images.idx", "one value per row");
  const std::string wide = write("wide.csv", "1,2\n3,4\n");
  expect_error([&] { load_labels(wide); }, ErrorKind::bad_data, "wide.csv", "one value per row");
  const std::string frac = write("frac.csv", "1\n2.5\n");
  expect_error([&] { load_labels(frac); }, ErrorKind::bad_data, "frac.csv", "whole number");
}

}  // namespace
}  // namespace ae
