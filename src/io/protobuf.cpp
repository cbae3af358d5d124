// Protocol Buffers' wire format, writing side: a field is a varint key (field number << 3 |
// wire type) and its value; varints hold 7 bits per byte, low bits first, the high bit
// marking that more bytes follow.
#include "io/protobuf.hpp"

#include <bit>
#include <cstring>

namespace ae::proto {

void Writer::varint(std::uint64_t value) {
  while (value >= 0x80) {
    out_.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out_.push_back(static_cast<char>(value));
}

void Writer::tag(int field, int wire_type) {
  varint((static_cast<std::uint64_t>(field) << 3) | static_cast<std::uint64_t>(wire_type));
}

void Writer::varint_field(int field, std::int64_t value) {
  tag(field, 0);
  varint(static_cast<std::uint64_t>(value));
}

void Writer::float_field(int field, float value) {
  static_assert(std::endian::native == std::endian::little, "floats are written in memory order");
  tag(field, 5);
  char bits[4];
  std::memcpy(bits, &value, 4);
  out_.append(bits, 4);
}

void Writer::bytes_field(int field, std::string_view bytes) {
  tag(field, 2);
  varint(bytes.size());
  out_.append(bytes);
}

void Writer::packed_varint_field(int field, std::span<const std::int64_t> values) {
  Writer packed;
  for (std::int64_t v : values) packed.varint(static_cast<std::uint64_t>(v));
  bytes_field(field, packed.bytes());
}

}  // namespace ae::proto
