// ae explain: for each flagged row (or the rows named), the features that weigh most in its
// outlier score, as CSV. The choosing and ranking of features is src/score/explain.cpp's.
#include <charconv>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "ae/atomic_file.hpp"
#include "ae/error.hpp"
#include "ae/explain.hpp"
#include "ae/score.hpp"
#include "ae/report.hpp"
#include "common.hpp"
#include "explain_map.hpp"

namespace ae::cli {
namespace {

// "3,17,42" -> {3, 17, 42}. Error(usage) naming the text on anything else.
std::vector<std::size_t> parse_rows(const std::string& text) {
  std::vector<std::size_t> rows;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const char* first = text.data() + start;
    const char* last = text.data() + comma;
    std::size_t row = 0;
    const auto parsed = std::from_chars(first, last, row);
    if (first == last || parsed.ec != std::errc() || parsed.ptr != last) {
      throw Error(ErrorKind::usage, "--rows '" + text + "': expected row indices (from 0) separated by commas, as in 3,17,42");
    }
    rows.push_back(row);
    start = comma + 1;
  }
  return rows;
}

}  // namespace

Command add_explain(CLI::App& root) {
  struct Flags {
    std::string model, data, out, map, rows, score = "dual", threshold = "contamination=0.01";
    std::size_t top = 5;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* app = root.add_subcommand("explain", "The features behind each flagged (or chosen) row's outlier score");
  app->add_option("model", f->model, "Model file (.safetensors)")->required();
  app->add_option("--data", f->data, "Data to explain (IDX[.gz], NPY or CSV)")->required();
  app->add_option("--top", f->top, "Features per row")->capture_default_str()->check(positive_whole());
  app->add_option("--rows", f->rows, "Row indices (from 0, comma-separated) instead of the flagged rows");
  app->add_option("--score", f->score, "Score: zsae, zsse, sse, mse, mae, bce, max, zsae_ic, dual")->capture_default_str();
  app->add_option("--threshold", f->threshold, "Which rows are flagged, as in ae score")->capture_default_str();
  app->add_option("--out", f->out, "CSV file (default: standard output)");
  app->add_option("--map", f->map, "Also draw each explained row as a PNG: original, reconstruction and the map of its score terms");
  return {app, [f, app]() {
            ScoreKind kind = parse_score(f->score);
            const Threshold threshold = parse_threshold(f->threshold);
            const std::vector<std::size_t> chosen = f->rows.empty() ? std::vector<std::size_t>{} : parse_rows(f->rows);
            Model model = load_model(f->model);
            const Dataset data = load_model_data(f->data, model.info);
            const ScoreCalibration cal = ScoreCalibration::from_json(model.info.score, f->model);
            if (cal.empty()) throw Error(ErrorKind::usage, f->model + ": has no score statistics; retrain it to explain its scores");
            kind = resolve_score(kind, app->count("--score") > 0, cal, f->model, false);
            const auto stats = cal.train_stats.find(kind);
            if (stats == cal.train_stats.end()) {
              throw Error(ErrorKind::usage, f->model + ": no training statistics for score " + f->score);
            }
            const double cut = threshold_value(threshold, stats->second);
            // Scores of every row give the ranks (and, without --rows, the flagged rows, most
            // outlying first).
            const std::vector<float> scores = compute_scores(model.autoencoder, data, kind, cal);
            const Ranking ranking = rank_scores(scores);
            std::vector<std::size_t> rows = chosen;
            if (f->rows.empty()) {
              for (std::size_t r : ranking.order) {
                if (scores[r] > cut) rows.push_back(r);
              }
            }
            const auto explained = explain_rows(model.autoencoder, data, rows, kind, cal, f->top, model.info.normalizer);
            std::string text = "row,rank,score,p_value,feature,value,reconstruction,term,share\n";
            char buf[256];
            for (const RowExplanation& e : explained) {
              for (const FeatureContribution& c : e.top) {
                std::snprintf(buf, sizeof buf, "%zu,%zu,%.9g,%.9g,%zu,%.9g,%.9g,%.9g,%.6f\n", e.row, ranking.rank[e.row],
                              static_cast<double>(e.score), stats->second.p_value(e.score), c.feature,
                              static_cast<double>(c.value), static_cast<double>(c.reconstruction),
                              static_cast<double>(c.term), c.share);
                text += buf;
              }
            }
            if (f->out.empty()) {
              std::fwrite(text.data(), 1, text.size(), stdout);
            } else {
              write_file_atomic(f->out, text);
            }
            if (!f->map.empty()) {
              write_explain_map(f->map, "Why these rows score high (" + std::string(score_name(kind)) + ") - " + data.source,
                                explained, image_shape_of(data, model.info), kind);
            }
            std::fprintf(stderr, "score %s, threshold %s = %.6g: %zu rows explained, %zu features each\n",
                         std::string(score_name(kind)).c_str(), threshold_text(threshold).c_str(), cut, explained.size(),
                         explained.empty() ? std::size_t{0} : explained.front().top.size());
            return 0;
          }};
}

}  // namespace ae::cli
