// safetensors: bit-exact round trips, header padding, and one hand-built broken file per rule
// the reader enforces, each failing with bad_data and the file's path. Python interop lives
// in safetensors_python_test.cpp.
#include <gtest/gtest.h>

#include <unistd.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "ae/error.hpp"
#include "ae/safetensors.hpp"

namespace ae {
namespace {

using Bytes = std::vector<unsigned char>;

void append_u64(Bytes& out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<unsigned char>(value >> (8 * i)));
}

void append_floats(Bytes& out, const std::vector<float>& values) {
  for (const float v : values) {
    const auto bits = std::bit_cast<std::uint32_t>(v);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<unsigned char>(bits >> (8 * i)));
  }
}

// A file as the format lays it out: the header's true length, the header, the data.
Bytes safetensors_bytes(const std::string& header, const std::vector<float>& data) {
  Bytes out;
  append_u64(out, header.size());
  out.insert(out.end(), header.begin(), header.end());
  append_floats(out, data);
  return out;
}

Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

class Safetensors : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("ae_safetensors_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string file(const std::string& name) const { return (dir_ / name).string(); }

  // Writes `bytes` to a file and checks that reading it fails with bad_data, with a message
  // that names the file and contains `needle`.
  void expect_bad_data(const Bytes& bytes, const std::string& needle) {
    const std::string path = file("broken.safetensors");
    write_bytes(path, bytes);
    try {
      read_safetensors(path);
      ADD_FAILURE() << "no error; expected one mentioning '" << needle << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::bad_data) << e.what();
      const std::string message = e.what();
      EXPECT_NE(message.find(path), std::string::npos) << message;
      EXPECT_NE(message.find(needle), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }

  std::filesystem::path dir_;
};

TensorFile sample_file() {
  TensorFile f;
  f.metadata = {{"format", "ae"}, {"format_version", "1"}, {"architecture", "{\"layers\": [3, 2]}"},
                {"note", "ünïcödé and \"quotes\""}};
  f.tensors.push_back({"layers.0.weight", {2, 3},
                       {1.5f, -0.0f, std::numeric_limits<float>::denorm_min(),
                        std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest(),
                        0.1f}});
  f.tensors.push_back({"layers.0.bias", {2}, {-1.0f, 3.25f}});
  f.tensors.push_back({"scale", {}, {0.75f}});
  f.tensors.push_back({"empty", {3, 0}, {}});
  f.tensors.push_back({"layers.1.weight", {1, 2}, {7.0f, -8.0f}});
  return f;
}

TEST_F(Safetensors, RoundTripIsBitExact) {
  const std::string path = file("model.safetensors");
  const TensorFile written = sample_file();
  write_safetensors(path, written);
  const TensorFile read = read_safetensors(path);

  EXPECT_EQ(read.metadata, written.metadata);
  ASSERT_EQ(read.tensors.size(), written.tensors.size());
  for (std::size_t i = 0; i < written.tensors.size(); ++i) {
    SCOPED_TRACE(written.tensors[i].name);
    EXPECT_EQ(read.tensors[i].name, written.tensors[i].name);
    EXPECT_EQ(read.tensors[i].shape, written.tensors[i].shape);
    EXPECT_TRUE(same_bits(read.tensors[i].values, written.tensors[i].values));
  }
  ASSERT_NE(read.find("scale"), nullptr);
  EXPECT_TRUE(read.find("scale")->shape.empty());
  EXPECT_EQ(read.find("scale")->values.size(), 1u);
  ASSERT_NE(read.find("empty"), nullptr);
  EXPECT_TRUE(read.find("empty")->values.empty());
  EXPECT_EQ(read.find("missing"), nullptr);
}

TEST_F(Safetensors, RoundTripWithoutMetadataOrTensors) {
  const std::string path = file("empty.safetensors");
  write_safetensors(path, TensorFile{});
  const TensorFile read = read_safetensors(path);
  EXPECT_TRUE(read.metadata.empty());
  EXPECT_TRUE(read.tensors.empty());
}

TEST_F(Safetensors, HeaderIsPaddedToAMultipleOf8WithSpaces) {
  const std::string path = file("model.safetensors");
  // Names of lengths 1..8 move the unpadded header length through every remainder mod 8.
  for (std::size_t len = 1; len <= 8; ++len) {
    TensorFile f;
    f.tensors.push_back({std::string(len, 'w'), {1}, {2.0f}});
    write_safetensors(path, f);
    const Bytes bytes = read_bytes(path);
    ASSERT_GE(bytes.size(), 8u);
    std::uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n |= static_cast<std::uint64_t>(bytes[i]) << (8 * i);
    EXPECT_EQ(n % 8, 0u) << "name length " << len;
    ASSERT_EQ(bytes.size(), 8 + n + 4);
    const std::string header(bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(n));
    const auto close = header.find_last_of('}');
    ASSERT_NE(close, std::string::npos);
    EXPECT_EQ(header.find_first_not_of(' ', close + 1), std::string::npos) << header;
    EXPECT_EQ(read_safetensors(path).tensors.at(0).values.at(0), 2.0f);
  }
}

TEST_F(Safetensors, ReadsAnUnpaddedHeaderAndIgnoresUnknownEntryKeys) {
  const std::string path = file("other.safetensors");
  write_bytes(path, safetensors_bytes(
                        R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12],"extra":1},)"
                        R"("a":{"shape":[2],"dtype":"F32","data_offsets":[0,8]},)"
                        R"("__metadata__":{"k":"v"}})",
                        {1.0f, 2.0f, 3.0f}));
  const TensorFile read = read_safetensors(path);
  ASSERT_EQ(read.tensors.size(), 2u);
  EXPECT_EQ(read.tensors[0].name, "a");  // sorted by offset
  EXPECT_EQ(read.tensors[0].values, (std::vector<float>{1.0f, 2.0f}));
  EXPECT_EQ(read.tensors[1].name, "b");
  EXPECT_EQ(read.tensors[1].values, (std::vector<float>{3.0f}));
  EXPECT_EQ(read.metadata.at("k"), "v");
}

TEST_F(Safetensors, MissingFileIsMissingInput) {
  const std::string path = file("nothing_here.safetensors");
  try {
    read_safetensors(path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::missing_input);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST_F(Safetensors, RejectsFileShorterThan8Bytes) {
  expect_bad_data({}, "too short");
  expect_bad_data({0x10, 0, 0, 0, 0, 0, 0}, "too short");
}

TEST_F(Safetensors, RejectsHeaderLengthPastTheEnd) {
  Bytes bytes;
  append_u64(bytes, 100);
  const std::string header = R"({"__metadata__":{}})";
  bytes.insert(bytes.end(), header.begin(), header.end());
  expect_bad_data(bytes, "past the end");
}

TEST_F(Safetensors, RejectsHeaderBomb) {
  Bytes bytes;
  append_u64(bytes, 100'000'001);
  bytes.resize(64, ' ');
  expect_bad_data(bytes, "exceeds the limit");
  Bytes huge;
  append_u64(huge, std::numeric_limits<std::uint64_t>::max());
  huge.push_back('{');
  expect_bad_data(huge, "exceeds the limit");
}

TEST_F(Safetensors, RejectsInvalidJson) {
  expect_bad_data(safetensors_bytes(R"({"a": {"dtype": "F32",)", {}), "not valid JSON");
  expect_bad_data(safetensors_bytes("{\"a\xff\":{}}", {}), "not valid JSON");
  expect_bad_data(safetensors_bytes("", {}), "does not start with '{'");
  expect_bad_data(safetensors_bytes(R"([1, 2])", {}), "does not start with '{'");
}

TEST_F(Safetensors, RejectsEntryThatIsNotAnObject) {
  expect_bad_data(safetensors_bytes(R"({"a": [0, 4]})", {1.0f}), "tensor 'a'");
  expect_bad_data(safetensors_bytes(R"({"a": "F32"})", {1.0f}), "expected an object");
}

TEST_F(Safetensors, RejectsMissingKeys) {
  expect_bad_data(safetensors_bytes(R"({"a":{"shape":[1],"data_offsets":[0,4]}})", {1.0f}),
                  "no \"dtype\"");
  expect_bad_data(safetensors_bytes(R"({"a":{"dtype":"F32","data_offsets":[0,4]}})", {1.0f}),
                  "no \"shape\"");
  expect_bad_data(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1]}})", {1.0f}),
                  "no \"data_offsets\"");
}

TEST_F(Safetensors, RejectsNegativeOrNonIntegerShapesAndOffsets) {
  expect_bad_data(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})",
                                    {1.0f}),
                  "non-negative integers");
  expect_bad_data(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}})",
                                    {1.0f}),
                  "non-negative integers");
  expect_bad_data(safetensors_bytes(R"({"a":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}})",
                                    {1.0f}),
                  "non-negative integers");
  expect_bad_data(safetensors_bytes(R"({"a":{"dtype":"F32","shape":1,"data_offsets":[0,4]}})",
                                    {1.0f}),
                  "not a list");
  expect_bad_data(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})",
                                    {1.0f}),
                  "data_offsets");
  expect_bad_data(
      safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0.0,4.0]}})", {1.0f}),
      "data_offsets");
  expect_bad_data(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}})",
                                    {1.0f}),
                  "data_offsets");
  expect_bad_data(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}})",
                                    {1.0f}),
                  "ends before it begins");
  expect_bad_data(
      safetensors_bytes(R"({"a":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,4]}})",
                        {1.0f}),
      "non-negative integers");
}

TEST_F(Safetensors, RejectsUnknownDtype) {
  expect_bad_data(safetensors_bytes(R"({"a":{"dtype":"FLOAT","shape":[1],"data_offsets":[0,4]}})",
                                    {1.0f}),
                  "tensor 'a': unknown dtype 'FLOAT'");
  expect_bad_data(safetensors_bytes(R"({"a":{"dtype":32,"shape":[1],"data_offsets":[0,4]}})",
                                    {1.0f}),
                  "dtype is not a string");
}

TEST_F(Safetensors, RejectsF16Dtype) {
  Bytes bytes;
  const std::string header = R"({"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})";
  append_u64(bytes, header.size());
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.insert(bytes.end(), {0x00, 0x3c, 0x00, 0x40});  // 1.0 and 2.0 in half precision
  expect_bad_data(bytes, "tensor 'x': dtype F16 not supported, only F32");
}

TEST_F(Safetensors, RejectsShapeOffsetSizeMismatch) {
  expect_bad_data(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}})",
                                    {1.0f, 2.0f, 3.0f}),
                  "needs 16 bytes");
  expect_bad_data(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[],"data_offsets":[0,0]}})", {}),
                  "needs 4 bytes");
  // 2^62 * 2^2 values overflow u64 before the byte count is taken.
  expect_bad_data(
      safetensors_bytes(
          R"({"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}})", {}),
      "too large");
  expect_bad_data(
      safetensors_bytes(R"({"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}})",
                        {}),
      "too large");
}

TEST_F(Safetensors, RejectsOverlappingOffsets) {
  expect_bad_data(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                    R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                    {1.0f, 2.0f, 3.0f}),
                  "overlap");
  expect_bad_data(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                    R"("b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                                    {1.0f}),
                  "overlap");
}

TEST_F(Safetensors, RejectsGapBetweenTensors) {
  expect_bad_data(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                    R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                                    {1.0f, 2.0f, 3.0f}),
                  "tensor 'b': data_offsets [8, 12] leave a gap");
  expect_bad_data(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                    {1.0f, 2.0f}),
                  "gap");
}

TEST_F(Safetensors, RejectsOffsetsPastTheEnd) {
  expect_bad_data(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                    R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                    {1.0f, 2.0f}),
                  "tensor 'b': data_offsets [4, 12] run past the end");
  expect_bad_data(
      safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1000000000000],"data_offsets":[0,4000000000000]}})",
                        {1.0f}),
      "run past the end");
}

TEST_F(Safetensors, RejectsTrailingBytes) {
  expect_bad_data(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                                    {1.0f, 2.0f}),
                  "4 trailing bytes");
  Bytes bytes = safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                                  {1.0f});
  bytes.push_back(0);
  expect_bad_data(bytes, "1 trailing bytes");
  expect_bad_data(safetensors_bytes(R"({})", {1.0f}), "trailing bytes");
}

TEST_F(Safetensors, RejectsNonStringMetadata) {
  expect_bad_data(safetensors_bytes(R"({"__metadata__":{"format":"ae","epochs":12}})", {}),
                  "__metadata__ value for 'epochs'");
  expect_bad_data(safetensors_bytes(R"({"__metadata__":{"x":null}})", {}), "expected a string");
  expect_bad_data(safetensors_bytes(R"({"__metadata__":["format","ae"]})", {}),
                  "__metadata__ is a JSON array");
}

TEST_F(Safetensors, RejectsDuplicateNames) {
  expect_bad_data(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                    R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                    {1.0f, 2.0f}),
                  "'a' twice");
}

TEST_F(Safetensors, RejectsNaNWeight) {
  expect_bad_data(safetensors_bytes(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}})",
                                    {1.0f, std::numeric_limits<float>::quiet_NaN(), 3.0f}),
                  "tensor 'w': value 1 is NaN");
}

TEST_F(Safetensors, RejectsInfWeight) {
  expect_bad_data(safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                    R"("w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                    {1.0f, 2.0f, -std::numeric_limits<float>::infinity()}),
                  "tensor 'w': value 1 is -Inf");
}

TEST_F(Safetensors, EveryTruncatedPrefixIsBadData) {
  const std::string path = file("model.safetensors");
  write_safetensors(path, sample_file());
  const Bytes whole = read_bytes(path);
  ASSERT_GT(whole.size(), 8u);
  for (std::size_t size = 0; size < whole.size(); ++size) {
    const Bytes prefix(whole.begin(), whole.begin() + static_cast<long>(size));
    try {
      parse_safetensors(prefix, "prefix.safetensors");
      ADD_FAILURE() << "prefix of " << size << " bytes was accepted";
    } catch (const Error& e) {
      ASSERT_EQ(e.kind(), ErrorKind::bad_data) << size << ": " << e.what();
      ASSERT_NE(std::string(e.what()).find("prefix.safetensors"), std::string::npos) << e.what();
    }
  }
  // The same through the file system, at the three boundaries of the layout.
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<std::uint64_t>(whole[i]) << (8 * i);
  for (const std::size_t size : {std::size_t{4}, std::size_t{8} + n / 2, whole.size() - 1}) {
    expect_bad_data(Bytes(whole.begin(), whole.begin() + static_cast<long>(size)), "");
  }
}

TEST_F(Safetensors, CorruptedHeaderBytesThrowOnlyAeError) {
  const std::string path = file("model.safetensors");
  write_safetensors(path, sample_file());
  const Bytes whole = read_bytes(path);
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<std::uint64_t>(whole[i]) << (8 * i);
  for (std::size_t at = 0; at < 8 + n; ++at) {
    for (const unsigned flip : {0x01u, 0x20u, 0x80u}) {
      Bytes bytes = whole;
      bytes[at] = static_cast<unsigned char>(bytes[at] ^ flip);
      try {
        parse_safetensors(bytes, "flipped.safetensors");
      } catch (const Error& e) {
        ASSERT_EQ(e.kind(), ErrorKind::bad_data) << at << ": " << e.what();
      } catch (const std::exception& e) {
        FAIL() << "byte " << at << " flipped by " << flip << ": non-ae exception " << e.what();
      }
    }
  }
}

TEST_F(Safetensors, WriterRejectsInconsistentTensorsAsUsage) {
  const auto expect_usage = [&](const TensorFile& f, const std::string& needle) {
    const std::string path = file("bad_input.safetensors");
    try {
      write_safetensors(path, f);
      ADD_FAILURE() << "no error; expected " << needle;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::usage) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(path));
  };
  TensorFile mismatch;
  mismatch.tensors.push_back({"w", {2, 2}, {1.0f, 2.0f, 3.0f}});
  expect_usage(mismatch, "does not match its shape");

  TensorFile twice;
  twice.tensors.push_back({"w", {1}, {1.0f}});
  twice.tensors.push_back({"w", {1}, {2.0f}});
  expect_usage(twice, "appears twice");

  TensorFile reserved;
  reserved.tensors.push_back({"__metadata__", {1}, {1.0f}});
  expect_usage(reserved, "reserved");

  TensorFile nan;
  nan.tensors.push_back({"w", {2}, {1.0f, std::numeric_limits<float>::quiet_NaN()}});
  expect_usage(nan, "value 1 is NaN");

  TensorFile not_utf8;
  not_utf8.metadata["k"] = "\xff";
  expect_usage(not_utf8, "not UTF-8");
}

}  // namespace
}  // namespace ae
