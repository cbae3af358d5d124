// The protobuf writer against the encodings of the Protocol Buffers encoding guide: field
// keys, varints, length-delimited strings, nested messages, packed repeated fields, floats.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "io/protobuf.hpp"

namespace ae::proto {
namespace {

std::string bytes(std::initializer_list<unsigned> v) {
  std::string s;
  for (unsigned b : v) s.push_back(static_cast<char>(b));
  return s;
}

TEST(ProtoWriter, VarintFieldIsKeyThenSevenBitGroupsLowFirst) {
  Writer w;
  w.varint_field(1, 150);
  EXPECT_EQ(w.bytes(), bytes({0x08, 0x96, 0x01}));
  Writer zero;
  zero.varint_field(2, 0);
  EXPECT_EQ(zero.bytes(), bytes({0x10, 0x00}));
}

TEST(ProtoWriter, NegativeInt64IsTenBytesOfTwosComplement) {
  Writer w;
  w.varint_field(1, -1);
  EXPECT_EQ(w.bytes(), bytes({0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
}

TEST(ProtoWriter, LargeFieldNumbersTakeMultiByteKeys) {
  Writer w;
  w.varint_field(20, 7);  // key (20 << 3) | 0 = 160
  EXPECT_EQ(w.bytes(), bytes({0xa0, 0x01, 0x07}));
}

TEST(ProtoWriter, StringIsKeyLengthAndBytes) {
  Writer w;
  w.bytes_field(2, "testing");
  EXPECT_EQ(w.bytes(), bytes({0x12, 0x07}) + "testing");
}

TEST(ProtoWriter, NestedMessageIsLengthDelimited) {
  Writer inner;
  inner.varint_field(1, 150);
  Writer outer;
  outer.message_field(3, inner);
  EXPECT_EQ(outer.bytes(), bytes({0x1a, 0x03, 0x08, 0x96, 0x01}));
}

TEST(ProtoWriter, PackedVarintsShareOneKeyAndLength) {
  Writer w;
  const std::vector<std::int64_t> v{3, 270, 86942};
  w.packed_varint_field(4, v);
  EXPECT_EQ(w.bytes(), bytes({0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05}));
  Writer empty;
  empty.packed_varint_field(1, {});
  EXPECT_EQ(empty.bytes(), bytes({0x0a, 0x00}));
}

TEST(ProtoWriter, FloatIsFixed32LittleEndian) {
  Writer w;
  w.float_field(2, 1.0f);
  EXPECT_EQ(w.bytes(), bytes({0x15, 0x00, 0x00, 0x80, 0x3f}));
}

TEST(ProtoWriter, LongLengthsUseMultiByteVarints) {
  Writer w;
  w.bytes_field(1, std::string(300, 'x'));
  ASSERT_EQ(w.size(), 3u + 300u);
  EXPECT_EQ(w.bytes().substr(0, 3), bytes({0x0a, 0xac, 0x02}));
}

}  // namespace
}  // namespace ae::proto
