// A small protobuf reader for the tests of the ONNX export: the fields of a message, and
// what the tests look at in an exported ModelProto (onnx.proto's field numbers).
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ae::test {

// One protobuf field: its number and either a varint value or length-delimited bytes.
struct Field {
  int number = 0;
  std::uint64_t value = 0;
  std::string bytes;
};

inline std::uint64_t read_varint(std::string_view s, std::size_t& at) {
  std::uint64_t v = 0;
  for (int shift = 0; at < s.size(); shift += 7) {
    const auto b = static_cast<unsigned char>(s[at++]);
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  ADD_FAILURE() << "varint runs past the end";
  return v;
}

// The fields of one message (wire types 0, 2 and 5; a fixed32 is kept as its value).
inline std::vector<Field> fields(std::string_view s) {
  std::vector<Field> out;
  for (std::size_t at = 0; at < s.size();) {
    const std::uint64_t key = read_varint(s, at);
    Field f;
    f.number = static_cast<int>(key >> 3);
    switch (key & 7) {
      case 0: f.value = read_varint(s, at); break;
      case 2: {
        const std::uint64_t n = read_varint(s, at);
        if (at + n > s.size()) {
          ADD_FAILURE() << "field " << f.number << " runs past the end";
          return out;
        }
        f.bytes = std::string(s.substr(at, n));
        at += n;
        break;
      }
      case 5: {
        std::uint32_t bits = 0;
        std::memcpy(&bits, s.data() + at, 4);
        f.value = bits;
        at += 4;
        break;
      }
      default: ADD_FAILURE() << "unexpected wire type " << (key & 7); return out;
    }
    out.push_back(f);
  }
  return out;
}

inline std::vector<Field> all(const std::vector<Field>& fs, int number) {
  std::vector<Field> out;
  for (const Field& f : fs) {
    if (f.number == number) out.push_back(f);
  }
  return out;
}

inline Field one(const std::vector<Field>& fs, int number) {
  const std::vector<Field> found = all(fs, number);
  EXPECT_EQ(found.size(), 1u) << "field " << number;
  return found.empty() ? Field{} : found[0];
}

// What a test looks at in an exported file (onnx.proto's field numbers).
struct Exported {
  std::uint64_t ir_version = 0, opset = 0;
  std::vector<std::string> ops, inputs, outputs;
  std::vector<std::pair<std::string, std::string>> initializers;  // name, raw bytes
  std::vector<std::pair<std::string, std::string>> metadata;      // key, value
};

inline Exported read_export(const std::string& bytes) {
  Exported e;
  const std::vector<Field> model = fields(bytes);
  e.ir_version = one(model, 1).value;
  e.opset = one(fields(one(model, 8).bytes), 2).value;
  const std::vector<Field> graph = fields(one(model, 7).bytes);
  for (const Field& n : all(graph, 1)) e.ops.push_back(one(fields(n.bytes), 4).bytes);
  for (const Field& i : all(graph, 11)) e.inputs.push_back(one(fields(i.bytes), 1).bytes);
  for (const Field& o : all(graph, 12)) e.outputs.push_back(one(fields(o.bytes), 1).bytes);
  for (const Field& t : all(graph, 5)) {
    const std::vector<Field> tensor = fields(t.bytes);
    e.initializers.emplace_back(one(tensor, 8).bytes, one(tensor, 9).bytes);
  }
  for (const Field& m : all(model, 14)) {
    const std::vector<Field> entry = fields(m.bytes);
    e.metadata.emplace_back(one(entry, 1).bytes, one(entry, 2).bytes);
  }
  return e;
}

}  // namespace ae::test
