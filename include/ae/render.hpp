// Pictures of samples: grids with one row per sample and one titled panel per view
// (original, embedding, reconstruction, error), drawn with cairo and a real font, written as
// PNG through AtomicFile. Knows nothing of models; callers pass plain values.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace ae {

enum class PanelStyle {
  gray,   // image, values in [lo, hi] mapped black..white (MNIST: white digit on black)
  heat,   // image, values in [lo, hi] mapped through a perceptual heat colormap (errors)
  strip,  // K values drawn as a K x 1 column of gray cells with each value written beside it
  bars,   // values as a bar chart (the fallback for rows that are not images)
};

struct Panel {
  std::string title;        // drawn above the panel, e.g. "original"
  PanelStyle style = PanelStyle::gray;
  std::size_t height = 0;   // image height (gray/heat); ignored for strip and bars
  std::size_t width = 0;    // image width (gray/heat); ignored for strip and bars
  std::vector<float> values;
  float lo = 0.0f;          // value drawn darkest / coolest / as the bar baseline
  float hi = 1.0f;          // value drawn brightest / hottest / as a full bar
};

struct GridRow {
  std::string label;        // drawn to the left of the row, e.g. "#21" or "rank 1, SSE 83.2"
  bool highlight = false;   // draws a coloured frame around the row (e.g. the injected sample)
  std::vector<Panel> panels;
};

// Draws a grid: a title line on top, then the rows. Images are upscaled with nearest-
// neighbour sampling so that a 28 x 28 digit is at least 112 px tall. Throws Error(usage) for
// a panel whose values do not fit its shape, Error(cannot_create / io) for file problems.
void render_grid_png(const std::string& path, const std::string& title,
                     const std::vector<GridRow>& rows);

}  // namespace ae
