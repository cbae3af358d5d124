// The one cairo canvas of every picture the library draws (grids and plots): a surface of a
// fixed size that yields PNG or SVG bytes, colours, text in DejaVu Sans, filled shapes and
// scaled pixel images. Kept out of the public API. Knows nothing of what a picture shows or
// where things go: grid.cpp and plot_frame.cpp lay out, the plot_*.cpp files draw data.
#pragma once
#include <cairo.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "ae/plot.hpp"
#include "ae/render.hpp"

namespace ae::render_detail {

struct Color {
  double r, g, b;  // each in [0, 1]
};
Color to_color(Rgb c);
Color mix(Color a, Color b, double t);  // a at t = 0, b at t = 1
inline constexpr Color white{1.0, 1.0, 1.0};

struct Font {
  double size;     // pixels
  bool bold;
  int line_h = 0;  // pixels per line where lines stack at a fixed pitch (grid labels)
};

enum class Align { left, center, right };

// How a canvas measures and places text.
//   smooth: unhinted metrics, so PNG and SVG lay out alike; a line's width is its advance;
//           text goes where it is asked; bytes that are not UTF-8 become '?' (plots).
//   pixel:  cairo's hinted metrics; a line's width is the whole pixels its ink or advance
//           covers; each line starts on a whole pixel; text is passed as given, so text that
//           is not UTF-8 leaves CAIRO_STATUS_INVALID_STRING on the canvas (grids, PNG only).
enum class TextMode { smooth, pixel };

using SurfacePtr = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;

// One picture, white at the start. The SVG bytes collect in the canvas itself, so it neither
// copies nor moves. `where` names the picture in errors (a path, "plot", "picture grid").
class Canvas {
 public:
  Canvas(ImageFormat format, int width, int height, TextMode mode = TextMode::smooth,
         std::string where = "plot");
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;

  cairo_t* cr() const { return cr_.get(); }
  int width() const { return width_; }
  int height() const { return height_; }

  // Width of one line of text, in pixels (see TextMode).
  double text_width(const Font& f, const std::string& text);
  // Height of a line of text (ascent + descent), in pixels.
  double line_height(const Font& f);
  // One line whose vertical centre is at cy; x is its left, centre or right end.
  void text(const Font& f, Color c, const std::string& text, double x, double cy, Align align);
  // One line turned 90 degrees counter-clockwise, centred on (cx, cy).
  void text_up(const Font& f, Color c, const std::string& text, double cx, double cy);
  // The longest prefix of text (with an ellipsis) that fits max_width pixels.
  std::string fit(const Font& f, const std::string& text, double max_width);

  void set_source(Color c, double alpha = 1.0);
  void fill_rect(Color c, double x, double y, double w, double h, double alpha = 1.0);
  // A circle as a new sub-path of the current path; the caller fills or strokes it.
  void circle(double x, double y, double r);
  // A straight line of the given width, stroked at once.
  void line(Color c, double x0, double y0, double x1, double y1, double width);
  // An h x w image scaled onto the box (x, y, w, h) without smoothing (nearest neighbour).
  void draw_pixels(cairo_surface_t* image, double x, double y, double w, double h);

  // Throws Error(io) naming `where` when cairo reports a failure.
  void check();
  // Ends drawing and returns the PNG or SVG file's bytes.
  std::string finish();

 private:
  void use_font(const Font& f);

  ImageFormat format_;
  int width_;
  int height_;
  TextMode mode_;
  std::string where_;
  std::string svg_;
  SurfacePtr surface_;
  std::unique_ptr<cairo_t, decltype(&cairo_destroy)> cr_;
};

// An h x w RGB image whose pixel (row, col) is pixel(row, col); Error(io) naming `where` when
// cairo cannot make it (too large).
SurfacePtr rgb_image(std::size_t h, std::size_t w,
                     const std::function<Rgb(std::size_t row, std::size_t col)>& pixel,
                     const std::string& where);

// Replaces bytes that are not valid UTF-8 with '?' and control characters with spaces, so
// cairo always accepts the text as one line.
std::string clean_text(const std::string& text);

}  // namespace ae::render_detail
