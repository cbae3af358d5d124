// Single plots drawn with cairo: lines (training history), histograms of scores, scatter of
// embeddings and per-feature values. Each returns the file's bytes as PNG or SVG, 800 x 500
// px, for the caller to write with write_file_atomic. Knows nothing of models or datasets;
// callers pass plain values. Does not draw several plots on one page.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ae/render.hpp"

namespace ae {

enum class ImageFormat { png, svg };

// Picture size in pixels; an SVG has the same size in CSS px (1/96 in).
inline constexpr int plot_width = 800;
inline constexpr int plot_height = 500;

// By the path's extension, ".png" or ".svg" (any letter case); throws Error(usage) otherwise.
ImageFormat image_format_for(const std::string& path);

// The categorical palette (matplotlib's 'tab10' colours), repeating after ten. Series, classes
// and histogram groups take their colours from it in order; the threshold line has its own.
Rgb plot_palette(std::size_t index);
inline constexpr Rgb threshold_color{214, 39, 40};

// Every plot below skips NaN and +-Inf values and says how many in a small note under the
// plot; a log axis does the same with values <= 0. Input with nothing drawable still gives an
// image: empty axes with "no data". Errors: Error(usage) for mismatched sizes (below);
// Error(io) when cairo fails.

// A line per series; NaN y values are gaps, and a point without neighbours is drawn as a
// marker. Series with no finite point are left out, legend included. x.size() must equal
// y.size(). The legend goes in the plot's emptiest corner when one is free of data, else to
// the right of the plot.
struct LineSeries {
  std::string name;  // legend text; no legend when every name is empty
  std::vector<double> x, y;
};
std::string plot_lines(const std::string& title, const std::string& x_label,
                       const std::string& y_label, const std::vector<LineSeries>& series,
                       bool log_y, ImageFormat format);

// Training history: loss and val_loss per epoch (epoch 1 first), as plot_lines draws them.
// val_loss may be shorter, empty or all NaN (then it is left out).
std::string plot_history(const std::vector<double>& loss, const std::vector<double>& val_loss,
                         bool log_y, ImageFormat format);

// Overlaid histograms of one or more groups over the same bins, each group translucent in its
// own colour and named in the legend with its count. Bins: Freedman-Diaconis (sqrt of n when
// the interquartile range is 0), clamped to [10, 100]; all-equal values get bins around
// their value. Empty groups are skipped. An optional threshold is drawn as a vertical line
// in threshold_color, its value written above the plot. log_count uses a log count axis.
struct HistogramGroup {
  std::string name;  // e.g. "inliers"; "group N" when empty
  std::vector<double> values;
};
std::string plot_histogram(const std::string& title, const std::string& x_label,
                           const std::vector<HistogramGroup>& groups,
                           std::optional<double> threshold, bool log_count, ImageFormat format);

// 2-D points coloured by integer class labels (palette + legend, one entry per label in
// increasing order) or by a continuous value (colormap + colour bar), or plain when both are
// empty. Highlighted points are drawn last, larger, with a dark outline. When every y is the
// same (a 1-D embedding passed with y = 0) the points are spread vertically at random in a
// strip so their density shows, and a note says so.
struct ScatterData {
  std::vector<double> x, y;
  std::vector<std::int64_t> labels;            // empty, or one per point
  std::vector<double> values;                  // empty, or one per point
  std::string value_name;                      // the colour bar's label, e.g. "score"
  std::vector<std::size_t> highlight;          // indices of points to draw on top, e.g. outliers
  std::string highlight_name = "highlighted";  // the highlighted points' legend entry
};
// Throws Error(usage) when x and y differ in size, labels or values are non-empty and differ
// from x in size, both labels and values are given, or a highlight index is out of range.
std::string plot_scatter(const std::string& title, const std::string& x_label,
                         const std::string& y_label, const ScatterData& data, ImageFormat format);

// Per-feature values (e.g. reconstruction error per pixel). With image_shape {h, w} the
// values are a row-major h x w image drawn as a heat map (ae::heat_color, non-finite cells
// magenta) with a colour bar; the colour range starts at 0 unless values are negative. With
// an empty image_shape they are bars over the feature index (a filled line when there are
// more features than fit as bars). Throws Error(usage) when image_shape is neither empty nor
// two sizes whose product is values.size().
std::string plot_feature_values(const std::string& title, const std::string& value_name,
                                const std::vector<double>& values,
                                const std::vector<std::size_t>& image_shape, ImageFormat format);

}  // namespace ae
