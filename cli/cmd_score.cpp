// ae score: per-sample outlier scores, a threshold, flags and ranking; metrics and a PCA
// baseline when the truth is known.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>

#include "ae/data_hash.hpp"
#include "ae/data_stream.hpp"
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
    std::string model, data, out, per_feature, labels, baseline, fit, score = "dual",
                                                                      threshold = "contamination=0.01";
    std::optional<std::int64_t> outlier_class;
    std::optional<double> eps_factor;
    std::string precision = "fp32";
    std::size_t samples = 10;
    std::uint64_t seed = 0;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* app = root.add_subcommand("score", "Outlier scores by reconstruction error, with threshold, flags and ranking");
  app->add_option("model", f->model, "Model file (.safetensors)")->required();
  app->add_option("--data", f->data, "Data to score (IDX[.gz], NPY or CSV)")->required();
  app->add_option("--score", f->score, "Score: zsae (standardised absolute error), zsse (standardised SSE), sse, mse, mae, bce, max, zsae_ic (zsae per bit of input complexity), dual (the larger of zsae and zsae_ic, standardised); of a variational model also elbo, recprob")->capture_default_str();
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
  add_precision_flag(*app, f->precision);
  app->add_option("--eps-factor", f->eps_factor, "Floor of zsae or zsse: eps = F x (data range)^2 (needs --fit; default 1e-5 for zsae, 1e-4 for zsse)");
  return {app, [f, app]() {
            ScoreKind kind = parse_score(f->score);
            const Threshold threshold = parse_threshold(f->threshold);
            if (!f->baseline.empty() && f->baseline != "pca") throw Error(ErrorKind::usage, "--baseline: only 'pca' is known");
            if (f->eps_factor && f->fit.empty()) throw Error(ErrorKind::usage, "--eps-factor needs --fit DATA to refit the statistics");
            if (f->eps_factor && !(*f->eps_factor > 0)) throw Error(ErrorKind::usage, "--eps-factor must be positive");
            if (f->eps_factor && !standardised(kind)) throw Error(ErrorKind::usage, "--eps-factor applies to zsae and zsse only");
            if (!f->baseline.empty() && f->labels.empty()) throw Error(ErrorKind::usage, "--baseline needs --labels");
            const Precision precision = checked_precision(f->precision);
            Model model = load_model(f->model);
            if (variational_score(kind) && !model.autoencoder.architecture().variational()) {
              throw Error(ErrorKind::usage, f->model + ": the " + f->score + " score needs a variational model; this one is plain");
            }
            // elbo and recprob score on the loss and beta the model was trained with.
            const TrainRecord record = TrainRecord::from_json(model.info.training, f->model);
            const VariationalScoring variational{record.loss, record.beta, f->samples, f->seed};
            model.autoencoder.set_precision(precision);
            // Streamed a block at a time; read whole for the PCA baseline, which needs every row.
            DataStream stream(f->data, f->baseline.empty() ? stream_block_rows() : std::numeric_limits<std::size_t>::max());
            const std::size_t rows = stream.rows();
            // The labels are checked before anything is written.
            std::vector<std::uint8_t> truth;
            if (!f->labels.empty()) truth = truth_from_labels(f->labels, rows, f->outlier_class);
            if (!f->baseline.empty() && stream.cols() > kMaxPcaWidth) {
              throw Error(ErrorKind::usage, "--baseline pca: " + f->data + " has " + std::to_string(stream.cols()) +
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
            const double cut = threshold_value(threshold, stats->second);
            const auto start = std::chrono::steady_clock::now();
            std::vector<float> scores;
            scores.reserve(rows);
            std::optional<TableWriter> per_feature;
            Dataset block, data;  // data: the whole file, kept for the PCA baseline
            while (stream.next(block)) {
              normalize(block, model.info.normalizer);
              if (block.first_row == 0) {
                if (const std::string w = score_fit_warning(kind, block); !w.empty()) std::fprintf(stderr, "ae: warning: %s\n", w.c_str());
              }
              Matrix block_features;
              const auto block_scores = compute_scores(model.autoencoder, block, kind, cal,
                                                       f->per_feature.empty() ? nullptr : &block_features, 0, &variational);
              scores.insert(scores.end(), block_scores.begin(), block_scores.end());
              if (!f->per_feature.empty()) {
                if (!per_feature) {
                  std::vector<std::string> names;
                  for (std::size_t c = 0; c < block.cols; ++c) names.push_back("x" + std::to_string(c));
                  per_feature.emplace(f->per_feature, table_kind(f->per_feature), rows, names);
                }
                per_feature->write(block_features.view());
              }
              if (!f->baseline.empty()) data = std::move(block);
            }
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            const Ranking ranking = rank_scores(scores);

            // p_value: the share of training scores at or above the row's, from the saved grid.
            // Written a piece at a time; index and rank are exact integers at any row count
            // (an NPY table is float64).
            const ScoreStats& train_stats = stats->second;
            std::size_t flagged = 0;
            const std::vector<std::string> header{"index", "score", "rank", "percentile", "flag", "p_value"};
            constexpr std::size_t kPiece = 4096;
            std::optional<TableWriter> table;
            if (!f->out.empty()) table.emplace(f->out, table_kind(f->out, true), rows, header);
            std::string text = f->out.empty() ? "index,score,rank,percentile,flag,p_value\n" : "";
            std::vector<double> piece;
            for (std::size_t first = 0; first < rows; first += kPiece) {
              const std::size_t n = std::min(kPiece, rows - first);
              piece.resize(n * 6);
              for (std::size_t k = 0; k < n; ++k) {
                const std::size_t i = first + k;
                const bool flag = scores[i] > cut;
                flagged += flag;
                const double p_value = static_cast<float>(train_stats.p_value(scores[i]));
                if (table) {
                  double* row = piece.data() + k * 6;
                  row[0] = static_cast<double>(i);
                  row[1] = scores[i];
                  row[2] = static_cast<double>(ranking.rank[i]);
                  row[3] = ranking.percentile[i];
                  row[4] = flag ? 1.0 : 0.0;
                  row[5] = p_value;
                } else {
                  char buf[128];
                  std::snprintf(buf, sizeof buf, "%zu,%.9g,%zu,%.4f,%d,%.9g\n", i, static_cast<double>(scores[i]),
                                ranking.rank[i], ranking.percentile[i], flag ? 1 : 0, p_value);
                  text += buf;
                }
              }
              if (table) {
                table->write(piece.data(), n);
              } else {
                std::fwrite(text.data(), 1, text.size(), stdout);
                text.clear();
              }
            }
            if (table) table->commit();
            if (per_feature) per_feature->commit();

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
