// Line plots: plot_lines (one line per series, gaps at NaN, markers on short series) and the
// training history drawn with it. Gathers the drawable points, chooses ranges, lets
// plot_frame lay out the axes and place the legend, then draws clipped to the plot box.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "ae/error.hpp"
#include "ae/format.hpp"
#include "ae/plot.hpp"
#include "render/plot_frame.hpp"

namespace ae {

using namespace render_detail;

namespace {

constexpr std::size_t max_marked = 30;  // series of at most this many points get markers

struct PreparedSeries {
  std::size_t color = 0;
  std::string name;
  // Runs of consecutive drawable points; a NaN y or a skipped point ends a run.
  std::vector<std::vector<std::pair<double, double>>> runs;
  std::size_t points = 0;
};

}  // namespace

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
  FigureSpec spec = data_spec(title, x_label, y_label, xr, yr, log_y);
  spec.x.integer = integer_x && !xr.empty();
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
      canvas.set_source(c);
      if (run.size() > 1) {
        cairo_set_line_width(cr, 2.0);
        for (const auto& [x, y] : run) cairo_line_to(cr, f.x(x), f.y(y));
        cairo_stroke(cr);
      }
      if (markers || run.size() == 1) {
        for (const auto& [x, y] : run) canvas.circle(f.x(x), f.y(y), run.size() == 1 ? 4.0 : 3.0);
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

}  // namespace ae
