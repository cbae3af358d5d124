// Places and draws what surrounds a plot's data: title, axes, ticks, labels, notes, legend
// and colour bar, all at fixed sizes for an 800 x 500 picture; and the data ranges shown.
// The vertical layout is fixed first; the left margin then follows from the y tick labels,
// the right one from the legend or colour bar, and the x ticks from the width that is left.
#include "render/plot_frame.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "ae/format.hpp"

namespace ae::render_detail {
namespace {

constexpr double pad = 12.0;      // picture edge to text
constexpr double tick_len = 4.0;  // major tick mark, outside the plot
constexpr double minor_len = 2.0;
constexpr double tick_gap = 4.0;   // tick mark to its label
constexpr double label_gap = 6.0;  // tick labels to the axis label
constexpr double legend_pad = 8.0;
constexpr double legend_row = 18.0;
constexpr double legend_swatch = 22.0;
constexpr double legend_text_max = 190.0;
constexpr double colorbar_bar_w = 14.0;
constexpr double occupancy_cell = 4.0;
constexpr double min_aspect_share = 0.4;  // a fixed-aspect plot keeps this share of its room

double max_width(Canvas& canvas, const Font& f, const std::vector<std::string>& labels) {
  double w = 0.0;
  for (const std::string& s : labels) w = std::max(w, canvas.text_width(f, s));
  return w;
}

Ticks ticks_for(Canvas& canvas, const AxisSpec& axis, double length, bool horizontal) {
  if (axis.fixed_ticks) return *axis.fixed_ticks;
  const double line = canvas.line_height(tick_font);
  const GapRule gap = [&](const std::vector<std::string>& labels) {
    if (horizontal) return std::max(max_width(canvas, tick_font, labels) + 28.0, 72.0);
    return std::max(2.4 * line, 40.0);
  };
  return choose_ticks(axis.lo, axis.hi, axis.log, axis.integer, length, gap);
}

Scale make_scale(const AxisSpec& axis, double p0, double p1) {
  Scale s;
  s.lo = axis.lo;
  s.hi = axis.hi;
  s.log = axis.log && axis.lo > 0.0;
  s.p0 = axis.reversed ? p1 : p0;
  s.p1 = axis.reversed ? p0 : p1;
  return s;
}

// The x of a 1 px vertical line at pixel position p, on the pixel grid.
double crisp(double p) { return std::floor(p) + 0.5; }

std::string values_word(std::size_t n) {
  return format_count(n) + (n == 1 ? " value " : " values ");
}

}  // namespace

double Scale::operator()(double v) const {
  double t = 0.0;
  if (log) {
    t = v > 0.0 ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) : -4.0;
  } else {
    t = (v - lo) / (hi - lo);
  }
  if (!std::isfinite(t)) t = t > 0 ? 5.0 : -4.0;
  t = std::clamp(t, -4.0, 5.0);  // far outside the plot, yet finite for cairo
  return p0 + t * (p1 - p0);
}

Vertical vertical_layout(Canvas& canvas, const FigureSpec& spec) {
  Vertical v;
  const double height = canvas.height();
  double top = pad;
  if (!spec.title.empty()) {
    const double h = canvas.line_height(title_font);
    v.title_cy = top + h / 2.0;
    top += h + 8.0;
  } else {
    top += 4.0;
  }
  if (spec.top_row) {
    const double h = canvas.line_height(tick_font);
    v.top_row_cy = top + h / 2.0;
    top += h + 5.0;
  }
  double bottom = height - pad + 2.0;
  if (!spec.notes.empty()) {
    const double h = canvas.line_height(note_font);
    v.note_cy = bottom - h / 2.0;
    bottom -= h + 4.0;
  }
  if (!spec.x.label.empty()) {
    const double h = canvas.line_height(label_font);
    v.x_label_cy = bottom - h / 2.0;
    bottom -= h + label_gap - 2.0;
  }
  const double tick_h = canvas.line_height(tick_font);
  v.x_tick_cy = bottom - tick_h / 2.0;
  bottom -= tick_h + tick_gap + tick_len;
  v.plot_top = std::round(top + 4.0);
  v.plot_bottom = std::round(bottom);
  return v;
}

Frame layout(Canvas& canvas, const FigureSpec& spec) {
  Frame f;
  f.v = vertical_layout(canvas, spec);
  f.plot.y = f.v.plot_top;
  f.plot.h = f.v.plot_bottom - f.v.plot_top;
  f.y_ticks = ticks_for(canvas, spec.y, f.plot.h, false);

  double left = pad;
  if (!spec.y.label.empty()) {
    const double h = canvas.line_height(label_font);
    f.y_label_cx = left + h / 2.0;
    left += h + label_gap;
  }
  left += max_width(canvas, tick_font, f.y_ticks.labels) + tick_gap + tick_len;
  f.plot.x = std::ceil(left);

  double right = canvas.width() - edge_pad;
  if (spec.right_width > 0.0) {
    right -= spec.right_width + right_gap;
  } else {
    // Room for half of a tick label at the right end of the x axis.
    const double step = nice_step((spec.x.hi - spec.x.lo) / 8.0);
    const std::string end = spec.x.log ? log_label(spec.x.hi) : linear_label(spec.x.hi, step);
    right = std::min(right, canvas.width() - 4.0 - canvas.text_width(tick_font, end) / 2.0);
  }
  f.plot.w = std::max(40.0, std::floor(right - f.plot.x));

  if (spec.aspect > 0.0) {
    // Shrink to the aspect ratio, but never below a share of the room (very wide or tall
    // images then get cells that are not square). The smaller plot is centred, and a lower
    // one takes its x tick labels and x label along.
    if (f.plot.w / f.plot.h > spec.aspect) {
      const double w = std::round(std::max(f.plot.h * spec.aspect, f.plot.w * min_aspect_share));
      const double shift = std::floor((f.plot.w - w) / 2.0);
      f.plot.x += shift;
      f.y_label_cx += shift;
      f.plot.w = w;
    } else {
      const double h = std::round(std::max(f.plot.w / spec.aspect, f.plot.h * min_aspect_share));
      const double shift = std::floor((f.plot.h - h) / 2.0);
      f.plot.y += shift;
      f.v.x_tick_cy -= f.plot.h - h - shift;
      f.v.x_label_cy -= f.plot.h - h - shift;
      f.plot.h = h;
    }
    f.y_ticks = ticks_for(canvas, spec.y, f.plot.h, false);
  }
  f.x_ticks = ticks_for(canvas, spec.x, f.plot.w, true);
  f.x = make_scale(spec.x, f.plot.x, f.plot.right());
  f.y = make_scale(spec.y, f.plot.bottom(), f.plot.y);
  f.right_x = f.plot.right() + right_gap;
  return f;
}

void draw_back(Canvas& canvas, const FigureSpec& spec, const Frame& frame) {
  const Box& p = frame.plot;
  canvas.fill_rect(white, p.x, p.y, p.w, p.h);
  if (spec.x.grid) {
    for (double v : frame.x_ticks.major) {
      const double x = crisp(frame.x(v));
      canvas.line(grid_color, x, p.y, x, p.bottom(), 1.0);
    }
  }
  if (spec.y.grid) {
    for (double v : frame.y_ticks.major) {
      const double y = crisp(frame.y(v));
      canvas.line(grid_color, p.x, y, p.right(), y, 1.0);
    }
  }
  canvas.check();
}

void clip_to_plot(Canvas& canvas, const Frame& frame) {
  cairo_save(canvas.cr());
  cairo_rectangle(canvas.cr(), frame.plot.x, frame.plot.y, frame.plot.w, frame.plot.h);
  cairo_clip(canvas.cr());
}

void unclip(Canvas& canvas) { cairo_restore(canvas.cr()); }

void draw_front(Canvas& canvas, const FigureSpec& spec, const Frame& frame) {
  const Box& p = frame.plot;
  const double width = canvas.width();
  cairo_t* cr = canvas.cr();
  cairo_set_source_rgb(cr, spine_color.r, spine_color.g, spine_color.b);
  cairo_set_line_width(cr, 1.0);
  cairo_rectangle(cr, p.x - 0.5, p.y - 0.5, p.w + 1.0, p.h + 1.0);
  cairo_stroke(cr);

  const auto in_x = [&](double x) { return x >= p.x - 0.5 && x <= p.right() + 0.5; };
  const auto in_y = [&](double y) { return y >= p.y - 0.5 && y <= p.bottom() + 0.5; };
  for (std::size_t i = 0; i < frame.x_ticks.major.size(); ++i) {
    const double x = frame.x(frame.x_ticks.major[i]);
    if (!in_x(x)) continue;
    canvas.line(spine_color, crisp(x), p.bottom() + 0.5, crisp(x), p.bottom() + 0.5 + tick_len,
        1.0);
    const std::string& label = frame.x_ticks.labels[i];
    const double half = canvas.text_width(tick_font, label) / 2.0;
    const double cx = std::clamp(x, 2.0 + half, width - 2.0 - half);
    canvas.text(tick_font, text_color, label, cx, frame.v.x_tick_cy, Align::center);
  }
  for (double v : frame.x_ticks.minor) {
    const double x = frame.x(v);
    if (in_x(x)) {
      canvas.line(spine_color, crisp(x), p.bottom() + 0.5, crisp(x), p.bottom() + 0.5 + minor_len,
          1.0);
    }
  }
  for (std::size_t i = 0; i < frame.y_ticks.major.size(); ++i) {
    const double y = frame.y(frame.y_ticks.major[i]);
    if (!in_y(y)) continue;
    canvas.line(spine_color, p.x - 0.5 - tick_len, crisp(y), p.x - 0.5, crisp(y), 1.0);
    canvas.text(tick_font, text_color, frame.y_ticks.labels[i], p.x - tick_len - tick_gap, y,
                Align::right);
  }
  for (double v : frame.y_ticks.minor) {
    const double y = frame.y(v);
    if (in_y(y))
      canvas.line(spine_color, p.x - 0.5 - minor_len, crisp(y), p.x - 0.5, crisp(y), 1.0);
  }

  const double centre = p.x + p.w / 2.0;
  if (!spec.x.label.empty()) {
    const std::string label = canvas.fit(label_font, spec.x.label, width - 2.0 * pad);
    const double half = canvas.text_width(label_font, label) / 2.0;
    canvas.text(label_font, text_color, label, std::clamp(centre, pad + half, width - pad - half),
                frame.v.x_label_cy, Align::center);
  }
  if (!spec.y.label.empty()) {
    const std::string label = canvas.fit(label_font, spec.y.label, p.h);
    canvas.text_up(label_font, text_color, label, frame.y_label_cx, p.y + p.h / 2.0);
  }
  if (!spec.title.empty()) {
    const std::string title = canvas.fit(title_font, spec.title, width - 2.0 * pad);
    const double half = canvas.text_width(title_font, title) / 2.0;
    canvas.text(title_font, text_color, title, std::clamp(centre, pad + half, width - pad - half),
                frame.v.title_cy, Align::center);
  }
  if (!spec.notes.empty()) {
    std::string note;
    for (const std::string& n : spec.notes) note += (note.empty() ? "" : "; ") + n;
    note = canvas.fit(note_font, note, width - 2.0 * pad);
    canvas.text(note_font, muted_color, note, width - pad, frame.v.note_cy, Align::right);
  }
  canvas.check();
}

void draw_message(Canvas& canvas, const Frame& frame, const std::string& message) {
  canvas.text(label_font, muted_color, message, frame.plot.x + frame.plot.w / 2.0,
              frame.plot.y + frame.plot.h / 2.0, Align::center);
}

void measure_legend(Canvas& canvas, Legend& legend) {
  double text_w = 0.0;
  for (LegendEntry& e : legend.entries) {
    e.text = canvas.fit(legend_font, e.text, legend_text_max);
    text_w = std::max(text_w, canvas.text_width(legend_font, e.text));
  }
  legend.w = std::ceil(2.0 * legend_pad + legend_swatch + 6.0 + text_w);
  legend.h =
      std::ceil(2.0 * legend_pad - 4.0 + legend_row * static_cast<double>(legend.entries.size()));
}

void draw_legend(Canvas& canvas, const Legend& legend, double x, double y) {
  cairo_t* cr = canvas.cr();
  canvas.fill_rect(white, x, y, legend.w, legend.h, 0.92);
  cairo_set_source_rgb(cr, frame_color.r, frame_color.g, frame_color.b);
  cairo_set_line_width(cr, 1.0);
  cairo_rectangle(cr, std::floor(x) + 0.5, std::floor(y) + 0.5, std::round(legend.w),
                  std::round(legend.h));
  cairo_stroke(cr);
  for (std::size_t i = 0; i < legend.entries.size(); ++i) {
    const LegendEntry& e = legend.entries[i];
    const double cy = y + legend_pad - 2.0 + legend_row * (static_cast<double>(i) + 0.5);
    const double sx = x + legend_pad;
    const double mid = sx + legend_swatch / 2.0;
    switch (e.swatch) {
      case Swatch::line:
      case Swatch::line_marker:
        cairo_set_source_rgba(cr, e.color.r, e.color.g, e.color.b, e.alpha);
        cairo_set_line_width(cr, 2.0);
        cairo_move_to(cr, sx, cy);
        cairo_line_to(cr, sx + legend_swatch, cy);
        cairo_stroke(cr);
        if (e.swatch == Swatch::line_marker) {
          canvas.circle(mid, cy, 3.0);
          cairo_fill(cr);
        }
        break;
      case Swatch::patch:
        canvas.fill_rect(e.color, sx + 3.0, cy - 5.5, legend_swatch - 6.0, 11.0, e.alpha);
        cairo_set_source_rgb(cr, e.color.r, e.color.g, e.color.b);
        cairo_set_line_width(cr, 1.0);
        cairo_rectangle(cr, sx + 3.5, cy - 5.0, legend_swatch - 7.0, 10.0);
        cairo_stroke(cr);
        break;
      case Swatch::dot:
        cairo_set_source_rgba(cr, e.color.r, e.color.g, e.color.b, e.alpha);
        canvas.circle(mid, cy, 4.5);
        cairo_fill(cr);
        break;
      case Swatch::dot_outlined:
        cairo_set_source_rgba(cr, e.color.r, e.color.g, e.color.b, e.alpha);
        canvas.circle(mid, cy, 5.0);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
        cairo_set_line_width(cr, 1.3);
        cairo_stroke(cr);
        break;
    }
    canvas.text(legend_font, text_color, e.text, sx + legend_swatch + 6.0, cy, Align::left);
  }
  canvas.check();
}

Occupancy::Occupancy(const Box& area)
    : area_(area),
      cols_(static_cast<std::size_t>(std::max(1.0, std::ceil(area.w / occupancy_cell)))),
      rows_(static_cast<std::size_t>(std::max(1.0, std::ceil(area.h / occupancy_cell)))),
      cells_(cols_ * rows_, 0) {}

std::size_t Occupancy::index(double x, double y) const {
  const double cx =
      std::clamp(std::floor((x - area_.x) / occupancy_cell), 0.0, static_cast<double>(cols_ - 1));
  const double cy =
      std::clamp(std::floor((y - area_.y) / occupancy_cell), 0.0, static_cast<double>(rows_ - 1));
  return static_cast<std::size_t>(cy) * cols_ + static_cast<std::size_t>(cx);
}

void Occupancy::mark_rect(double x0, double y0, double x1, double y1) {
  if (!(std::isfinite(x0) && std::isfinite(x1) && std::isfinite(y0) && std::isfinite(y1))) return;
  if (x1 < x0) std::swap(x0, x1);
  if (y1 < y0) std::swap(y0, y1);
  if (x1 < area_.x || x0 > area_.right() || y1 < area_.y || y0 > area_.bottom()) return;
  const std::size_t a = index(x0, y0);
  const std::size_t b = index(x1, y1);
  for (std::size_t r = a / cols_; r <= b / cols_; ++r) {
    for (std::size_t c = a % cols_; c <= b % cols_; ++c) cells_[r * cols_ + c] = 1;
  }
}

void Occupancy::mark_segment(double x0, double y0, double x1, double y1, double half_width) {
  const double length = std::hypot(x1 - x0, y1 - y0);
  if (!std::isfinite(length)) return;
  const int steps = static_cast<int>(std::min(4000.0, std::ceil(length / 2.0))) + 1;
  for (int i = 0; i <= steps; ++i) {
    const double t = static_cast<double>(i) / steps;
    const double x = x0 + t * (x1 - x0);
    const double y = y0 + t * (y1 - y0);
    mark_rect(x - half_width, y - half_width, x + half_width, y + half_width);
  }
}

bool Occupancy::empty(double x0, double y0, double x1, double y1) const {
  const std::size_t a = index(x0, y0);
  const std::size_t b = index(x1, y1);
  for (std::size_t r = a / cols_; r <= b / cols_; ++r) {
    for (std::size_t c = a % cols_; c <= b % cols_; ++c) {
      if (cells_[r * cols_ + c] != 0) return false;
    }
  }
  return true;
}

std::optional<Point> empty_corner(const Frame& frame, const Occupancy& occupancy, double w,
                                  double h) {
  const Box& p = frame.plot;
  const double inset = 8.0;
  if (w + 2.0 * inset > p.w || h + 2.0 * inset > p.h) return std::nullopt;
  const double left = p.x + inset;
  const double right = p.right() - inset - w;
  const double top = p.y + inset;
  const double bottom = p.bottom() - inset - h;
  const double mid_x = std::round(p.x + (p.w - w) / 2.0);
  const double mid_y = std::round(p.y + (p.h - h) / 2.0);
  const Point candidates[] = {{right, top},   {left, top},   {right, bottom}, {left, bottom},
                              {right, mid_y}, {left, mid_y}, {mid_x, top},    {mid_x, bottom}};
  for (const Point& c : candidates) {
    if (occupancy.empty(c.x - 3.0, c.y - 3.0, c.x + w + 3.0, c.y + h + 3.0)) return c;
  }
  return std::nullopt;
}

double colorbar_width(Canvas& canvas, const ColorBar& bar, double height) {
  const double line = canvas.line_height(tick_font);
  const Ticks t = choose_ticks(bar.lo, bar.hi, false, false, height,
                               [&](const std::vector<std::string>&) { return 2.4 * line; });
  double w = colorbar_bar_w + tick_len + tick_gap + max_width(canvas, tick_font, t.labels);
  if (!bar.label.empty()) w += label_gap + canvas.line_height(label_font);
  return std::ceil(w);
}

void draw_colorbar(Canvas& canvas, const ColorBar& bar, const Box& box) {
  cairo_t* cr = canvas.cr();
  // Both colormaps are piecewise linear between evenly spaced points, so a gradient with
  // enough stops reproduces them.
  cairo_pattern_t* gradient = cairo_pattern_create_linear(0.0, box.bottom(), 0.0, box.y);
  constexpr int stops = 41;
  for (int i = 0; i < stops; ++i) {
    const double t = static_cast<double>(i) / (stops - 1);
    const Color c = bar.color(bar.lo + t * (bar.hi - bar.lo));
    cairo_pattern_add_color_stop_rgb(gradient, t, c.r, c.g, c.b);
  }
  cairo_set_source(cr, gradient);
  cairo_rectangle(cr, box.x, box.y, box.w, box.h);
  cairo_fill(cr);
  cairo_pattern_destroy(gradient);
  cairo_set_source_rgb(cr, spine_color.r, spine_color.g, spine_color.b);
  cairo_set_line_width(cr, 1.0);
  cairo_rectangle(cr, box.x - 0.5, box.y - 0.5, box.w + 1.0, box.h + 1.0);
  cairo_stroke(cr);

  const double line_h = canvas.line_height(tick_font);
  const Ticks t = choose_ticks(bar.lo, bar.hi, false, false, box.h,
                               [&](const std::vector<std::string>&) { return 2.4 * line_h; });
  Scale s;
  s.lo = bar.lo;
  s.hi = bar.hi;
  s.p0 = box.bottom();
  s.p1 = box.y;
  for (std::size_t i = 0; i < t.major.size(); ++i) {
    const double y = s(t.major[i]);
    canvas.line(spine_color, box.right() + 0.5, crisp(y), box.right() + 0.5 + tick_len, crisp(y),
        1.0);
    canvas.text(tick_font, text_color, t.labels[i], box.right() + tick_len + tick_gap, y,
                Align::left);
  }
  if (!bar.label.empty()) {
    const double lh = canvas.line_height(label_font);
    const double x = box.right() + tick_len + tick_gap + max_width(canvas, tick_font, t.labels) +
                     label_gap + lh / 2.0;
    canvas.text_up(label_font, text_color, canvas.fit(label_font, bar.label, box.h + 20.0), x,
                   box.y + box.h / 2.0);
  }
  canvas.check();
}

// ---- data ranges, notes and legend placement ----

void Range::add(double v) {
  lo = std::min(lo, v);
  hi = std::max(hi, v);
}

std::pair<double, double> padded(Range r, bool log, bool pad_low) {
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

FigureSpec data_spec(const std::string& title, const std::string& x_label,
                     const std::string& y_label, const Range& xr, const Range& yr, bool log_y) {
  FigureSpec spec;
  spec.title = title;
  spec.x.label = x_label;
  spec.y.label = y_label;
  std::tie(spec.x.lo, spec.x.hi) = padded(xr, false);
  std::tie(spec.y.lo, spec.y.hi) = padded(yr, log_y);
  spec.y.log = log_y;
  return spec;
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

Placement place(Canvas& canvas, FigureSpec& spec, Legend& legend, const MarkData& mark,
                double colorbar_w) {
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

}  // namespace ae::render_detail
