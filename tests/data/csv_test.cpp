// CSV reader and writer: header detection, CRLF, blanks, every rejected cell with its row
// and column, and an exact write/read round trip.
#include <gtest/gtest.h>

#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ae/data.hpp"
#include "ae/error.hpp"
#include "ae/random.hpp"

namespace ae {
namespace {

namespace fs = std::filesystem;

class CsvFiles : public testing::Test {
 protected:
  void SetUp() override {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(testing::TempDir()) /
           ("ae_csv_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

// Expects parse_csv to throw bad_data whose one-line message is "data.csv: " + `expected...`.
void expect_bad(const std::string& text, const std::string& fragment) {
  try {
    parse_csv(text, "data.csv");
    ADD_FAILURE() << "no error; expected one mentioning '" << fragment << "'";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::bad_data) << msg;
    EXPECT_EQ(msg.rfind("data.csv: ", 0), 0u) << msg;
    EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(Csv, ReadsATableWithoutHeader) {
  const Dataset d = parse_csv("1,2.5,-3\n4e2, 5 ,+6\n", "data.csv");
  EXPECT_EQ(d.rows, 2u);
  EXPECT_EQ(d.cols, 3u);
  EXPECT_FALSE(d.byte_data);
  EXPECT_EQ(d.values, (std::vector<float>{1, 2.5f, -3, 400, 5, 6}));
  EXPECT_EQ(d.source, "data.csv");
}

TEST(Csv, DetectsAHeaderWhenACellIsNotANumber) {
  const Dataset named = parse_csv("x,y\n1,2\n3,4\n", "data.csv");
  EXPECT_EQ(named.rows, 2u);
  EXPECT_EQ(named.values, (std::vector<float>{1, 2, 3, 4}));
  // One text cell is enough, and quoted names are always text (even when numeric).
  EXPECT_EQ(parse_csv("1,label\n1,2\n", "data.csv").rows, 1u);
  EXPECT_EQ(parse_csv("\"0\",\"1\"\n1,2\n", "data.csv").rows, 1u);
  EXPECT_EQ(parse_csv(",a\n1,2\n", "data.csv").rows, 1u);
  // No text cell: the first row is data.
  EXPECT_EQ(parse_csv("0,1\n1,2\n", "data.csv").rows, 2u);
}

TEST(Csv, AcceptsCrlfBomAndTrailingBlankLines) {
  const Dataset d = parse_csv("\xEF\xBB\xBF" "a,b\r\n1,2\r\n3,4\r\n\r\n  \n", "data.csv");
  EXPECT_EQ(d.rows, 2u);
  EXPECT_EQ(d.cols, 2u);
  EXPECT_EQ(d.values, (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(parse_csv("1,2\r\n3,4", "data.csv").values, (std::vector<float>{1, 2, 3, 4}));
}

TEST(Csv, RaggedRowIsRejectedWithRowAndCounts) {
  expect_bad("a,b\n1,2\n3,4,5\n", "data.csv: row 3: expected 2 columns, found 3");
  expect_bad("1,2\n3\n", "row 2: expected 2 columns, found 1");
}

TEST(Csv, NanAndInfAreRejected) {
  expect_bad("a,b\n1,nan\n", "row 2, column 2: 'nan' is not a finite number");
  expect_bad("1,2\n-inf,3\n", "row 2, column 1: '-inf' is not a finite number");
  expect_bad("1,2\n1e39,3\n", "row 2, column 1: '1e39' is out of the 32-bit float range");
}

TEST(Csv, QuotedDecimalCommaIsRejected) {
  expect_bad("a,b\n1,\"1,5\"\n", "data.csv: row 2, column 2: cannot parse '1,5' as a number");
}

TEST(Csv, PartlyNumericCellIsRejected) {
  expect_bad("a,b\n1,2\n3,1.5x\n", "row 3, column 2: cannot parse '1.5x' as a number");
  expect_bad("1,2\n3,0x10\n", "row 2, column 2: cannot parse '0x10'");
  expect_bad("1,2\n3,\n", "row 2, column 2: empty cell");
  expect_bad("1,2\n3,\"4\n", "row 2, column 2: unterminated quote");
}

TEST(Csv, EmptyFileAndHeaderOnlyHaveNoDataRows) {
  expect_bad("", "no data rows");
  expect_bad("\n\n", "no data rows");
  expect_bad("a,b\n", "no data rows");
}

TEST(Csv, BlankLineInsideTheDataIsRejected) {
  expect_bad("1,2\n\n3,4\n", "row 2: empty line");
}

TEST_F(CsvFiles, WriteCsvRoundTripsExactlyThroughLoadData) {
  Rng rng(7);
  Matrix m(20, 4);
  for (float& v : m.values()) v = static_cast<float>(rng.normal() * std::pow(10.0, rng.uniform(-30, 30)));
  m(0, 0) = -0.0f;
  m(1, 1) = 1.0f / 3.0f;
  write_csv(path("m.csv"), m, {"a", "b,c", "2", " d"});
  const Dataset d = load_data(path("m.csv"));
  ASSERT_EQ(d.rows, m.rows());
  ASSERT_EQ(d.cols, m.cols());
  for (std::size_t i = 0; i < m.size(); ++i) {
    EXPECT_EQ(std::bit_cast<std::uint32_t>(d.values[i]), std::bit_cast<std::uint32_t>(m.values()[i])) << i;
  }
}

TEST_F(CsvFiles, WriteCsvWithoutHeaderAndWithAWrongHeader) {
  Matrix m(2, 2, 0.5f);
  write_csv(path("plain.csv"), m, {});
  EXPECT_EQ(load_data(path("plain.csv")).rows, 2u);
  try {
    write_csv(path("bad.csv"), m, {"only_one"});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
  }
  EXPECT_FALSE(fs::exists(path("bad.csv")));
}

}  // namespace
}  // namespace ae
