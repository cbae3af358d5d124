// Tick choice: the densest set of 1-2-5 steps (or log mantissas, or decades) whose labels do
// not crowd each other under the caller's gap rule, with a single middle tick as the fallback.
#include "render/ticks.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "render/number_text.hpp"

namespace ae::render_detail {
namespace {

// Pixel distance between neighbouring ticks, on a linear or log axis.
double min_spacing(const std::vector<double>& ticks, double lo, double hi, bool log,
                   double length_px) {
  double best = std::numeric_limits<double>::infinity();
  const double span = log ? std::log10(hi / lo) : hi - lo;
  for (std::size_t i = 1; i < ticks.size(); ++i) {
    const double d = log ? std::log10(ticks[i] / ticks[i - 1]) : ticks[i] - ticks[i - 1];
    best = std::min(best, d / span * length_px);
  }
  return best;
}

Ticks linear_ticks(double lo, double hi, bool integer, double length_px, const GapRule& gap) {
  double step = nice_step((hi - lo) / 12.0);
  if (integer) step = std::max(step, 1.0);
  std::vector<double> previous;
  double previous_step = step;
  for (int guard = 0; guard < 64; ++guard) {
    std::vector<double> values = multiples_in(lo, hi, step);
    if (values.empty()) {
      // The step outgrew the range: keep the previous tick nearest the middle.
      Ticks t;
      if (previous.empty()) {
        t.major.push_back(lo);
        t.labels.push_back(linear_label(lo, hi - lo));
        return t;
      }
      const double mid = (lo + hi) / 2.0;
      const double v = *std::min_element(previous.begin(), previous.end(), [&](double a, double b) {
        return std::fabs(a - mid) < std::fabs(b - mid);
      });
      t.major.push_back(v);
      t.labels.push_back(linear_label(v, previous_step));
      return t;
    }
    Ticks t;
    t.major = values;
    for (double v : values) t.labels.push_back(linear_label(v, step));
    if (values.size() == 1 || min_spacing(values, lo, hi, false, length_px) >= gap(t.labels)) {
      return t;
    }
    previous = values;
    previous_step = step;
    step = nice_step(step * 1.000001);
  }
  return {};
}

// Mantissas of each decade that a log tick set uses, densest first.
const std::array<std::vector<int>, 2> mantissa_sets{{{1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 5}}};

std::vector<double> log_values(double lo, double hi, const std::vector<int>& mantissas,
                               int decade_stride) {
  std::vector<double> out;
  const int d0 = static_cast<int>(std::floor(std::log10(lo))) - 1;
  const int d1 = static_cast<int>(std::ceil(std::log10(hi))) + 1;
  for (int d = d0; d <= d1; ++d) {
    if (((d % decade_stride) + decade_stride) % decade_stride != 0) continue;
    for (int m : mantissas) {
      const double v = m * std::pow(10.0, d);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push_back(v);
    }
  }
  return out;
}

Ticks log_ticks(double lo, double hi, double length_px, const GapRule& gap) {
  const auto accept = [&](const std::vector<double>& values, Ticks& t) {
    if (values.size() < 2) return false;
    t.major = values;
    t.labels.clear();
    for (double v : values) t.labels.push_back(log_label(v));
    return min_spacing(values, lo, hi, true, length_px) >= gap(t.labels);
  };
  Ticks t;
  for (std::size_t s = 0; s < mantissa_sets.size(); ++s) {
    if (accept(log_values(lo, hi, mantissa_sets[s], 1), t)) {
      if (s == 1) t.minor = log_values(lo, hi, {3, 4, 6, 7, 8, 9}, 1);
      return t;
    }
  }
  const double decades = std::log10(hi / lo);
  if (decades < 1.0) {
    // Too narrow for decades: linear ticks, placed on the log axis.
    return linear_ticks(lo, hi, false, length_px, gap);
  }
  for (int stride : {1, 2, 3, 4, 5, 10, 20, 50, 100}) {
    if (accept(log_values(lo, hi, {1}, stride), t)) {
      const double decade_px = length_px / decades;
      if (stride == 1 && decade_px * std::log10(10.0 / 9.0) >= 3.0) {
        t.minor = log_values(lo, hi, {2, 3, 4, 5, 6, 7, 8, 9}, 1);
      } else if (stride > 1) {
        for (double v : log_values(lo, hi, {1}, 1)) {
          if (std::find(t.major.begin(), t.major.end(), v) == t.major.end()) t.minor.push_back(v);
        }
      }
      return t;
    }
  }
  const std::vector<double> one = log_values(lo, hi, {1}, 1);
  Ticks single;
  single.major.push_back(one.empty() ? std::sqrt(lo * hi) : one[one.size() / 2]);
  single.labels.push_back(one.empty() ? format_number(single.major[0], 2)
                                      : log_label(single.major[0]));
  return single;
}

}  // namespace

double nice_step(double raw) {
  if (!(raw > 0.0) || !std::isfinite(raw)) return 1.0;
  const double base = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * base >= raw * (1.0 - 1e-9)) return m * base;
  }
  return 10.0 * base;
}

std::vector<double> multiples_in(double lo, double hi, double step) {
  std::vector<double> out;
  const double first = std::ceil(lo / step - 1e-9);
  const double last = std::floor(hi / step + 1e-9);
  if (!(last - first < 10000.0)) return out;
  for (double k = first; k <= last; k += 1.0) {
    const double v = k * step;
    out.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  }
  return out;
}

Ticks choose_ticks(double lo, double hi, bool log, bool integer, double length_px,
                   const GapRule& gap) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi)) return {};
  if (log && lo > 0.0) return log_ticks(lo, hi, length_px, gap);
  return linear_ticks(lo, hi, integer, length_px, gap);
}

}  // namespace ae::render_detail
