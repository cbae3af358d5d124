// The canvas every picture is drawn on: a cairo image or SVG surface of a fixed size, text in
// DejaVu Sans measured and placed by the canvas's TextMode, the file's bytes at the end.
// Nothing here knows what a picture shows; grid.cpp and plot_frame.cpp lay out.
#include "render/canvas.hpp"

#include <cairo-svg.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>
#include <utility>

#include "ae/error.hpp"

namespace ae::render_detail {
namespace {

constexpr const char* font_family = "DejaVu Sans";
const std::string ellipsis = "\u2026";

// cairo's write callback for both formats: appends to the std::string passed as closure.
cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

void check_status(cairo_status_t status, const std::string& where) {
  if (status != CAIRO_STATUS_SUCCESS) {
    throw Error(ErrorKind::io,
                where + ": drawing the picture failed: " + cairo_status_to_string(status));
  }
}

cairo_surface_t* create_surface(ImageFormat format, int width, int height, std::string* svg) {
  if (format == ImageFormat::svg) {
    cairo_surface_t* s = cairo_svg_surface_create_for_stream(append_bytes, svg, width, height);
    if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
      // Sizes in CSS px, so the SVG shows at the PNG's size.
      cairo_svg_surface_set_document_unit(s, CAIRO_SVG_UNIT_PX);
    }
    return s;
  }
  return cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
}

// Length of the UTF-8 sequence starting at text[i], or 0 when it is not valid.
std::size_t utf8_length(const std::string& text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0Fu;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07u;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3Fu);
  }
  const bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

Color to_color(Rgb c) { return {c.r / 255.0, c.g / 255.0, c.b / 255.0}; }

Color mix(Color a, Color b, double t) {
  return {a.r + t * (b.r - a.r), a.g + t * (b.g - a.g), a.b + t * (b.b - a.b)};
}

Canvas::Canvas(ImageFormat format, int width, int height, TextMode mode, std::string where)
    : format_(format),
      width_(width),
      height_(height),
      mode_(mode),
      where_(std::move(where)),
      surface_(create_surface(format, width, height, &svg_), cairo_surface_destroy),
      cr_(cairo_create(surface_.get()), cairo_destroy) {
  check_status(cairo_surface_status(surface_.get()), where_);
  check_status(cairo_status(cr_.get()), where_);
  if (mode_ == TextMode::smooth) {
    // Unhinted metrics: text measures the same on both surfaces, so PNG and SVG lay out alike.
    cairo_font_options_t* options = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
    cairo_set_font_options(cr_.get(), options);
    cairo_font_options_destroy(options);
  }
  fill_rect(white, 0, 0, width, height);
}

void Canvas::use_font(const Font& f) {
  cairo_select_font_face(cr(), font_family, CAIRO_FONT_SLANT_NORMAL,
                         f.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr(), f.size);
}

double Canvas::text_width(const Font& f, const std::string& text) {
  if (text.empty()) return 0.0;
  use_font(f);
  cairo_text_extents_t e;
  if (mode_ == TextMode::pixel) {
    cairo_text_extents(cr(), text.c_str(), &e);
    return std::ceil(std::max(e.x_advance, e.x_bearing + e.width));
  }
  const std::string clean = clean_text(text);
  cairo_text_extents(cr(), clean.c_str(), &e);
  return e.x_advance;
}

double Canvas::line_height(const Font& f) {
  use_font(f);
  cairo_font_extents_t fe;
  cairo_font_extents(cr(), &fe);
  return fe.ascent + fe.descent;
}

void Canvas::text(const Font& f, Color c, const std::string& text, double x, double cy,
                  Align align) {
  if (text.empty()) return;
  const std::string clean = mode_ == TextMode::pixel ? text : clean_text(text);
  use_font(f);
  cairo_font_extents_t fe;
  cairo_font_extents(cr(), &fe);
  cairo_text_extents_t te;
  cairo_text_extents(cr(), clean.c_str(), &te);
  if (align == Align::center) x -= te.x_advance / 2.0;
  if (align == Align::right) x -= te.x_advance;
  set_source(c);
  double baseline = cy + (fe.ascent - fe.descent) / 2.0;
  if (mode_ == TextMode::pixel) {
    x = std::round(x);
    baseline = std::round(baseline);
  }
  cairo_move_to(cr(), x, baseline);
  cairo_show_text(cr(), clean.c_str());
  cairo_new_path(cr());
}

void Canvas::text_up(const Font& f, Color c, const std::string& text, double cx, double cy) {
  if (text.empty()) return;
  cairo_save(cr());
  cairo_translate(cr(), cx, cy);
  cairo_rotate(cr(), -std::numbers::pi / 2.0);
  this->text(f, c, text, 0.0, 0.0, Align::center);
  cairo_restore(cr());
}

std::string Canvas::fit(const Font& f, const std::string& text, double max_width) {
  std::string s = clean_text(text);
  if (text_width(f, s) <= max_width) return s;
  while (!s.empty()) {
    // Drop the last code point.
    std::size_t cut = s.size() - 1;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0u) == 0x80u) --cut;
    s.erase(cut);
    if (text_width(f, s + ellipsis) <= max_width) return s + ellipsis;
  }
  return s;
}

void Canvas::set_source(Color c, double alpha) {
  cairo_set_source_rgba(cr(), c.r, c.g, c.b, alpha);
}

void Canvas::fill_rect(Color c, double x, double y, double w, double h, double alpha) {
  set_source(c, alpha);
  cairo_rectangle(cr(), x, y, w, h);
  cairo_fill(cr());
}

void Canvas::circle(double x, double y, double r) {
  cairo_new_sub_path(cr());
  cairo_arc(cr(), x, y, r, 0.0, 2.0 * std::numbers::pi);
}

void Canvas::line(Color c, double x0, double y0, double x1, double y1, double width) {
  set_source(c);
  cairo_set_line_width(cr(), width);
  cairo_move_to(cr(), x0, y0);
  cairo_line_to(cr(), x1, y1);
  cairo_stroke(cr());
}

void Canvas::draw_pixels(cairo_surface_t* image, double x, double y, double w, double h) {
  const int iw = cairo_image_surface_get_width(image);
  const int ih = cairo_image_surface_get_height(image);
  cairo_save(cr());
  cairo_translate(cr(), x, y);
  cairo_scale(cr(), w / iw, h / ih);
  cairo_set_source_surface(cr(), image, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr()), CAIRO_FILTER_NEAREST);
  cairo_rectangle(cr(), 0, 0, iw, ih);
  cairo_fill(cr());
  cairo_restore(cr());
}

void Canvas::check() { check_status(cairo_status(cr()), where_); }

std::string Canvas::finish() {
  check();
  cr_.reset();
  if (format_ == ImageFormat::svg) {
    cairo_surface_finish(surface_.get());
    check_status(cairo_surface_status(surface_.get()), where_);
    return svg_;
  }
  cairo_surface_flush(surface_.get());
  std::string png;
  check_status(cairo_surface_write_to_png_stream(surface_.get(), append_bytes, &png), where_);
  return png;
}

SurfacePtr rgb_image(std::size_t h, std::size_t w,
                     const std::function<Rgb(std::size_t row, std::size_t col)>& pixel,
                     const std::string& where) {
  SurfacePtr image(
      cairo_image_surface_create(CAIRO_FORMAT_RGB24, static_cast<int>(w), static_cast<int>(h)),
      cairo_surface_destroy);
  check_status(cairo_surface_status(image.get()), where);
  cairo_surface_flush(image.get());
  unsigned char* pixels = cairo_image_surface_get_data(image.get());
  const auto stride = static_cast<std::size_t>(cairo_image_surface_get_stride(image.get()));
  for (std::size_t r = 0; r < h; ++r) {
    for (std::size_t c = 0; c < w; ++c) {
      const Rgb px = pixel(r, c);
      const std::uint32_t word = (0xffu << 24) | (std::uint32_t{px.r} << 16) |
                                 (std::uint32_t{px.g} << 8) | std::uint32_t{px.b};
      std::memcpy(pixels + r * stride + 4 * c, &word, 4);
    }
  }
  cairo_surface_mark_dirty(image.get());
  return image;
}

std::string clean_text(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t n = utf8_length(text, i);
    if (n == 0) {
      out += '?';
      ++i;
    } else if (n == 1 && static_cast<unsigned char>(text[i]) < 0x20) {
      out += ' ';  // tabs and line breaks: one line of text only
      ++i;
    } else {
      out.append(text, i, n);
      i += n;
    }
  }
  return out;
}

}  // namespace ae::render_detail

namespace ae {

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

}  // namespace ae
