// ae score: per-sample outlier scores, a threshold, flags and ranking; metrics and a PCA
// baseline when the truth is known.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "ae/data_hash.hpp"
#include "ae/error.hpp"
#include "ae/pca.hpp"
#include "ae/train_record.hpp"
#include "ae/score.hpp"
#include "common.hpp"

namespace ae::cli {

std::vector<std::uint8_t> truth_from_labels(const std::string& path, std::size_t rows,
                                            std::optional<std::int64_t> outlier_class) {
  const auto labels = load_labels(path);
  if (labels.size() != rows) {
    throw Error(ErrorKind::bad_data, path + ": " + std::to_string(labels.size()) + " labels for " +
                                      std::to_string(rows) + " rows");
  }
  std::vector<std::uint8_t> truth(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    if (outlier_class) {
      truth[i] = labels[i] == *outlier_class ? 1 : 0;
    } else if (labels[i] == 0 || labels[i] == 1) {
      truth[i] = static_cast<std::uint8_t>(labels[i]);
    } else {
      throw Error(ErrorKind::usage, path + ": row " + std::to_string(i) + " has label " +
                                        std::to_string(labels[i]) +
                                        "; give 0/1 labels or --outlier-class C");
    }
  }
  return truth;
}

std::string metrics_line(const std::string& name, const Metrics& m) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%-12s ROC-AUC %.4f  PR-AUC %.4f  precision@%zu %.4f", name.c_str(),
                m.roc_auc, m.average_precision, m.k, m.precision_at_k);
  return buf;
}

namespace {

// The rows the model was trained on, read from the path in its training record and scaled,
// when that file still holds them (same CRC-32 as the model records). Error(usage) otherwise.
Dataset recorded_training_rows(const Model& model, const std::string& model_path) {
  const TrainRecord record = TrainRecord::from_json(model.info.training, model_path);
  const std::string hint = "--baseline pca is fitted on the training rows: pass them with --fit TRAINING_DATA";
  if (record.data.empty() || !std::filesystem::is_regular_file(record.data)) {
    throw Error(ErrorKind::usage, model_path + ": its training data '" + record.data + "' is not at hand; " + hint);
  }
  Dataset rows = load_data(record.data);
  if (data_crc32(rows) != model.info.data_crc32) {
    throw Error(ErrorKind::usage, record.data + ": not the rows " + model_path + " was trained on; " + hint);
  }
  std::fprintf(stderr, "note: PCA baseline fitted on %s, the model's training data\n", record.data.c_str());
  normalize(rows, model.info.normalizer);
  return rows;
}

}  // namespace

Command add_score(CLI::App& root) {
  struct Flags {
    std::string model, data, out, per_feature, labels, baseline, fit, score = "zsae",
                                                                      threshold = "contamination=0.01";
    std::optional<std::int64_t> outlier_class;
    std::optional<double> eps_factor;
    std::size_t samples = 10;
    std::uint64_t seed = 0;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* app = root.add_subcommand("score", "Outlier scores by reconstruction error, with threshold, flags and ranking");
  app->add_option("model", f->model, "Model file (.safetensors)")->required();
  app->add_option("--data", f->data, "Data to score (IDX[.gz], NPY or CSV)")->required();
  app->add_option("--score", f->score, "Score: zsae (standardised absolute error), zsse (standardised SSE), sse, mse, mae, bce, max; of a variational model also elbo, recprob")->capture_default_str();
  app->add_option("--samples", f->samples, "recprob: draws from each row's posterior")->capture_default_str()->check(positive_whole());
  app->add_option("--seed", f->seed, "recprob: seed of the draws' noise")->capture_default_str();
  app->add_option("--threshold", f->threshold,
                  "contamination=F | quantile=Q | sigma=K | mad=K | iqr=K | max-train | value=X | fpr=Q (from the training scores)")
      ->capture_default_str();
  app->add_option("--out", f->out, "Scores as .csv or .npy (index,score,rank,percentile,flag,p_value); default CSV on stdout");
  app->add_option("--per-feature", f->per_feature, "Write the N x D per-feature errors (.npy, or .csv by the name)");
  CLI::Option* labels = app->add_option("--labels", f->labels, "Truth per row: 0/1, or class labels with --outlier-class");
  app->add_option("--outlier-class", f->outlier_class, "The label that marks an outlier")->needs(labels);
  app->add_option("--baseline", f->baseline, "pca: also score a PCA reconstruction with as many components as the embedding");
  app->add_option("--fit", f->fit, "Trusted data to fit the score statistics on (default: those saved at training)");
  app->add_option("--eps-factor", f->eps_factor, "Floor of zsae or zsse: eps = F x (data range)^2 (needs --fit; default 1e-5 for zsae, 1e-4 for zsse)");
  return {app, [f, app]() {
            ScoreKind kind = parse_score(f->score);
            const Threshold threshold = parse_threshold(f->threshold);
            if (!f->baseline.empty() && f->baseline != "pca") throw Error(ErrorKind::usage, "--baseline: only 'pca' is known");
            if (f->eps_factor && f->fit.empty()) throw Error(ErrorKind::usage, "--eps-factor needs --fit DATA to refit the statistics");
            if (f->eps_factor && !(*f->eps_factor > 0)) throw Error(ErrorKind::usage, "--eps-factor must be positive");
            if (f->eps_factor && !standardised(kind)) throw Error(ErrorKind::usage, "--eps-factor applies to zsae and zsse only");
            if (!f->baseline.empty() && f->labels.empty()) throw Error(ErrorKind::usage, "--baseline needs --labels");
            Model model = load_model(f->model);
            if (variational_score(kind) && !model.autoencoder.architecture().variational()) {
              throw Error(ErrorKind::usage, f->model + ": the " + f->score + " score needs a variational model; this one is plain");
            }
            // elbo and recprob score on the loss and beta the model was trained with.
            const TrainRecord record = TrainRecord::from_json(model.info.training, f->model);
            const VariationalScoring variational{record.loss, record.beta, f->samples, f->seed};
            const Dataset data = load_model_data(f->data, model.info);
            // The labels are checked before anything is written.
            std::vector<std::uint8_t> truth;
            if (!f->labels.empty()) truth = truth_from_labels(f->labels, data.rows, f->outlier_class);
            if (!f->baseline.empty() && data.cols > kMaxPcaWidth) {
              throw Error(ErrorKind::usage, "--baseline pca: " + f->data + " has " + std::to_string(data.cols) +
                                                " columns; the PCA baseline takes at most " + std::to_string(kMaxPcaWidth));
            }
            std::optional<Dataset> fit_data, pca_rows;
            ScoreCalibration cal;
            if (!f->fit.empty()) {
              fit_data = load_model_data(f->fit, model.info);
              ScoreFloors floors;
              if (f->eps_factor) floors.of(kind) = *f->eps_factor;
              cal = calibrate(model.autoencoder, *fit_data, floors, 0, &variational);
            } else {
              cal = ScoreCalibration::from_json(model.info.score, f->model);
              if (cal.empty()) {
                throw Error(ErrorKind::usage, f->model + ": has no score statistics; pass --fit TRAINING_DATA");
              }
              // PCA is fitted on the training rows, as the autoencoder was: the file the
              // training record names when its rows are still the ones trained on.
              if (!f->baseline.empty()) pca_rows = recorded_training_rows(model, f->model);
            }
            kind = resolve_score(kind, app->count("--score") > 0, cal, f->model, false);
            const auto stats = cal.train_stats.find(kind);
            if (stats == cal.train_stats.end()) {
              throw Error(ErrorKind::usage, f->model + ": no training statistics for score " + f->score +
                                                " (bce needs data in [0, 1]; a model saved before zsae existed needs --fit TRAINING_DATA)");
            }
            if (const std::string w = score_fit_warning(kind, data); !w.empty()) std::fprintf(stderr, "ae: warning: %s\n", w.c_str());
            const double cut = threshold_value(threshold, stats->second);
            Matrix per_feature;
            const auto start = std::chrono::steady_clock::now();
            const auto scores = compute_scores(model.autoencoder, data, kind, cal, f->per_feature.empty() ? nullptr : &per_feature, 0, &variational);
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            const Ranking ranking = rank_scores(scores);

            // p_value: the share of training scores at or above the row's, from the saved grid.
            const ScoreStats& train_stats = stats->second;
            Matrix table(scores.size(), 6);
            std::size_t flagged = 0;
            for (std::size_t i = 0; i < scores.size(); ++i) {
              const bool flag = scores[i] > cut;
              flagged += flag;
              table(i, 0) = static_cast<float>(i);
              table(i, 1) = scores[i];
              table(i, 2) = static_cast<float>(ranking.rank[i]);
              table(i, 3) = static_cast<float>(ranking.percentile[i]);
              table(i, 4) = flag ? 1.0f : 0.0f;
              table(i, 5) = static_cast<float>(train_stats.p_value(scores[i]));
            }
            const std::vector<std::string> header{"index", "score", "rank", "percentile", "flag", "p_value"};
            if (f->out.empty()) {
              std::string text = "index,score,rank,percentile,flag,p_value\n";
              char buf[128];
              for (std::size_t i = 0; i < scores.size(); ++i) {
                std::snprintf(buf, sizeof buf, "%zu,%.9g,%zu,%.4f,%d,%.9g\n", i, static_cast<double>(scores[i]),
                              ranking.rank[i], ranking.percentile[i], scores[i] > cut ? 1 : 0,
                              static_cast<double>(table(i, 5)));
                text += buf;
              }
              std::fwrite(text.data(), 1, text.size(), stdout);
            } else if (f->out.ends_with(".npy")) {
              write_npy(f->out, table.view());
            } else {
              write_csv(f->out, table.view(), header);
            }
            if (f->per_feature.ends_with(".csv")) {
              std::vector<std::string> names;
              for (std::size_t c = 0; c < per_feature.cols(); ++c) names.push_back("x" + std::to_string(c));
              write_csv(f->per_feature, per_feature.view(), names);
            } else if (!f->per_feature.empty()) {
              write_npy(f->per_feature, per_feature.view());
            }

            std::fprintf(stderr, "score %s, threshold %s = %.6g: %zu of %zu rows flagged\n", f->score.c_str(),
                         threshold_text(threshold).c_str(), cut, flagged, scores.size());
            std::fprintf(stderr, "scored %zu rows in %.3f s (%.0f rows/s: conversion, reconstruction and score)\n",
                         scores.size(), seconds, static_cast<double>(scores.size()) / std::max(seconds, 1e-9));
            std::fprintf(stderr, "top %zu:", std::min<std::size_t>(10, scores.size()));
            for (std::size_t i = 0; i < 10 && i < ranking.order.size(); ++i) {
              std::fprintf(stderr, " %zu (%.4g)", ranking.order[i], static_cast<double>(scores[ranking.order[i]]));
            }
            std::fprintf(stderr, "\n");

            if (!f->labels.empty()) {
              FILE* out = f->out.empty() ? stderr : stdout;
              std::fprintf(out, "%s\n", metrics_line("autoencoder", evaluate(scores, truth)).c_str());
              if (f->baseline == "pca") {
                const Dataset& train = fit_data ? *fit_data : *pca_rows;
                const std::size_t k = model.autoencoder.architecture().embedding_width();
                const auto pca = pca_baseline_scores(train, data, k, kind, cal.floors);
                std::fprintf(out, "%s\n", metrics_line("pca (k=" + std::to_string(k) + ")", evaluate(pca, truth)).c_str());
              }
            }
            return 0;
          }};
}

}  // namespace ae::cli
