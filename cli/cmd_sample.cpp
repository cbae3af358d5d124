// ae sample: draws from a variational model's prior, decoded into rows (NPY, data units) or a
// PNG grid (pictures for image models, bar charts otherwise). Plain models are refused.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "ae/error.hpp"
#include "ae/inference.hpp"
#include "ae/render.hpp"
#include "common.hpp"

namespace ae::cli {
namespace {

constexpr std::size_t kPerRow = 8;       // pictures per grid row
constexpr std::size_t kMaxPictures = 400;  // a PNG grid stays a picture, not a poster

// Rows of kPerRow panels; images in gray over [0, 1] (bytes / 255) or their own range.
void write_grid(const std::string& path, const Matrix& rows, const std::vector<std::size_t>& shape,
                const std::string& title) {
  const bool images = shape.size() == 2;
  const auto [lo_it, hi_it] = std::minmax_element(rows.values().begin(), rows.values().end());
  const float lo = std::min(0.0f, *lo_it), hi = std::max(1.0f, *hi_it);
  std::vector<GridRow> grid;
  for (std::size_t first = 0; first < rows.rows(); first += kPerRow) {
    GridRow row;
    row.label = "draws " + std::to_string(first + 1) + "-" + std::to_string(std::min(first + kPerRow, rows.rows()));
    for (std::size_t i = first; i < std::min(first + kPerRow, rows.rows()); ++i) {
      Panel p;
      p.title = "draw";
      p.style = images ? PanelStyle::gray : PanelStyle::bars;
      if (images) {
        p.height = shape[0];
        p.width = shape[1];
      }
      p.values.assign(rows.row(i), rows.row(i) + rows.cols());
      p.lo = lo;
      p.hi = hi;
      row.panels.push_back(std::move(p));
    }
    grid.push_back(std::move(row));
  }
  render_grid_png(path, title, grid);
}

}  // namespace

Command add_sample(CLI::App& root) {
  struct Flags {
    std::string model, out;
    std::size_t n = 0;
    std::uint64_t seed = 0;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* app = root.add_subcommand("sample", "Draw samples from a variational model's prior (z ~ N(0, I), decoded)");
  app->add_option("model", f->model, "Variational model file (.safetensors)")->required();
  app->add_option("--n", f->n, "Number of draws")->required()->check(positive_whole());
  app->add_option("--seed", f->seed, "Seed of the draws (the same seed gives the same rows)")->capture_default_str()->check(whole_number());
  app->add_option("--out", f->out, "Output: .npy (rows in data units) or .png (a grid)")->required();
  return {app, [f]() {
            const bool png = f->out.ends_with(".png");
            if (png && f->n > kMaxPictures) {
              throw Error(ErrorKind::usage, "--n " + std::to_string(f->n) + ": a PNG grid holds at most " +
                                                std::to_string(kMaxPictures) + " draws (use .npy for more)");
            }
            if (f->n > kMaxSamples) {
              throw Error(ErrorKind::usage, "--n must be at most " + std::to_string(kMaxSamples));
            }
            Model model = load_model(f->model);
            if (!model.autoencoder.architecture().variational()) {
              throw Error(ErrorKind::usage, f->model + ": a plain autoencoder has no prior to sample; train one with --variational");
            }
            Matrix rows = sample_prior(model.autoencoder, f->n, f->seed);
            denormalize(rows.view(), model.info.normalizer);
            if (png) {
              write_grid(f->out, rows, model.info.image_shape,
                         std::to_string(f->n) + " draws from the prior of " + std::filesystem::path(f->model).filename().string() +
                             " (seed " + std::to_string(f->seed) + ")");
            } else {
              write_npy(f->out, rows.view());
            }
            return 0;
          }};
}

}  // namespace ae::cli
