// Dataset: byte scaling on every way out, and the set operations (concat, take, select,
// inject, shuffled, split) with their range checks and seeded reproducibility.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "ae/data.hpp"
#include "ae/error.hpp"
#include "ae/random.hpp"

namespace ae {
namespace {

// rows x cols bytes, row r filled with r + first (so a row is identified by its bytes).
Dataset byte_rows(std::size_t rows, std::size_t cols, std::uint8_t first, const char* source) {
  Dataset d;
  d.rows = rows;
  d.cols = cols;
  d.byte_data = true;
  d.source = source;
  for (std::size_t r = 0; r < rows; ++r) d.bytes.insert(d.bytes.end(), cols, static_cast<std::uint8_t>(first + r));
  return d;
}

// rows x cols floats, row r filled with id0 + r.
Dataset float_rows(std::size_t rows, std::size_t cols, float id0, const char* source) {
  Dataset d;
  d.rows = rows;
  d.cols = cols;
  d.source = source;
  for (std::size_t r = 0; r < rows; ++r) d.values.insert(d.values.end(), cols, id0 + static_cast<float>(r));
  return d;
}

float scaled(int b) { return static_cast<float>(b) * (1.0f / 255.0f); }

TEST(Dataset, ByteDataIsScaledTheSameWayEverywhere) {
  Dataset d = byte_rows(3, 2, 0, "b");
  d.bytes = {0, 255, 17, 128, 3, 200};
  const Matrix m = d.to_matrix();
  std::vector<float> copied(4), gathered(4);
  d.copy_rows(1, 2, copied.data());
  const std::size_t order[] = {2, 0};
  d.gather_rows(order, gathered.data());
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(m.values()[i], scaled(d.bytes[i]));
    EXPECT_EQ(d.at(i / 2, i % 2), scaled(d.bytes[i]));
  }
  EXPECT_EQ(m(0, 1), 1.0f);
  EXPECT_EQ(copied, (std::vector<float>{scaled(17), scaled(128), scaled(3), scaled(200)}));
  EXPECT_EQ(gathered, (std::vector<float>{scaled(3), scaled(200), scaled(0), scaled(255)}));
}

TEST(Dataset, FloatRowsCopyAndRangeChecks) {
  const Dataset d = float_rows(4, 3, 10, "f");
  std::vector<float> out(6);
  const std::size_t order[] = {3, 1};
  d.gather_rows(order, out.data());
  EXPECT_EQ(out, (std::vector<float>{13, 13, 13, 11, 11, 11}));
  d.copy_rows(2, 2, out.data());
  EXPECT_EQ(out, (std::vector<float>{12, 12, 12, 13, 13, 13}));
  EXPECT_THROW(d.copy_rows(3, 2, out.data()), Error);
  const std::size_t bad[] = {4};
  EXPECT_THROW(d.gather_rows(bad, out.data()), Error);
}

TEST(Dataset, ConcatKeepsBytesOnlyWhenBothAreBytes) {
  Dataset a = byte_rows(2, 4, 0, "a.idx");
  Dataset b = byte_rows(1, 4, 50, "b.idx");
  a.image_shape = b.image_shape = {2, 2};
  const Dataset ab = concat(a, b);
  EXPECT_TRUE(ab.byte_data);
  EXPECT_EQ(ab.rows, 3u);
  EXPECT_EQ(ab.image_shape, (std::vector<std::size_t>{2, 2}));
  EXPECT_EQ(ab.bytes[8], 50);
  EXPECT_EQ(ab.bytes[4], 1);

  const Dataset af = concat(a, float_rows(2, 4, -1, "f.csv"));
  EXPECT_FALSE(af.byte_data);
  EXPECT_TRUE(af.image_shape.empty());
  EXPECT_EQ(af.rows, 4u);
  EXPECT_EQ(af.values[4], scaled(1));
  EXPECT_EQ(af.values[12], 0.0f);  // second float row: -1 + 1

  EXPECT_EQ(concat(Dataset{}, b).bytes, b.bytes);
}

TEST(Dataset, ConcatOfDifferentWidthsNamesBothSources) {
  try {
    concat(byte_rows(1, 4, 0, "mnist.idx"), float_rows(1, 3, 0, "other.csv"));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    EXPECT_NE(msg.find("mnist.idx"), std::string::npos) << msg;
    EXPECT_NE(msg.find("other.csv"), std::string::npos) << msg;
  }
}

TEST(Dataset, TakeAndSelectAreRangeChecked) {
  const Dataset d = byte_rows(5, 2, 0, "d");
  const Dataset t = take(d, 1, 3);
  EXPECT_EQ(t.rows, 3u);
  EXPECT_EQ(t.bytes, (std::vector<std::uint8_t>{1, 1, 2, 2, 3, 3}));
  EXPECT_EQ(take(d, 5, 0).rows, 0u);
  EXPECT_THROW(take(d, 4, 2), Error);
  EXPECT_THROW(take(d, 6, 0), Error);
  EXPECT_THROW(take(d, 1, SIZE_MAX), Error);
  const std::size_t rows[] = {4, 0, 4};
  EXPECT_EQ(select(d, rows).bytes, (std::vector<std::uint8_t>{4, 4, 0, 0, 4, 4}));
  const std::size_t bad[] = {5};
  EXPECT_THROW(select(d, bad), Error);
}

TEST(Dataset, InjectPutsExtraRowsAtTheReportedPositions) {
  const Dataset base = float_rows(50, 3, 0, "base");
  const Dataset extra = float_rows(7, 3, 1000, "extra");
  Rng rng(11);
  std::vector<std::size_t> pos;
  const Dataset out = inject(base, extra, rng, pos);
  ASSERT_EQ(out.rows, 57u);
  ASSERT_EQ(pos.size(), 7u);
  EXPECT_TRUE(std::is_sorted(pos.begin(), pos.end()));
  EXPECT_EQ(std::adjacent_find(pos.begin(), pos.end()), pos.end());
  for (std::size_t i = 0; i < pos.size(); ++i) EXPECT_EQ(out.at(pos[i], 2), 1000.0f + static_cast<float>(i));
  float expected_base = 0;
  for (std::size_t r = 0; r < out.rows; ++r) {
    if (std::find(pos.begin(), pos.end(), r) != pos.end()) continue;
    EXPECT_EQ(out.at(r, 0), expected_base++);
  }
  EXPECT_EQ(expected_base, 50.0f);

  Rng again(11), other(12);
  std::vector<std::size_t> pos2, pos3;
  EXPECT_EQ(inject(base, extra, again, pos2).values, out.values);
  EXPECT_EQ(pos2, pos);
  inject(base, extra, other, pos3);
  EXPECT_NE(pos3, pos);
}

TEST(Dataset, InjectReachesEverySlotEvenly) {
  const Dataset base = byte_rows(3, 1, 0, "base");
  const Dataset extra = byte_rows(1, 1, 9, "extra");
  std::vector<int> hits(4, 0);
  Rng rng(5);
  std::vector<std::size_t> pos;
  for (int i = 0; i < 4000; ++i) {
    const Dataset out = inject(base, extra, rng, pos);
    EXPECT_TRUE(out.byte_data);
    ++hits[pos[0]];
  }
  for (int h : hits) EXPECT_NEAR(h, 1000, 120);
}

TEST(Dataset, InjectInPlaceMatchesTheCopyAndKeepsTheStorage) {
  for (std::size_t extra_rows : {1u, 5u, 40u}) {
    SCOPED_TRACE(extra_rows);
    const Dataset base = byte_rows(30, 4, 0, "base");
    const Dataset extra = byte_rows(extra_rows, 4, 100, "extra");
    Rng a(21), b(21);
    std::vector<std::size_t> pos_copy, pos_move;
    const Dataset copy = inject(base, extra, a, pos_copy);
    Dataset moved = base;
    moved.bytes.reserve(moved.bytes.size() + extra.bytes.size());
    const std::uint8_t* storage = moved.bytes.data();
    const Dataset out = inject(std::move(moved), extra, b, pos_move);
    EXPECT_EQ(out.bytes, copy.bytes);
    EXPECT_EQ(out.rows, copy.rows);
    EXPECT_EQ(out.source, copy.source);
    EXPECT_EQ(pos_move, pos_copy);
    EXPECT_EQ(a.state(), b.state());
    EXPECT_EQ(out.bytes.data(), storage);  // no second copy
  }
  // Float data and mismatched widths take the copying path and its checks.
  Rng rng(1);
  std::vector<std::size_t> pos;
  EXPECT_EQ(inject(float_rows(5, 2, 0, "f"), byte_rows(2, 2, 7, "b"), rng, pos).rows, 7u);
  EXPECT_THROW(inject(byte_rows(5, 2, 0, "a"), byte_rows(2, 3, 0, "b"), rng, pos), Error);
}

TEST(Dataset, ShuffledIsASeededPermutation) {
  const Dataset d = float_rows(100, 2, 0, "d");
  Rng a(3), b(3);
  const Dataset s = shuffled(d, a);
  EXPECT_EQ(shuffled(d, b).values, s.values);
  EXPECT_NE(s.values, d.values);
  std::vector<float> firsts;
  for (std::size_t r = 0; r < s.rows; ++r) {
    EXPECT_EQ(s.at(r, 0), s.at(r, 1));
    firsts.push_back(s.at(r, 0));
  }
  std::sort(firsts.begin(), firsts.end());
  for (std::size_t r = 0; r < firsts.size(); ++r) EXPECT_EQ(firsts[r], static_cast<float>(r));
}

TEST(Dataset, SplitSizesAndDisjointParts) {
  const Dataset d = byte_rows(10, 1, 0, "d");
  Rng rng(1);
  const auto [train, valid] = split(d, 0.75, rng);
  EXPECT_EQ(train.rows, 8u);  // round(7.5)
  EXPECT_EQ(valid.rows, 2u);
  std::vector<std::uint8_t> all = train.bytes;
  all.insert(all.end(), valid.bytes.begin(), valid.bytes.end());
  std::sort(all.begin(), all.end());
  std::vector<std::uint8_t> expected(10);
  std::iota(expected.begin(), expected.end(), std::uint8_t{0});
  EXPECT_EQ(all, expected);
  EXPECT_EQ(split(d, 0.0, rng).first.rows, 0u);
  EXPECT_EQ(split(d, 1.0, rng).second.rows, 0u);
  EXPECT_THROW(split(d, 1.5, rng), Error);
  EXPECT_THROW(split(d, -0.1, rng), Error);
}

}  // namespace
}  // namespace ae
