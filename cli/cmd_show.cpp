// ae show: picture grids of chosen or worst-reconstructed samples.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <memory>
#include <numeric>

#include "ae/atomic_file.hpp"
#include "ae/error.hpp"
#include "ae/inference.hpp"
#include "ae/report.hpp"
#include "common.hpp"

namespace ae::cli {

void draw_samples(Autoencoder& model, const ModelInfo& info, const Dataset& data,
                  const std::vector<ShownSample>& samples, const std::string& title,
                  const std::string& path) {
  // Rows are drawn as the model sees them; say so when that is not the file's own units.
  const std::string units = info.normalizer.kind == Normalizer::standard ? " (z-scored per column)"
                            : info.normalizer.kind == Normalizer::minmax ? " (min-max scaled per column)"
                            : info.normalizer.kind == Normalizer::robust ? " (robust-scaled per column)"
                                                                         : "";
  write_file_atomic(path, sample_gallery(model, data, image_shape_of(data, info), samples, title + units, true));
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
            const Dataset data = load_model_data(f->data, model.info);
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
