// Pictures of samples: grids with one row per sample and one titled panel per view
// (original, embedding, reconstruction, error), drawn with cairo and a real font, returned as
// PNG bytes or written as a PNG file through AtomicFile. Knows nothing of models; callers
// pass plain values.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ae {

enum class PanelStyle {
  gray,   // image, values in [lo, hi] mapped black..white (MNIST: white digit on black)
  heat,   // image, values in [lo, hi] mapped through a perceptual heat colormap (errors),
          // with a small colour bar labelled lo..hi beside it
  strip,  // K values drawn as a K x 1 column of gray cells with each value written beside it
          // (meant for embeddings; past K of about 32 the column gets tall, prefer bars)
  bars,   // values as a bar chart (the fallback for rows that are not images); bars start
          // at 0 when 0 lies in [lo, hi], else at the end of the range nearest to 0; past
          // 2048 values a pixel column draws the union of its share of the bars
};

// Colour mapping shared by all styles: values outside [lo, hi] are clamped, NaN is drawn
// magenta. When lo == hi, values above lo are drawn as hi and the others as lo.
struct Panel {
  std::string title;        // drawn above the panel's column, e.g. "original"
  PanelStyle style = PanelStyle::gray;
  std::size_t height = 0;   // image height (gray/heat); ignored for strip and bars
  std::size_t width = 0;    // image width (gray/heat); ignored for strip and bars
  std::vector<float> values;  // row-major height x width for images, else K values
  float lo = 0.0f;          // value drawn darkest / coolest / as the bar chart's bottom
  float hi = 1.0f;          // value drawn brightest / hottest / as the bar chart's top
};

struct GridRow {
  std::string label;        // drawn to the left of the row, e.g. "test #21"; '\n' breaks lines
  bool highlight = false;   // draws a coloured frame around the row (e.g. the injected sample)
  std::vector<Panel> panels;
};

struct PixelRect {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
};

// Where render_grid_png puts things, in pixels of the PNG (origin top left).
struct GridLayout {
  int width = 0;
  int height = 0;
  struct Row {
    PixelRect frame;                // the row's box; the highlight frame is drawn on its edge
    PixelRect label;                // the label's text block
    std::vector<PixelRect> panels;  // per panel: image pixels, strip cells or plot area
  };
  std::vector<Row> rows;
};

struct Rgb {
  std::uint8_t r = 0;
  std::uint8_t g = 0;
  std::uint8_t b = 0;
};

// Colour of the highlight frame; the row inside it is tinted lightly.
inline constexpr Rgb highlight_color{228, 87, 46};
// Colour of NaN in every style.
inline constexpr Rgb nan_color{255, 0, 255};

// The heat colormap (close to matplotlib's 'inferno': black, purple, red, orange, pale
// yellow; brightness rises monotonically). Shared with the SVG plots and the HTML report.
Rgb heat_color(float value, float lo, float hi);
// The gray map: lo black, hi white.
Rgb gray_color(float value, float lo, float hi);

// Lays the grid out without drawing it; throws what render_grid_png throws for bad rows.
GridLayout grid_layout(const std::string& title, const std::vector<GridRow>& rows);

// Draws a grid as render_grid_png does and returns the PNG file's bytes (errors name the
// "picture grid" instead of a path; no file is touched).
std::string render_grid(const std::string& title, const std::vector<GridRow>& rows);

// Draws a grid: a title line on top (skipped when empty), the column titles once (taken from
// the first row; a panel whose title differs gets its own caption), then the rows. Images
// are upscaled with nearest-neighbour sampling so that a 28 x 28 digit is 112 px tall.
// Throws Error(usage) for no rows, a row without panels, a panel whose values are empty or
// do not fit its shape, a non-finite lo or hi, a label that is not UTF-8 or a picture over
// 32767 px; Error(cannot_create / io) for file problems. The file is replaced atomically.
void render_grid_png(const std::string& path, const std::string& title,
                     const std::vector<GridRow>& rows);

}  // namespace ae
