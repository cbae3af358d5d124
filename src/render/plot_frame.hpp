// The frame around a plot's data: the plots' fonts and colours, title, plot box, axes with
// ticks and labels, notes, the column at the right for a legend or colour bar, legend
// placement that never covers data (a corner inside the plot only when the Occupancy map
// says it is empty), and the data ranges the axes show. The data itself is drawn by the
// plot_*.cpp files between draw_back and draw_front.
#pragma once
#include <cstddef>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "render/canvas.hpp"
#include "render/number_text.hpp"
#include "render/ticks.hpp"

namespace ae::render_detail {

inline constexpr Color text_color{0.13, 0.13, 0.13};
inline constexpr Color muted_color{0.42, 0.42, 0.42};
inline constexpr Color spine_color{0.25, 0.25, 0.25};
inline constexpr Color grid_color{0.91, 0.91, 0.91};
inline constexpr Color frame_color{0.8, 0.8, 0.8};

inline constexpr Font title_font{16, true};
inline constexpr Font label_font{13, false};
inline constexpr Font tick_font{11.5, false};
inline constexpr Font legend_font{12, false};
inline constexpr Font note_font{11, false};

inline constexpr double margin = 0.05;         // data range padding on each side, as a fraction
inline constexpr std::size_t max_legend = 20;  // legend rows before "... more"

struct Box {
  double x = 0, y = 0, w = 0, h = 0;  // pixels, origin top left
  double right() const { return x + w; }
  double bottom() const { return y + h; }
};

// Data value -> pixel along one axis; lo maps to p0 and hi to p1 (p1 < p0 for y).
struct Scale {
  double lo = 0.0, hi = 1.0;
  bool log = false;
  double p0 = 0.0, p1 = 1.0;
  double operator()(double v) const;
};

struct AxisSpec {
  std::string label;          // with units, e.g. "score (MSE)"
  double lo = 0.0, hi = 1.0;  // data range shown; lo < hi, and lo > 0 on a log axis
  bool log = false;
  bool integer = false;              // ticks on whole numbers only
  bool grid = true;                  // light lines across the plot at the major ticks
  bool reversed = false;             // lo at the top (y) or right (x), e.g. image rows
  std::optional<Ticks> fixed_ticks;  // these ticks instead of chosen ones
};

struct FigureSpec {
  std::string title;
  AxisSpec x, y;
  std::vector<std::string> notes;  // one small line under the plot, joined by "; "
  bool top_row = false;            // a line between title and plot (e.g. threshold value)
  double right_width = 0.0;        // room for a legend or colour bar right of the plot
  double aspect = 0.0;             // > 0: plot box width / height (images), within limits
};

// Vertical positions, which do not depend on anything horizontal.
struct Vertical {
  double title_cy = 0, top_row_cy = 0, plot_top = 0, plot_bottom = 0;
  double x_tick_cy = 0, x_label_cy = 0, note_cy = 0;
};

struct Frame {
  Vertical v;
  Box plot;
  Scale x, y;
  Ticks x_ticks, y_ticks;
  double y_label_cx = 0;
  double right_x = 0;  // left edge of the right column
};

Vertical vertical_layout(Canvas& canvas, const FigureSpec& spec);
Frame layout(Canvas& canvas, const FigureSpec& spec);

// Plot background and grid lines; then the caller draws data (clip_to_plot helps); then the
// frame, ticks, labels, title and notes on top.
void draw_back(Canvas& canvas, const FigureSpec& spec, const Frame& frame);
void clip_to_plot(Canvas& canvas, const Frame& frame);  // cairo_save + clip; undo with unclip
void unclip(Canvas& canvas);
void draw_front(Canvas& canvas, const FigureSpec& spec, const Frame& frame);
// A centred muted message inside the plot, e.g. "no data".
void draw_message(Canvas& canvas, const Frame& frame, const std::string& message);

enum class Swatch { line, line_marker, patch, dot, dot_outlined };
struct LegendEntry {
  std::string text;
  Color color;
  Swatch swatch = Swatch::line;
  double alpha = 1.0;
};
struct Legend {
  std::vector<LegendEntry> entries;
  double w = 0, h = 0;  // measured size, set by measure_legend
};
void measure_legend(Canvas& canvas, Legend& legend);
void draw_legend(Canvas& canvas, const Legend& legend, double x, double y);  // top left

// Which parts of the plot box hold data, on a grid of small cells.
class Occupancy {
 public:
  explicit Occupancy(const Box& area);
  void mark_rect(double x0, double y0, double x1, double y1);
  void mark_segment(double x0, double y0, double x1, double y1, double pad);
  bool empty(double x0, double y0, double x1, double y1) const;

 private:
  std::size_t index(double x, double y) const;  // the cell holding (x, y), clamped
  Box area_;
  std::size_t cols_ = 0, rows_ = 0;
  std::vector<char> cells_;
};

struct Point {
  double x = 0, y = 0;
};
// The top left of a w x h box in the first empty corner of the plot (upper right, upper left,
// lower right, lower left, then the middles of the sides), or nothing.
std::optional<Point> empty_corner(const Frame& frame, const Occupancy& occupancy, double w,
                                  double h);

// A vertical colour bar with ticks and a label at its right; width() is the room it takes.
struct ColorBar {
  double lo = 0.0, hi = 1.0;
  std::function<Color(double)> color;
  std::string label;
};
double colorbar_width(Canvas& canvas, const ColorBar& bar, double height);
void draw_colorbar(Canvas& canvas, const ColorBar& bar, const Box& box);  // box: the bar

// Room between the plot and the right column, and to the picture's right edge.
inline constexpr double right_gap = 18.0;
inline constexpr double edge_pad = 14.0;

// ---- data ranges and notes ----

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v);
  bool empty() const { return lo > hi; }
};

// The shown range: the data's, widened by `margin` on each side (in log space on a log
// axis); a single value gets a range around it.
std::pair<double, double> padded(Range r, bool log, bool pad_low = true);

// A spec with the title, the axis labels and the padded ranges of the data (y on a log axis
// when log_y).
FigureSpec data_spec(const std::string& title, const std::string& x_label,
                     const std::string& y_label, const Range& xr, const Range& yr, bool log_y);

// "N non-finite values not shown", "N values <= 0 not shown on the log axis".
void add_notes(FigureSpec& spec, std::size_t non_finite, std::size_t non_positive);

// ---- legend placement ----

// A layout with the legend in an empty corner of the plot when one is free, else at the top
// of the right column (which also holds a colour bar of colorbar_w, if any).
struct Placement {
  Frame frame;
  Point legend_at;
  bool legend_inside = false;
};

// Marks where the data will be drawn, for a frame laid out with the legend inside or not.
using MarkData = std::function<void(const Frame&, Occupancy&)>;
Placement place(Canvas& canvas, FigureSpec& spec, Legend& legend, const MarkData& mark,
                double colorbar_w = 0.0);

}  // namespace ae::render_detail
