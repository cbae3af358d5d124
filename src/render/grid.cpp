// Picture grids: measures every label and panel, places them in aligned columns, draws them
// on the shared canvas (text on whole pixels) into PNG bytes, which render_grid_png writes
// through AtomicFile.
// grid_layout and render_grid_png share one plan, so tests can check pixels where it says.
// Does not wrap long labels or split large grids into pages; callers choose the rows.
#include <algorithm>
#include <limits>
#include <cmath>
#include <string>
#include <vector>

#include "ae/atomic_file.hpp"
#include "ae/error.hpp"
#include "ae/plot.hpp"
#include "ae/render.hpp"
#include "render/canvas.hpp"
#include "render/number_text.hpp"

namespace ae {
namespace {

using namespace render_detail;

// Spacing, in pixels.
constexpr int page_margin = 24;    // page edge to content
constexpr int row_pad = 10;        // row frame to the row's content
constexpr int row_gap = 8;         // between row frames
constexpr int frame_w = 3;         // highlight frame thickness
constexpr int label_gap = 22;      // label column to the first panel column
constexpr int column_gap = 28;     // between panel columns
constexpr int title_gap = 12;      // below the title line
constexpr int caption_h = 18;      // a panel caption line inside a row
constexpr int max_side = 32767;    // cairo's limit for an image surface

// Panel sizes, in pixels.
constexpr int image_target = 112;  // small images are scaled up by an integer to at least this
constexpr int image_overshoot = 150;  // ...unless that makes them longer than this
constexpr int image_max = 280;     // images longer than this are scaled down to it
constexpr int image_min_short = 16;  // thin images are stretched to at least this
constexpr int colorbar_gap = 6;
constexpr int colorbar_w = 10;
constexpr int strip_cell_w = 24;
constexpr int strip_target = 128;  // strip height the cell size aims at
constexpr int strip_cell_min = 16;
constexpr int strip_cell_max = 28;
constexpr int text_gap = 6;        // cell or bar to its number
constexpr int plot_h = 112;        // bar chart height
constexpr int plot_min_w = 64;
constexpr int plot_pad = 7;        // room above and below the plot for tick labels
constexpr std::size_t bars_with_values = 8;  // at most this many bars get their value written
constexpr long bars_max_w = 2048;  // wider bar charts show each pixel column's range of values

constexpr Font title_font{18, true, 24};
constexpr Font header_font{14, true, 20};
constexpr Font label_font{13, false, 18};
constexpr Font label_bold_font{13, true, 18};
constexpr Font caption_font{12, false, 16};
constexpr Font value_font{12, false, 16};
constexpr Font small_font{11, false, 14};

constexpr Color text_color{0.13, 0.13, 0.13};
constexpr Color muted_color{0.38, 0.38, 0.38};
constexpr Color edge_color{0.62, 0.62, 0.62};
constexpr Color plot_color{0.955, 0.955, 0.955};
constexpr Color axis_color{0.3, 0.3, 0.3};
constexpr Color positive_color{0.267, 0.467, 0.667};
constexpr Color negative_color{0.80, 0.33, 0.40};
constexpr Color tint_color{0.996, 0.953, 0.937};

// A 1 px line just outside the rectangle, so it never covers data pixels.
void outline_rect(Canvas& canvas, Color c, const PixelRect& r) {
  cairo_t* cr = canvas.cr();
  canvas.set_source(c);
  cairo_set_line_width(cr, 1.0);
  cairo_rectangle(cr, r.x - 0.5, r.y - 0.5, r.width + 1.0, r.height + 1.0);
  cairo_stroke(cr);
}

// Width of a line of text in whole pixels.
int text_width(Canvas& canvas, const Font& f, const std::string& text) {
  return static_cast<int>(canvas.text_width(f, text));
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  if (text.empty()) return lines;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

struct PanelPlan {
  int w = 0;            // the box holding the panel and its own text
  int h = 0;
  int x = 0;            // the box's top left on the page
  int y = 0;
  PixelRect data;       // image pixels, strip cells or plot area, relative to the box
  int cell_h = 0;       // strip: height of one cell
  int slot = 0;         // bars: horizontal room per bar
  int bar_w = 0;        // bars: width of one bar
  double a = 0.0;       // bars: value at the bottom of the plot
  double b = 1.0;       // bars: value at the top of the plot
  double base = 0.0;    // bars: value the bars start from
  bool value_line = false;  // bars: values written below the plot
  std::string caption;  // the panel's title when it differs from its column's header

  PixelRect page_data() const { return {x + data.x, y + data.y, data.width, data.height}; }
};

struct RowPlan {
  PixelRect frame;
  PixelRect label;
  std::vector<std::string> label_lines;
  const Font* label_font = nullptr;
  int caption_y = 0;  // vertical centre of the caption line
  std::vector<PanelPlan> panels;
};

struct Plan {
  int width = 0;
  int height = 0;
  int title_y = 0;   // vertical centre of the title line
  int header_y = 0;  // vertical centre of the column headers
  std::vector<std::string> headers;
  std::vector<int> col_x;
  std::vector<int> col_w;
  std::vector<RowPlan> rows;
};

std::string panel_name(std::size_t row, std::size_t panel, const Panel& p) {
  return "row " + std::to_string(row + 1) + ", panel " + std::to_string(panel + 1) +
         (p.title.empty() ? std::string() : " ('" + p.title + "')");
}

void validate(const std::string& where, const std::vector<GridRow>& rows) {
  if (rows.empty()) {
    throw Error(ErrorKind::usage, where + ": no rows to draw; pass at least one sample");
  }
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].panels.empty()) {
      throw Error(ErrorKind::usage,
                  where + ": row " + std::to_string(r + 1) + " has no panels; give it one");
    }
    for (std::size_t i = 0; i < rows[r].panels.size(); ++i) {
      const Panel& p = rows[r].panels[i];
      const std::string name = where + ": " + panel_name(r, i, p);
      if (!std::isfinite(p.lo) || !std::isfinite(p.hi)) {
        throw Error(ErrorKind::usage, name + ": lo and hi must be finite numbers");
      }
      if (p.values.empty()) {
        throw Error(ErrorKind::usage, name + ": has no values; pass at least one");
      }
      if (p.style == PanelStyle::gray || p.style == PanelStyle::heat) {
        const std::size_t n = p.values.size();
        if (p.height == 0 || p.width == 0 || p.height > n || p.width > n ||
            p.height * p.width != n) {
          throw Error(ErrorKind::usage,
                      name + ": " + std::to_string(n) + " values do not fill a " +
                          std::to_string(p.height) + " x " + std::to_string(p.width) +
                          " image; pass height * width values, row by row");
        }
      }
    }
  }
}

PanelPlan measure_image(Canvas& canvas, const Panel& p) {
  PanelPlan q;
  const auto h = static_cast<double>(p.height);
  const auto w = static_cast<double>(p.width);
  const double long_side = std::max(h, w);
  double scale = 1.0;
  if (long_side <= image_target) {
    // The integer factor that reaches image_target, one less if that overshoots a lot.
    scale = std::ceil(image_target / long_side);
    if (scale > 1.0 && long_side * scale > image_overshoot) scale -= 1.0;
  }
  if (long_side > image_max) scale = image_max / long_side;
  const int dw = std::max(image_min_short, static_cast<int>(std::lround(w * scale)));
  const int dh = std::max(image_min_short, static_cast<int>(std::lround(h * scale)));
  q.data = {0, 0, dw, dh};
  q.w = dw;
  q.h = dh;
  if (p.style == PanelStyle::heat) {
    const int tick_w = std::max(text_width(canvas, small_font, format_tick(p.lo)),
                                text_width(canvas, small_font, format_tick(p.hi)));
    q.w = dw + colorbar_gap + colorbar_w + 4 + tick_w;
  }
  return q;
}

PanelPlan measure_strip(Canvas& canvas, const Panel& p) {
  PanelPlan q;
  const int k = static_cast<int>(std::min<std::size_t>(p.values.size(), max_side));
  q.cell_h = std::clamp(strip_target / k, strip_cell_min, strip_cell_max);
  int text_w = 0;
  for (float v : p.values) {
    text_w = std::max(text_w, text_width(canvas, value_font, format_value(v)));
  }
  q.data = {0, 0, strip_cell_w, std::min(k * q.cell_h, max_side)};
  q.w = strip_cell_w + text_gap + text_w;
  q.h = q.data.height;
  return q;
}

PanelPlan measure_bars(Canvas& canvas, const Panel& p) {
  PanelPlan q;
  const std::size_t n = p.values.size();
  q.a = std::min(p.lo, p.hi);
  q.b = std::max(p.lo, p.hi);
  if (q.a == q.b) {
    q.a -= 0.5;
    q.b += 0.5;
  }
  q.base = std::clamp(0.0, q.a, q.b);
  q.value_line = n <= bars_with_values;
  if (q.value_line) {
    int text_w = 0;
    for (float v : p.values) {
      text_w = std::max(text_w, text_width(canvas, small_font, format_value(v)));
    }
    q.slot = std::max(30, text_w + 10);
    q.bar_w = q.slot - 12;
  } else {
    q.slot = std::clamp(240 / static_cast<int>(std::min<std::size_t>(n, 240)), 1, 20);
    q.bar_w = q.slot >= 4 ? q.slot - std::max(1, q.slot / 4) : q.slot;
  }
  const long plot_w = std::clamp<long>(static_cast<long>(n) * q.slot, plot_min_w, bars_max_w);
  int tick_w = std::max(text_width(canvas, small_font, format_tick(q.a)),
                        text_width(canvas, small_font, format_tick(q.b)));
  if (q.base > q.a && q.base < q.b) {
    tick_w = std::max(tick_w, text_width(canvas, small_font, format_tick(q.base)));
  }
  tick_w += 5;
  q.data = {tick_w, plot_pad, static_cast<int>(std::min<long>(plot_w, max_side)), plot_h};
  q.w = tick_w + q.data.width;
  q.h = plot_pad + plot_h + (q.value_line ? 4 + small_font.line_h : plot_pad);
  return q;
}

PanelPlan measure_panel(Canvas& canvas, const Panel& p) {
  switch (p.style) {
    case PanelStyle::gray:
    case PanelStyle::heat: return measure_image(canvas, p);
    case PanelStyle::strip: return measure_strip(canvas, p);
    case PanelStyle::bars: return measure_bars(canvas, p);
  }
  return {};
}

// Measures every string and panel with a scratch context and places everything.
Plan make_plan(const std::string& where, const std::string& title,
               const std::vector<GridRow>& rows) {
  validate(where, rows);
  Canvas canvas(ImageFormat::png, 1, 1, TextMode::pixel, where);
  auto check_text = [&](const std::string& what) {
    if (cairo_status(canvas.cr()) == CAIRO_STATUS_INVALID_STRING) {
      throw Error(ErrorKind::usage, where + ": " + what + " is not valid UTF-8 text");
    }
    canvas.check();
  };

  Plan plan;
  std::size_t columns = 0;
  for (const GridRow& row : rows) columns = std::max(columns, row.panels.size());
  plan.headers.assign(columns, std::string());
  std::vector<bool> header_set(columns, false);
  for (const GridRow& row : rows) {
    for (std::size_t j = 0; j < row.panels.size(); ++j) {
      if (!header_set[j]) plan.headers[j] = row.panels[j].title;
      header_set[j] = true;
    }
  }
  plan.col_w.assign(columns, 0);
  for (std::size_t j = 0; j < columns; ++j) {
    plan.col_w[j] = text_width(canvas, header_font, plan.headers[j]);
    check_text("the title of column " + std::to_string(j + 1));
  }

  int label_w = 0;
  plan.rows.resize(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    RowPlan& rp = plan.rows[r];
    rp.label_lines = split_lines(rows[r].label);
    rp.label_font = rows[r].highlight ? &label_bold_font : &label_font;
    int w = 0;
    for (const std::string& line : rp.label_lines) {
      w = std::max(w, text_width(canvas, *rp.label_font, line));
    }
    check_text("the label of row " + std::to_string(r + 1));
    rp.label.width = w;
    rp.label.height = static_cast<int>(rp.label_lines.size()) * rp.label_font->line_h;
    label_w = std::max(label_w, w);
    for (std::size_t j = 0; j < rows[r].panels.size(); ++j) {
      const Panel& p = rows[r].panels[j];
      PanelPlan q = measure_panel(canvas, p);
      if (p.title != plan.headers[j]) q.caption = p.title;
      const int caption_w = text_width(canvas, caption_font, q.caption);
      check_text("the title of " + panel_name(r, j, p));
      plan.col_w[j] = std::max({plan.col_w[j], q.w, caption_w});
      rp.panels.push_back(std::move(q));
    }
  }

  // Columns, left to right.
  const int left = page_margin + row_pad;
  int x = left + label_w + (label_w > 0 ? label_gap : 0);
  for (std::size_t j = 0; j < columns; ++j) {
    if (j > 0) x += column_gap;
    plan.col_x.push_back(x);
    x += plan.col_w[j];
  }
  long width = static_cast<long>(x) + row_pad + page_margin;
  if (!title.empty()) {
    width = std::max<long>(width, 2L * page_margin + text_width(canvas, title_font, title));
    check_text("the title");
  }

  // Lines and rows, top to bottom.
  long y = page_margin;
  if (!title.empty()) {
    plan.title_y = static_cast<int>(y) + title_font.line_h / 2;
    y += title_font.line_h + title_gap;
  }
  if (std::any_of(plan.headers.begin(), plan.headers.end(),
                  [](const std::string& h) { return !h.empty(); })) {
    plan.header_y = static_cast<int>(y) + header_font.line_h / 2;
    y += header_font.line_h;
  }
  for (RowPlan& rp : plan.rows) {
    const bool has_caption = std::any_of(rp.panels.begin(), rp.panels.end(),
                                         [](const PanelPlan& q) { return !q.caption.empty(); });
    int content_h = rp.label.height;
    for (const PanelPlan& q : rp.panels) content_h = std::max(content_h, q.h);
    const long top = y + row_pad + (has_caption ? caption_h : 0);
    const int content_y = static_cast<int>(top);
    rp.caption_y = content_y - caption_h / 2 - 1;
    rp.label.x = left;
    rp.label.y = content_y + (content_h - rp.label.height) / 2;
    for (std::size_t j = 0; j < rp.panels.size(); ++j) {
      PanelPlan& q = rp.panels[j];
      q.x = plan.col_x[j] + (plan.col_w[j] - q.w) / 2;
      q.y = content_y + (content_h - q.h) / 2;
    }
    const int frame_h = 2 * row_pad + (has_caption ? caption_h : 0) + content_h;
    rp.frame = {page_margin, static_cast<int>(y), 0, frame_h};
    y += frame_h + row_gap;
  }
  const long height = y - row_gap + page_margin;
  if (width > max_side || height > max_side) {
    throw Error(ErrorKind::usage, where + ": the picture would be larger than " +
                                      std::to_string(max_side) +
                                      " px; draw fewer rows or smaller panels");
  }
  plan.width = static_cast<int>(width);
  plan.height = static_cast<int>(height);
  for (RowPlan& rp : plan.rows) rp.frame.width = plan.width - 2 * page_margin;
  return plan;
}

void draw_image(Canvas& canvas, const Panel& p, const PanelPlan& q, const std::string& where) {
  const bool heat = p.style == PanelStyle::heat;
  const SurfacePtr image = rgb_image(
      p.height, p.width,
      [&](std::size_t i, std::size_t j) {
        const float v = p.values[i * p.width + j];
        return heat ? heat_color(v, p.lo, p.hi) : gray_color(v, p.lo, p.hi);
      },
      where);
  const PixelRect d = q.page_data();
  canvas.draw_pixels(image.get(), d.x, d.y, d.width, d.height);
  outline_rect(canvas, edge_color, d);
  if (!heat) return;

  // Colour bar: hi at the top, lo at the bottom, one pixel row at a time.
  const PixelRect bar{d.x + d.width + colorbar_gap, d.y, colorbar_w, d.height};
  for (int i = 0; i < bar.height; ++i) {
    const float t = 1.0f - (static_cast<float>(i) + 0.5f) / static_cast<float>(bar.height);
    canvas.fill_rect(to_color(heat_color(t, 0.0f, 1.0f)), bar.x, bar.y + i, bar.width, 1);
  }
  outline_rect(canvas, edge_color, bar);
  const double tx = bar.x + bar.width + 4;
  canvas.text(small_font, muted_color, format_tick(p.hi), tx, bar.y + 5, Align::left);
  if (bar.height >= 2 * small_font.line_h) {
    canvas.text(small_font, muted_color, format_tick(p.lo), tx, bar.y + bar.height - 5,
           Align::left);
  }
}

void draw_strip(Canvas& canvas, const Panel& p, const PanelPlan& q) {
  const PixelRect d = q.page_data();
  for (std::size_t k = 0; k < p.values.size(); ++k) {
    const int top = d.y + static_cast<int>(k) * q.cell_h;
    if (top >= d.y + d.height) break;
    canvas.fill_rect(to_color(gray_color(p.values[k], p.lo, p.hi)), d.x, top, d.width, q.cell_h);
    if (k > 0) canvas.fill_rect(edge_color, d.x, top, d.width, 1);
    canvas.text(value_font, text_color, format_value(p.values[k]), d.x + d.width + text_gap,
           top + q.cell_h / 2.0, Align::left);
  }
  outline_rect(canvas, edge_color, d);
}

void draw_bars(Canvas& canvas, const Panel& p, const PanelPlan& q) {
  const PixelRect d = q.page_data();
  const auto y_of = [&](double v) {
    return d.y + static_cast<int>(std::lround((q.b - v) / (q.b - q.a) * d.height));
  };
  canvas.fill_rect(plot_color, d.x, d.y, d.width, d.height);
  outline_rect(canvas, edge_color, d);
  const int base_y = std::min(y_of(q.base), d.y + d.height - 1);

  const double tx = d.x - 5;
  canvas.text(small_font, muted_color, format_tick(q.b), tx, d.y, Align::right);
  canvas.text(small_font, muted_color, format_tick(q.a), tx, d.y + d.height, Align::right);
  if (q.base > q.a && q.base < q.b) {
    canvas.text(small_font, muted_color, format_tick(q.base), tx, base_y, Align::right);
  }

  const long n = static_cast<long>(p.values.size());
  if (n * q.slot > d.width) {
    // More values than pixel columns: each column draws the union of its share of the bars
    // (from the base to the largest and to the smallest value; NaNs skipped).
    for (long x = 0; x < d.width; ++x) {
      double lo = std::numeric_limits<double>::infinity(), hi = -lo;
      for (long i = x * n / d.width; i < (x + 1) * n / d.width; ++i) {
        const double v = p.values[static_cast<std::size_t>(i)];
        if (std::isnan(v)) continue;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
      const int px = d.x + static_cast<int>(x);
      if (hi >= q.base) {
        const int top = std::min(y_of(std::clamp(hi, q.a, q.b)), base_y);
        canvas.fill_rect(positive_color, px, top, 1, base_y + 1 - top);
      }
      if (lo < q.base) {
        const int bottom = std::max(y_of(std::clamp(lo, q.a, q.b)), base_y + 1);
        canvas.fill_rect(negative_color, px, base_y, 1, bottom - base_y);
      }
    }
    if (q.base > q.a && q.base < q.b) canvas.fill_rect(axis_color, d.x, base_y, d.width, 1);
    return;
  }
  const int offset = static_cast<int>((d.width - std::min<long>(n * q.slot, d.width)) / 2);
  for (long i = 0; i < n; ++i) {
    const int slot_x = d.x + offset + static_cast<int>(i) * q.slot;
    if (slot_x >= d.x + d.width) break;
    const int bar_x = slot_x + (q.slot - q.bar_w) / 2;
    const double v = p.values[static_cast<std::size_t>(i)];
    if (std::isnan(v)) {
      const int side = std::min(q.bar_w, 8);
      canvas.fill_rect(to_color(nan_color), slot_x + (q.slot - side) / 2, base_y - side / 2, side,
                   side);
    } else {
      const int vy = y_of(std::clamp(v, q.a, q.b));
      const int top = std::min(vy, base_y);
      const int bottom = std::max(vy, base_y + 1);
      canvas.fill_rect(v >= q.base ? positive_color : negative_color, bar_x, top, q.bar_w,
                   bottom - top);
    }
    if (q.value_line) {
      canvas.text(small_font, text_color, format_value(v), slot_x + q.slot / 2.0,
             d.y + d.height + 4 + small_font.line_h / 2.0, Align::center);
    }
  }
  if (q.base > q.a && q.base < q.b) canvas.fill_rect(axis_color, d.x, base_y, d.width, 1);
}

void draw_plan(Canvas& canvas, const Plan& plan, const std::string& title,
               const std::vector<GridRow>& rows, const std::string& where) {
  canvas.text(title_font, text_color, title, page_margin, plan.title_y, Align::left);
  for (std::size_t j = 0; j < plan.headers.size(); ++j) {
    canvas.text(header_font, text_color, plan.headers[j], plan.col_x[j] + plan.col_w[j] / 2.0,
           plan.header_y, Align::center);
  }
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const RowPlan& rp = plan.rows[r];
    const PixelRect& f = rp.frame;
    if (rows[r].highlight) {
      const Color c = to_color(highlight_color);
      canvas.fill_rect(tint_color, f.x, f.y, f.width, f.height);
      canvas.fill_rect(c, f.x, f.y, f.width, frame_w);
      canvas.fill_rect(c, f.x, f.y + f.height - frame_w, f.width, frame_w);
      canvas.fill_rect(c, f.x, f.y, frame_w, f.height);
      canvas.fill_rect(c, f.x + f.width - frame_w, f.y, frame_w, f.height);
    }
    for (std::size_t i = 0; i < rp.label_lines.size(); ++i) {
      const double cy = rp.label.y + (static_cast<double>(i) + 0.5) * rp.label_font->line_h;
      canvas.text(*rp.label_font, text_color, rp.label_lines[i], rp.label.x, cy, Align::left);
    }
    for (std::size_t j = 0; j < rp.panels.size(); ++j) {
      const Panel& p = rows[r].panels[j];
      const PanelPlan& q = rp.panels[j];
      canvas.text(caption_font, muted_color, q.caption, plan.col_x[j] + plan.col_w[j] / 2.0,
             rp.caption_y, Align::center);
      switch (p.style) {
        case PanelStyle::gray:
        case PanelStyle::heat: draw_image(canvas, p, q, where); break;
        case PanelStyle::strip: draw_strip(canvas, p, q); break;
        case PanelStyle::bars: draw_bars(canvas, p, q); break;
      }
    }
    canvas.check();
  }
}

// Draws the grid and returns the PNG's bytes; errors name `where`.
std::string render_grid_bytes(const std::string& where, const std::string& title,
                              const std::vector<GridRow>& rows) {
  const Plan plan = make_plan(where, title, rows);
  Canvas canvas(ImageFormat::png, plan.width, plan.height, TextMode::pixel, where);
  draw_plan(canvas, plan, title, rows, where);
  return canvas.finish();
}

}  // namespace

GridLayout grid_layout(const std::string& title, const std::vector<GridRow>& rows) {
  const Plan plan = make_plan("picture grid", title, rows);
  GridLayout layout;
  layout.width = plan.width;
  layout.height = plan.height;
  for (const RowPlan& rp : plan.rows) {
    GridLayout::Row row;
    row.frame = rp.frame;
    row.label = rp.label;
    for (const PanelPlan& q : rp.panels) row.panels.push_back(q.page_data());
    layout.rows.push_back(std::move(row));
  }
  return layout;
}

std::string render_grid(const std::string& title, const std::vector<GridRow>& rows) {
  return render_grid_bytes("picture grid", title, rows);
}

void render_grid_png(const std::string& path, const std::string& title,
                     const std::vector<GridRow>& rows) {
  write_file_atomic(path, render_grid_bytes(path, title, rows));
}

}  // namespace ae
