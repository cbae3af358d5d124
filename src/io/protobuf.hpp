// Protocol Buffers' wire format, the writing side only, for the ONNX export: varint, 32-bit
// and length-delimited fields, packed varints, and sub-messages written into a nested
// writer and added as bytes. No schema, no reading, no groups; each field is written in the
// order of the calls (parsers accept any order).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace ae::proto {

class Writer {
 public:
  // Wire type 0: int32, int64, uint64, bool and enum fields (negative values as their
  // 64-bit two's complement, ten bytes, as protobuf writes int64).
  void varint_field(int field, std::int64_t value);
  // Wire type 5: a float field, its IEEE-754 bits little-endian.
  void float_field(int field, float value);
  // Wire type 2: string, bytes and sub-message fields.
  void bytes_field(int field, std::string_view bytes);
  void message_field(int field, const Writer& message) { bytes_field(field, message.bytes()); }
  // Wire type 2: a packed repeated int64 field (one length, then the varints).
  void packed_varint_field(int field, std::span<const std::int64_t> values);

  const std::string& bytes() const { return out_; }
  std::size_t size() const { return out_.size(); }

 private:
  void varint(std::uint64_t value);
  void tag(int field, int wire_type);

  std::string out_;
};

}  // namespace ae::proto
