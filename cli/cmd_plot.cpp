// ae plot: single plots as PNG or SVG (by the --out name): training history, score
// histogram, latent map, mean error per feature. The drawing is ae/plot.hpp's; this file
// loads, computes and writes.
#include <algorithm>
#include <cmath>
#include <memory>

#include "ae/atomic_file.hpp"
#include "ae/error.hpp"
#include "ae/inference.hpp"
#include "ae/plot.hpp"
#include "ae/report.hpp"
#include "common.hpp"

namespace ae::cli {
namespace {

struct ModelFlags {
  std::string model, data, labels, out, score = "dual", threshold = "contamination=0.01", color;
  std::optional<std::int64_t> outlier_class;
  bool log = false;
  bool log_score = false;
  bool score_chosen = false;  // --score given (else the default, see resolve_score)
};

void add_model_and_data(CLI::App* app, ModelFlags& f) {
  app->add_option("model", f.model, "Model file (.safetensors)")->required();
  app->add_option("--data", f.data, "Data (IDX[.gz], NPY or CSV)")->required();
}

void add_out(CLI::App* app, std::string& out) {
  app->add_option("--out", out, "Output picture: .png or .svg")->required();
}

// The saved score statistics, or (for a model saved without them) statistics fitted on data.
ScoreCalibration calibration_for(Model& model, const std::string& path, const Dataset& data) {
  ScoreCalibration cal = ScoreCalibration::from_json(model.info.score, path);
  return cal.empty() ? calibrate(model.autoencoder, data) : cal;
}

int plot_history_command(const ModelFlags& f, const std::string& history) {
  const ImageFormat format = image_format_for(f.out);
  const History h = read_history_csv(history);
  write_file_atomic(f.out, plot_history(history_column(h, &EpochRecord::loss),
                                        history_column(h, &EpochRecord::val_loss), f.log, format));
  return 0;
}

int plot_scores_command(const ModelFlags& f) {
  const ImageFormat format = image_format_for(f.out);
  ScoreKind kind = parse_score(f.score);
  const Threshold threshold = parse_threshold(f.threshold);
  if (f.outlier_class && f.labels.empty()) throw Error(ErrorKind::usage, "--outlier-class needs --labels FILE");
  Model model = load_model(f.model);
  const Dataset data = load_model_data(f.data, model.info);
  check_width(model.autoencoder, data);
  const ScoreCalibration cal = calibration_for(model, f.model, data);
  kind = resolve_score(kind, f.score_chosen, cal, f.model, false);
  const std::string name(score_name(kind));
  const auto stats = cal.train_stats.find(kind);
  if (stats == cal.train_stats.end()) {
    throw Error(ErrorKind::usage, "no training statistics for score " + name + " (bce needs data in [0, 1])");
  }
  const double cut = threshold_value(threshold, stats->second);
  const auto scores = compute_scores(model.autoencoder, data, kind, cal);
  std::vector<HistogramGroup> groups;
  if (!f.labels.empty()) {
    const auto truth = truth_from_labels(f.labels, data.rows, f.outlier_class);
    groups = {{"labelled inliers", {}}, {"labelled outliers", {}}};
    for (std::size_t i = 0; i < scores.size(); ++i) groups[truth[i] ? 1 : 0].values.push_back(scores[i]);
  } else {
    groups.push_back({"all rows", std::vector<double>(scores.begin(), scores.end())});
  }
  std::optional<double> line = cut;
  std::string x_label = name + " score";
  if (f.log_score) {
    // Long tails squeeze the bulk of the scores into one bin; log10 spreads them out.
    for (auto& g : groups) {
      for (auto& v : g.values) {
        if (!(v > 0)) throw Error(ErrorKind::usage, "--log-score: a score is " + std::to_string(v) + "; needs scores above 0");
        v = std::log10(v);
      }
    }
    line = cut > 0 ? std::optional<double>(std::log10(cut)) : std::nullopt;
    x_label = "log10 of the " + x_label;
  }
  write_file_atomic(f.out, plot_histogram("Outlier scores (" + name + ")", x_label, groups, line, f.log, format));
  return 0;
}

// K = 1: (z, 0), drawn as a strip; K = 2: as is; K > 2: the first two principal components.
int plot_latent_command(const ModelFlags& f) {
  const ImageFormat format = image_format_for(f.out);
  std::string color = f.color.empty() ? (f.labels.empty() ? "score" : "label") : f.color;
  if (color != "label" && color != "score") throw Error(ErrorKind::usage, "--color: use label or score, not '" + color + "'");
  if (color == "label" && f.labels.empty()) throw Error(ErrorKind::usage, "--color label needs --labels FILE");
  Model model = load_model(f.model);
  const Dataset data = load_model_data(f.data, model.info);
  check_width(model.autoencoder, data);
  ScatterData sd;
  if (color == "label") {
    sd.labels = load_labels(f.labels);
    if (sd.labels.size() != data.rows) {
      throw Error(ErrorKind::bad_data, f.labels + ": " + std::to_string(sd.labels.size()) + " labels for " +
                                        std::to_string(data.rows) + " rows");
    }
  } else {
    const auto scores = compute_scores(model.autoencoder, data, kDefaultScore, calibration_for(model, f.model, data));
    sd.values.assign(scores.begin(), scores.end());
    sd.value_name = std::string(score_name(kDefaultScore)) + " score";
  }
  const Matrix z = encode_all(model.autoencoder, data);
  const std::size_t N = z.rows(), K = z.cols();
  LatentPoints points = latent_points(z);
  sd.x = std::move(points.x);
  sd.y = std::move(points.y);
  const std::string x_label = K > 2 ? "principal component 1 of the embedding" : points.x_label;
  const std::string y_label = points.y_label;
  const std::string title = "Embeddings (K = " + std::to_string(K) + ") of " + std::to_string(N) + " rows";
  write_file_atomic(f.out, plot_scatter(title, x_label, y_label, sd, format));
  return 0;
}

int plot_feature_error_command(const ModelFlags& f) {
  const ImageFormat format = image_format_for(f.out);
  Model model = load_model(f.model);
  const Dataset data = load_model_data(f.data, model.info);
  check_width(model.autoencoder, data);
  const std::vector<double> mean = feature_mean_squared_error(model.autoencoder, data);
  const auto shape = image_shape_of(data, model.info);
  const std::string title = std::string("Mean squared reconstruction error per ") + (shape.empty() ? "feature" : "pixel");
  write_file_atomic(f.out, plot_feature_values(title, "mean squared error", mean, shape, format));
  return 0;
}

}  // namespace

Command add_plot(CLI::App& root) {
  auto f = std::make_shared<ModelFlags>();
  auto history = std::make_shared<std::string>();
  CLI::App* app = root.add_subcommand("plot", "Single plots as PNG or SVG: history, scores, latent, feature-error");
  app->require_subcommand(1);

  CLI::App* h = app->add_subcommand("history", "Training and validation loss per epoch from a history CSV");
  h->add_option("--history", *history, "History CSV (ae train --history)")->required();
  h->add_flag("--log", f->log, "Log-scale loss axis");
  add_out(h, f->out);

  CLI::App* s = app->add_subcommand("scores", "Histogram of outlier scores with the threshold line");
  add_model_and_data(s, *f);
  s->add_option("--labels", f->labels, "Truth per row (0/1, or class labels with --outlier-class): two colours");
  s->add_option("--outlier-class", f->outlier_class, "The label that marks an outlier");
  s->add_option("--score", f->score, "Score: zsae (standardised absolute error), zsse (standardised SSE), sse, mse, mae, bce, max, zsae_ic (zsae per bit of input complexity), dual (the larger of zsae and zsae_ic, standardised)")->capture_default_str();
  s->add_option("--threshold", f->threshold,
                "contamination=F | quantile=Q | sigma=K | mad=K | iqr=K | max-train | value=X (from the training scores)")
      ->capture_default_str();
  s->add_flag("--log", f->log, "Log-scale count axis");
  s->add_flag("--log-score", f->log_score, "Scores as log10 on the x axis (for long tails; scores must be above 0, which dual, the default, is not below its training median)");
  add_out(s, f->out);

  CLI::App* l = app->add_subcommand("latent", "Scatter of the embeddings (PCA to 2-D when K > 2; a strip when K = 1)");
  add_model_and_data(l, *f);
  l->add_option("--labels", f->labels, "Class label per row");
  l->add_option("--color", f->color, "label (needs --labels) or score (zsae); default: label when labels are given");
  add_out(l, f->out);

  CLI::App* e = app->add_subcommand("feature-error", "Mean squared reconstruction error per feature (a heat map for images)");
  add_model_and_data(e, *f);
  add_out(e, f->out);

  return {app, [f, history, h, s, l, e]() {
            if (h->parsed()) return plot_history_command(*f, *history);
            if (s->parsed()) {
              f->score_chosen = s->count("--score") > 0;
              return plot_scores_command(*f);
            }
            if (l->parsed()) return plot_latent_command(*f);
            if (e->parsed()) return plot_feature_error_command(*f);
            throw Error(ErrorKind::usage, "ae plot: give one of history, scores, latent, feature-error");
          }};
}

}  // namespace ae::cli
