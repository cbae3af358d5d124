// build_report: scores the rows, fits the PCA baseline, embeds, draws the figures and lays out
// the sections of the report. Each section is one function over what gather() computed;
// report_html (html.cpp) turns the document into the page.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>

#include "ae/error.hpp"
#include "ae/format.hpp"
#include "ae/inference.hpp"
#include "ae/plot.hpp"
#include "ae/report.hpp"

namespace ae {
namespace {

// The PCA baseline is fitted on at most this many evenly spaced rows: enough for a stable
// covariance, and bounded memory on large data sets.
constexpr std::size_t kPcaFitRows = 20000;
constexpr std::size_t kOutlierRows = 10;
constexpr std::size_t kInlierRows = 5;

// Significant digits, but whole numbers up to a billion without an exponent (17760, not
// 1.776e+04).
std::string num(double v, int digits = 4) {
  if (std::isnan(v)) return "n/a";
  char buf[48];
  if (std::abs(v) >= std::pow(10.0, digits) && std::abs(v) < 1e9) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  }
  return buf;
}

std::string percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100.0 * share);
  return buf;
}

std::string score_meaning(ScoreKind kind) {
  switch (kind) {
    case ScoreKind::zsae:
      return "the standardised sum of absolute errors: each feature's absolute reconstruction "
             "error divided by that feature's root mean squared error on the training data (plus "
             "a small floor), summed over features";
    case ScoreKind::zsse:
      return "the standardised sum of squared errors: each feature's squared reconstruction "
             "error divided by that feature's mean squared error on the training data (plus a "
             "small floor), summed over features";
    case ScoreKind::sse: return "the sum of squared reconstruction errors over the features";
    case ScoreKind::mse: return "the mean squared reconstruction error over the features";
    case ScoreKind::mae: return "the mean absolute reconstruction error over the features";
    case ScoreKind::bce: return "the mean binary cross-entropy of the reconstruction";
    case ScoreKind::max: return "the largest absolute reconstruction error of any feature";
    case ScoreKind::zsae_ic:
      return "zsae divided by the row's input complexity (its compressed length in bits): error per bit, "
             "so that rows simpler than the training rows are not taken for normal";
    case ScoreKind::dual:
      return "the larger of zsae and zsae_ic, each standardised by its median and median absolute deviation "
             "on the training data: high for rows worse rebuilt than usual, or than usual for their complexity";
    case ScoreKind::elbo:
      return "the negative evidence lower bound: the training loss's reconstruction error of the mean embedding "
             "plus beta times the KL divergence of the embedding's distribution from the prior";
    case ScoreKind::recprob:
      return "the reconstruction probability's error: the training loss's reconstruction error averaged over "
             "embeddings drawn from the row's posterior";
  }
  return "";
}

// What the sections show, computed once.
struct Gathered {
  std::size_t N = 0, D = 0, K = 0;
  std::vector<std::size_t> shape;  // {h, w} for images, else empty
  ScoreCalibration cal;
  bool own_calibration = false;  // the model had no statistics; fitted on these rows
  std::string score_name;
  ScoreStats train_stats;
  double cut = 0;
  std::vector<float> scores, val_scores;
  Ranking ranking;
  std::size_t flagged = 0, positives = 0;
  bool metrics = false, baseline = false;
  std::vector<double> feature_error;
  LatentPoints latent;
  std::vector<float> pca_scores;
  std::size_t pca_fit_rows = 0;
};

// Counts the stages and reports each as it starts.
class Stages {
 public:
  Stages(const ReportProgress& progress, int total) : progress_(progress), total_(total) {}
  void begin(const std::string& what) {
    if (progress_) progress_(++index_, total_, what);
  }

 private:
  const ReportProgress& progress_;
  int total_;
  int index_ = 0;
};

void check_inputs(const ReportInputs& in) {
  if (in.model == nullptr || in.data == nullptr) {
    throw Error(ErrorKind::internal, "build_report: model and data are required");
  }
  const Dataset& rows = *in.data;
  check_width(in.model->autoencoder, rows);
  if (in.val != nullptr) check_width(in.model->autoencoder, *in.val);
  if (rows.rows == 0) throw Error(ErrorKind::usage, rows.source + ": no rows to report on");
  if (!in.truth.empty() && in.truth.size() != rows.rows) {
    throw Error(ErrorKind::internal, "build_report: truth size differs from the rows");
  }
  if (!in.labels.empty() && in.labels.size() != rows.rows) {
    throw Error(ErrorKind::internal, "build_report: labels size differs from the rows");
  }
}

Gathered gather(const ReportInputs& in, const ReportProgress& progress) {
  check_inputs(in);
  Autoencoder& ae = in.model->autoencoder;
  const Dataset& rows = *in.data;
  Gathered g;
  g.N = rows.rows;
  g.D = rows.cols;
  g.K = ae.architecture().embedding_width();
  g.shape = image_shape_of(rows, in.model->info);
  for (auto t : in.truth) g.positives += t;
  g.metrics = !in.truth.empty() && g.positives > 0 && g.positives < g.N;
  g.baseline = g.metrics && g.K < g.D && g.N >= 2;
  g.cal = in.calibration;
  g.own_calibration = g.cal.empty();
  Stages stages(progress, 4 + (in.val != nullptr) + g.baseline + g.own_calibration);

  // Scores and the threshold, from the statistics saved with the model (or, for a model
  // saved without them, fitted on these rows).
  if (g.own_calibration) {
    stages.begin("calibrating scores on " + format_count(g.N) +
                 " rows (the model has no saved statistics)");
    g.cal = calibrate(ae, rows);
  }
  g.score_name = score_name(in.score);
  const auto stats = g.cal.train_stats.find(in.score);
  if (stats == g.cal.train_stats.end()) {
    throw Error(ErrorKind::usage, "no training statistics for score " + g.score_name +
                                      " (bce needs data in [0, 1])");
  }
  g.train_stats = stats->second;
  g.cut = threshold_value(in.threshold, g.train_stats);
  stages.begin("scoring " + format_count(g.N) + " rows (" + g.score_name + ")");
  g.scores = compute_scores(ae, rows, in.score, g.cal);
  g.ranking = rank_scores(g.scores);
  for (float s : g.scores) g.flagged += s > g.cut;
  if (in.val != nullptr) {
    stages.begin("scoring " + format_count(in.val->rows) + " validation rows");
    g.val_scores = compute_scores(ae, *in.val, in.score, g.cal);
  }
  stages.begin("per-feature errors");
  g.feature_error = feature_mean_squared_error(ae, rows);
  stages.begin("embedding " + format_count(g.N) + " rows");
  g.latent = latent_points(encode_all(ae, rows));
  if (g.baseline) {
    stages.begin("PCA baseline with " + std::to_string(g.K) + " components");
    std::vector<std::size_t> fit_rows;
    g.pca_fit_rows = std::min(g.N, kPcaFitRows);
    for (std::size_t i = 0; i < g.pca_fit_rows; ++i) fit_rows.push_back(i * g.N / g.pca_fit_rows);
    g.pca_scores = pca_baseline_scores(select(rows, fit_rows), rows, g.K, in.score, g.cal.floors);
  }
  stages.begin("drawing");
  return g;
}

// ---- sections ----

ReportSection summary_section(const ReportInputs& in, const Gathered& g) {
  const Architecture& arch = in.model->autoencoder.architecture();
  ReportSection s{"summary", "Model", {}};
  ReportTable t;
  t.rows.push_back({"Model file", in.model_name});
  t.rows.push_back({"Layers", arch.spec()});
  t.rows.push_back({"Kind", arch.variational() ? "variational (the embedding is the mean of q(z | x))" : "plain"});
  t.rows.push_back({"Input width", std::to_string(arch.input)});
  t.rows.push_back({"Embedding width (K)", std::to_string(g.K)});
  t.rows.push_back({"Parameters", format_count(arch.parameter_count())});
  t.rows.push_back({"Input scaling", ae::scaling_text(in.model->info.normalizer)});
  s.blocks.push_back(ReportBlock::of(t));
  s.blocks.push_back(ReportBlock::preformatted(summary(arch)));
  return s;
}

// The collapse check of the last epoch (diagnosis.hpp's JSON): a sentence, then a row per
// embedding unit.
void add_diagnosis(ReportSection& s, const nlohmann::json& d) {
  const bool mean = d.value("mean_predictor", false);
  std::size_t dead = 0, stuck = 0;
  ReportTable units;
  units.header = {"embedding unit", "mean", "std", "state"};
  std::size_t k = 0;
  for (const auto& u : d.value("units", nlohmann::json::array())) {
    const std::string state = u.value("state", "ok");
    dead += state == "dead";
    stuck += state == "stuck";
    units.rows.push_back({std::to_string(++k), num(u.value("mean", 0.0), 4), num(u.value("std", 0.0), 4), state});
  }
  // Records written before the output spread was measured have none.
  std::string spread;
  if (d.contains("output_spread")) spread = ", its outputs varying " + num(100.0 * d.value("output_spread", 0.0), 3) + "% as much as the rows";
  char buf[500];
  std::snprintf(buf, sizeof buf,
                "Collapse check after epoch %zu, on %zu rows: the model's loss %.4g against %.4g for always answering "
                "the mean row%s, so it %s. Embedding units: %zu dead (a relu unit that is always 0), %zu stuck "
                "(std below 0.01: they carry no information), %zu of %zu ok.",
                d.value("epoch", std::size_t{0}), d.value("probe_rows", std::size_t{0}), d.value("loss", 0.0),
                d.value("mean_loss", 0.0), spread.c_str(), mean ? "PREDICTS THE MEAN ROW (training collapsed)" : "learns more than the mean row",
                dead, stuck, k - dead - stuck, k);
  s.blocks.push_back(ReportBlock::paragraph(buf));
  s.blocks.push_back(ReportBlock::of(units));
}

// The training record (JSON) as a two-column table, known keys first and named in words.
ReportSection training_section(const ReportInputs& in) {
  ReportSection s{"training", "Training record", {}};
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in.model->info.training);
  } catch (const nlohmann::json::exception&) {
    s.blocks.push_back(ReportBlock::note(in.model_name + ": the training record is not valid JSON"));
    return s;
  }
  if (!j.is_object() || j.empty()) {
    s.blocks.push_back(ReportBlock::note("The model file holds no training record."));
    return s;
  }
  static const std::pair<const char*, const char*> known[] = {
      {"spec", "Layers"},
      {"loss", "Loss"},
      {"optimizer", "Optimiser"},
      {"lr", "Learning rate"},
      {"batch", "Batch size"},
      {"epochs", "Epochs run"},
      {"init", "Weight initialiser"},
      {"seed", "Seed"},
      {"threads", "Threads"},
      {"data", "Training data"},
      {"validation", "Validation data"},
      {"rows", "Training rows"},
      {"final_loss", "Final training loss"},
      {"final_val_loss", "Final validation loss"},
      {"seconds", "Training time (s)"},
  };
  const auto text = [](const nlohmann::json& v, const std::string& key) -> std::string {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_float()) return num(v.get<double>(), key == "seconds" ? 4 : 6);
    if (v.is_number_unsigned() && key == "rows") return format_count(v.get<std::size_t>());
    return v.dump();
  };
  ReportTable table;
  for (const auto& [key, name] : known) {
    if (j.contains(key)) table.rows.push_back({name, text(j[key], key)});
  }
  for (const auto& [key, value] : j.items()) {
    const bool listed = std::any_of(std::begin(known), std::end(known),
                                    [&](const auto& k) { return key == k.first; });
    if (!listed && key != "diagnosis") table.rows.push_back({key, text(value, key)});
  }
  s.blocks.push_back(ReportBlock::of(table));
  if (const auto d = j.find("diagnosis"); d != j.end() && d->is_object()) add_diagnosis(s, *d);
  return s;
}

ReportSection history_section(const ReportInputs& in) {
  ReportSection s{"history", "Training history", {}};
  const History& history = in.history;
  if (history.epochs.empty()) {
    s.blocks.push_back(ReportBlock::note(in.no_history_note));
    return s;
  }
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
  const bool has_val = std::isfinite(last.val_loss);
  std::string caption = "Mean loss per epoch over " + std::to_string(history.epochs.size()) +
                        " epochs" + (log_y ? " (log scale)" : "") + "; last epoch: loss " +
                        num(last.loss, 5);
  if (has_val) caption += ", validation loss " + num(last.val_loss, 5);
  s.blocks.push_back(ReportBlock::of(ReportFigure{
      plot_history(loss, val_loss, log_y, ImageFormat::svg), ImageFormat::svg,
      "Line plot of the training loss" + std::string(has_val ? " and validation loss" : "") +
          " per epoch",
      caption + "."}));
  return s;
}

// One column per set of rows: these, the validation rows, the training rows (from the
// statistics saved with the model).
ReportTable score_table(const ReportInputs& in, const Gathered& g, const ScoreStats& st) {
  std::vector<std::pair<std::string, ScoreStats>> columns{{"these rows", st}};
  std::vector<std::size_t> flagged_in{g.flagged};
  if (in.val != nullptr && !g.val_scores.empty()) {
    columns.push_back({"validation rows", score_stats(g.val_scores)});
    flagged_in.push_back(static_cast<std::size_t>(std::count_if(
        g.val_scores.begin(), g.val_scores.end(), [&](float v) { return v > g.cut; })));
  }
  if (!g.own_calibration) columns.push_back({"training rows", g.train_stats});
  ReportTable t;
  t.header = {""};
  std::vector<std::string> count_row{"rows"}, median_row{"median score"},
      q99_row{"99th percentile"}, max_row{"largest score"}, flagged_row{"flagged"},
      share_row{"share flagged"};
  for (std::size_t c = 0; c < columns.size(); ++c) {
    const ScoreStats& cs = columns[c].second;
    const bool counted = c < flagged_in.size();
    t.header.push_back(columns[c].first);
    count_row.push_back(format_count(cs.count));
    median_row.push_back(num(cs.median));
    q99_row.push_back(num(cs.quantile(0.99)));
    max_row.push_back(num(cs.max));
    flagged_row.push_back(counted ? format_count(flagged_in[c]) : "");
    share_row.push_back(counted ? percent(static_cast<double>(flagged_in[c]) /
                                          static_cast<double>(cs.count))
                                : "");
  }
  t.rows = {count_row, median_row, q99_row, max_row, flagged_row, share_row};
  return t;
}

ReportSection scores_section(const ReportInputs& in, const Gathered& g) {
  ReportSection s{"scores", "Outlier scores", {}};
  const std::string& sname = g.score_name;
  s.blocks.push_back(ReportBlock::paragraph(
      "Each row's score is " + score_meaning(in.score) + ". Rows scoring above the threshold, " +
      num(g.cut) + " (" + threshold_text(in.threshold) + " of the " +
      (g.own_calibration ? "scores of these rows, as the model holds no training statistics"
                         : "training scores") +
      "), are flagged as outliers."));
  const ScoreStats st = score_stats(g.scores);
  s.blocks.push_back(ReportBlock::of(score_table(in, g, st)));

  std::vector<HistogramGroup> groups;
  if (!in.truth.empty()) {
    groups.push_back({"labelled inliers", {}});
    groups.push_back({"labelled outliers", {}});
    for (std::size_t i = 0; i < g.N; ++i) groups[in.truth[i] ? 1 : 0].values.push_back(g.scores[i]);
  } else {
    groups.push_back({"all rows", std::vector<double>(g.scores.begin(), g.scores.end())});
  }
  if (in.val != nullptr) {
    groups.push_back({"validation rows", std::vector<double>(g.val_scores.begin(), g.val_scores.end())});
  }
  std::size_t largest = 0, smallest = SIZE_MAX;
  bool positive = true;
  for (const auto& group : groups) {
    if (group.values.empty()) continue;
    largest = std::max(largest, group.values.size());
    smallest = std::min(smallest, group.values.size());
    for (double v : group.values) positive = positive && v > 0;
  }
  // A small group next to a large one disappears on a linear count axis; a long tail of
  // scores squeezes the bulk into one bin on a linear score axis.
  const bool log_count = smallest * 50 < largest;
  const bool log_score = positive && g.cut > 0 && st.median > 0 && st.max / st.median > 20;
  std::optional<double> line = g.cut;
  if (log_score) {
    for (auto& group : groups) {
      for (auto& v : group.values) v = std::log10(v);
    }
    line = std::log10(g.cut);
  }
  std::string caption = "Rows to the right of the red line are flagged.";
  if (log_score) {
    caption += " Scores on a log10 axis: 2 is 100, 3 is 1,000 (the threshold " + num(g.cut) +
               " is at " + num(*line, 3) + ").";
  }
  if (log_count) caption += " Counts on a log scale.";
  s.blocks.push_back(ReportBlock::of(ReportFigure{
      plot_histogram("Outlier scores (" + sname + ")",
                     log_score ? "log10 of the " + sname + " score" : sname + " score", groups,
                     line, log_count, ImageFormat::svg),
      ImageFormat::svg,
      "Histogram of the " + sname + " scores" +
          (in.truth.empty() ? "" : ", labelled inliers and outliers in two colours") +
          ", with the threshold " + num(g.cut) + " as a vertical line",
      caption}));
  return s;
}

ReportSection metrics_section(const ReportInputs& in, const Gathered& g) {
  ReportSection s{"metrics", "Detection against the labels", {}};
  if (in.truth.empty()) {
    s.blocks.push_back(ReportBlock::note(in.no_labels_note));
    return s;
  }
  if (!g.metrics) {
    s.blocks.push_back(ReportBlock::note(
        "The labels mark " + std::string(g.positives == 0 ? "no row" : "every row") +
        " as an outlier, so detection cannot be measured."));
    return s;
  }
  const std::string positives = format_count(g.positives);
  s.blocks.push_back(ReportBlock::paragraph(
      positives + " of " + format_count(g.N) +
      " rows are labelled outliers. ROC-AUC: the chance that a random outlier scores above a "
      "random inlier; PR-AUC: average precision; precision@k: the share of outliers among the "
      "k = " + positives + " highest-scoring rows. The baseline is the reconstruction of a PCA "
      "with as many components as the embedding (K = " + std::to_string(g.K) +
      "), scored the same way."));
  ReportTable t;
  t.header = {"method", "ROC-AUC", "PR-AUC", "precision@" + std::to_string(g.positives)};
  const Metrics m = evaluate(g.scores, in.truth);
  t.rows.push_back({"autoencoder", num(m.roc_auc), num(m.average_precision), num(m.precision_at_k)});
  if (g.baseline) {
    const Metrics p = evaluate(g.pca_scores, in.truth);
    t.rows.push_back({"PCA, " + std::to_string(g.K) + " components", num(p.roc_auc),
                      num(p.average_precision), num(p.precision_at_k)});
  }
  s.blocks.push_back(ReportBlock::of(t));
  std::size_t caught = 0;
  for (std::size_t i = 0; i < g.N; ++i) caught += in.truth[i] && g.scores[i] > g.cut;
  s.blocks.push_back(ReportBlock::paragraph("At the threshold, " + num(g.cut) + ":"));
  const auto share = [](std::size_t a, std::size_t b) {
    return percent(static_cast<double>(a) / static_cast<double>(b));
  };
  ReportTable at;
  at.rows.push_back({"flagged rows", format_count(g.flagged)});
  at.rows.push_back({"labelled outliers among them (precision)",
                     format_count(caught) + " (" + (g.flagged ? share(caught, g.flagged) : "n/a") + ")"});
  at.rows.push_back({"labelled outliers flagged (recall)", format_count(caught) + " of " +
                                                               positives + " (" +
                                                               share(caught, g.positives) + ")"});
  s.blocks.push_back(ReportBlock::of(at));
  if (g.baseline && g.pca_fit_rows < g.N) {
    s.blocks.push_back(ReportBlock::note("The PCA was fitted on " + format_count(g.pca_fit_rows) +
                                         " evenly spaced rows of " + format_count(g.N) + "."));
  }
  return s;
}

// The top outliers and the rows around the median score, as galleries.
void gallery_sections(const ReportInputs& in, const Gathered& g, ReportDocument& doc,
                      std::vector<std::size_t>& top) {
  // 0/1 labels that are the truth itself need no line of their own.
  bool labels_are_truth = in.labels.size() == in.truth.size();
  for (std::size_t i = 0; labels_are_truth && i < in.labels.size(); ++i) {
    labels_are_truth = in.labels[i] == in.truth[i];
  }
  const auto sample = [&](std::size_t row) {
    std::string label = "#" + std::to_string(g.ranking.rank[row]) + "  row " +
                        std::to_string(row) + "\nscore " + num(g.scores[row]);
    if (!in.labels.empty() && !labels_are_truth) label += "\nclass " + std::to_string(in.labels[row]);
    if (!in.truth.empty()) label += in.truth[row] ? "\nlabelled outlier" : "\nlabelled inlier";
    return SampleRow{row, label, !in.truth.empty() && in.truth[row]};
  };
  const std::string grid_note =
      std::string("Each row: the original, its reconstruction and the absolute error per ") +
      (g.shape.empty() ? "feature" : "pixel") + "; one colour scale per column." +
      (in.truth.empty() ? "" : " Framed: labelled outliers.");
  const auto figure = [&](const std::vector<SampleRow>& rows, const std::string& alt) {
    return ReportBlock::of(ReportFigure{
        sample_gallery(in.model->autoencoder, *in.data, g.shape, rows, "", false),
        ImageFormat::png, alt, ""});
  };
  {
    ReportSection s{"outliers", "Top outliers", {}};
    const std::size_t n = std::min(kOutlierRows, g.N);
    std::vector<SampleRow> rows;
    for (std::size_t i = 0; i < n; ++i) {
      top.push_back(g.ranking.order[i]);
      rows.push_back(sample(g.ranking.order[i]));
    }
    s.blocks.push_back(ReportBlock::paragraph("The " + std::to_string(n) +
                                              " highest-scoring rows, rank 1 first. " + grid_note));
    s.blocks.push_back(figure(rows, "The " + std::to_string(n) +
                                        " highest-scoring rows: original, reconstruction and error"));
    doc.sections.push_back(std::move(s));
  }
  {
    ReportSection s{"inliers", "Typical rows", {}};
    const std::size_t n = std::min(kInlierRows, g.N);
    const std::size_t first = std::min(g.N / 2 - std::min(g.N / 2, n / 2), g.N - n);
    std::vector<SampleRow> rows;
    for (std::size_t i = first; i < first + n; ++i) rows.push_back(sample(g.ranking.order[i]));
    s.blocks.push_back(ReportBlock::paragraph("For contrast, " + std::to_string(n) +
                                              " rows around the median score. " + grid_note));
    s.blocks.push_back(figure(rows, std::to_string(n) + " rows with scores near the median: "
                                                        "original, reconstruction and error"));
    doc.sections.push_back(std::move(s));
  }
}

ReportSection latent_section(const ReportInputs& in, const Gathered& g,
                             const std::vector<std::size_t>& top) {
  ReportSection s{"latent", "Latent map", {}};
  const bool by_label = !in.labels.empty();
  ScatterData sd;
  sd.x = g.latent.x;
  sd.y = g.latent.y;
  if (by_label) {
    sd.labels = in.labels;
  } else {
    sd.values.assign(g.scores.begin(), g.scores.end());
    sd.value_name = g.score_name + " score";
  }
  sd.highlight = top;
  sd.highlight_name = "top " + std::to_string(top.size()) + " outliers";
  s.blocks.push_back(ReportBlock::paragraph(
      g.latent.note + " Colour: " + (by_label ? "the class label" : "the outlier score") +
      "; the top outliers are drawn larger with a dark outline."));
  s.blocks.push_back(ReportBlock::of(ReportFigure{
      plot_scatter("Embeddings of " + format_count(g.N) + " rows", g.latent.x_label,
                   g.latent.y_label, sd, ImageFormat::png),
      ImageFormat::png,
      "Scatter plot of the rows' embeddings coloured by " +
          std::string(by_label ? "class label" : "score") + ", the top outliers highlighted",
      ""}));
  return s;
}

ReportSection features_section(const Gathered& g) {
  ReportSection s{"features", "Error per feature", {}};
  const std::string unit = g.shape.empty() ? "feature" : "pixel";
  double worst = 0;
  std::size_t worst_j = 0;
  for (std::size_t j = 0; j < g.D; ++j) {
    if (g.feature_error[j] > worst) worst = g.feature_error[j], worst_j = j;
  }
  std::string where = "feature " + std::to_string(worst_j);
  if (!g.shape.empty()) {
    where = "pixel (row " + std::to_string(worst_j / g.shape[1]) + ", column " +
            std::to_string(worst_j % g.shape[1]) + ")";
  }
  s.blocks.push_back(ReportBlock::paragraph(
      "The mean squared reconstruction error of each " + unit + " over all " + format_count(g.N) +
      " rows. The largest, " + num(worst) + ", is at " + where + "."));
  s.blocks.push_back(ReportBlock::of(ReportFigure{
      plot_feature_values("Mean squared error per " + unit, "mean squared error",
                          g.feature_error, g.shape, ImageFormat::svg),
      ImageFormat::svg,
      g.shape.empty() ? "Bar chart of the mean squared reconstruction error of each feature"
                      : "Heat map of the mean squared reconstruction error of each pixel",
      ""}));
  return s;
}

}  // namespace

ReportDocument build_report(const ReportInputs& in, const ReportProgress& progress) {
  const Gathered g = gather(in, progress);
  ReportDocument doc;
  doc.title = "Autoencoder report: " + in.model_name;
  doc.subtitle = in.data->source + ": " + format_count(g.N) + " rows of " + std::to_string(g.D) +
                 " features" +
                 (g.shape.empty() ? ""
                                  : " (" + std::to_string(g.shape[0]) + " x " +
                                        std::to_string(g.shape[1]) + " images)") +
                 "; score " + g.score_name + ", threshold " + threshold_text(in.threshold) + ".";
  doc.footer = "Written by ae report. Everything is inside this file: it needs no network and no "
               "other files.";
  doc.sections.push_back(summary_section(in, g));
  doc.sections.push_back(training_section(in));
  doc.sections.push_back(history_section(in));
  doc.sections.push_back(scores_section(in, g));
  doc.sections.push_back(metrics_section(in, g));
  std::vector<std::size_t> top;
  gallery_sections(in, g, doc, top);
  doc.sections.push_back(latent_section(in, g, top));
  doc.sections.push_back(features_section(g));
  return doc;
}

}  // namespace ae
