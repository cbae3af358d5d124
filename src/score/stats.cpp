// Summary statistics of scores and their quantile grid. Quantiles use numpy's default
// ('linear') definition, including its way of interpolating, so values match numpy's.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include "ae/error.hpp"
#include "ae/score.hpp"
#include "score/score_detail.hpp"

namespace ae {
namespace {

// Where numpy's linear quantile p of n ascending values falls: between positions i and j
// (the same at the top), weight t on j.
struct QuantilePlace {
  std::size_t i, j;
  double t;
};
QuantilePlace quantile_place(std::size_t n, double p) {
  const double h = p * static_cast<double>(n - 1);
  const double below = std::floor(h);
  const std::size_t i = std::min(static_cast<std::size_t>(std::max(below, 0.0)), n - 1);
  return {i, std::min(i + 1, n - 1), h - below};
}

// numpy's lerp from a to b, written as numpy writes it (from the upper neighbour when the
// weight >= 0.5).
double lerp(double a, double b, double t) {
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

// numpy's linear quantile of ascending values (n >= 1).
double sorted_quantile(const std::vector<double>& v, double p) {
  const QuantilePlace q = quantile_place(v.size(), p);
  return lerp(v[q.i], v[q.j], q.t);
}

// x in ascending order, NaN last (as the highest value).
void sort_nan_last(std::vector<double>& x) {
  std::sort(x.begin(), std::partition(x.begin(), x.end(), [](double a) { return !std::isnan(a); }));
}

// sorted_quantile(x in ascending order, NaN last, 0.5) without sorting all of x (reorders x).
double median_of(std::vector<double>& x) {
  const auto numbers = std::partition(x.begin(), x.end(), [](double a) { return !std::isnan(a); });
  const auto finite = static_cast<std::size_t>(numbers - x.begin());
  const QuantilePlace q = quantile_place(x.size(), 0.5);
  if (q.i >= finite) return std::numeric_limits<double>::quiet_NaN();
  const auto at_i = x.begin() + static_cast<std::ptrdiff_t>(q.i);
  std::nth_element(x.begin(), at_i, numbers);
  const double a = *at_i;
  const double b = q.j == q.i ? a : q.j < finite ? *std::min_element(at_i + 1, numbers) : x[q.j];
  return lerp(a, b, q.t);
}

}  // namespace

namespace detail {

double short_float(double v) {
  const float f = static_cast<float>(v);
  if (!std::isfinite(f)) return f;
  char buf[48];
  const auto written = std::to_chars(buf, buf + sizeof buf, f);
  double d = 0;
  std::from_chars(buf, written.ptr, d);
  // Reading the decimal as double and then rounding to float could, in rare cases, land
  // on a neighbouring float; keep the exact value then.
  return static_cast<float>(d) == f ? d : static_cast<double>(f);
}

}  // namespace detail

const std::vector<double>& quantile_grid() {
  static const std::vector<double> grid = [] {
    // Points as integer multiples of 1e-5, so that coinciding levels merge exactly.
    std::set<int> n;
    for (int i = 0; i <= 200; ++i) n.insert(500 * i);
    for (int i = 1; i <= 99; ++i) n.insert(99000 + 10 * i);
    for (int i = 1; i <= 99; ++i) n.insert(99900 + i);
    std::vector<double> p;
    for (int v : n) p.push_back(v / 100000.0);
    return p;
  }();
  return grid;
}

double ScoreStats::quantile(double p) const {
  const std::vector<double>& g = quantile_grid();
  if (grid.size() != g.size() || std::isnan(p)) return std::numeric_limits<double>::quiet_NaN();
  p = std::clamp(p, 0.0, 1.0);
  const auto upper = std::upper_bound(g.begin(), g.end(), p);
  if (upper == g.end()) return grid.back();
  const std::size_t hi = static_cast<std::size_t>(upper - g.begin());
  const std::size_t lo = hi - 1;  // g[0] = 0 <= p, so hi >= 1
  const double t = (p - g[lo]) / (g[hi] - g[lo]);
  return grid[lo] + t * (grid[hi] - grid[lo]);
}

double ScoreStats::p_value(double score) const {
  const std::vector<double>& g = quantile_grid();
  if (grid.size() != g.size() || std::isnan(score)) return std::numeric_limits<double>::quiet_NaN();
  // The first grid point at or above the score; between it and the one below, the inverse
  // of quantile()'s linear interpolation.
  const auto at_or_above = std::lower_bound(grid.begin(), grid.end(), score);
  if (at_or_above == grid.begin()) return 1.0;
  if (at_or_above == grid.end()) return 0.0;
  const std::size_t hi = static_cast<std::size_t>(at_or_above - grid.begin());
  const std::size_t lo = hi - 1;  // grid[lo] < score <= grid[hi]
  const double t = (score - grid[lo]) / (grid[hi] - grid[lo]);
  return std::clamp(1.0 - (g[lo] + t * (g[hi] - g[lo])), 0.0, 1.0);
}

ScoreStats score_stats(std::span<const float> scores) {
  if (scores.empty()) throw Error(ErrorKind::usage, "no scores to summarise");
  const std::size_t n = scores.size();
  std::vector<double> v(scores.begin(), scores.end());
  sort_nan_last(v);  // NaN counts as the highest score
  ScoreStats s;
  s.count = n;
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(n);
  double sq = 0;
  for (double x : v) sq += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(sq / static_cast<double>(n));
  s.min = v.front();
  s.max = v.back();
  s.median = sorted_quantile(v, 0.5);
  s.q1 = sorted_quantile(v, 0.25);
  s.q3 = sorted_quantile(v, 0.75);
  std::vector<double> dev(n);
  for (std::size_t i = 0; i < n; ++i) dev[i] = std::fabs(v[i] - s.median);
  s.mad = median_of(dev);
  for (double p : quantile_grid()) s.grid.push_back(detail::short_float(sorted_quantile(v, p)));
  return s;
}

}  // namespace ae
