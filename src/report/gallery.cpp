// Sample galleries: chosen rows of a data set through a model, drawn as a picture grid with
// one column per view (original, embedding, reconstruction, |error|) on shared scales, so
// rows compare. Used by the report and by the tool's picture command.
#include <algorithm>
#include <cmath>

#include "ae/error.hpp"
#include "ae/inference.hpp"
#include "ae/render.hpp"
#include "ae/report.hpp"

namespace ae {

std::vector<std::size_t> image_shape_of(const Dataset& data, const ModelInfo& info) {
  const auto& shape = !data.image_shape.empty() ? data.image_shape : info.image_shape;
  if (shape.size() == 2 && shape[0] * shape[1] == data.cols) return shape;
  return {};
}

std::string sample_gallery(Autoencoder& model, const Dataset& data,
                           const std::vector<std::size_t>& image_shape,
                           const std::vector<SampleRow>& rows, const std::string& title,
                           bool with_embedding) {
  check_width(model, data);
  std::vector<std::size_t> index;
  for (const SampleRow& r : rows) {
    if (r.row >= data.rows) {
      throw Error(ErrorKind::usage, data.source + ": index " + std::to_string(r.row) +
                                        " is past the last row (" +
                                        std::to_string(data.rows - 1) + ")");
    }
    index.push_back(r.row);
  }
  const Dataset shown = select(data, index);
  const Matrix x = shown.to_matrix();
  const Matrix y = reconstruct_all(model, shown);
  const Matrix z = with_embedding ? encode_all(model, shown) : Matrix();
  const std::size_t D = x.cols();
  const bool image = !image_shape.empty();

  // Shared scales so rows are comparable: the data range for originals and reconstructions,
  // the embedding range ([0, 1] for a sigmoid bottleneck), the largest error shown.
  float lo = 0, hi = 1;
  if (!shown.byte_data) {
    lo = *std::min_element(x.values().begin(), x.values().end());
    hi = *std::max_element(x.values().begin(), x.values().end());
    for (float v : y.values()) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  float zlo = 0, zhi = 1;
  const Architecture& arch = model.architecture();
  if (with_embedding && arch.layers[arch.bottleneck].activation != Activation::sigmoid) {
    zlo = *std::min_element(z.values().begin(), z.values().end());
    zhi = *std::max_element(z.values().begin(), z.values().end());
  }
  Matrix err(x.rows(), D);
  float err_hi = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    err.values()[i] = std::abs(x.values()[i] - y.values()[i]);
    err_hi = std::max(err_hi, err.values()[i]);
  }
  if (!(err_hi > 0)) err_hi = 1;

  const PanelStyle style = image ? PanelStyle::gray : PanelStyle::bars;
  const std::size_t h = image ? image_shape[0] : 0, w = image ? image_shape[1] : 0;
  const auto values = [](const Matrix& m, std::size_t s) {
    return std::vector<float>(m.row(s), m.row(s) + m.cols());
  };
  std::vector<GridRow> grid;
  for (std::size_t s = 0; s < rows.size(); ++s) {
    GridRow g;
    g.label = rows[s].label;
    g.highlight = rows[s].highlight;
    g.panels.push_back({"original", style, h, w, values(x, s), lo, hi});
    if (with_embedding) {
      g.panels.push_back({"embedding (" + std::to_string(z.cols()) + ")", PanelStyle::strip, 0, 0,
                          values(z, s), zlo, zhi});
    }
    g.panels.push_back({"reconstruction", style, h, w, values(y, s), lo, hi});
    g.panels.push_back({"|error|", image ? PanelStyle::heat : PanelStyle::bars, h, w,
                        values(err, s), 0.0f, err_hi});
    grid.push_back(std::move(g));
  }
  return render_grid(title, grid);
}

}  // namespace ae
