// Pieces shared by the subcommands: the command table entry, training flags, progress
// display on stderr, and small helpers for loading inputs with clear errors.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "ae/autoencoder.hpp"
#include "ae/data.hpp"
#include "ae/error.hpp"
#include "ae/model_file.hpp"
#include "ae/report.hpp"
#include "ae/score.hpp"
#include "ae/trainer.hpp"

namespace ae::cli {

// A subcommand: its CLI11 app and the function that runs it after parsing (returns the
// process exit code; errors are thrown as ae::Error).
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Command add_summary(CLI::App& root);
Command add_train(CLI::App& root);
Command add_demo(CLI::App& root);
Command add_encode(CLI::App& root);
Command add_decode(CLI::App& root);
Command add_reconstruct(CLI::App& root);
Command add_show(CLI::App& root);
Command add_score(CLI::App& root);
Command add_plot(CLI::App& root);
Command add_report(CLI::App& root);
Command add_export(CLI::App& root);
Command add_explain(CLI::App& root);
Command add_sample(CLI::App& root);

// The command's files, from cli/files.cpp's table of which flag names an input or an output.
// Checked before any work: an output that is an input (same file, however named) or two
// outputs that are one file are Error(usage), an output name whose ending is not a format the
// flag writes is Error(usage), an output that cannot be created is Error(cannot_create). When
// the run fails, the destructor removes the outputs that did not exist before it, unless
// keep() was called: a failed run leaves no new files (checkpoints excepted).
class OutputGuard {
 public:
  explicit OutputGuard(const CLI::App& command);
  OutputGuard(const OutputGuard&) = delete;
  OutputGuard& operator=(const OutputGuard&) = delete;
  ~OutputGuard();
  void keep() { kept_ = true; }

 private:
  std::vector<std::string> created_;
  bool kept_ = false;
};

// An existing device or pipe (/dev/null, /dev/stdout, a FIFO): written directly, in the
// command's default format when the name has no ending that says one.
bool is_stream(const std::string& path);

// The error's message with the setting it names (Error::setting) written as its flag, e.g.
// "reduce_lr.factor must be ..." -> "--reduce-lr-factor must be ...".
std::string message_with_flags(const Error& error);

// For counts and sizes: accepts "1", "256"; rejects "0", "-3", "2.5" with a short message
// (unsigned options would otherwise wrap "-3" around to a huge number).
const CLI::Validator& positive_whole();
// The same for 0 and up ("-1" would wrap around to 2^64-1).
const CLI::Validator& whole_number();

// Flags every training command shares, with Keras's defaults.
// The score to use: `kind` when the user chose it; else the default, or zsse (with a note on
// stderr unless quiet) when the model was saved before the default existed, so that its
// training statistics lack it.
ScoreKind resolve_score(ScoreKind kind, bool chosen, const ScoreCalibration& cal, const std::string& model, bool quiet);

struct TrainFlags {
  std::optional<std::size_t> epochs;  // none: default_epochs over the training rows
  std::size_t batch = 32;
  std::optional<double> lr;
  std::string loss = "mse";
  std::string optimizer = "adam";
  double momentum = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;
  double dropout = 0.0;
  double noise = 0.0;
  std::string noise_kind = "gaussian";
  double sparsity = 0.0;
  bool variational = false;
  double beta = 1.0;
  std::string init = "auto";
  std::uint64_t seed = 0;
  int threads = 0;  // 0: every core the process may use
  std::string precision = "fp32";
  std::string history;
  bool quiet = false;
  bool no_shuffle = false;
  // Keras callbacks on val_loss (loss without --val); patience in epochs, unset: off.
  std::optional<long long> early_stop;
  bool restore_best = false;
  std::optional<long long> reduce_lr;
  double reduce_lr_factor = 0.1;
  double trim = 0.1;  // share of each batch's largest-loss rows given zero weight (ae demo: 0)
};
void add_train_flags(CLI::App& app, TrainFlags& flags);
// --precision on an inference command (the same words as training's).
void add_precision_flag(CLI::App& app, std::string& precision);
// The precision named, checked against this CPU (exit 2 where it has no native bf16).
Precision checked_precision(const std::string& name);
// Checks the values (exit 2 naming the flag) and turns them into a TrainConfig.
TrainConfig make_train_config(const TrainFlags& flags);

// Prints Keras-like progress on stderr: a live bar when stderr is a terminal, one line per
// epoch otherwise; only the trainer's warnings (collapse findings) when quiet.
TrainObserver progress_printer(bool quiet);

// The model file's training record (TrainRecord's JSON) for a run with these flags.
std::string training_record(const Architecture& arch, const TrainFlags& flags,
                            const TrainConfig& config, const Dataset& data,
                            const History& history, const Dataset* validation = nullptr,
                            const Diagnosis* diagnosis = nullptr);
// The model record of a run on `data` (shape, checksum) with its fitted normaliser.
ModelInfo model_info_for(const Dataset& data, Normalization normalizer);
// A data file read for a model: load_data, then the model's normaliser applied.
Dataset load_model_data(const std::string& path, const ModelInfo& info);
// Rows per block for the commands that stream their data (score, encode, reconstruct): the
// environment variable AE_STREAM_ROWS when set, rounded up to whole inference chunks (for
// tests and measurements: results do not depend on it), else kStreamBlockRows.
std::size_t stream_block_rows();

// "name  ROC-AUC x  PR-AUC y  precision@k z".
std::string metrics_line(const std::string& name, const Metrics& m);
// 0/1 truth per row from a label file: 0/1 labels, or label == outlier_class.
std::vector<std::uint8_t> truth_from_labels(const std::string& path, std::size_t rows,
                                            std::optional<std::int64_t> outlier_class);

}  // namespace ae::cli

namespace ae::cli {

// One row of a sample grid: which data row, the label at its left, and whether to frame it.
using ShownSample = SampleRow;
// Draws original / embedding / reconstruction / |error| for each sample (ae::sample_gallery)
// and writes the PNG atomically.
void draw_samples(Autoencoder& model, const ModelInfo& info, const Dataset& data,
                  const std::vector<ShownSample>& samples, const std::string& title,
                  const std::string& path);

}  // namespace ae::cli

namespace ae::cli {

// ae report's work, shared with ae demo (which writes DIR/report.html): fill in the inputs,
// then write(path) resolves the score, runs ae::build_report and writes the HTML file
// atomically, with a line per stage on stderr unless quiet. Throws ae::Error.
struct ReportJob : ReportInputs {
  // `score` is the one asked for; unless score_chosen, the default falls back as
  // resolve_score says. calibration is read from the model; the notes name the flags.
  bool score_chosen = false;
  bool quiet = false;

  void write(const std::string& path) const;
};

}  // namespace ae::cli
