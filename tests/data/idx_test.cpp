// IDX reader: shapes of 1-, 2- and 3-dim files, type conversion, and every kind of broken
// header or payload failing with bad_data and the file name.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ae/data.hpp"
#include "ae/error.hpp"

namespace ae {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes idx_file(std::uint8_t type, const std::vector<std::uint32_t>& dims, const Bytes& payload) {
  Bytes b = {0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (std::uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<std::uint8_t>(d >> shift));
  }
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes iota_bytes(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return b;
}

// Expects parse_idx to throw bad_data with a one-line message naming the file and `fragment`.
void expect_bad(const Bytes& bytes, const std::string& fragment) {
  try {
    parse_idx(bytes, "images.idx");
    ADD_FAILURE() << "no error; expected one mentioning '" << fragment << "'";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::bad_data) << msg;
    EXPECT_EQ(msg.rfind("images.idx: ", 0), 0u) << msg;
    EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(Idx, ThreeDimsAreImagesOfBytes) {
  const Bytes payload = iota_bytes(3 * 2 * 5);
  const Dataset d = parse_idx(idx_file(0x08, {3, 2, 5}, payload), "images.idx");
  EXPECT_EQ(d.rows, 3u);
  EXPECT_EQ(d.cols, 10u);
  EXPECT_EQ(d.image_shape, (std::vector<std::size_t>{2, 5}));
  EXPECT_TRUE(d.byte_data);
  EXPECT_TRUE(d.values.empty());
  EXPECT_EQ(d.bytes, payload);
  EXPECT_EQ(d.source, "images.idx");
  EXPECT_EQ(d.at(2, 9), static_cast<float>(payload[29]) * (1.0f / 255.0f));
}

TEST(Idx, OneDimIsALabelColumnAndTwoDimsAreRows) {
  const Dataset labels = parse_idx(idx_file(0x08, {4}, {1, 2, 3, 9}), "labels.idx");
  EXPECT_EQ(labels.rows, 4u);
  EXPECT_EQ(labels.cols, 1u);
  EXPECT_TRUE(labels.image_shape.empty());
  EXPECT_EQ(labels.bytes, (Bytes{1, 2, 3, 9}));

  const Dataset table = parse_idx(idx_file(0x08, {2, 3}, iota_bytes(6)), "t.idx");
  EXPECT_EQ(table.rows, 2u);
  EXPECT_EQ(table.cols, 3u);
  EXPECT_TRUE(table.image_shape.empty());
}

TEST(Idx, WiderBigEndianTypesBecomeFloats) {
  // f32 1.5 = 0x3FC00000, -2 = 0xC0000000
  const Dataset f = parse_idx(idx_file(0x0D, {2}, {0x3F, 0xC0, 0, 0, 0xC0, 0, 0, 0}), "f.idx");
  EXPECT_FALSE(f.byte_data);
  EXPECT_EQ(f.values, (std::vector<float>{1.5f, -2.0f}));
  // i16 -3 = 0xFFFD, 300 = 0x012C
  const Dataset s = parse_idx(idx_file(0x0B, {1, 2}, {0xFF, 0xFD, 0x01, 0x2C}), "s.idx");
  EXPECT_EQ(s.values, (std::vector<float>{-3.0f, 300.0f}));
  const Dataset i8 = parse_idx(idx_file(0x09, {2}, {0xFF, 0x05}), "i.idx");
  EXPECT_EQ(i8.values, (std::vector<float>{-1.0f, 5.0f}));
}

TEST(Idx, TruncatedPayloadIsRejected) {
  Bytes b = idx_file(0x08, {2, 2, 2}, iota_bytes(8));
  b.pop_back();
  expect_bad(b, "truncated");
}

TEST(Idx, TrailingBytesAreRejected) {
  Bytes b = idx_file(0x08, {2, 2, 2}, iota_bytes(8));
  b.push_back(0);
  expect_bad(b, "1 trailing bytes");
}

TEST(Idx, WrongMagicIsRejected) {
  Bytes b = idx_file(0x08, {2}, {1, 2});
  b[1] = 0x01;
  expect_bad(b, "magic");
}

TEST(Idx, UnsupportedTypeCodeIsRejected) {
  expect_bad(idx_file(0x0A, {2}, {1, 2}), "unsupported type code 0x0a");
}

TEST(Idx, ZeroOrTooManyDimensionsAreRejected) {
  expect_bad(idx_file(0x08, {}, {}), "0 dimensions");
  expect_bad(idx_file(0x08, {1, 1, 1, 1, 1}, {7}), "5 dimensions");
  expect_bad(idx_file(0x08, {3, 0}, {}), "dimension 2 is 0");
}

TEST(Idx, HugeDimensionsThatOverflowAreRejected) {
  expect_bad(idx_file(0x08, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, {1, 2, 3}),
             "too large");
  // Large but representable: caught by the size check, not by allocating.
  expect_bad(idx_file(0x0E, {60000, 60000}, {1, 2, 3}), "truncated");
}

TEST(Idx, ShortHeaderIsRejected) {
  expect_bad({0, 0, 8}, "3 bytes");
  Bytes b = idx_file(0x08, {2, 2, 2}, {});
  b.resize(10);
  expect_bad(b, "truncated");
}

TEST(Idx, NonFiniteFloatIsRejectedWithItsPosition) {
  // f32 NaN = 0x7FC00000 at row 1, column 0.
  expect_bad(idx_file(0x0D, {2, 1}, {0x3F, 0x80, 0, 0, 0x7F, 0xC0, 0, 0}), "row 1, column 0");
}

}  // namespace
}  // namespace ae
