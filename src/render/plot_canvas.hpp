// Building blocks of the plots in plot.cpp, kept out of the public API: a cairo canvas that
// yields PNG or SVG bytes, text in DejaVu Sans, colours, number formatting and tick choice.
// Layout of the axes and legends is in plot_frame.hpp.
#pragma once
#include <cairo.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ae/plot.hpp"

namespace ae::plot_detail {

struct Color {
  double r, g, b;  // each in [0, 1]
};
Color to_color(Rgb c);
Color mix(Color a, Color b, double t);  // a at t = 0, b at t = 1

inline constexpr Color white{1.0, 1.0, 1.0};
inline constexpr Color text_color{0.13, 0.13, 0.13};
inline constexpr Color muted_color{0.42, 0.42, 0.42};
inline constexpr Color spine_color{0.25, 0.25, 0.25};
inline constexpr Color grid_color{0.91, 0.91, 0.91};
inline constexpr Color frame_color{0.8, 0.8, 0.8};

struct Font {
  double size;  // pixels
  bool bold;
};
inline constexpr Font title_font{16, true};
inline constexpr Font label_font{13, false};
inline constexpr Font tick_font{11.5, false};
inline constexpr Font legend_font{12, false};
inline constexpr Font note_font{11, false};

enum class Align { left, center, right };

// One picture. The SVG bytes collect in the canvas itself, so it neither copies nor moves.
class Canvas {
 public:
  Canvas(ImageFormat format, int width, int height);
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;

  cairo_t* cr() const { return cr_.get(); }
  int width() const { return width_; }
  int height() const { return height_; }

  // Advance width of one line of text, in pixels.
  double text_width(const Font& f, const std::string& text);
  // Height of a line of text (ascent + descent), in pixels.
  double line_height(const Font& f);
  // One line whose vertical centre is at cy; x is its left, centre or right end.
  void text(const Font& f, Color c, const std::string& text, double x, double cy, Align align);
  // One line turned 90 degrees counter-clockwise, centred on (cx, cy).
  void text_up(const Font& f, Color c, const std::string& text, double cx, double cy);
  // The longest prefix of text (with an ellipsis) that fits max_width pixels.
  std::string fit(const Font& f, const std::string& text, double max_width);

  void fill_rect(Color c, double x, double y, double w, double h, double alpha = 1.0);

  // Throws Error(io) when cairo reports a failure.
  void check();
  // Ends drawing and returns the PNG or SVG file's bytes.
  std::string finish();

 private:
  void use_font(const Font& f);

  ImageFormat format_;
  int width_;
  int height_;
  std::string svg_;
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface_;
  std::unique_ptr<cairo_t, decltype(&cairo_destroy)> cr_;
};

// Replaces bytes that are not valid UTF-8 with '?', so cairo always accepts the text.
std::string clean_text(const std::string& text);

// Numbers for people: a real minus sign, no "-0", thousands separators for counts.
std::string format_number(double v, int significant);  // "0.0412", "1.3\u00d710\u207b\u2075"
std::string format_count(std::size_t n);               // "59,900"

// Ticks of one axis: labelled major ticks and unlabelled minor ones (log axes only).
struct Ticks {
  std::vector<double> major;
  std::vector<std::string> labels;
  std::vector<double> minor;
};

// The smallest step of the form {1, 2, 5} x 10^k that is >= raw (raw > 0).
double nice_step(double raw);
// The multiples of step inside [lo, hi] (with a little slack at both ends).
std::vector<double> multiples_in(double lo, double hi, double step);
// Label of a linear tick: as many decimals as step needs, "2\u00d710\u207b\u2075" for tiny
// or huge values.
std::string linear_label(double v, double step);
// Label of a log tick: plain decimals from 1e-4 to 1e5, else "10\u207b\u2076" /
// "3\u00d710\u2077".
std::string log_label(double v);

// Chooses ticks for [lo, hi] spread over length_px pixels: the densest 1-2-5 (or, on a log
// axis, mantissa 1..9 / 1,2,5 / decade) set whose neighbours are at least gap(labels)
// pixels apart. integer keeps linear ticks on whole numbers. Needs lo < hi (and lo > 0 on
// a log axis). Always returns at least one tick when the range is finite.
using GapRule = std::function<double(const std::vector<std::string>& labels)>;
Ticks choose_ticks(double lo, double hi, bool log, bool integer, double length_px,
                   const GapRule& gap);

}  // namespace ae::plot_detail
