// Value -> colour maps shared by the PNG grids, SVG plots and the HTML report: a gray ramp and
// a heat map interpolated linearly between a handful of control points. No gamma handling:
// the control points are already sRGB.
#include <algorithm>
#include <array>
#include <cmath>

#include "ae/render.hpp"

namespace ae {
namespace {

// Position of value in [lo, hi] as a fraction in [0, 1]; NaN stays NaN.
double unit(float value, float lo, float hi) {
  if (std::isnan(value)) return std::nan("");
  if (hi == lo) return value > lo ? 1.0 : 0.0;
  const double t = (static_cast<double>(value) - lo) / (static_cast<double>(hi) - lo);
  return std::clamp(t, 0.0, 1.0);
}

std::uint8_t to_byte(double c) {
  return static_cast<std::uint8_t>(std::lround(std::clamp(c, 0.0, 255.0)));
}

// Eleven evenly spaced control points of a black -> purple -> red -> orange -> pale yellow
// ramp whose lightness rises at a steady rate.
constexpr std::array<std::array<double, 3>, 11> heat_points{{
    {0, 0, 4},
    {22, 11, 57},
    {66, 10, 104},
    {106, 23, 110},
    {147, 38, 103},
    {188, 55, 84},
    {221, 81, 58},
    {243, 120, 25},
    {252, 165, 10},
    {246, 215, 70},
    {252, 255, 164},
}};

}  // namespace

Rgb heat_color(float value, float lo, float hi) {
  const double t = unit(value, lo, hi);
  if (std::isnan(t)) return nan_color;
  const double pos = t * (heat_points.size() - 1);
  const auto i = std::min(static_cast<std::size_t>(pos), heat_points.size() - 2);
  const double f = pos - static_cast<double>(i);
  const auto& a = heat_points[i];
  const auto& b = heat_points[i + 1];
  return {to_byte(a[0] + f * (b[0] - a[0])), to_byte(a[1] + f * (b[1] - a[1])),
          to_byte(a[2] + f * (b[2] - a[2]))};
}

Rgb gray_color(float value, float lo, float hi) {
  const double t = unit(value, lo, hi);
  if (std::isnan(t)) return nan_color;
  const std::uint8_t v = to_byte(t * 255.0);
  return {v, v, v};
}

}  // namespace ae
