// The histogram plot: overlaid groups over shared Freedman-Diaconis bins, each translucent
// with a full-colour step outline, an optional threshold line with its value above the plot,
// and a linear or log count axis.
#include <algorithm>
#include <cmath>
#include <tuple>

#include "ae/error.hpp"
#include "ae/format.hpp"
#include "ae/plot.hpp"
#include "render/plot_frame.hpp"
#include "render/palette.hpp"

namespace ae {

using namespace render_detail;

namespace {

struct Bins {
  double lo = 0.0, width = 1.0;
  std::size_t count = 10;
  double edge(std::size_t i) const { return lo + width * static_cast<double>(i); }
  std::size_t of(double v) const {
    const double k = std::floor((v - lo) / width);
    return static_cast<std::size_t>(std::clamp(k, 0.0, static_cast<double>(count - 1)));
  }
};

// Freedman-Diaconis bins over sorted values (sqrt(n) bins when the IQR is 0), 10 to 100.
Bins choose_bins(const std::vector<double>& sorted) {
  Bins b;
  const double lo = sorted.front(), hi = sorted.back();
  const double n = static_cast<double>(sorted.size());
  if (hi - lo <= std::max(std::fabs(lo), std::fabs(hi)) * 1e-12) {
    // All equal: eleven bins with the value in the middle one.
    const double d = lo == 0.0 ? 0.5 : std::fabs(lo) * 0.05;
    b.count = 11;
    b.width = 2.0 * d / 11.0;
    b.lo = lo - d;
    return b;
  }
  const auto quantile = [&](double q) {
    const double pos = q * (n - 1.0);
    const auto i = static_cast<std::size_t>(pos);
    const std::size_t j = std::min(i + 1, sorted.size() - 1);
    return sorted[i] + (pos - static_cast<double>(i)) * (sorted[j] - sorted[i]);
  };
  const double iqr = quantile(0.75) - quantile(0.25);
  double bins = std::ceil(std::sqrt(n));
  if (iqr > 0.0) bins = std::ceil((hi - lo) / (2.0 * iqr / std::cbrt(n)));
  b.count = static_cast<std::size_t>(std::clamp(bins, 10.0, 100.0));
  b.lo = lo;
  b.width = (hi - lo) / static_cast<double>(b.count);
  return b;
}

}  // namespace

std::string plot_histogram(const std::string& title, const std::string& x_label,
                           const std::vector<HistogramGroup>& groups,
                           std::optional<double> threshold, bool log_count, ImageFormat format) {
  struct Group {
    std::string name;
    std::size_t index = 0;
    std::vector<double> values;
    std::vector<std::size_t> counts;
  };
  std::size_t non_finite = 0;
  std::vector<Group> kept;
  std::vector<double> all;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    Group k;
    k.name = groups[g].name.empty() ? "group " + std::to_string(g + 1) : groups[g].name;
    k.index = kept.size();
    for (double v : groups[g].values) {
      if (std::isfinite(v)) {
        k.values.push_back(v);
      } else {
        ++non_finite;
      }
    }
    if (k.values.empty()) continue;
    all.insert(all.end(), k.values.begin(), k.values.end());
    kept.push_back(std::move(k));
  }
  const bool has_threshold = threshold && std::isfinite(*threshold);
  if (threshold && !has_threshold) ++non_finite;

  Bins bins;
  std::size_t max_count = 0;
  Range xr;
  if (!all.empty()) {
    std::sort(all.begin(), all.end());
    bins = choose_bins(all);
    for (Group& k : kept) {
      k.counts.assign(bins.count, 0);
      for (double v : k.values) ++k.counts[bins.of(v)];
      max_count = std::max(max_count, *std::max_element(k.counts.begin(), k.counts.end()));
    }
    xr.add(bins.edge(0));
    xr.add(bins.edge(bins.count));
  }
  if (has_threshold) xr.add(*threshold);

  Canvas canvas(format, plot_width, plot_height);
  FigureSpec spec;
  spec.title = title;
  spec.x.label = x_label;
  spec.y.label = log_count && !kept.empty() ? "count (log scale)" : "count";
  spec.top_row = has_threshold;
  std::tie(spec.x.lo, spec.x.hi) = padded(xr, false);
  const double top = static_cast<double>(std::max<std::size_t>(max_count, 1));
  if (log_count && !kept.empty()) {
    // Bars rise from just under 1, so a bin of one value still shows; the axis reaches 10 at
    // least, so its ticks are whole decades.
    const double lo = 0.7, hi = std::max(top, 10.0);
    spec.y.lo = lo;
    spec.y.hi = std::pow(10.0, std::log10(hi) + std::log10(hi / lo) * margin * 2.0);
    spec.y.log = true;
  } else {
    spec.y.lo = 0.0;
    spec.y.hi = top * (1.0 + margin);
  }
  spec.y.integer = true;
  add_notes(spec, non_finite, 0);

  Legend legend;
  const bool named = kept.size() > 1 || std::any_of(groups.begin(), groups.end(),
                                                    [](const auto& g) { return !g.name.empty(); });
  if (named) {
    for (const Group& k : kept) {
      legend.entries.push_back({k.name + " (" + format_count(k.values.size()) + ")",
                                group_color(k.index), Swatch::patch, 0.5});
    }
  }
  const auto bar_top = [&](const Frame& f, std::size_t c) {
    return c == 0 ? f.plot.bottom() : f.y(static_cast<double>(c));
  };
  const Placement placed = place(canvas, spec, legend, [&](const Frame& f, Occupancy& occ) {
    for (const Group& k : kept) {
      for (std::size_t b = 0; b < bins.count; ++b) {
        if (k.counts[b] == 0) continue;
        occ.mark_rect(f.x(bins.edge(b)), bar_top(f, k.counts[b]) - 2.0, f.x(bins.edge(b + 1)),
                      f.plot.bottom());
      }
    }
    if (has_threshold) {
      const double x = f.x(*threshold);
      occ.mark_rect(x - 3.0, f.plot.y, x + 3.0, f.plot.bottom());
    }
  });
  const Frame& f = placed.frame;

  draw_back(canvas, spec, f);
  clip_to_plot(canvas, f);
  cairo_t* cr = canvas.cr();
  const double fill_alpha = kept.size() > 1 ? 0.5 : 0.75;
  for (const Group& k : kept) {
    const Color c = group_color(k.index);
    for (std::size_t b = 0; b < bins.count; ++b) {
      if (k.counts[b] == 0) continue;
      const double x0 = f.x(bins.edge(b)), x1 = f.x(bins.edge(b + 1));
      const double y = bar_top(f, k.counts[b]);
      cairo_rectangle(cr, x0, y, x1 - x0, f.plot.bottom() - y);
    }
    canvas.set_source(c, fill_alpha);
    cairo_fill(cr);
    // The outline of the group's bars as one step line, in full colour.
    cairo_move_to(cr, f.x(bins.edge(0)), f.plot.bottom() + 1.0);
    for (std::size_t b = 0; b < bins.count; ++b) {
      const double y = k.counts[b] == 0 ? f.plot.bottom() + 1.0 : bar_top(f, k.counts[b]);
      cairo_line_to(cr, f.x(bins.edge(b)), y);
      cairo_line_to(cr, f.x(bins.edge(b + 1)), y);
    }
    cairo_line_to(cr, f.x(bins.edge(bins.count)), f.plot.bottom() + 1.0);
    canvas.set_source(c);
    cairo_set_line_width(cr, 1.2);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_stroke(cr);
  }
  const Color line_c = to_color(threshold_color);
  double threshold_x = 0.0;
  if (has_threshold) {
    threshold_x = std::round(f.x(*threshold));
    canvas.fill_rect(line_c, threshold_x - 1.0, f.plot.y, 2.0, f.plot.h);
  }
  unclip(canvas);
  if (kept.empty()) draw_message(canvas, f, "no data");
  draw_front(canvas, spec, f);
  if (has_threshold) {
    const std::string text = "threshold = " + format_number(*threshold, 4);
    const double half = canvas.text_width(tick_font, text) / 2.0;
    const double cx = std::clamp(threshold_x, half + 4.0, canvas.width() - half - 4.0);
    canvas.text(tick_font, line_c, text, cx, f.v.top_row_cy, Align::center);
    // A short tick joins the label to the line.
    canvas.fill_rect(line_c, threshold_x - 1.0, f.plot.y - 4.0, 2.0, 4.0);
  }
  if (!legend.entries.empty()) draw_legend(canvas, legend, placed.legend_at.x, placed.legend_at.y);
  return canvas.finish();
}

}  // namespace ae
