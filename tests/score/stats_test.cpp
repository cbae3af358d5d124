// ScoreStats against numpy: moments (population std), median, raw MAD, numpy 'linear'
// quartiles, the quantile grid, and quantile() at and between grid points.
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include "ae/error.hpp"
#include "ae/random.hpp"
#include "ae/score.hpp"
#include "score_fixture.hpp"

namespace ae {
namespace {

using score_test::doubles;
using score_test::floats;
using score_test::reference;

TEST(ScoreStats, GridIsAscendingAndHasTheDocumentedPoints) {
  const std::vector<double>& g = quantile_grid();
  EXPECT_EQ(g.size(), reference()["stats"][0]["grid_size"].get<std::size_t>());
  EXPECT_EQ(g.size(), 389u);
  EXPECT_EQ(g.front(), 0.0);
  EXPECT_EQ(g.back(), 1.0);
  for (std::size_t i = 1; i < g.size(); ++i) EXPECT_LT(g[i - 1], g[i]);
  for (double p : {0.5, 0.9, 0.99, 0.995, 0.999, 0.9995, 0.9999, 0.99999}) {
    EXPECT_TRUE(std::binary_search(g.begin(), g.end(), p)) << p;
  }
}

TEST(ScoreStats, MatchNumpy) {
  for (const auto& want : reference()["stats"]) {
    const std::vector<float> values = floats(want["values"]);
    SCOPED_TRACE(values.size());
    const ScoreStats s = score_stats(values);
    // Exact statistics: double arithmetic on the same float values.
    const double tight = 1e-12;
    auto near = [&](double got, const nlohmann::json& e, double rel, const char* what) {
      const double v = e.get<double>();
      EXPECT_NEAR(got, v, rel * std::max(1.0, std::fabs(v))) << what;
    };
    EXPECT_EQ(s.count, want["count"].get<std::size_t>());
    near(s.mean, want["mean"], tight, "mean");
    near(s.std, want["std"], tight, "std");
    near(s.min, want["min"], 0, "min");
    near(s.max, want["max"], 0, "max");
    near(s.median, want["median"], tight, "median");
    near(s.mad, want["mad"], tight, "mad");
    near(s.q1, want["q1"], tight, "q1");
    near(s.q3, want["q3"], tight, "q3");
    // Grid values are rounded to float.
    const std::vector<double> grid = doubles(want["grid"]);
    ASSERT_EQ(s.grid.size(), grid.size());
    for (std::size_t i = 0; i < grid.size(); ++i) {
      EXPECT_NEAR(s.grid[i], grid[i], 1e-7 * std::max(1.0, std::fabs(grid[i]))) << "grid " << i;
    }
    const std::vector<double> probes = doubles(want["probes"]);
    const std::vector<double> at = doubles(want["probe_values"]);
    const std::vector<double> exact = doubles(want["exact_at_probes"]);
    for (std::size_t i = 0; i < probes.size(); ++i) {
      EXPECT_NEAR(s.quantile(probes[i]), at[i], 1e-7 * std::max(1.0, std::fabs(at[i])))
          << "p = " << probes[i];
      // Between grid points the interpolation stays near numpy's exact quantile.
      EXPECT_NEAR(s.quantile(probes[i]), exact[i], 0.02 * std::max(1.0, std::fabs(exact[i])))
          << "p = " << probes[i];
    }
  }
}

TEST(ScoreStats, MedianAndMadAreThoseOfTheSortedValuesBitForBit) {
  // The definition: every value sorted (NaN last, as the highest), numpy's linear median of
  // them, and of the sorted distances to it; on sizes odd and even, ties and NaNs.
  const auto nan_last = [](double a, double b) { return a < b || (std::isnan(b) && !std::isnan(a)); };
  const auto median = [](const std::vector<double>& sorted) {
    const double h = 0.5 * static_cast<double>(sorted.size() - 1), below = std::floor(h), t = h - below;
    const auto i = static_cast<std::size_t>(below);
    const double a = sorted[i], b = sorted[std::min(i + 1, sorted.size() - 1)], diff = b - a;
    return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
  };
  const auto same = [](double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); };
  Rng rng(12);
  for (const std::size_t n : {1u, 2u, 3u, 4u, 7u, 10u, 101u, 1000u}) {
    for (const int nans : {0, 1, 2, 600}) {
      std::vector<float> values(n);
      for (float& v : values) v = static_cast<float>(std::floor(rng.uniform_double() * 20.0) / 4.0);  // ties
      for (int k = 0; k < nans && k < static_cast<int>(n); ++k) values[rng.below(n)] = std::nanf("");
      std::vector<double> v(values.begin(), values.end());
      std::sort(v.begin(), v.end(), nan_last);
      const double m = median(v);
      std::vector<double> dev(n);
      for (std::size_t i = 0; i < n; ++i) dev[i] = std::fabs(v[i] - m);
      std::sort(dev.begin(), dev.end(), nan_last);
      const ScoreStats s = score_stats(values);
      EXPECT_TRUE(same(s.median, m)) << n << " values, " << nans << " NaN: " << s.median << " against " << m;
      EXPECT_TRUE(same(s.mad, median(dev))) << n << " values, " << nans << " NaN: " << s.mad << " against " << median(dev);
      EXPECT_TRUE(same(s.max, v.back())) << n;
      EXPECT_TRUE(same(s.min, v.front())) << n;
    }
  }
}

TEST(ScoreStats, QuantileClampsAndHandlesEdges) {
  const std::vector<float> v = {4, 1, 3, 2};
  const ScoreStats s = score_stats(v);
  EXPECT_EQ(s.quantile(-1), 1.0);
  EXPECT_EQ(s.quantile(0), 1.0);
  EXPECT_EQ(s.quantile(1), 4.0);
  EXPECT_EQ(s.quantile(2), 4.0);
  EXPECT_DOUBLE_EQ(s.quantile(0.5), 2.5);
  EXPECT_TRUE(std::isnan(s.quantile(std::nan(""))));
  EXPECT_TRUE(std::isnan(ScoreStats{}.quantile(0.5)));
  const ScoreStats one = score_stats(std::vector<float>{7.5f});
  EXPECT_EQ(one.std, 0.0);
  EXPECT_EQ(one.mad, 0.0);
  EXPECT_EQ(one.quantile(0.99), 7.5);
  EXPECT_THROW(score_stats(std::vector<float>{}), Error);
}

TEST(ScoreStats, GridValuesAreShortFloats) {
  const std::vector<float> v = {0.1f, 0.2f, 0.7f};
  const ScoreStats s = score_stats(v);
  for (double g : s.grid) {
    // Each grid value is the shortest decimal of the float it stands for, read as double.
    char buf[48];
    const auto written = std::to_chars(buf, buf + sizeof buf, static_cast<float>(g));
    double back = 0;
    std::from_chars(buf, written.ptr, back);
    EXPECT_EQ(back, g);
  }
  // q(0.5) = 0.2f, stored as the double 0.2 (its shortest decimal).
  EXPECT_EQ(s.quantile(0.5), 0.2);
}

// p_value inverts the stored grid: at a grid point where the grid rises it is 1 - p, halfway
// between two distinct grid values 1 - the mean of their p; below the minimum 1, above the
// maximum 0; it stays within the grid's spacing of the exact share of scores >= s; and a row
// is above the fpr=Q cut exactly when its p-value is below Q.
TEST(ScoreStats, PValueInvertsTheStoredGrid) {
  Rng rng(11);
  std::vector<float> scores(5000);
  // Half smooth, half on a few repeated values, so the grid has rises and flats.
  for (std::size_t i = 0; i < scores.size(); ++i) {
    scores[i] = i % 2 ? static_cast<float>(std::exp(rng.normal())) : static_cast<float>(rng.uniform(0, 4) > 3 ? 2 : 1);
  }
  const ScoreStats s = score_stats(scores);
  const std::vector<double>& g = quantile_grid();
  std::size_t rises = 0;
  for (std::size_t i = 1; i < g.size(); ++i) {
    if (s.grid[i - 1] < s.grid[i]) {
      ++rises;
      EXPECT_NEAR(s.p_value(s.grid[i]), 1 - g[i], 1e-12) << i;
      EXPECT_NEAR(s.p_value(0.5 * (s.grid[i - 1] + s.grid[i])), 1 - 0.5 * (g[i - 1] + g[i]), 1e-9) << i;
    }
  }
  EXPECT_GT(rises, 200u);
  EXPECT_EQ(s.p_value(s.min), 1.0);
  EXPECT_EQ(s.p_value(s.min - 1), 1.0);
  EXPECT_EQ(s.p_value(s.max * 1.01), 0.0);
  EXPECT_TRUE(std::isnan(s.p_value(std::nan(""))));
  EXPECT_TRUE(std::isnan(ScoreStats{}.p_value(1.0)));
  for (double x : {0.3, 1.0, 1.5, 2.0, 2.5, 6.0}) {
    const double at_or_above = static_cast<double>(std::count_if(scores.begin(), scores.end(), [&](float v) { return v >= x; })) /
                               static_cast<double>(scores.size());
    EXPECT_NEAR(s.p_value(x), at_or_above, 0.005 + 1e-9) << x;
  }
  for (double q : {0.5, 0.1, 0.01, 0.003, 0.0005}) {
    const double cut = threshold_value(parse_threshold("fpr=" + std::to_string(q)), s);
    EXPECT_EQ(cut, s.quantile(1 - q));
    for (int k = 0; k < 2000; ++k) {
      const double x = std::exp(rng.normal() * 1.5);
      EXPECT_EQ(x > cut, s.p_value(x) < q) << x << " cut " << cut;
    }
  }
}

}  // namespace
}  // namespace ae
