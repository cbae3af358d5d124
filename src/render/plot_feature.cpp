// Per-feature values: a heat map with a colour bar when the values are an image (pixels on
// PNG; one square per cell on small SVGs, which viewers would otherwise smooth), else bars
// over the feature index, or a filled line when there are more features than fit as bars.
#include <algorithm>
#include <cmath>

#include "ae/error.hpp"
#include "ae/format.hpp"
#include "ae/plot.hpp"
#include "render/plot_frame.hpp"

namespace ae {

using namespace render_detail;

namespace {

constexpr std::size_t max_svg_cells = 65536;   // larger SVG heat maps embed a (smoothed) image
constexpr std::size_t max_image_side = 32767;  // cairo's limit for an image surface

// The range of the finite values; counts the others into non_finite.
Range finite_range(const std::vector<double>& values, std::size_t& non_finite) {
  Range r;
  for (double v : values) {
    if (std::isfinite(v)) {
      r.add(v);
    } else {
      ++non_finite;
    }
  }
  return r;
}

Rgb heat_or_nan(double v, double lo, double hi) {
  return std::isfinite(v)
             ? heat_color(static_cast<float>(v), static_cast<float>(lo), static_cast<float>(hi))
             : nan_color;
}

// The h x w values as one image pixel each, scaled up to box without smoothing.
void paint_image(Canvas& canvas, const std::vector<double>& values, std::size_t h, std::size_t w,
                 double lo, double hi, const Box& box) {
  const SurfacePtr image = rgb_image(
      h, w, [&](std::size_t r, std::size_t c) { return heat_or_nan(values[r * w + c], lo, hi); },
      "plot_feature_values");
  canvas.draw_pixels(image.get(), box.x, box.y, box.w, box.h);
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
  const Range vr = finite_range(values, non_finite);
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
  const Range vr = finite_range(values, non_finite);
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
    canvas.set_source(c, 0.9);
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
      canvas.set_source(c, 0.35);
      cairo_fill(cr);
      for (std::size_t k = i; k < j; ++k)
        cairo_line_to(cr, f.x(static_cast<double>(k)), f.y(values[k]));
      canvas.set_source(c);
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
