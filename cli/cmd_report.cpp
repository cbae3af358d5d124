// ae report: one self-contained HTML page about a model on a data set. The flags become
// ae::ReportInputs, ae::build_report computes and lays out the page, this file prints the
// stages and writes the file atomically.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <unistd.h>

#include "ae/atomic_file.hpp"
#include "ae/error.hpp"
#include "ae/inference.hpp"
#include "ae/report.hpp"
#include "common.hpp"

namespace ae::cli {
namespace {

// One line per stage on stderr, "Report 2/7 - scoring 10,000 rows (zsae) - 0.84s". On a
// terminal the stage shows when it starts and gets its time when it ends.
class StageLog {
 public:
  explicit StageLog(bool quiet) : quiet_(quiet), tty_(::isatty(STDERR_FILENO) != 0) {}
  StageLog(const StageLog&) = delete;
  StageLog& operator=(const StageLog&) = delete;
  ~StageLog() {
    if (open_ && !quiet_ && tty_) std::fprintf(stderr, "\n");
  }
  void begin(int index, int total, const std::string& what) {
    end();
    index_ = index;
    total_ = total;
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
  int total_ = 0, index_ = 0;
  bool open_ = false;
  std::string what_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

void ReportJob::write(const std::string& path) const {
  if (model == nullptr || data == nullptr) throw Error(ErrorKind::internal, "ReportJob: model and data are required");
  ReportInputs in = *this;
  in.calibration = ScoreCalibration::from_json(model->info.score, model_name);
  in.score = resolve_score(score, score_chosen, in.calibration, model_name, quiet);
  in.no_history_note = "No history given: pass --history FILE.csv (as written by ae train --history).";
  in.no_labels_note = "No labels given: pass --labels FILE (0/1 per row, or class labels with --outlier-class C).";
  // One more stage than the library's: writing the file.
  int stages = 1;
  StageLog log(quiet);
  const ReportDocument doc = build_report(in, [&](int stage, int total, const std::string& what) {
    stages = total + 1;
    log.begin(stage, stages, what);
  });
  const std::string html = report_html(doc);
  log.begin(stages, stages, "writing " + path);
  write_file_atomic(path, html);
  log.end();
}

Command add_report(CLI::App& root) {
  struct Flags {
    std::string model, data, labels, val, history, score = "dual", threshold = "contamination=0.01", out = "report.html";
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
  app->add_option("--score", f->score, "Score: zsae (standardised absolute error), zsse (standardised SSE), sse, mse, mae, bce, max, zsae_ic (zsae per bit of input complexity), dual (the larger of zsae and zsae_ic, standardised)")->capture_default_str();
  app->add_option("--threshold", f->threshold,
                  "contamination=F | quantile=Q | sigma=K | mad=K | iqr=K | max-train | value=X (from the training scores)")
      ->capture_default_str();
  app->add_option("--out", f->out, "Output HTML file")->capture_default_str();
  app->add_flag("--quiet", f->quiet, "No progress on stderr");
  return {app, [f, app]() {
            if (f->outlier_class && f->labels.empty()) throw Error(ErrorKind::usage, "--outlier-class needs --labels FILE");
            ReportJob job;
            job.score = parse_score(f->score);
            job.score_chosen = app->count("--score") > 0;
            job.threshold = parse_threshold(f->threshold);
            job.quiet = f->quiet;
            job.model_name = f->model;
            Model model = load_model(f->model);
            const Dataset data = load_model_data(f->data, model.info);
            check_width(model.autoencoder, data);
            std::optional<Dataset> val;
            if (!f->val.empty()) val = load_model_data(f->val, model.info);
            if (!f->labels.empty()) {
              job.truth = truth_from_labels(f->labels, data.rows, f->outlier_class);
              job.labels = load_labels(f->labels);
            }
            if (!f->history.empty()) {
              job.history = read_history_csv(f->history);
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
