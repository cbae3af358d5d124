// Every colour map and palette of the pictures: the gray ramp and heat map (grids, plots and
// the HTML report), the viridis map of the scatter plot, interpolated linearly between a
// handful of control points, and the categorical palette (tab10). No gamma handling: the
// control points are already sRGB.
#include <algorithm>
#include <array>
#include <cmath>

#include "ae/plot.hpp"
#include "ae/render.hpp"
#include "render/palette.hpp"

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

// matplotlib's 'tab10' colours.
constexpr std::array<Rgb, 10> palette{{{31, 119, 180},
                                       {255, 127, 14},
                                       {44, 160, 44},
                                       {214, 39, 40},
                                       {148, 103, 189},
                                       {140, 86, 75},
                                       {227, 119, 194},
                                       {127, 127, 127},
                                       {188, 189, 34},
                                       {23, 190, 207}}};

// matplotlib's 'viridis' at eleven evenly spaced points.
constexpr std::array<Rgb, 11> viridis{{{68, 1, 84},
                                       {72, 36, 117},
                                       {65, 68, 135},
                                       {53, 95, 141},
                                       {42, 120, 142},
                                       {33, 145, 140},
                                       {34, 168, 132},
                                       {68, 191, 112},
                                       {122, 209, 81},
                                       {189, 223, 38},
                                       {253, 231, 37}}};

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

Rgb plot_palette(std::size_t index) { return palette[index % palette.size()]; }

namespace render_detail {

Color group_color(std::size_t g) {
  constexpr std::array<std::size_t, 9> order{0, 1, 2, 4, 5, 6, 7, 8, 9};
  return to_color(palette[order[g % order.size()]]);
}

Color viridis_color(double v, double lo, double hi) {
  const double t = hi > lo ? std::clamp((v - lo) / (hi - lo), 0.0, 1.0) : 0.5;
  const double pos = t * static_cast<double>(viridis.size() - 1);
  const auto i = std::min(static_cast<std::size_t>(pos), viridis.size() - 2);
  return mix(to_color(viridis[i]), to_color(viridis[i + 1]), pos - static_cast<double>(i));
}

}  // namespace render_detail
}  // namespace ae
