// The five plots of plot.hpp: each gathers the drawable values (skipping and counting the
// rest), chooses ranges, lets plot_frame lay out the axes and place the legend, then draws
// its data clipped to the plot box. Nothing here writes files; callers get the bytes.
#include "ae/plot.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <numbers>
#include <numeric>
#include <tuple>

#include "ae/error.hpp"
#include "render/plot_canvas.hpp"
#include "render/plot_frame.hpp"

namespace ae {

using namespace plot_detail;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double margin = 0.05;                // data range padding on each side, as a fraction
constexpr std::size_t max_legend = 20;         // legend rows before "... more"
constexpr std::size_t max_marked = 30;         // series of at most this many points get markers
constexpr std::size_t max_svg_cells = 65536;   // larger SVG heat maps embed a (smoothed) image
constexpr std::size_t max_image_side = 32767;  // cairo's limit for an image surface

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

// Colour of histogram group g: the palette without its red, which the threshold uses.
Color group_color(std::size_t g) {
  constexpr std::array<std::size_t, 9> order{0, 1, 2, 4, 5, 6, 7, 8, 9};
  return to_color(palette[order[g % order.size()]]);
}

// The scatter's continuous colormap: matplotlib's 'viridis' at eleven evenly spaced points
// (dark purple to yellow), which stays visible on white at both ends, unlike the heat map.
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

Color viridis_color(double v, double lo, double hi) {
  const double t = hi > lo ? std::clamp((v - lo) / (hi - lo), 0.0, 1.0) : 0.5;
  const double pos = t * static_cast<double>(viridis.size() - 1);
  const auto i = std::min(static_cast<std::size_t>(pos), viridis.size() - 2);
  return mix(to_color(viridis[i]), to_color(viridis[i + 1]), pos - static_cast<double>(i));
}

// A small seeded generator for jitter and drawing order, so pictures are reproducible.
std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double uniform01(std::uint64_t& state) {
  return static_cast<double>(splitmix(state) >> 11) * 0x1.0p-53;
}

struct Range {
  double lo = inf, hi = -inf;
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

// The shown range: the data's, widened by `margin` on each side (in log space on a log
// axis); a single value gets a range around it.
std::pair<double, double> padded(Range r, bool log, bool pad_low = true) {
  if (r.empty()) return log ? std::pair{1.0, 10.0} : std::pair{0.0, 1.0};
  if (log) {
    const double a = std::log10(r.lo), b = std::log10(r.hi);
    if (b - a < 1e-9) return {r.lo / 2.0, r.hi * 2.0};
    const double m = (b - a) * margin;
    return {std::pow(10.0, a - m), std::pow(10.0, b + m)};
  }
  const double span = r.hi - r.lo;
  if (span <= std::max(std::fabs(r.lo), std::fabs(r.hi)) * 1e-12) {
    const double d = r.lo == 0.0 ? 1.0 : std::fabs(r.lo) * 0.1;
    return {pad_low ? r.lo - d : r.lo, r.hi + d};
  }
  return {pad_low ? r.lo - span * margin : r.lo, r.hi + span * margin};
}

std::string values_word(std::size_t n) {
  return format_count(n) + (n == 1 ? " value " : " values ");
}

void add_notes(FigureSpec& spec, std::size_t non_finite, std::size_t non_positive) {
  if (non_finite > 0) {
    spec.notes.push_back(format_count(non_finite) +
                         (non_finite == 1 ? " non-finite value" : " non-finite values") +
                         " not shown");
  }
  if (non_positive > 0) {
    spec.notes.push_back(values_word(non_positive) + "\u2264 0 not shown on the log axis");
  }
}

// A layout with the legend in an empty corner of the plot when one is free, else at the top
// of the right column (which also holds a colour bar of colorbar_w, if any).
struct Placement {
  Frame frame;
  Point legend_at;
  bool legend_inside = false;
};

using MarkData = std::function<void(const Frame&, Occupancy&)>;

Placement place(Canvas& canvas, FigureSpec& spec, Legend& legend, const MarkData& mark,
                double colorbar_w = 0.0) {
  Placement p;
  spec.right_width = colorbar_w;
  if (legend.entries.empty()) {
    p.frame = layout(canvas, spec);
    return p;
  }
  measure_legend(canvas, legend);
  p.frame = layout(canvas, spec);
  Occupancy occupancy(p.frame.plot);
  mark(p.frame, occupancy);
  if (const auto corner = empty_corner(p.frame, occupancy, legend.w, legend.h)) {
    p.legend_at = *corner;
    p.legend_inside = true;
    return p;
  }
  spec.right_width = std::max(colorbar_w, legend.w);
  p.frame = layout(canvas, spec);
  p.legend_at = {p.frame.right_x, p.frame.plot.y};
  return p;
}

void circle(cairo_t* cr, double x, double y, double r) {
  cairo_new_sub_path(cr);
  cairo_arc(cr, x, y, r, 0.0, 2.0 * std::numbers::pi);
}

void set_source(cairo_t* cr, Color c, double alpha = 1.0) {
  cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

// ---- lines ----

struct PreparedSeries {
  std::size_t color = 0;
  std::string name;
  // Runs of consecutive drawable points; a NaN y or a skipped point ends a run.
  std::vector<std::vector<std::pair<double, double>>> runs;
  std::size_t points = 0;
};

}  // namespace

ImageFormat image_format_for(const std::string& path) {
  const std::size_t dot = path.find_last_of('.');
  const std::size_t slash = path.find_last_of('/');
  std::string ext = dot == std::string::npos || (slash != std::string::npos && dot < slash)
                        ? std::string()
                        : path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == "png") return ImageFormat::png;
  if (ext == "svg") return ImageFormat::svg;
  throw Error(ErrorKind::usage,
              path + ": cannot tell the picture format; name the file *.png or *.svg");
}

Rgb plot_palette(std::size_t index) { return palette[index % palette.size()]; }

std::string plot_lines(const std::string& title, const std::string& x_label,
                       const std::string& y_label, const std::vector<LineSeries>& series,
                       bool log_y, ImageFormat format) {
  for (std::size_t i = 0; i < series.size(); ++i) {
    if (series[i].x.size() != series[i].y.size()) {
      throw Error(ErrorKind::usage,
                  "plot_lines: series " + std::to_string(i + 1) + " ('" + series[i].name +
                      "') has " + std::to_string(series[i].x.size()) + " x values and " +
                      std::to_string(series[i].y.size()) + " y values; pass one y per x");
    }
  }
  std::size_t non_finite = 0, non_positive = 0;
  Range xr, yr;
  bool integer_x = true;
  std::vector<PreparedSeries> prepared;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const LineSeries& s = series[i];
    PreparedSeries p;
    p.color = i;
    p.name = s.name;
    std::vector<std::pair<double, double>> run;
    for (std::size_t k = 0; k < s.x.size(); ++k) {
      const double x = s.x[k], y = s.y[k];
      bool ok = true;
      if (std::isnan(y)) {
        ok = false;  // a gap, by design
      } else if (!std::isfinite(x) || !std::isfinite(y)) {
        ++non_finite;
        ok = false;
      } else if (log_y && y <= 0.0) {
        ++non_positive;
        ok = false;
      }
      if (!ok) {
        if (!run.empty()) p.runs.push_back(std::move(run));
        run.clear();
        continue;
      }
      run.emplace_back(x, y);
      xr.add(x);
      yr.add(y);
      integer_x = integer_x && x == std::round(x);
      ++p.points;
    }
    if (!run.empty()) p.runs.push_back(std::move(run));
    if (p.points > 0) prepared.push_back(std::move(p));
  }

  Canvas canvas(format, plot_width, plot_height);
  FigureSpec spec;
  spec.title = title;
  spec.x.label = x_label;
  spec.y.label = y_label;
  std::tie(spec.x.lo, spec.x.hi) = padded(xr, false);
  std::tie(spec.y.lo, spec.y.hi) = padded(yr, log_y);
  spec.x.integer = integer_x && !xr.empty();
  spec.y.log = log_y;
  add_notes(spec, non_finite, non_positive);

  Legend legend;
  const bool named = std::any_of(prepared.begin(), prepared.end(),
                                 [](const PreparedSeries& p) { return !p.name.empty(); });
  if (named) {
    for (const PreparedSeries& p : prepared) {
      legend.entries.push_back({p.name.empty() ? "series " + std::to_string(p.color + 1) : p.name,
                                to_color(plot_palette(p.color)),
                                p.points <= max_marked ? Swatch::line_marker : Swatch::line});
    }
  }
  const Placement placed = place(canvas, spec, legend, [&](const Frame& f, Occupancy& occ) {
    for (const PreparedSeries& p : prepared) {
      for (const auto& run : p.runs) {
        for (std::size_t k = 0; k < run.size(); ++k) {
          const double x = f.x(run[k].first), y = f.y(run[k].second);
          const std::size_t next = std::min(k + 1, run.size() - 1);
          occ.mark_segment(x, y, f.x(run[next].first), f.y(run[next].second), 4.0);
        }
      }
    }
  });
  const Frame& f = placed.frame;

  draw_back(canvas, spec, f);
  clip_to_plot(canvas, f);
  cairo_t* cr = canvas.cr();
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  for (const PreparedSeries& p : prepared) {
    const Color c = to_color(plot_palette(p.color));
    const bool markers = p.points <= max_marked;
    for (const auto& run : p.runs) {
      set_source(cr, c);
      if (run.size() > 1) {
        cairo_set_line_width(cr, 2.0);
        for (const auto& [x, y] : run) cairo_line_to(cr, f.x(x), f.y(y));
        cairo_stroke(cr);
      }
      if (markers || run.size() == 1) {
        for (const auto& [x, y] : run) circle(cr, f.x(x), f.y(y), run.size() == 1 ? 4.0 : 3.0);
        cairo_fill(cr);
      }
    }
  }
  unclip(canvas);
  if (prepared.empty()) draw_message(canvas, f, "no data");
  draw_front(canvas, spec, f);
  if (!legend.entries.empty()) draw_legend(canvas, legend, placed.legend_at.x, placed.legend_at.y);
  return canvas.finish();
}

std::string plot_history(const std::vector<double>& loss, const std::vector<double>& val_loss,
                         bool log_y, ImageFormat format) {
  const auto epochs = [](std::size_t n) {
    std::vector<double> x(n);
    std::iota(x.begin(), x.end(), 1.0);
    return x;
  };
  std::vector<LineSeries> series;
  series.push_back({"training", epochs(loss.size()), loss});
  series.push_back({"validation", epochs(val_loss.size()), val_loss});
  return plot_lines("Training history", "epoch", log_y ? "loss (log scale)" : "loss", series, log_y,
                    format);
}

// ---- histogram ----

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
    set_source(cr, c, fill_alpha);
    cairo_fill(cr);
    // The outline of the group's bars as one step line, in full colour.
    cairo_move_to(cr, f.x(bins.edge(0)), f.plot.bottom() + 1.0);
    for (std::size_t b = 0; b < bins.count; ++b) {
      const double y = k.counts[b] == 0 ? f.plot.bottom() + 1.0 : bar_top(f, k.counts[b]);
      cairo_line_to(cr, f.x(bins.edge(b)), y);
      cairo_line_to(cr, f.x(bins.edge(b + 1)), y);
    }
    cairo_line_to(cr, f.x(bins.edge(bins.count)), f.plot.bottom() + 1.0);
    set_source(cr, c);
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

// ---- scatter ----

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
  FigureSpec spec;
  spec.title = title;
  spec.x.label = x_label;
  spec.y.label = y_label;
  std::tie(spec.x.lo, spec.x.hi) = padded(xr, false);
  std::tie(spec.y.lo, spec.y.hi) = padded(yr, false);
  std::vector<double> ys(n, 0.0);
  for (std::size_t i : shown) ys[i] = data.y[i];
  if (strip) {
    spec.y.lo = yr.lo - 1.0;
    spec.y.hi = yr.lo + 1.0;
    spec.y.grid = false;
    spec.y.fixed_ticks = Ticks{{yr.lo}, {format_number(yr.lo, 4)}, {}};
    std::uint64_t state = 0x5EEDull;
    for (std::size_t i : shown) ys[i] = yr.lo + (uniform01(state) - 0.5) * 1.3;
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
    std::uint64_t state = 0x0DDBA11ull;
    for (std::size_t i = order.size(); i > 1; --i) {
      std::swap(order[i - 1], order[splitmix(state) % i]);
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
    set_source(cr, color_of(i), alpha);
    circle(cr, f.x(data.x[i]), f.y(ys[i]), radius);
    cairo_fill(cr);
  }
  for (std::size_t i : highlight) {
    const Color c = by_label || by_value ? color_of(i) : to_color(plot_palette(1));
    set_source(cr, c);
    circle(cr, f.x(data.x[i]), f.y(ys[i]), big);
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

// ---- per-feature values ----

namespace {

Rgb heat_or_nan(double v, double lo, double hi) {
  return std::isfinite(v)
             ? heat_color(static_cast<float>(v), static_cast<float>(lo), static_cast<float>(hi))
             : nan_color;
}

// The h x w values as one image pixel each, scaled up to box without smoothing.
void paint_image(Canvas& canvas, const std::vector<double>& values, std::size_t h, std::size_t w,
                 double lo, double hi, const Box& box) {
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> image(
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, static_cast<int>(w), static_cast<int>(h)),
      cairo_surface_destroy);
  if (cairo_surface_status(image.get()) != CAIRO_STATUS_SUCCESS) {
    throw Error(ErrorKind::io, "plot_feature_values: cannot make a " + std::to_string(h) + " x " +
                                   std::to_string(w) + " image");
  }
  cairo_surface_flush(image.get());
  unsigned char* pixels = cairo_image_surface_get_data(image.get());
  const auto stride = static_cast<std::size_t>(cairo_image_surface_get_stride(image.get()));
  for (std::size_t r = 0; r < h; ++r) {
    auto* row = reinterpret_cast<std::uint32_t*>(pixels + r * stride);
    for (std::size_t c = 0; c < w; ++c) {
      const Rgb px = heat_or_nan(values[r * w + c], lo, hi);
      row[c] = (std::uint32_t{px.r} << 16) | (std::uint32_t{px.g} << 8) | px.b;
    }
  }
  cairo_surface_mark_dirty(image.get());
  cairo_t* cr = canvas.cr();
  cairo_save(cr);
  cairo_translate(cr, box.x, box.y);
  cairo_scale(cr, box.w / static_cast<double>(w), box.h / static_cast<double>(h));
  cairo_set_source_surface(cr, image.get(), 0.0, 0.0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
  cairo_paint(cr);
  cairo_restore(cr);
}

// The h x w values as one square each: SVG viewers smooth scaled images. Each square is a
// little wider and taller than its cell, so no seam shows between neighbours.
void paint_cells(Canvas& canvas, const std::vector<double>& values, std::size_t h, std::size_t w,
                 double lo, double hi, const Box& box) {
  const double cw = box.w / static_cast<double>(w), ch = box.h / static_cast<double>(h);
  for (std::size_t r = 0; r < h; ++r) {
    for (std::size_t c = 0; c < w; ++c) {
      canvas.fill_rect(to_color(heat_or_nan(values[r * w + c], lo, hi)),
                       box.x + static_cast<double>(c) * cw, box.y + static_cast<double>(r) * ch,
                       cw + 0.5, ch + 0.5);
    }
  }
}

std::string feature_image(const std::string& title, const std::string& value_name,
                          const std::vector<double>& values, std::size_t h, std::size_t w,
                          ImageFormat format) {
  std::size_t non_finite = 0;
  Range vr;
  for (double v : values) {
    if (std::isfinite(v)) {
      vr.add(v);
    } else {
      ++non_finite;
    }
  }
  double lo = vr.empty() ? 0.0 : std::min(0.0, vr.lo);
  double hi = vr.empty() ? 1.0 : vr.hi;
  if (hi <= lo) hi = lo + 1.0;

  Canvas canvas(format, plot_width, plot_height);
  FigureSpec spec;
  spec.title = title;
  spec.x.label = "column";
  spec.y.label = "row";
  spec.x.lo = -0.5;
  spec.x.hi = static_cast<double>(w) - 0.5;
  spec.y.lo = -0.5;
  spec.y.hi = static_cast<double>(h) - 0.5;
  spec.x.integer = spec.y.integer = true;
  spec.x.grid = spec.y.grid = false;
  spec.y.reversed = true;
  spec.aspect = static_cast<double>(w) / static_cast<double>(h);
  if (non_finite > 0) {
    spec.notes.push_back(format_count(non_finite) + " non-finite " +
                         (non_finite == 1 ? "value" : "values") + " drawn magenta");
  }
  ColorBar bar;
  bar.lo = lo;
  bar.hi = hi;
  bar.color = [&](double v) { return to_color(heat_or_nan(v, lo, hi)); };
  bar.label = value_name.empty() ? "value" : value_name;
  const Vertical vert = vertical_layout(canvas, spec);
  spec.right_width = colorbar_width(canvas, bar, vert.plot_bottom - vert.plot_top);
  const Frame f = layout(canvas, spec);

  draw_back(canvas, spec, f);
  cairo_t* cr = canvas.cr();
  cairo_save(cr);
  cairo_rectangle(cr, f.plot.x, f.plot.y, f.plot.w, f.plot.h);
  cairo_clip(cr);
  const bool cells = (format == ImageFormat::svg && values.size() <= max_svg_cells) ||
                     h > max_image_side || w > max_image_side;
  if (cells) {
    paint_cells(canvas, values, h, w, lo, hi, f.plot);
  } else {
    paint_image(canvas, values, h, w, lo, hi, f.plot);
  }
  cairo_restore(cr);
  draw_front(canvas, spec, f);
  draw_colorbar(canvas, bar, {f.right_x, f.plot.y, 14.0, f.plot.h});
  return canvas.finish();
}

std::string feature_bars(const std::string& title, const std::string& value_name,
                         const std::vector<double>& values, ImageFormat format) {
  const std::size_t d = values.size();
  std::size_t non_finite = 0;
  Range vr;
  for (double v : values) {
    if (std::isfinite(v)) {
      vr.add(v);
    } else {
      ++non_finite;
    }
  }
  const bool write_values = d <= 12;
  // Bars start at 0, so the range always holds 0; room is left above (and below) for values.
  const double lo = vr.empty() ? 0.0 : std::min(0.0, vr.lo);
  double hi = vr.empty() ? 1.0 : std::max(0.0, vr.hi);
  if (hi == lo) hi = lo + 1.0;
  const double room = (hi - lo) * (write_values ? 0.12 : margin);

  Canvas canvas(format, plot_width, plot_height);
  FigureSpec spec;
  spec.title = title;
  spec.x.label = "feature index";
  spec.y.label = value_name.empty() ? "value" : value_name;
  const double dn = static_cast<double>(std::max<std::size_t>(d, 1));
  spec.x.lo = -0.5 - dn * 0.02;
  spec.x.hi = dn - 0.5 + dn * 0.02;
  spec.x.integer = true;
  spec.x.grid = false;
  spec.y.lo = lo < 0.0 ? lo - room : 0.0;
  spec.y.hi = hi > 0.0 ? hi + room : 0.0;
  add_notes(spec, non_finite, 0);
  const Frame f = layout(canvas, spec);

  draw_back(canvas, spec, f);
  clip_to_plot(canvas, f);
  cairo_t* cr = canvas.cr();
  const Color c = to_color(plot_palette(0));
  const double zero = f.y(0.0);
  const double unit_px = f.plot.w / (spec.x.hi - spec.x.lo);
  if (unit_px >= 3.0) {
    const double bar_w = std::clamp(unit_px * 0.8, 1.0, 90.0);
    for (std::size_t i = 0; i < d; ++i) {
      if (!std::isfinite(values[i])) continue;
      const double x = f.x(static_cast<double>(i)) - bar_w / 2.0;
      const double y = f.y(values[i]);
      cairo_rectangle(cr, x, std::min(y, zero), bar_w, std::max(std::fabs(zero - y), 1.0));
    }
    set_source(cr, c, 0.9);
    cairo_fill(cr);
  } else {
    // Too many features for bars: a line with the area down to 0 filled, in runs of finite
    // values.
    std::size_t i = 0;
    while (i < d) {
      if (!std::isfinite(values[i])) {
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j < d && std::isfinite(values[j])) ++j;
      cairo_move_to(cr, f.x(static_cast<double>(i)), zero);
      for (std::size_t k = i; k < j; ++k)
        cairo_line_to(cr, f.x(static_cast<double>(k)), f.y(values[k]));
      cairo_line_to(cr, f.x(static_cast<double>(j - 1)), zero);
      cairo_close_path(cr);
      set_source(cr, c, 0.35);
      cairo_fill(cr);
      for (std::size_t k = i; k < j; ++k)
        cairo_line_to(cr, f.x(static_cast<double>(k)), f.y(values[k]));
      set_source(cr, c);
      cairo_set_line_width(cr, 1.0);
      cairo_stroke(cr);
      i = j;
    }
  }
  if (spec.y.lo < 0.0 && spec.y.hi > 0.0) {
    canvas.fill_rect(spine_color, f.plot.x, std::floor(zero), f.plot.w, 1.0);
  }
  unclip(canvas);
  if (write_values) {
    for (std::size_t i = 0; i < d; ++i) {
      const double v = values[i];
      const double x = f.x(static_cast<double>(i));
      const double y = std::isfinite(v) ? f.y(v) : zero;
      const double cy = std::isfinite(v) && v < 0.0 ? y + 9.0 : y - 9.0;
      canvas.text(tick_font, std::isfinite(v) ? text_color : muted_color, format_number(v, 3), x,
                  cy, Align::center);
    }
  }
  if (vr.empty()) draw_message(canvas, f, "no data");
  draw_front(canvas, spec, f);
  return canvas.finish();
}

}  // namespace

std::string plot_feature_values(const std::string& title, const std::string& value_name,
                                const std::vector<double>& values,
                                const std::vector<std::size_t>& image_shape, ImageFormat format) {
  if (image_shape.empty()) return feature_bars(title, value_name, values, format);
  const bool fits = image_shape.size() == 2 && image_shape[0] > 0 && image_shape[1] > 0 &&
                    image_shape[0] <= values.size() && image_shape[1] <= values.size() &&
                    image_shape[0] * image_shape[1] == values.size();
  if (!fits) {
    std::string shape;
    for (std::size_t s : image_shape) shape += (shape.empty() ? "" : " x ") + std::to_string(s);
    throw Error(ErrorKind::usage, "plot_feature_values: " + std::to_string(values.size()) +
                                      " values do not fill an image of shape " + shape +
                                      "; pass {height, width} with height * width values, or "
                                      "no shape for bars");
  }
  return feature_image(title, value_name, values, image_shape[0], image_shape[1], format);
}

}  // namespace ae
