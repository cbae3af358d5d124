// NPY reader and writers: accepted dtypes and shapes, bit-exact write/read round trips, the
// 64-byte header rule, and broken headers and payloads failing with bad_data.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "ae/data.hpp"
#include "ae/error.hpp"

namespace ae {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

class NpyFiles : public testing::Test {
 protected:
  void SetUp() override {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(testing::TempDir()) /
           ("ae_npy_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

Bytes read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

// A v1.0 (or v2.0) NPY file with the given header dict text (padded like numpy) and payload.
Bytes npy_file(const std::string& dict, const Bytes& payload, int major = 1) {
  std::string h = dict;
  const std::size_t pre = major == 1 ? 10 : 12;
  h.append((64 - (pre + h.size() + 1) % 64) % 64, ' ');
  h.push_back('\n');
  Bytes b(pre + h.size() + payload.size());
  const std::uint8_t magic[] = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<std::uint8_t>(major), 0};
  std::copy(std::begin(magic), std::end(magic), b.begin());
  for (std::size_t i = 8; i < pre; ++i) b[i] = static_cast<std::uint8_t>(h.size() >> (8 * (i - 8)));
  std::copy(h.begin(), h.end(), b.begin() + static_cast<std::ptrdiff_t>(pre));
  std::copy(payload.begin(), payload.end(), b.begin() + static_cast<std::ptrdiff_t>(pre + h.size()));
  return b;
}

std::string dict(const std::string& descr, const std::string& shape, bool fortran = false) {
  return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
         ", 'shape': " + shape + ", }";
}

template <class T>
Bytes le_bytes(const std::vector<T>& v) {
  static_assert(std::endian::native == std::endian::little);
  Bytes b(v.size() * sizeof(T));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

void expect_bad(const Bytes& bytes, const std::string& fragment) {
  try {
    parse_npy(bytes, "emb.npy");
    ADD_FAILURE() << "no error; expected one mentioning '" << fragment << "'";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::bad_data) << msg;
    EXPECT_EQ(msg.rfind("emb.npy: ", 0), 0u) << msg;
    EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(Npy, ReadsF4TwoDims) {
  const std::vector<float> v = {1.5f, -2.0f, 0.25f, 3.0f, 4.0f, -0.0f};
  const Dataset d = parse_npy(npy_file(dict("<f4", "(2, 3)"), le_bytes(v)), "emb.npy");
  EXPECT_EQ(d.rows, 2u);
  EXPECT_EQ(d.cols, 3u);
  EXPECT_FALSE(d.byte_data);
  EXPECT_EQ(d.values, v);
}

TEST(Npy, ConvertsF8I8I4AndKeepsU1AsBytes) {
  const Dataset f8 = parse_npy(npy_file(dict("<f8", "(3,)"), le_bytes(std::vector<double>{0.5, -1e10, 3})), "a.npy");
  EXPECT_EQ(f8.rows, 3u);
  EXPECT_EQ(f8.cols, 1u);
  EXPECT_EQ(f8.values, (std::vector<float>{0.5f, -1e10f, 3.0f}));

  const Dataset i8 = parse_npy(npy_file(dict("<i8", "(1, 2)"), le_bytes(std::vector<std::int64_t>{-7, 1 << 20})), "b.npy");
  EXPECT_EQ(i8.values, (std::vector<float>{-7.0f, 1048576.0f}));

  const Dataset i4 = parse_npy(npy_file(dict("<i4", "(2,)"), le_bytes(std::vector<std::int32_t>{-1, 9})), "c.npy");
  EXPECT_EQ(i4.values, (std::vector<float>{-1.0f, 9.0f}));

  const Dataset u1 = parse_npy(npy_file(dict("|u1", "(2, 2)"), Bytes{0, 255, 7, 128}), "d.npy");
  EXPECT_TRUE(u1.byte_data);
  EXPECT_EQ(u1.bytes, (Bytes{0, 255, 7, 128}));
  EXPECT_EQ(u1.at(0, 1), 1.0f);
}

TEST(Npy, AcceptsVersionTwoAndKeysInAnyOrderWithDoubleQuotes) {
  const std::string d = "{\"shape\": (2,), \"fortran_order\": False, \"descr\": \"<f4\"}";
  const Dataset v2 = parse_npy(npy_file(d, le_bytes(std::vector<float>{1, 2}), 2), "a.npy");
  EXPECT_EQ(v2.values, (std::vector<float>{1, 2}));
}

TEST_F(NpyFiles, WriteNpyRoundTripsBitExactThroughLoadData) {
  Matrix m(3, 5);
  const float specials[] = {0.1f, -0.0f, std::numeric_limits<float>::denorm_min(),
                            std::numeric_limits<float>::max(), -1e-30f, 123456.789f};
  for (std::size_t i = 0; i < m.size(); ++i) {
    m.data()[i] = i < 6 ? specials[i] : static_cast<float>(i) / 7.0f - 1.0f;
  }
  write_npy(path("m.npy"), m);

  const Bytes raw = read_all(path("m.npy"));
  const std::size_t header_len = raw[8] | (raw[9] << 8);
  EXPECT_EQ((10 + header_len) % 64, 0u);
  EXPECT_EQ(raw[10 + header_len - 1], '\n');
  EXPECT_EQ(raw.size(), 10 + header_len + m.size() * 4);

  const Dataset d = load_data(path("m.npy"));
  ASSERT_EQ(d.rows, 3u);
  ASSERT_EQ(d.cols, 5u);
  for (std::size_t i = 0; i < m.size(); ++i) {
    EXPECT_EQ(std::bit_cast<std::uint32_t>(d.values[i]), std::bit_cast<std::uint32_t>(m.data()[i])) << i;
  }
}

TEST_F(NpyFiles, WriteNpyI64RoundTripsAsLabels) {
  const std::vector<std::int64_t> v = {0, -5, std::int64_t{1} << 40, std::numeric_limits<std::int64_t>::min(), 9};
  write_npy_i64(path("ids.npy"), v);
  EXPECT_EQ(load_labels(path("ids.npy")), v);
  const Bytes raw = read_all(path("ids.npy"));
  const std::string head(raw.begin() + 10, raw.begin() + 64);
  EXPECT_NE(head.find("'descr': '<i8'"), std::string::npos) << head;
  EXPECT_NE(head.find("'shape': (5,)"), std::string::npos) << head;
}

TEST(Npy, LabelsAcceptWholeFloatsAndNByOneAndRejectFractions) {
  EXPECT_EQ(parse_npy_labels(npy_file(dict("<f8", "(3, 1)"), le_bytes(std::vector<double>{1, -2, 7})), "l.npy"),
            (std::vector<std::int64_t>{1, -2, 7}));
  EXPECT_THROW(parse_npy_labels(npy_file(dict("<f4", "(2,)"), le_bytes(std::vector<float>{1, 2.5f})), "l.npy"), Error);
  EXPECT_THROW(parse_npy_labels(npy_file(dict("<i8", "(1, 2)"), le_bytes(std::vector<std::int64_t>{1, 2})), "l.npy"), Error);
}

TEST(Npy, BadMagicIsRejected) {
  Bytes b = npy_file(dict("<f4", "(1,)"), le_bytes(std::vector<float>{1}));
  b[1] = 'n';
  expect_bad(b, "magic");
}

TEST(Npy, ObjectDtypeIsRejected) {
  expect_bad(npy_file(dict("|O", "(1,)"), Bytes(8)), "object dtype");
}

TEST(Npy, FortranOrderIsRejected) {
  expect_bad(npy_file(dict("<f4", "(1, 1)", true), Bytes(4)), "fortran_order");
}

TEST(Npy, BigEndianIsRejected) {
  expect_bad(npy_file(dict(">f4", "(1,)"), Bytes(4)), "big-endian");
}

TEST(Npy, UnsupportedDtypeAndShapesAreRejected) {
  expect_bad(npy_file(dict("<f2", "(1,)"), Bytes(2)), "unsupported dtype '<f2'");
  expect_bad(npy_file(dict("<f4", "(1, 1, 1)"), Bytes(4)), "3 dimensions");
  expect_bad(npy_file(dict("<f4", "()"), Bytes(4)), "0 dimensions");
  expect_bad(npy_file(dict("<f4", "(0, 3)"), Bytes()), "zero size");
}

TEST(Npy, TruncatedPayloadIsRejected) {
  expect_bad(npy_file(dict("<f4", "(2, 2)"), Bytes(15)), "truncated");
}

TEST(Npy, TrailingBytesAreRejected) {
  expect_bad(npy_file(dict("<f4", "(2, 2)"), Bytes(17)), "1 trailing bytes");
}

TEST(Npy, NanAndInfAreRejectedWithTheirPosition) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  expect_bad(npy_file(dict("<f4", "(2, 2)"), le_bytes(std::vector<float>{1, 2, 3, nan})), "row 1, column 1");
  expect_bad(npy_file(dict("<f8", "(2,)"), le_bytes(std::vector<double>{1, 1e300})), "row 1, column 0");
}

TEST(Npy, MalformedHeadersAreRejected) {
  expect_bad(npy_file("{'descr': '<f4', 'shape': (1,), }", Bytes(4)), "lacks");
  expect_bad(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", Bytes(4)),
             "unexpected or repeated key 'x'");
  expect_bad(npy_file("{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}", Bytes(4)), "expected ','");
  expect_bad(npy_file("{'descr': '<f4', 'fortran_order': false, 'shape': (1,)}", Bytes(4)), "True or False");
  expect_bad(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", Bytes(4)), "integer");
  Bytes b = npy_file(dict("<f4", "(1,)"), Bytes(4));
  b[6] = 9;
  expect_bad(b, "version 9.0");
  b = npy_file(dict("<f4", "(1,)"), Bytes(4));
  b[9] = 0x7F;  // header length far past the end
  expect_bad(b, "runs past the end");
}

}  // namespace
}  // namespace ae
