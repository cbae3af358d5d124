// The scatter plot: 2-D points coloured by class label (palette and legend) or by value
// (viridis and colour bar), highlighted points on top, and a 1-D embedding spread at random
// into a strip. The random draws are seeded, so the same input gives the same picture.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>

#include "ae/error.hpp"
#include "ae/format.hpp"
#include "ae/plot.hpp"
#include "render/plot_frame.hpp"
#include "ae/random.hpp"
#include "render/palette.hpp"

namespace ae {

using namespace render_detail;

std::string plot_scatter(const std::string& title, const std::string& x_label,
                         const std::string& y_label, const ScatterData& data, ImageFormat format) {
  const std::size_t n = data.x.size();
  const auto bad = [](const std::string& what) {
    throw Error(ErrorKind::usage, "plot_scatter: " + what);
  };
  if (data.y.size() != n) {
    bad(std::to_string(n) + " x values and " + std::to_string(data.y.size()) +
        " y values; pass one y per x");
  }
  if (!data.labels.empty() && data.labels.size() != n) {
    bad(std::to_string(data.labels.size()) + " labels for " + std::to_string(n) +
        " points; pass one label per point or none");
  }
  if (!data.values.empty() && data.values.size() != n) {
    bad(std::to_string(data.values.size()) + " colour values for " + std::to_string(n) +
        " points; pass one value per point or none");
  }
  if (!data.labels.empty() && !data.values.empty()) {
    bad("both labels and colour values given; colour by one of them");
  }
  for (std::size_t h : data.highlight) {
    if (h >= n) {
      bad("highlight index " + std::to_string(h) + " is out of range for " + std::to_string(n) +
          " points");
    }
  }
  const bool by_label = !data.labels.empty();
  const bool by_value = !data.values.empty();

  // Drawable points, their ranges and whether y is constant (a 1-D embedding).
  std::size_t non_finite = 0;
  std::vector<std::size_t> shown;
  Range xr, yr, vr;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(data.x[i]) || !std::isfinite(data.y[i]) ||
        (by_value && !std::isfinite(data.values[i]))) {
      ++non_finite;
      continue;
    }
    shown.push_back(i);
    xr.add(data.x[i]);
    yr.add(data.y[i]);
    if (by_value) vr.add(data.values[i]);
  }
  const bool strip = shown.size() > 1 && yr.lo == yr.hi;

  Canvas canvas(format, plot_width, plot_height);
  FigureSpec spec = data_spec(title, x_label, y_label, xr, yr, false);
  std::vector<double> ys(n, 0.0);
  for (std::size_t i : shown) ys[i] = data.y[i];
  if (strip) {
    spec.y.lo = yr.lo - 1.0;
    spec.y.hi = yr.lo + 1.0;
    spec.y.grid = false;
    spec.y.fixed_ticks = Ticks{{yr.lo}, {format_number(yr.lo, 4)}, {}};
    SplitMix64 jitter(0x5EEDull);
    for (std::size_t i : shown) ys[i] = yr.lo + (jitter.uniform_double() - 0.5) * 1.3;
    spec.notes.push_back("every y is " + format_number(yr.lo, 4) +
                         "; points are spread vertically at random to show density");
  }
  add_notes(spec, non_finite, 0);

  // Colours: by label rank, by value, or the first palette colour.
  std::map<std::int64_t, std::size_t> label_rank;
  if (by_label) {
    for (std::size_t i : shown) label_rank.emplace(data.labels[i], 0);
    std::size_t r = 0;
    for (auto& [label, rank] : label_rank) rank = r++;
  }
  double v_lo = vr.lo, v_hi = vr.hi;
  if (by_value && !vr.empty() && v_lo == v_hi) {
    v_lo -= v_lo == 0.0 ? 1.0 : std::fabs(v_lo) * 0.1;
    v_hi += v_hi == 0.0 ? 1.0 : std::fabs(v_hi) * 0.1;
  }
  const auto color_of = [&](std::size_t i) {
    if (by_label) return to_color(plot_palette(label_rank.at(data.labels[i])));
    if (by_value) return viridis_color(data.values[i], v_lo, v_hi);
    return to_color(plot_palette(0));
  };

  // Drawing order: labels interleaved at random so no class hides another; values rising so
  // the highest (the likely outliers) end on top.
  std::vector<std::size_t> order = shown;
  if (by_label) {
    SplitMix64 shuffle(0x0DDBA11ull);
    for (std::size_t i = order.size(); i > 1; --i) {
      std::swap(order[i - 1], order[shuffle.next_u64() % i]);
    }
  } else if (by_value) {
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return data.values[a] < data.values[b]; });
  }
  std::vector<std::size_t> highlight;
  for (std::size_t h : data.highlight) {
    if (std::isfinite(data.x[h]) && std::isfinite(data.y[h]) &&
        (!by_value || std::isfinite(data.values[h]))) {
      highlight.push_back(h);
    }
  }
  std::sort(highlight.begin(), highlight.end());
  highlight.erase(std::unique(highlight.begin(), highlight.end()), highlight.end());

  const std::size_t count = shown.size();
  const double radius = count <= 200 ? 4.0 : count <= 2000 ? 3.0 : count <= 20000 ? 2.2 : 1.6;
  const double alpha = count <= 2000 ? 0.85 : 0.6;
  const double big = radius + 3.0;

  Legend legend;
  if (by_label) {
    std::size_t i = 0;
    for (const auto& [label, rank] : label_rank) {
      if (i + 1 == max_legend && label_rank.size() > max_legend) {
        legend.entries.push_back(
            {"\u2026 " + std::to_string(label_rank.size() - i) + " more", white, Swatch::dot, 0.0});
        break;
      }
      legend.entries.push_back({std::to_string(label), to_color(plot_palette(rank)), Swatch::dot});
      ++i;
    }
  } else if (!by_value && !highlight.empty()) {
    legend.entries.push_back({"points", to_color(plot_palette(0)), Swatch::dot});
  }
  if (!highlight.empty()) {
    const Color c = by_label || by_value ? Color{0.85, 0.85, 0.85} : to_color(plot_palette(1));
    legend.entries.push_back({data.highlight_name + " (" + format_count(highlight.size()) + ")", c,
                              Swatch::dot_outlined});
  }

  ColorBar bar;
  double bar_w = 0.0;
  if (by_value) {
    bar.lo = vr.empty() ? 0.0 : v_lo;
    bar.hi = vr.empty() ? 1.0 : v_hi;
    bar.color = [&](double v) { return viridis_color(v, bar.lo, bar.hi); };
    bar.label = data.value_name;
    const Vertical v = vertical_layout(canvas, spec);
    bar_w = colorbar_width(canvas, bar, v.plot_bottom - v.plot_top);
  }
  const Placement placed = place(
      canvas, spec, legend,
      [&](const Frame& f, Occupancy& occ) {
        for (std::size_t i : shown) {
          const double x = f.x(data.x[i]), y = f.y(ys[i]);
          occ.mark_rect(x - radius, y - radius, x + radius, y + radius);
        }
        for (std::size_t i : highlight) {
          const double x = f.x(data.x[i]), y = f.y(ys[i]);
          occ.mark_rect(x - big, y - big, x + big, y + big);
        }
      },
      bar_w);
  const Frame& f = placed.frame;

  draw_back(canvas, spec, f);
  clip_to_plot(canvas, f);
  cairo_t* cr = canvas.cr();
  for (std::size_t i : order) {
    canvas.set_source(color_of(i), alpha);
    canvas.circle(f.x(data.x[i]), f.y(ys[i]), radius);
    cairo_fill(cr);
  }
  for (std::size_t i : highlight) {
    const Color c = by_label || by_value ? color_of(i) : to_color(plot_palette(1));
    canvas.set_source(c);
    canvas.circle(f.x(data.x[i]), f.y(ys[i]), big);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
    cairo_set_line_width(cr, 1.3);
    cairo_stroke(cr);
  }
  unclip(canvas);
  if (shown.empty()) draw_message(canvas, f, "no data");
  draw_front(canvas, spec, f);
  double bar_top = f.plot.y;
  if (!legend.entries.empty()) {
    draw_legend(canvas, legend, placed.legend_at.x, placed.legend_at.y);
    if (!placed.legend_inside) bar_top += legend.h + 16.0;
  }
  if (by_value) {
    const double h = f.plot.bottom() - bar_top;
    draw_colorbar(canvas, bar, {f.right_x, bar_top, 14.0, std::max(h, 20.0)});
  }
  return canvas.finish();
}

}  // namespace ae
