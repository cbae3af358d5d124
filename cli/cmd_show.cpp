// ae show: picture grids of chosen or worst-reconstructed samples.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numeric>

#include "ae/error.hpp"
#include "ae/inference.hpp"
#include "ae/render.hpp"
#include "common.hpp"

namespace ae::cli {

void draw_samples(Autoencoder& model, const ModelInfo& info, const Dataset& data,
                  const std::vector<ShownSample>& samples, const std::string& title,
                  const std::string& path) {
  check_width(model, data);
  std::vector<std::size_t> rows;
  for (const auto& s : samples) {
    if (s.row >= data.rows) {
      throw Error(ErrorKind::usage, data.source + ": index " + std::to_string(s.row) +
                                        " is past the last row (" + std::to_string(data.rows - 1) + ")");
    }
    rows.push_back(s.row);
  }
  const Dataset shown = select(data, rows);
  const Matrix x = shown.to_matrix();
  const Matrix z = encode_all(model, shown);
  const Matrix y = reconstruct_all(model, shown);
  const std::size_t D = x.cols(), K = z.cols();
  std::vector<std::size_t> shape = !data.image_shape.empty() ? data.image_shape : info.image_shape;
  const bool image = shape.size() == 2 && shape[0] * shape[1] == D;

  // Shared scales so rows are comparable: the data range for originals, the embedding range
  // ([0, 1] for a sigmoid bottleneck), the largest error shown for the heat maps.
  float lo = 0, hi = 1;
  if (!shown.byte_data) {
    lo = *std::min_element(x.values().begin(), x.values().end());
    hi = *std::max_element(x.values().begin(), x.values().end());
    for (float v : y.values()) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  const Activation emb_act = model.architecture().layers[model.architecture().bottleneck].activation;
  float zlo = 0, zhi = 1;
  if (emb_act != Activation::sigmoid) {
    zlo = *std::min_element(z.values().begin(), z.values().end());
    zhi = *std::max_element(z.values().begin(), z.values().end());
  }
  float err_hi = 0;
  for (std::size_t i = 0; i < x.size(); ++i) err_hi = std::max(err_hi, std::abs(x.values()[i] - y.values()[i]));
  if (err_hi <= 0) err_hi = 1;

  std::vector<GridRow> grid;
  for (std::size_t s = 0; s < samples.size(); ++s) {
    GridRow row;
    row.label = samples[s].label;
    row.highlight = samples[s].highlight;
    const auto values = [&](const Matrix& m) { return std::vector<float>(m.row(s), m.row(s) + m.cols()); };
    std::vector<float> err(D);
    for (std::size_t j = 0; j < D; ++j) err[j] = std::abs(x(s, j) - y(s, j));
    const PanelStyle style = image ? PanelStyle::gray : PanelStyle::bars;
    const std::size_t h = image ? shape[0] : 0, w = image ? shape[1] : 0;
    row.panels.push_back({"original", style, h, w, values(x), lo, hi});
    row.panels.push_back({"embedding (" + std::to_string(K) + ")", PanelStyle::strip, 0, 0, values(z), zlo, zhi});
    row.panels.push_back({"reconstruction", style, h, w, values(y), lo, hi});
    row.panels.push_back({"|error|", image ? PanelStyle::heat : PanelStyle::bars, h, w, err, 0.0f, err_hi});
    grid.push_back(std::move(row));
  }
  render_grid_png(path, title, grid);
}

Command add_show(CLI::App& root) {
  struct Flags {
    std::string model, data, out, index;
    std::size_t worst = 0;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* app = root.add_subcommand("show", "Draw original / embedding / reconstruction / error grids as PNG");
  app->add_option("model", f->model, "Model file (.safetensors)")->required();
  app->add_option("--data", f->data, "Data (IDX[.gz], NPY or CSV)")->required();
  app->add_option("--index", f->index, "Comma-separated 0-based rows to draw, e.g. 21,7,0");
  app->add_option("--worst", f->worst, "Draw the N rows with the largest reconstruction SSE")->check(positive_whole());
  app->add_option("--out", f->out, "Output PNG")->required();
  return {app, [f]() {
            if (f->index.empty() == (f->worst == 0)) {
              throw Error(ErrorKind::usage, "give exactly one of --index LIST and --worst N");
            }
            Model model = load_model(f->model);
            const Dataset data = load_data(f->data);
            check_width(model.autoencoder, data);
            std::vector<ShownSample> samples;
            std::string title;
            if (!f->index.empty()) {
              for (const auto& token : CLI::detail::split(f->index, ',')) {
                std::size_t row = 0;
                const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), row);
                if (ec != std::errc() || end != token.data() + token.size()) {
                  throw Error(ErrorKind::usage, "--index: '" + token + "' is not a row number");
                }
                samples.push_back({row, "row " + std::to_string(row), false});
              }
              title = "Original / embedding / reconstruction - " + data.source;
            } else {
              const auto sse = per_sample_errors(model.autoencoder, data, Loss::sse);
              std::vector<std::size_t> order(sse.size());
              std::iota(order.begin(), order.end(), 0);
              const std::size_t n = std::min(f->worst, order.size());
              std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(),
                                [&](std::size_t a, std::size_t b) { return sse[a] > sse[b] || (sse[a] == sse[b] && a < b); });
              for (std::size_t i = 0; i < n; ++i) {
                char label[96];
                std::snprintf(label, sizeof label, "rank %zu: row %zu, SSE %.1f", i + 1, order[i],
                              static_cast<double>(sse[order[i]]));
                samples.push_back({order[i], label, false});
              }
              title = "Worst reconstructed rows - " + data.source;
            }
            draw_samples(model.autoencoder, model.info, data, samples, title, f->out);
            return 0;
          }};
}

}  // namespace ae::cli
