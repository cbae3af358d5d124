// ae report: one self-contained HTML page about a model on a data set: summary, training
// record, history, score histogram, metrics, galleries of outliers and typical rows, latent
// map and per-feature error. This file computes and draws; ae::report_html lays out the page.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "ae/atomic_file.hpp"
#include "ae/error.hpp"
#include "ae/inference.hpp"
#include "ae/pca.hpp"
#include "ae/plot.hpp"
#include "ae/render.hpp"
#include "ae/report.hpp"
#include "common.hpp"

namespace ae::cli {
namespace {

// The PCA baseline is fitted on at most this many evenly spaced rows: enough for a stable
// covariance, and bounded memory on large data sets.
constexpr std::size_t kPcaFitRows = 20000;
constexpr std::size_t kOutlierRows = 10;
constexpr std::size_t kInlierRows = 5;

// One line per stage on stderr, "Report 2/7 - scoring 10,000 rows (zsae) - 0.84s". On a
// terminal the stage shows when it starts and gets its time when it ends.
class StageLog {
 public:
  StageLog(bool quiet, int total) : quiet_(quiet), tty_(::isatty(STDERR_FILENO) != 0), total_(total) {}
  StageLog(const StageLog&) = delete;
  StageLog& operator=(const StageLog&) = delete;
  ~StageLog() {
    if (open_ && !quiet_ && tty_) std::fprintf(stderr, "\n");
  }
  void begin(const std::string& what) {
    end();
    ++index_;
    what_ = what;
    start_ = std::chrono::steady_clock::now();
    open_ = true;
    if (!quiet_ && tty_) {
      std::fprintf(stderr, "Report %d/%d - %s ...", index_, total_, what_.c_str());
      std::fflush(stderr);
    }
  }
  void end() {
    if (!open_) return;
    open_ = false;
    if (quiet_) return;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::fprintf(stderr, "%sReport %d/%d - %s - %.2fs\n", tty_ ? "\r" : "", index_, total_, what_.c_str(), s);
  }

 private:
  bool quiet_, tty_;
  int total_, index_ = 0;
  bool open_ = false;
  std::string what_;
  std::chrono::steady_clock::time_point start_;
};

// Significant digits, but whole numbers up to a billion without an exponent (17760, not
// 1.776e+04).
std::string num(double v, int digits = 4) {
  if (std::isnan(v)) return "n/a";
  char buf[48];
  if (std::abs(v) >= std::pow(10.0, digits) && std::abs(v) < 1e9) std::snprintf(buf, sizeof buf, "%.0f", v);
  else std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

// 70000 -> "70,000".
std::string count_text(std::size_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100.0 * share);
  return buf;
}

std::string score_meaning(ScoreKind kind) {
  switch (kind) {
    case ScoreKind::zsae:
      return "the standardised sum of absolute errors: each feature's absolute reconstruction error divided by "
             "that feature's root mean squared error on the training data (plus a small floor), summed over features";
    case ScoreKind::zsse:
      return "the standardised sum of squared errors: each feature's squared reconstruction error divided by "
             "that feature's mean squared error on the training data (plus a small floor), summed over features";
    case ScoreKind::sse: return "the sum of squared reconstruction errors over the features";
    case ScoreKind::mse: return "the mean squared reconstruction error over the features";
    case ScoreKind::mae: return "the mean absolute reconstruction error over the features";
    case ScoreKind::bce: return "the mean binary cross-entropy of the reconstruction";
    case ScoreKind::max: return "the largest absolute reconstruction error of any feature";
  }
  return "";
}

struct GalleryRow {
  std::size_t row = 0;
  std::string label;
  bool highlight = false;
};

// original / reconstruction / |error| per row, one value range per column for the grid.
std::string gallery_png(Autoencoder& model, const Dataset& data, const std::vector<std::size_t>& shape,
                        const std::vector<GalleryRow>& rows, const std::string& title) {
  std::vector<std::size_t> index;
  for (const auto& r : rows) index.push_back(r.row);
  const Dataset shown = select(data, index);
  const Matrix x = shown.to_matrix();
  const Matrix y = reconstruct_all(model, shown);
  const std::size_t D = x.cols();
  const bool image = !shape.empty();
  float lo = 0, hi = 1;
  if (!shown.byte_data) {
    lo = *std::min_element(x.values().begin(), x.values().end());
    hi = *std::max_element(x.values().begin(), x.values().end());
    for (float v : y.values()) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  float err_hi = 0;
  for (std::size_t i = 0; i < x.size(); ++i) err_hi = std::max(err_hi, std::abs(x.values()[i] - y.values()[i]));
  if (!(err_hi > 0)) err_hi = 1;
  const PanelStyle style = image ? PanelStyle::gray : PanelStyle::bars;
  const std::size_t h = image ? shape[0] : 0, w = image ? shape[1] : 0;
  std::vector<GridRow> grid;
  for (std::size_t s = 0; s < rows.size(); ++s) {
    GridRow g;
    g.label = rows[s].label;
    g.highlight = rows[s].highlight;
    std::vector<float> err(D);
    for (std::size_t j = 0; j < D; ++j) err[j] = std::abs(x(s, j) - y(s, j));
    g.panels.push_back({"original", style, h, w, std::vector<float>(x.row(s), x.row(s) + D), lo, hi});
    g.panels.push_back({"reconstruction", style, h, w, std::vector<float>(y.row(s), y.row(s) + D), lo, hi});
    g.panels.push_back({"|error|", image ? PanelStyle::heat : PanelStyle::bars, h, w, err, 0.0f, err_hi});
    grid.push_back(std::move(g));
  }
  return render_grid(title, grid);
}

// The training record (JSON) as a two-column table, known keys first and named in words.
ReportBlock training_table(const std::string& record, const std::string& source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(record);
  } catch (const nlohmann::json::exception&) {
    return ReportBlock::note(source + ": the training record is not valid JSON");
  }
  if (!j.is_object() || j.empty()) return ReportBlock::note("The model file holds no training record.");
  static const std::pair<const char*, const char*> known[] = {
      {"spec", "Layers"},
      {"loss", "Loss"},
      {"optimizer", "Optimiser"},
      {"lr", "Learning rate"},
      {"batch", "Batch size"},
      {"epochs", "Epochs run"},
      {"init", "Weight initialiser"},
      {"seed", "Seed"},
      {"threads", "Threads (0: all cores)"},
      {"data", "Training data"},
      {"rows", "Training rows"},
      {"final_loss", "Final training loss"},
      {"final_val_loss", "Final validation loss"},
      {"seconds", "Training time (s)"},
  };
  const auto text = [](const nlohmann::json& v, const std::string& key) -> std::string {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_float()) return num(v.get<double>(), key == "seconds" ? 4 : 6);
    if (v.is_number_unsigned() && key == "rows") return count_text(v.get<std::size_t>());
    return v.dump();
  };
  ReportTable table;
  for (const auto& [key, name] : known) {
    if (j.contains(key)) table.rows.push_back({name, text(j[key], key)});
  }
  for (const auto& [key, value] : j.items()) {
    const bool listed = std::any_of(std::begin(known), std::end(known), [&](const auto& k) { return key == k.first; });
    if (!listed) table.rows.push_back({key, text(value, key)});
  }
  return ReportBlock::of(table);
}

}  // namespace

void ReportJob::write(const std::string& path) const {
  if (model == nullptr || data == nullptr) throw Error(ErrorKind::internal, "ReportJob: model and data are required");
  Autoencoder& ae = model->autoencoder;
  const Dataset& rows = *data;
  check_width(ae, rows);
  if (val != nullptr) check_width(ae, *val);
  if (rows.rows == 0) throw Error(ErrorKind::usage, rows.source + ": no rows to report on");
  if (!truth.empty() && truth.size() != rows.rows) throw Error(ErrorKind::internal, "ReportJob: truth size differs from the rows");
  if (!labels.empty() && labels.size() != rows.rows) throw Error(ErrorKind::internal, "ReportJob: labels size differs from the rows");

  const Architecture& arch = ae.architecture();
  const std::size_t N = rows.rows, D = rows.cols, K = arch.embedding_width();
  const auto shape = image_shape_of(rows, model->info);
  std::size_t positives = 0;
  for (auto t : truth) positives += t;
  const bool metrics = !truth.empty() && positives > 0 && positives < N;
  const bool baseline = metrics && K < D && N >= 2;
  StageLog log(quiet, 5 + (val != nullptr) + baseline);

  // Scores and the threshold, from the statistics saved with the model (or, for a model
  // saved without them, fitted on these rows).
  ScoreCalibration cal = ScoreCalibration::from_json(model->info.score, model_name);
  const bool own_calibration = cal.empty();
  if (own_calibration) {
    log.begin("calibrating scores on " + count_text(N) + " rows (the model has no saved statistics)");
    cal = calibrate(ae, rows);
  }
  const ScoreKind score = resolve_score(requested_score, score_chosen, cal, model_name, quiet);
  const auto stats = cal.train_stats.find(score);
  if (stats == cal.train_stats.end()) {
    throw Error(ErrorKind::usage, "no training statistics for score " + std::string(score_name(score)) +
                                      " (bce needs data in [0, 1])");
  }
  const double cut = threshold_value(threshold, stats->second);
  log.begin("scoring " + count_text(N) + " rows (" + std::string(score_name(score)) + ")");
  const std::vector<float> scores = compute_scores(ae, rows, score, cal);
  const Ranking ranking = rank_scores(scores);
  std::size_t flagged = 0;
  for (float s : scores) flagged += s > cut;

  std::vector<float> val_scores;
  if (val != nullptr) {
    log.begin("scoring " + count_text(val->rows) + " validation rows");
    val_scores = compute_scores(ae, *val, score, cal);
  }

  log.begin("per-feature errors");
  const std::vector<double> feature_error = mean_squared_error_per_feature(ae, rows);

  log.begin("embedding " + count_text(N) + " rows");
  const LatentPoints latent = latent_points(encode_all(ae, rows));

  std::vector<float> pca_scores;
  std::size_t pca_fit_rows = 0;
  if (baseline) {
    log.begin("PCA baseline with " + std::to_string(K) + " components");
    std::vector<std::size_t> fit_rows;
    pca_fit_rows = std::min(N, kPcaFitRows);
    for (std::size_t i = 0; i < pca_fit_rows; ++i) fit_rows.push_back(i * N / pca_fit_rows);
    pca_scores = pca_baseline_scores(select(rows, fit_rows), rows, K, score, cal.floors);
  }

  log.begin("drawing");
  const std::string sname(score_name(score));
  ReportDocument doc;
  doc.title = "Autoencoder report: " + model_name;
  doc.subtitle = rows.source + ": " + count_text(N) + " rows of " + std::to_string(D) + " features" +
                 (shape.empty() ? "" : " (" + std::to_string(shape[0]) + " x " + std::to_string(shape[1]) + " images)") +
                 "; score " + sname + ", threshold " + threshold_text(threshold) + ".";
  doc.footer = "Written by ae report. Everything is inside this file: it needs no network and no other files.";

  {
    ReportSection s{"summary", "Model", {}};
    ReportTable t;
    t.rows.push_back({"Model file", model_name});
    t.rows.push_back({"Layers", arch.spec()});
    t.rows.push_back({"Input width", std::to_string(arch.input)});
    t.rows.push_back({"Embedding width (K)", std::to_string(K)});
    t.rows.push_back({"Parameters", count_text(arch.parameter_count())});
    t.rows.push_back({"Input scaling", model->info.normalizer == Normalizer::bytes_255 ? "bytes / 255" : "none"});
    s.blocks.push_back(ReportBlock::of(t));
    s.blocks.push_back(ReportBlock::preformatted(summary(arch)));
    doc.sections.push_back(std::move(s));
  }
  {
    ReportSection s{"training", "Training record", {}};
    s.blocks.push_back(training_table(model->info.training, model_name));
    doc.sections.push_back(std::move(s));
  }
  {
    ReportSection s{"history", "Training history", {}};
    if (history.epochs.empty()) {
      s.blocks.push_back(ReportBlock::note("No history given: pass --history FILE.csv (as written by ae train --history)."));
    } else {
      std::vector<double> loss, val_loss;
      double lo = INFINITY, hi = 0;
      for (const auto& e : history.epochs) {
        loss.push_back(e.loss);
        val_loss.push_back(e.val_loss);
        for (double v : {e.loss, e.val_loss}) {
          if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
        }
      }
      const bool log_y = lo > 0 && hi / lo > 20;
      const auto& last = history.epochs.back();
      std::string caption = "Mean loss per epoch over " + std::to_string(history.epochs.size()) + " epochs" +
                            (log_y ? " (log scale)" : "") + "; last epoch: loss " + num(last.loss, 5);
      if (std::isfinite(last.val_loss)) caption += ", validation loss " + num(last.val_loss, 5);
      s.blocks.push_back(ReportBlock::of(ReportFigure{plot_history(loss, val_loss, log_y, ImageFormat::svg), ImageFormat::svg,
                                                      "Line plot of the training loss" +
                                                          std::string(std::isfinite(last.val_loss) ? " and validation loss" : "") +
                                                          " per epoch",
                                                      caption + "."}));
    }
    doc.sections.push_back(std::move(s));
  }
  {
    ReportSection s{"scores", "Outlier scores", {}};
    s.blocks.push_back(ReportBlock::paragraph(
        "Each row's score is " + score_meaning(score) + ". Rows scoring above the threshold, " + num(cut) + " (" + threshold_text(threshold) + " of the " +
        (own_calibration ? "scores of these rows, as the model holds no training statistics" : "training scores") +
        "), are flagged as outliers."));
    // One column per set of rows: these, the validation rows, the training rows (from the
    // statistics saved with the model).
    const ScoreStats st = score_stats(scores);
    std::vector<std::pair<std::string, ScoreStats>> columns{{"these rows", st}};
    std::vector<std::size_t> flagged_in{flagged};
    if (val != nullptr && !val_scores.empty()) {
      columns.push_back({"validation rows", score_stats(val_scores)});
      flagged_in.push_back(static_cast<std::size_t>(std::count_if(val_scores.begin(), val_scores.end(), [&](float v) { return v > cut; })));
    }
    if (!own_calibration) columns.push_back({"training rows", stats->second});
    ReportTable t;
    t.header = {""};
    std::vector<std::string> count_row{"rows"}, median_row{"median score"}, q99_row{"99th percentile"}, max_row{"largest score"},
        flagged_row{"flagged"}, share_row{"share flagged"};
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const ScoreStats& cs = columns[c].second;
      t.header.push_back(columns[c].first);
      count_row.push_back(count_text(cs.count));
      median_row.push_back(num(cs.median));
      q99_row.push_back(num(cs.quantile(0.99)));
      max_row.push_back(num(cs.max));
      flagged_row.push_back(c < flagged_in.size() ? count_text(flagged_in[c]) : "");
      share_row.push_back(c < flagged_in.size() ? percent(static_cast<double>(flagged_in[c]) / static_cast<double>(cs.count)) : "");
    }
    t.rows = {count_row, median_row, q99_row, max_row, flagged_row, share_row};
    s.blocks.push_back(ReportBlock::of(t));

    std::vector<HistogramGroup> groups;
    if (!truth.empty()) {
      groups.push_back({"labelled inliers", {}});
      groups.push_back({"labelled outliers", {}});
      for (std::size_t i = 0; i < N; ++i) groups[truth[i] ? 1 : 0].values.push_back(scores[i]);
    } else {
      groups.push_back({"all rows", std::vector<double>(scores.begin(), scores.end())});
    }
    if (val != nullptr) groups.push_back({"validation rows", std::vector<double>(val_scores.begin(), val_scores.end())});
    std::size_t largest = 0, smallest = SIZE_MAX;
    bool positive = true;
    for (const auto& g : groups) {
      if (g.values.empty()) continue;
      largest = std::max(largest, g.values.size());
      smallest = std::min(smallest, g.values.size());
      for (double v : g.values) positive = positive && v > 0;
    }
    // A small group next to a large one disappears on a linear count axis; a long tail of
    // scores squeezes the bulk into one bin on a linear score axis.
    const bool log_count = smallest * 50 < largest;
    const bool log_score = positive && cut > 0 && st.median > 0 && st.max / st.median > 20;
    std::optional<double> line = cut;
    if (log_score) {
      for (auto& g : groups) {
        for (auto& v : g.values) v = std::log10(v);
      }
      line = std::log10(cut);
    }
    std::string caption = "Rows to the right of the red line are flagged.";
    if (log_score) caption += " Scores on a log10 axis: 2 is 100, 3 is 1,000 (the threshold " + num(cut) + " is at " + num(*line, 3) + ").";
    if (log_count) caption += " Counts on a log scale.";
    s.blocks.push_back(ReportBlock::of(ReportFigure{
        plot_histogram("Outlier scores (" + sname + ")", log_score ? "log10 of the " + sname + " score" : sname + " score", groups,
                       line, log_count, ImageFormat::svg),
        ImageFormat::svg,
        "Histogram of the " + sname + " scores" + (truth.empty() ? "" : ", labelled inliers and outliers in two colours") +
            ", with the threshold " + num(cut) + " as a vertical line",
        caption}));
    doc.sections.push_back(std::move(s));
  }
  {
    ReportSection s{"metrics", "Detection against the labels", {}};
    if (truth.empty()) {
      s.blocks.push_back(ReportBlock::note("No labels given: pass --labels FILE (0/1 per row, or class labels with --outlier-class C)."));
    } else if (!metrics) {
      s.blocks.push_back(ReportBlock::note("The labels mark " + std::string(positives == 0 ? "no row" : "every row") +
                                           " as an outlier, so detection cannot be measured."));
    } else {
      s.blocks.push_back(ReportBlock::paragraph(
          count_text(positives) + " of " + count_text(N) + " rows are labelled outliers. ROC-AUC: the chance that a random "
          "outlier scores above a random inlier; PR-AUC: average precision; precision@k: the share of outliers among the k = " +
          count_text(positives) + " highest-scoring rows. The baseline is the reconstruction of a PCA with as many components "
          "as the embedding (K = " + std::to_string(K) + "), scored the same way."));
      ReportTable t;
      t.header = {"method", "ROC-AUC", "PR-AUC", "precision@" + std::to_string(positives)};
      const Metrics m = evaluate(scores, truth);
      t.rows.push_back({"autoencoder", num(m.roc_auc), num(m.average_precision), num(m.precision_at_k)});
      if (baseline) {
        const Metrics p = evaluate(pca_scores, truth);
        t.rows.push_back({"PCA, " + std::to_string(K) + " components", num(p.roc_auc), num(p.average_precision), num(p.precision_at_k)});
      }
      s.blocks.push_back(ReportBlock::of(t));
      std::size_t caught = 0;
      for (std::size_t i = 0; i < N; ++i) caught += truth[i] && scores[i] > cut;
      s.blocks.push_back(ReportBlock::paragraph("At the threshold, " + num(cut) + ":"));
      ReportTable at;
      at.rows.push_back({"flagged rows", count_text(flagged)});
      at.rows.push_back({"labelled outliers among them (precision)",
                         count_text(caught) + " (" + (flagged ? percent(static_cast<double>(caught) / static_cast<double>(flagged)) : "n/a") + ")"});
      at.rows.push_back({"labelled outliers flagged (recall)",
                         count_text(caught) + " of " + count_text(positives) + " (" + percent(static_cast<double>(caught) / static_cast<double>(positives)) + ")"});
      s.blocks.push_back(ReportBlock::of(at));
      if (baseline && pca_fit_rows < N) {
        s.blocks.push_back(ReportBlock::note("The PCA was fitted on " + count_text(pca_fit_rows) + " evenly spaced rows of " + count_text(N) + "."));
      }
    }
    doc.sections.push_back(std::move(s));
  }
  // 0/1 labels that are the truth itself need no line of their own.
  bool labels_are_truth = labels.size() == truth.size();
  for (std::size_t i = 0; labels_are_truth && i < labels.size(); ++i) labels_are_truth = labels[i] == truth[i];
  const auto row_label = [&](std::size_t row) {
    std::string label = "#" + std::to_string(ranking.rank[row]) + "  row " + std::to_string(row) + "\nscore " + num(scores[row]);
    if (!labels.empty() && !labels_are_truth) label += "\nclass " + std::to_string(labels[row]);
    if (!truth.empty()) label += truth[row] ? "\nlabelled outlier" : "\nlabelled inlier";
    return label;
  };
  const std::string grid_note = std::string("Each row: the original, its reconstruction and the absolute error per ") +
                                (shape.empty() ? "feature" : "pixel") + "; one colour scale per column." +
                                (truth.empty() ? "" : " Framed: labelled outliers.");
  std::vector<std::size_t> top;
  {
    ReportSection s{"outliers", "Top outliers", {}};
    const std::size_t n = std::min(kOutlierRows, N);
    std::vector<GalleryRow> g;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t row = ranking.order[i];
      top.push_back(row);
      g.push_back({row, row_label(row), !truth.empty() && truth[row]});
    }
    s.blocks.push_back(ReportBlock::paragraph("The " + std::to_string(n) + " highest-scoring rows, rank 1 first. " + grid_note));
    s.blocks.push_back(ReportBlock::of(ReportFigure{gallery_png(ae, rows, shape, g, ""), ImageFormat::png,
                                                    "The " + std::to_string(n) + " highest-scoring rows: original, reconstruction and error",
                                                    ""}));
    doc.sections.push_back(std::move(s));
  }
  {
    ReportSection s{"inliers", "Typical rows", {}};
    const std::size_t n = std::min(kInlierRows, N);
    const std::size_t first = std::min(N / 2 - std::min(N / 2, n / 2), N - n);
    std::vector<GalleryRow> g;
    for (std::size_t i = first; i < first + n; ++i) g.push_back({ranking.order[i], row_label(ranking.order[i]), !truth.empty() && truth[ranking.order[i]]});
    s.blocks.push_back(ReportBlock::paragraph("For contrast, " + std::to_string(n) + " rows around the median score. " + grid_note));
    s.blocks.push_back(ReportBlock::of(ReportFigure{gallery_png(ae, rows, shape, g, ""), ImageFormat::png,
                                                    std::to_string(n) + " rows with scores near the median: original, reconstruction and error",
                                                    ""}));
    doc.sections.push_back(std::move(s));
  }
  {
    ReportSection s{"latent", "Latent map", {}};
    ScatterData sd;
    sd.x = latent.x;
    sd.y = latent.y;
    if (!labels.empty()) {
      sd.labels = labels;
    } else {
      sd.values.assign(scores.begin(), scores.end());
      sd.value_name = sname + " score";
    }
    sd.highlight = top;
    sd.highlight_name = "top " + std::to_string(top.size()) + " outliers";
    s.blocks.push_back(ReportBlock::paragraph(latent.note + " Colour: " + (labels.empty() ? "the outlier score" : "the class label") +
                                              "; the top outliers are drawn larger with a dark outline."));
    s.blocks.push_back(ReportBlock::of(ReportFigure{
        plot_scatter("Embeddings of " + count_text(N) + " rows", latent.x_label, latent.y_label, sd, ImageFormat::png),
        ImageFormat::png,
        "Scatter plot of the rows' embeddings coloured by " + std::string(labels.empty() ? "score" : "class label") +
            ", the top outliers highlighted",
        ""}));
    doc.sections.push_back(std::move(s));
  }
  {
    ReportSection s{"features", "Error per feature", {}};
    double worst = 0;
    std::size_t worst_j = 0;
    for (std::size_t j = 0; j < D; ++j) {
      if (feature_error[j] > worst) worst = feature_error[j], worst_j = j;
    }
    std::string where = "feature " + std::to_string(worst_j);
    if (!shape.empty()) where = "pixel (row " + std::to_string(worst_j / shape[1]) + ", column " + std::to_string(worst_j % shape[1]) + ")";
    s.blocks.push_back(ReportBlock::paragraph("The mean squared reconstruction error of each " +
                                              std::string(shape.empty() ? "feature" : "pixel") + " over all " + count_text(N) +
                                              " rows. The largest, " + num(worst) + ", is at " + where + "."));
    s.blocks.push_back(ReportBlock::of(ReportFigure{
        plot_feature_values(std::string("Mean squared error per ") + (shape.empty() ? "feature" : "pixel"), "mean squared error",
                            feature_error, shape, ImageFormat::svg),
        ImageFormat::svg,
        shape.empty() ? "Bar chart of the mean squared reconstruction error of each feature"
                      : "Heat map of the mean squared reconstruction error of each pixel",
        ""}));
    doc.sections.push_back(std::move(s));
  }
  const std::string html = report_html(doc);

  log.begin("writing " + path);
  write_file_atomic(path, html);
  log.end();
}

Command add_report(CLI::App& root) {
  struct Flags {
    std::string model, data, labels, val, history, score = "zsae", threshold = "contamination=0.01", out = "report.html";
    std::optional<std::int64_t> outlier_class;
    bool quiet = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* app = root.add_subcommand("report", "Write one self-contained HTML report of a model on a data set");
  app->add_option("model", f->model, "Model file (.safetensors)")->required();
  app->add_option("--data", f->data, "Data to score and show (IDX[.gz], NPY or CSV)")->required();
  app->add_option("--labels", f->labels, "Truth per row: 0/1, or class labels with --outlier-class");
  app->add_option("--outlier-class", f->outlier_class, "The label that marks an outlier");
  app->add_option("--val", f->val, "Reference data (e.g. validation rows), drawn beside in the score histogram");
  app->add_option("--history", f->history, "History CSV of the training run (ae train --history)");
  app->add_option("--score", f->score, "Score: zsae (standardised absolute error), zsse (standardised SSE), sse, mse, mae, bce, max")->capture_default_str();
  app->add_option("--threshold", f->threshold,
                  "contamination=F | quantile=Q | sigma=K | mad=K | iqr=K | max-train | value=X (from the training scores)")
      ->capture_default_str();
  app->add_option("--out", f->out, "Output HTML file")->capture_default_str();
  app->add_flag("--quiet", f->quiet, "No progress on stderr");
  return {app, [f, app]() {
            if (f->outlier_class && f->labels.empty()) throw Error(ErrorKind::usage, "--outlier-class needs --labels FILE");
            ReportJob job;
            job.requested_score = parse_score(f->score);
            job.score_chosen = app->count("--score") > 0;
            job.threshold = parse_threshold(f->threshold);
            job.quiet = f->quiet;
            job.model_name = f->model;
            Model model = load_model(f->model);
            const Dataset data = load_data(f->data);
            check_width(model.autoencoder, data);
            std::optional<Dataset> val;
            if (!f->val.empty()) val = load_data(f->val);
            if (!f->labels.empty()) {
              job.truth = truth_from_labels(f->labels, data.rows, f->outlier_class);
              job.labels = load_labels(f->labels);
            }
            if (!f->history.empty()) {
              const auto bytes = read_file_bytes(f->history);
              const HistoryColumns h = parse_history_csv(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), f->history);
              for (std::size_t i = 0; i < h.loss.size(); ++i) {
                EpochRecord e;
                e.epoch = i + 1;
                e.loss = h.loss[i];
                e.val_loss = h.val_loss[i];
                job.history.epochs.push_back(e);
              }
            }
            job.model = &model;
            job.data = &data;
            job.val = val ? &*val : nullptr;
            job.write(f->out);
            if (!f->quiet) std::fprintf(stderr, "wrote %s\n", f->out.c_str());
            return 0;
          }};
}

}  // namespace ae::cli
