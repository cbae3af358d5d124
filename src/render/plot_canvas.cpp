// The plots' canvas (a cairo image or SVG surface of a fixed size, text in DejaVu Sans, the
// file's bytes at the end), number formatting and tick choice. Nothing here knows what a
// plot shows; plot_frame.cpp places axes and legends, plot.cpp draws the data.
#include "render/plot_canvas.hpp"

#include <cairo-svg.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>

#include "ae/error.hpp"

namespace ae::plot_detail {
namespace {

constexpr const char* font_family = "DejaVu Sans";
const std::string ellipsis = "\u2026";
const std::string minus_sign = "\u2212";

// cairo's write callback for both formats: appends to the std::string passed as closure.
cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

void check_status(cairo_status_t status) {
  if (status != CAIRO_STATUS_SUCCESS) {
    throw Error(ErrorKind::io,
                std::string("plot: drawing the picture failed: ") + cairo_status_to_string(status));
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

std::string superscript(int exponent) {
  static const std::array<const char*, 10> digits{"\u2070", "\u00b9", "\u00b2", "\u00b3", "\u2074",
                                                  "\u2075", "\u2076", "\u2077", "\u2078", "\u2079"};
  std::string out = exponent < 0 ? "\u207b" : "";
  for (char d : std::to_string(std::abs(exponent)))
    out += digits[static_cast<std::size_t>(d - '0')];
  return out;
}

// printf output with a real minus sign and without "-0".
std::string tidy(std::string s) {
  if (!s.empty() && s[0] == '-') {
    if (s.find_first_not_of("-0.") == std::string::npos) return s.substr(1);
    s = minus_sign + s.substr(1);
  }
  return s;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return tidy(buf);
}

int decimals_for(double step) {
  return std::clamp(static_cast<int>(std::ceil(-std::log10(step) - 1e-9)), 0, 12);
}

// Pixel distance between neighbouring ticks, on a linear or log axis.
double min_spacing(const std::vector<double>& ticks, double lo, double hi, bool log,
                   double length_px) {
  double best = std::numeric_limits<double>::infinity();
  const double span = log ? std::log10(hi / lo) : hi - lo;
  for (std::size_t i = 1; i < ticks.size(); ++i) {
    const double d = log ? std::log10(ticks[i] / ticks[i - 1]) : ticks[i] - ticks[i - 1];
    best = std::min(best, d / span * length_px);
  }
  return best;
}

Ticks linear_ticks(double lo, double hi, bool integer, double length_px, const GapRule& gap) {
  double step = nice_step((hi - lo) / 12.0);
  if (integer) step = std::max(step, 1.0);
  std::vector<double> previous;
  double previous_step = step;
  for (int guard = 0; guard < 64; ++guard) {
    std::vector<double> values = multiples_in(lo, hi, step);
    if (values.empty()) {
      // The step outgrew the range: keep the previous tick nearest the middle.
      Ticks t;
      if (previous.empty()) {
        t.major.push_back(lo);
        t.labels.push_back(linear_label(lo, hi - lo));
        return t;
      }
      const double mid = (lo + hi) / 2.0;
      const double v = *std::min_element(previous.begin(), previous.end(), [&](double a, double b) {
        return std::fabs(a - mid) < std::fabs(b - mid);
      });
      t.major.push_back(v);
      t.labels.push_back(linear_label(v, previous_step));
      return t;
    }
    Ticks t;
    t.major = values;
    for (double v : values) t.labels.push_back(linear_label(v, step));
    if (values.size() == 1 || min_spacing(values, lo, hi, false, length_px) >= gap(t.labels)) {
      return t;
    }
    previous = values;
    previous_step = step;
    step = nice_step(step * 1.000001);
  }
  return {};
}

// Mantissas of each decade that a log tick set uses, densest first.
const std::array<std::vector<int>, 2> mantissa_sets{{{1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 5}}};

std::vector<double> log_values(double lo, double hi, const std::vector<int>& mantissas,
                               int decade_stride) {
  std::vector<double> out;
  const int d0 = static_cast<int>(std::floor(std::log10(lo))) - 1;
  const int d1 = static_cast<int>(std::ceil(std::log10(hi))) + 1;
  for (int d = d0; d <= d1; ++d) {
    if (((d % decade_stride) + decade_stride) % decade_stride != 0) continue;
    for (int m : mantissas) {
      const double v = m * std::pow(10.0, d);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push_back(v);
    }
  }
  return out;
}

Ticks log_ticks(double lo, double hi, double length_px, const GapRule& gap) {
  const auto accept = [&](const std::vector<double>& values, Ticks& t) {
    if (values.size() < 2) return false;
    t.major = values;
    t.labels.clear();
    for (double v : values) t.labels.push_back(log_label(v));
    return min_spacing(values, lo, hi, true, length_px) >= gap(t.labels);
  };
  Ticks t;
  for (std::size_t s = 0; s < mantissa_sets.size(); ++s) {
    if (accept(log_values(lo, hi, mantissa_sets[s], 1), t)) {
      if (s == 1) t.minor = log_values(lo, hi, {3, 4, 6, 7, 8, 9}, 1);
      return t;
    }
  }
  const double decades = std::log10(hi / lo);
  if (decades < 1.0) {
    // Too narrow for decades: linear ticks, placed on the log axis.
    return linear_ticks(lo, hi, false, length_px, gap);
  }
  for (int stride : {1, 2, 3, 4, 5, 10, 20, 50, 100}) {
    if (accept(log_values(lo, hi, {1}, stride), t)) {
      const double decade_px = length_px / decades;
      if (stride == 1 && decade_px * std::log10(10.0 / 9.0) >= 3.0) {
        t.minor = log_values(lo, hi, {2, 3, 4, 5, 6, 7, 8, 9}, 1);
      } else if (stride > 1) {
        for (double v : log_values(lo, hi, {1}, 1)) {
          if (std::find(t.major.begin(), t.major.end(), v) == t.major.end()) t.minor.push_back(v);
        }
      }
      return t;
    }
  }
  const std::vector<double> one = log_values(lo, hi, {1}, 1);
  Ticks single;
  single.major.push_back(one.empty() ? std::sqrt(lo * hi) : one[one.size() / 2]);
  single.labels.push_back(one.empty() ? format_number(single.major[0], 2)
                                      : log_label(single.major[0]));
  return single;
}

}  // namespace

Color to_color(Rgb c) { return {c.r / 255.0, c.g / 255.0, c.b / 255.0}; }

Color mix(Color a, Color b, double t) {
  return {a.r + t * (b.r - a.r), a.g + t * (b.g - a.g), a.b + t * (b.b - a.b)};
}

Canvas::Canvas(ImageFormat format, int width, int height)
    : format_(format),
      width_(width),
      height_(height),
      surface_(create_surface(format, width, height, &svg_), cairo_surface_destroy),
      cr_(cairo_create(surface_.get()), cairo_destroy) {
  check_status(cairo_surface_status(surface_.get()));
  check_status(cairo_status(cr_.get()));
  // Unhinted metrics: text measures the same on both surfaces, so PNG and SVG lay out alike.
  cairo_font_options_t* options = cairo_font_options_create();
  cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
  cairo_set_font_options(cr_.get(), options);
  cairo_font_options_destroy(options);
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
  const std::string clean = clean_text(text);
  cairo_text_extents_t e;
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
  const std::string clean = clean_text(text);
  use_font(f);
  cairo_font_extents_t fe;
  cairo_font_extents(cr(), &fe);
  cairo_text_extents_t te;
  cairo_text_extents(cr(), clean.c_str(), &te);
  if (align == Align::center) x -= te.x_advance / 2.0;
  if (align == Align::right) x -= te.x_advance;
  cairo_set_source_rgb(cr(), c.r, c.g, c.b);
  cairo_move_to(cr(), x, cy + (fe.ascent - fe.descent) / 2.0);
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

void Canvas::fill_rect(Color c, double x, double y, double w, double h, double alpha) {
  cairo_set_source_rgba(cr(), c.r, c.g, c.b, alpha);
  cairo_rectangle(cr(), x, y, w, h);
  cairo_fill(cr());
}

void Canvas::check() { check_status(cairo_status(cr())); }

std::string Canvas::finish() {
  check();
  cr_.reset();
  if (format_ == ImageFormat::svg) {
    cairo_surface_finish(surface_.get());
    check_status(cairo_surface_status(surface_.get()));
    return svg_;
  }
  cairo_surface_flush(surface_.get());
  std::string png;
  check_status(cairo_surface_write_to_png_stream(surface_.get(), append_bytes, &png));
  return png;
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

std::string format_number(double v, int significant) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "\u221e" : minus_sign + "\u221e";
  if (v == 0.0) return "0";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", std::clamp(significant, 1, 17), v);
  std::string s = buf;
  const std::size_t e = s.find('e');
  if (e == std::string::npos) return tidy(s);
  // "1.3e-05" -> "1.3x10^-5" with a superscript exponent, as the tick labels write it.
  const int exponent = std::stoi(s.substr(e + 1));
  const std::string mantissa = tidy(s.substr(0, e));
  if (mantissa == "1") return "10" + superscript(exponent);
  if (mantissa == minus_sign + "1") return minus_sign + "10" + superscript(exponent);
  return mantissa + "\u00d710" + superscript(exponent);
}

std::string format_count(std::size_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

double nice_step(double raw) {
  if (!(raw > 0.0) || !std::isfinite(raw)) return 1.0;
  const double base = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * base >= raw * (1.0 - 1e-9)) return m * base;
  }
  return 10.0 * base;
}

std::vector<double> multiples_in(double lo, double hi, double step) {
  std::vector<double> out;
  const double first = std::ceil(lo / step - 1e-9);
  const double last = std::floor(hi / step + 1e-9);
  if (!(last - first < 10000.0)) return out;
  for (double k = first; k <= last; k += 1.0) {
    const double v = k * step;
    out.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  }
  return out;
}

std::string linear_label(double v, double step) {
  if (v == 0.0) return "0";
  if (step >= 1e-4 && std::fabs(v) < 1e6) return fixed(v, decimals_for(step));
  int exponent = static_cast<int>(std::floor(std::log10(std::fabs(v))));
  const int decimals = decimals_for(step / std::pow(10.0, exponent));
  std::string mantissa = fixed(v / std::pow(10.0, exponent), std::min(decimals, 6));
  if (mantissa == "10" || mantissa == minus_sign + "10") {
    mantissa = mantissa.size() > 2 ? minus_sign + "1" : "1";
    ++exponent;
  }
  if (mantissa.find('.') != std::string::npos) {
    while (mantissa.back() == '0') mantissa.pop_back();
    if (mantissa.back() == '.') mantissa.pop_back();
  }
  if (mantissa == "1") return "10" + superscript(exponent);
  if (mantissa == minus_sign + "1") return minus_sign + "10" + superscript(exponent);
  return mantissa + "\u00d710" + superscript(exponent);
}

std::string log_label(double v) {
  int exponent = static_cast<int>(std::floor(std::log10(v) + 1e-9));
  long mantissa = std::lround(v / std::pow(10.0, exponent));
  if (mantissa >= 10) {
    mantissa = 1;
    ++exponent;
  }
  if (exponent >= -4 && exponent <= 5) return fixed(v, std::max(0, -exponent));
  if (mantissa == 1) return "10" + superscript(exponent);
  return std::to_string(mantissa) + "\u00d710" + superscript(exponent);
}

Ticks choose_ticks(double lo, double hi, bool log, bool integer, double length_px,
                   const GapRule& gap) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi)) return {};
  if (log && lo > 0.0) return log_ticks(lo, hi, length_px, gap);
  return linear_ticks(lo, hi, integer, length_px, gap);
}

}  // namespace ae::plot_detail
