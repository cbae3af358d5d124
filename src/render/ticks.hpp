// Tick choice for the plots' axes and colour bars: labelled major ticks at 1-2-5 steps or
// decades, unlabelled minor ones on log axes, as dense as the labels' room allows. Knows
// nothing of pixels beyond the axis length and the gap rule the caller passes.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace ae::render_detail {

struct Ticks {
  std::vector<double> major;
  std::vector<std::string> labels;
  std::vector<double> minor;
};

// The smallest step of the form {1, 2, 5} x 10^k that is >= raw (raw > 0).
double nice_step(double raw);
// The multiples of step inside [lo, hi] (with a little slack at both ends).
std::vector<double> multiples_in(double lo, double hi, double step);

// Chooses ticks for [lo, hi] spread over length_px pixels: the densest 1-2-5 (or, on a log
// axis, mantissa 1..9 / 1,2,5 / decade) set whose neighbours are at least gap(labels)
// pixels apart. integer keeps linear ticks on whole numbers. Needs lo < hi (and lo > 0 on
// a log axis). Always returns at least one tick when the range is finite.
using GapRule = std::function<double(const std::vector<std::string>& labels)>;
Ticks choose_ticks(double lo, double hi, bool log, bool integer, double length_px,
                   const GapRule& gap);

}  // namespace ae::render_detail
