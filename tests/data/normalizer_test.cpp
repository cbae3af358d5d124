// The fitted normaliser: each kind's statistics against a direct computation, applying and
// inverting, constant columns, byte data, width checks.
#include <gtest/gtest.h>

#include <cmath>

#include "ae/error.hpp"
#include "ae/normalizer.hpp"
#include "../test_support.hpp"

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

TEST(Normalizer, AutoIsRobustForFloatsAndBytesOver255ForBytes) {
  const Dataset f = floats(2, 1, {1, 3});
  EXPECT_EQ(fit_normalization(f, Scaling::automatic).kind, Normalizer::robust);
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

// Reference values from numpy: np.median(c) and (np.percentile(c, 90) - np.percentile(c, 10))
// / 2.5631031 (linear interpolation), and c.std() for the fallback.
TEST(Normalizer, RobustIsTheMedianAndTheInterdecileRangeInSigmas) {
  // Column 0 holds an outlier (40); column 1 is 0 on 10 of 11 rows, so its interdecile range
  // is 0 and its standard deviation is used; column 2 is constant.
  const std::vector<float> c0{1, 2, 3, 6, 40, 5, 4, 3, 2, 7, 8};
  std::vector<float> values;
  for (std::size_t r = 0; r < 11; ++r) values.insert(values.end(), {c0[r], r == 10 ? 11.0f : 0.0f, 5.0f});
  Dataset d = floats(11, 3, values);
  const Normalization n = fit_normalization(d, Scaling::robust);
  EXPECT_EQ(n.kind, Normalizer::robust);
  EXPECT_FLOAT_EQ(n.center[0], 4.0f);
  EXPECT_FLOAT_EQ(n.scale[0], 2.3409124666112726f);
  EXPECT_FLOAT_EQ(n.center[1], 0.0f);
  EXPECT_FLOAT_EQ(n.scale[1], 3.1622776601683795f);
  EXPECT_FLOAT_EQ(n.center[2], 5.0f);
  EXPECT_EQ(n.scale[2], 1.0f);
  // The outlier moves neither: the same at 40 and at 4e6.
  values[4 * 3] = 4e6f;
  const Normalization far = fit_normalization(floats(11, 3, values), Scaling::robust);
  EXPECT_EQ(far.center[0], n.center[0]);
  EXPECT_EQ(far.scale[0], n.scale[0]);
  // The z-score is not robust: its centre moves by about 4e6 / 11.
  EXPECT_GT(fit_normalization(floats(11, 3, values), Scaling::standard).center[0], 3e5f);
  normalize(d, n);
  EXPECT_FLOAT_EQ(d.at(4, 0), (40.0f - 4.0f) / 2.3409124666112726f);
  EXPECT_FLOAT_EQ(d.at(10, 1), 11.0f / 3.1622776601683795f);
}

// 95 rows alike but for float rounding (1 and the next float), 5 rows at 100: an
// interdecile range of 1.2e-7 would put those rows at 2e9; the standard deviation is kept.
// A column of tiny values whose band is real (1e-9 apart) keeps its robust spread.
TEST(Normalizer, ARobustSpreadWithinFloatRoundingFallsBackToTheDeviation) {
  std::vector<float> v;
  for (int i = 0; i < 95; ++i) v.push_back(i % 2 == 0 ? 1.0f : std::nextafter(1.0f, 2.0f));
  for (int i = 0; i < 5; ++i) v.push_back(100.0f);
  const Normalization robust = fit_normalization(floats(100, 1, v), Scaling::robust);
  const Normalization standard = fit_normalization(floats(100, 1, v), Scaling::standard);
  EXPECT_FLOAT_EQ(robust.center[0], 1.0f);
  EXPECT_EQ(robust.scale[0], standard.scale[0]);
  EXPECT_NEAR(standard.scale[0], 21.6, 0.1);
  std::vector<float> tiny;
  for (int i = 0; i < 100; ++i) tiny.push_back(1e-9f * static_cast<float>(i % 10));
  const Normalization small = fit_normalization(floats(100, 1, tiny), Scaling::robust);
  EXPECT_NEAR(small.scale[0], 7.2e-9 / 2.5631031, 1e-13);  // numpy: q90 - q10 = 7.2e-9
}

TEST(Normalizer, RobustQuantilesComeFromEvenlySpacedRowsBeyondTheLimit) {
  // 10 rows, at most 5 used: rows 0, 2, 4, 6, 8 = {1, 3, 40, 4, 2}.
  const Dataset d = floats(10, 1, {1, 2, 3, 6, 40, 5, 4, 3, 2, 7});
  const Normalization n = fit_normalization(d, Scaling::robust, 5);
  EXPECT_FLOAT_EQ(n.center[0], 3.0f);
  EXPECT_FLOAT_EQ(n.scale[0], 9.441680281998801f);
  // The default limit is above 10 rows: every row.
  EXPECT_FLOAT_EQ(fit_normalization(d, Scaling::robust).center[0], 3.5f);
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
  for (Scaling s : {Scaling::standard, Scaling::minmax, Scaling::robust, Scaling::none}) {
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
  test::expect_error([&] {
    normalize(other, n);
  }, ErrorKind::usage, "new.csv");
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
