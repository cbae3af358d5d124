// The fitted normaliser: each kind's statistics against a direct computation, applying and
// inverting, constant columns, byte data, width checks.
#include <gtest/gtest.h>

#include <cmath>

#include "ae/error.hpp"
#include "ae/normalizer.hpp"

namespace ae {
namespace {

Dataset floats(std::size_t rows, std::size_t cols, std::vector<float> values) {
  Dataset d;
  d.rows = rows;
  d.cols = cols;
  d.values = std::move(values);
  d.source = "t.csv";
  return d;
}

TEST(Normalizer, AutoIsStandardForFloatsAndBytesOver255ForBytes) {
  const Dataset f = floats(2, 1, {1, 3});
  EXPECT_EQ(fit_normalization(f, Scaling::automatic).kind, Normalizer::standard);
  EXPECT_EQ(fit_normalization(f, Scaling::none).kind, Normalizer::identity);
  Dataset b;
  b.rows = 2;
  b.cols = 1;
  b.byte_data = true;
  b.bytes = {0, 255};
  const Normalization n = fit_normalization(b, Scaling::automatic);
  EXPECT_EQ(n.kind, Normalizer::bytes_255);
  EXPECT_FALSE(n.per_column());
  EXPECT_EQ(fit_normalization(b, Scaling::none).kind, Normalizer::bytes_255);
}

TEST(Normalizer, StandardIsTheZScoreWithThePopulationDeviation) {
  // Column 0: 1, 2, 3, 6 (mean 3, variance 3.5); column 1 constant; column 2 near 1e6.
  Dataset d = floats(4, 3, {1, 5, 1e6f, 2, 5, 1e6f + 2, 3, 5, 1e6f + 4, 6, 5, 1e6f + 6});
  const Normalization n = fit_normalization(d, Scaling::standard);
  ASSERT_EQ(n.center.size(), 3u);
  EXPECT_FLOAT_EQ(n.center[0], 3.0f);
  EXPECT_FLOAT_EQ(n.scale[0], static_cast<float>(std::sqrt(3.5)));
  EXPECT_FLOAT_EQ(n.center[1], 5.0f);
  EXPECT_EQ(n.scale[1], 1.0f);  // constant: centred, not divided by zero
  EXPECT_FLOAT_EQ(n.center[2], 1e6f + 3);
  EXPECT_FLOAT_EQ(n.scale[2], static_cast<float>(std::sqrt(5.0)));
  normalize(d, n);
  double sum = 0, sq = 0;
  for (std::size_t r = 0; r < 4; ++r) {
    sum += d.at(r, 0);
    sq += d.at(r, 0) * d.at(r, 0);
    EXPECT_EQ(d.at(r, 1), 0.0f);
  }
  EXPECT_NEAR(sum / 4, 0.0, 1e-6);
  EXPECT_NEAR(sq / 4, 1.0, 1e-5);
}

TEST(Normalizer, MinmaxMapsTheTrainingRangeToZeroOne) {
  Dataset d = floats(3, 2, {-2, 7, 0, 7, 6, 7});
  const Normalization n = fit_normalization(d, Scaling::minmax);
  EXPECT_EQ(n.kind, Normalizer::minmax);
  EXPECT_EQ(n.center[0], -2.0f);
  EXPECT_EQ(n.scale[0], 8.0f);
  EXPECT_EQ(n.scale[1], 1.0f);
  normalize(d, n);
  EXPECT_EQ(d.at(0, 0), 0.0f);
  EXPECT_EQ(d.at(1, 0), 0.25f);
  EXPECT_EQ(d.at(2, 0), 1.0f);
  EXPECT_EQ(d.at(2, 1), 0.0f);
}

TEST(Normalizer, DenormalizeInvertsNormalize) {
  const Dataset d = floats(3, 2, {0.1f, -300, 2.5f, 12, 9.75f, 40000});
  for (Scaling s : {Scaling::standard, Scaling::minmax, Scaling::none}) {
    const Normalization n = fit_normalization(d, s);
    Matrix m = d.to_matrix();
    normalize(m.view(), n);
    denormalize(m.view(), n);
    // Float rounding of the scaled value, at the column's magnitude.
    for (std::size_t i = 0; i < 6; ++i) {
      const double size = n.per_column() ? std::abs(n.center[i % 2]) + n.scale[i % 2] : std::abs(d.values[i]);
      EXPECT_NEAR(m.view().data[i], d.values[i], 4e-7 * size) << i;
    }
  }
}

TEST(Normalizer, ByteDataBecomesFloatOnlyWhenScaledPerColumn) {
  Dataset b;
  b.rows = 2;
  b.cols = 2;
  b.byte_data = true;
  b.bytes = {0, 51, 255, 51};
  b.image_shape = {1, 2};
  Dataset same = b;
  normalize(same, fit_normalization(b, Scaling::automatic));
  EXPECT_TRUE(same.byte_data);
  const Normalization n = fit_normalization(b, Scaling::minmax);  // on value / 255
  EXPECT_FLOAT_EQ(n.scale[0], 1.0f);
  normalize(b, n);
  EXPECT_FALSE(b.byte_data);
  EXPECT_TRUE(b.bytes.empty());
  EXPECT_EQ(b.image_shape, (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(b.at(1, 0), 1.0f);
  EXPECT_EQ(b.at(1, 1), 0.0f);
}

TEST(Normalizer, WidthMismatchIsAUsageErrorNamingTheSource) {
  const Normalization n = fit_normalization(floats(2, 2, {1, 2, 3, 4}), Scaling::standard);
  Dataset other = floats(1, 3, {1, 2, 3});
  other.source = "new.csv";
  try {
    normalize(other, n);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    EXPECT_NE(std::string(e.what()).find("new.csv"), std::string::npos) << e.what();
  }
}

TEST(Normalizer, ValuesTooLargeForFloatStatisticsAreBadData) {
  // A spread of 6e38 does not fit a float.
  EXPECT_THROW(fit_normalization(floats(2, 1, {-3e38f, 3e38f}), Scaling::minmax), Error);
  // z-scoring 1e19-sized values works (the squares are summed in double).
  const Normalization n = fit_normalization(floats(2, 1, {-1e19f, 1e19f}), Scaling::standard);
  EXPECT_FLOAT_EQ(n.scale[0], 1e19f);
}

}  // namespace
}  // namespace ae
