// Training: epochs of seeded-shuffled mini-batches (the last partial batch kept), an optional
// validation pass per epoch, a History row per epoch, and Keras's callbacks (early stopping,
// learning rate on plateau), checkpoints that resume bit for bit, a NaN guard and a stop
// flag. The trainer reports progress to an observer and never prints; it installs no signal
// handlers (the caller sets the stop flag from its own).
#pragma once
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ae/autoencoder.hpp"
#include "ae/data.hpp"
#include "ae/diagnosis.hpp"
#include "ae/history.hpp"
#include "ae/loss.hpp"
#include "ae/names.hpp"
#include "ae/optimizer.hpp"

namespace ae {

class Rng;
class Ranks;
class GradientExchange;
struct Checkpoint;

// Keras's EarlyStopping on val_loss (loss without validation data), min_delta 0. An epoch
// improves when monitor < best - min_delta; training stops after `patience` epochs in a row
// without improvement.
struct EarlyStopping {
  std::size_t patience = 0;   // 0: off
  double min_delta = 0;
  // Put the best epoch's weights back when training ends (early or not; Keras does it only
  // when it stops early).
  bool restore_best = false;
};

// Keras's ReduceLROnPlateau on the same monitor: after `patience` epochs without
// monitor < best - min_delta, lr = max(lr * factor, min_lr), then `cooldown` epochs of rest.
struct ReduceLrOnPlateau {
  std::size_t patience = 0;   // 0: off
  double factor = 0.1;
  double min_delta = 1e-4;
  std::size_t cooldown = 0;
  double min_lr = 0;
};

// Where and how often the trainer writes checkpoints (see checkpoint.hpp).
struct CheckpointPolicy {
  std::string path;          // empty: none, not even when stopped by the flag
  std::size_t every = 0;     // epochs between checkpoints (and after the last); 0: only when stopped
  // Caller's settings that decide the result beyond TrainConfig (seed, initialiser, ...),
  // a JSON object; merged into Trainer::config_json() and compared on resume.
  std::string extra = "{}";
};

// Noise on each training input (the target stays the clean row): a denoising autoencoder.
enum class NoiseKind { gaussian, mask };
inline constexpr std::array<NameEntry<NoiseKind>, 2> kNoiseKindNames{{
    {NoiseKind::gaussian, "gaussian"}, {NoiseKind::mask, "mask"}}};
inline NoiseKind parse_noise_kind(std::string_view name) { return parse_name(kNoiseKindNames, name, "noise kind"); }
inline std::string_view noise_kind_name(NoiseKind kind) { return name_of(kNoiseKindNames, kind); }

struct TrainConfig {
  std::size_t epochs = 10;  // the total, also when resuming (Keras's initial_epoch semantics)
  std::size_t batch = 32;   // Keras's default
  Loss loss = Loss::mse;
  OptimizerConfig optimizer;
  bool shuffle = true;
  // Inverted dropout: this fraction in [0, 1) of each hidden layer's outputs, except the
  // embedding's and the output's, is set to 0 in training and the rest scaled by 1 / (1 -
  // dropout); inference sees every unit. Each mask is a hash of (the run's generator at the
  // start, optimiser step, layer, row of the batch, unit): the same for every thread count
  // and on resume. 0: off.
  double dropout = 0;
  // Input noise, on the rows as the model sees them (scaled): gaussian adds noise * N(0, 1)
  // per value, mask sets each value to 0 with probability noise (in [0, 1)). Drawn like the
  // dropout masks. 0: off.
  double noise = 0;
  NoiseKind noise_kind = NoiseKind::gaussian;
  // L1 activity penalty of a sparse autoencoder: sparsity x sum |h| over each row's embedding
  // units, averaged over the batch, added to the loss (and to the reported losses). 0: off.
  // Plain models only.
  double sparsity = 0;
  // A variational model's KL weight: loss = reconstruction + beta x KL(q(z | x) || N(0, I)),
  // the KL put on the loss's per-sample scale (divided by the data width for mse and bce,
  // which average over features; as is for sse). The reparameterisation noise is hashed like
  // the dropout masks. Ignored by plain models.
  double beta = 1;
  // Row slices per batch (resolve_threads: 0 is every core the process may use). The weights depend on it: the
  // same count gives the same bytes. The trainer keeps the resolved count. With `ranks`, the
  // threads of each rank: the trainer keeps ranks x threads, the slices of one batch.
  std::size_t threads = 0;
  // Data-parallel training (ranks.hpp), not owned: every rank calls fit() with the same data
  // and settings and computes its share of each batch's slices; the result is that of one
  // process with ranks x threads threads, bytes included. Rank 0 alone writes checkpoints and
  // diagnoses collapse. Null or one rank: this process alone.
  Ranks* ranks = nullptr;
  // The GEMMs' arithmetic (ae/precision.hpp); the trainer sets it on the model. bf16 is
  // refused (Error(usage)) where the CPU has no native bf16.
  Precision precision = Precision::fp32;
  EarlyStopping early_stopping;
  ReduceLrOnPlateau reduce_lr;
  CheckpointPolicy checkpoint;
  // Robust training: in each batch, the floor(trim x rows) rows with the largest loss get zero
  // weight (trimmed_rows) and the loss is the mean over the rest, so a few outlying rows in
  // the training data pull less on the model. 0 (the default) is off; at most 0.5. The
  // validation loss (evaluate(), val_loss in the history, the early-stopping and plateau
  // monitor) is then trimmed alike over the whole validation set: the floor(trim x rows) rows
  // with the largest loss are left out of its mean, since held-out rows of contaminated data
  // hold outliers too.
  double trim = 0;
  // Collapse diagnostics after every epoch (diagnosis.hpp): findings are reported to the
  // observer as warning events and the last diagnosis is kept (Trainer::diagnosis()).
  bool diagnose = true;
  // When non-null and non-zero (a signal handler sets it), the trainer finishes the current
  // batch, writes a checkpoint to checkpoint.path and throws Error(interrupted).
  const std::atomic<int>* stop = nullptr;
};

// Everything besides weights and optimiser state that a resumed run needs to continue
// exactly where the first one stopped.
struct TrainState {
  std::size_t epoch = 0;       // epochs completed
  std::size_t batch = 0;       // batches done of epoch + 1 (non-zero only after a stop)
  double loss_sum = 0;         // row-weighted loss over those batches
  std::size_t seen = 0;        // rows in those batches
  double seconds = 0;          // time spent on them
  // The generator when training began (before the first shuffle) and now. Shuffles permute
  // the previous epoch's order, so a resume replays them from rng_start.
  std::array<std::uint64_t, 4> rng_start{};
  std::array<std::uint64_t, 4> rng{};
  History history;
  // Early stopping.
  double best = std::numeric_limits<double>::infinity();
  std::size_t best_epoch = 0;
  std::size_t wait = 0;
  bool stopped = false;              // early stopping ended training
  std::vector<float> best_weights;   // parameter arena of best_epoch (restore_best only)
  // ReduceLROnPlateau.
  double plateau_best = std::numeric_limits<double>::infinity();
  std::size_t plateau_wait = 0;
  std::size_t cooldown = 0;
};

struct TrainEvent {
  // warning: a new collapse finding after an epoch (`message`, one line); a front end shows
  // it even when it hides progress.
  enum class Kind { epoch_begin, batch_end, epoch_end, warning };
  Kind kind = Kind::epoch_begin;
  std::size_t epoch = 0, epochs = 0;    // 1-based epoch of `epochs`
  std::size_t batch = 0, batches = 0;   // 1-based batch of `batches`
  double running_loss = 0;              // mean loss so far this epoch
  double seconds = 0;                   // since the epoch began
  const EpochRecord* record = nullptr;  // set on epoch_end
  std::string message;                  // set on warning
};
using TrainObserver = std::function<void(const TrainEvent&)>;

// The most epochs a run may have: a checkpoint stores the per-epoch history in its header,
// which readers bound to 100 MB (about 170 bytes an epoch at most).
inline constexpr std::size_t kMaxEpochs = 100'000;

// The epochs `ae train` and the Python module run when none are given: at least 10, and
// enough for kDefaultSteps optimiser steps over `rows` training rows in batches of `batch`:
// max(10, ceil(kDefaultSteps / ceil(rows / batch))). A small table is otherwise trained for a
// few dozen steps (a 74-row table, 30 at 10 epochs); data of 80,000 rows or more at batch
// 32 keeps 10 epochs. Measured on bench/outliers_tables (README).
inline constexpr std::size_t kDefaultSteps = 250;
std::size_t default_epochs(std::size_t rows, std::size_t batch);

// Checks the settings alone (before any data is read): epochs 1 to kMaxEpochs, batch at least 1, a
// positive finite lr, momentum in [0, 1), a finite weight_decay >= 0, dropout in [0, 1), a
// finite noise >= 0 (below 1 for mask noise), restore_best only with early stopping, the
// plateau factor in (0, 1), checkpoints every N epochs only with a path. Throws
// Error(usage) whose setting() names the field ("epochs", "reduce_lr.factor", ...).
void check_train_config(const TrainConfig& config);

// Checks data against the model and config before training. Throws Error(bad_data) for a set
// without rows or with NaN/Inf values or values beyond 1e15 in magnitude, Error(usage) when a width differs from the model's.
// Returns one-line warnings: constant training columns (how many), values outside [0, 1]
// under a sigmoid output layer or bce loss, a batch larger than the data (clamped).
std::vector<std::string> check_training_data(const Autoencoder& model, const TrainConfig& config,
                                             const Dataset& train, const Dataset* validation);

// The rows of one batch that TrainConfig::trim gives zero weight: the floor(fraction x n)
// rows with the largest row_loss (NaN counts as largest; ties: the earlier row first).
// Writes zero_weight[i] = 1 for those, 0 for the rest, and returns their count. `order` is
// scratch (resized to n). Throws Error(usage) when the sizes differ or fraction is not in
// [0, 0.5].
std::size_t trimmed_rows(std::span<const float> row_loss, double fraction, std::span<std::uint8_t> zero_weight,
                         std::vector<std::size_t>& order);

class Trainer {
 public:
  // `rng` drives the per-epoch shuffles; the model must already be initialised. Nothing else
  // may draw from `rng` during fit() if checkpoints are to resume exactly.
  Trainer(Autoencoder& model, TrainConfig config, Rng& rng);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Trains until config.epochs epochs are done (or early stopping ends it). Throws
  // Error(diverged) naming the epoch and batch at the first non-finite loss (no checkpoint or
  // weights with NaN are written), Error(usage) when data and model widths differ,
  // Error(interrupted) naming the checkpoint when the stop flag was set.
  History fit(const Dataset& train, const Dataset* validation = nullptr,
              const TrainObserver& observer = {});
  // Makes the next fit() continue from a checkpoint read from `path` (named in messages).
  // fit() first checks it against this run and throws Error(bad_data) naming the checkpoint
  // and what differs: architecture, settings (config_json()) or data.
  void resume_from(Checkpoint checkpoint, std::string path);
  // Mean loss over a data set, in chunks, without touching gradients; with config.trim > 0
  // the mean leaves out the floor(trim x rows) largest per-row reconstruction losses
  // (trimmed_rows over the whole set), while sparsity and KL terms stay a mean over every row.
  double evaluate(const Dataset& data);

  // The settings that decide the weights (architecture, loss, optimiser, batch, shuffling,
  // threads, callbacks, plus checkpoint.extra), as JSON; the epoch count is not among them.
  std::string config_json() const;
  Optimizer& optimizer() { return optimizer_; }
  // The settings in force (threads resolved: over all ranks).
  const TrainConfig& config() const { return config_; }
  // The threads this process runs: config().threads over the ranks.
  std::size_t local_threads() const { return local_threads_; }
  // After fit(): where training ended (also after an exception).
  const TrainState& state() const { return state_; }
  // After fit() ended by the stop flag: the flag's value (the largest over the ranks); 0
  // otherwise.
  int stop_request() const { return stop_request_; }
  // After fit() with config.diagnose: the last epoch's collapse diagnosis (empty otherwise).
  const std::optional<Diagnosis>& diagnosis() const { return diagnosis_; }

 private:
  void apply_checkpoint(const Dataset& train, const Dataset* validation, std::uint64_t data_hash,
                        std::vector<std::size_t>& order);
  void save_checkpoint_now();
  [[noreturn]] void stop_now(std::size_t epoch, std::size_t batch);
  void end_epoch_callbacks(const EpochRecord& record, bool has_validation);
  // Each rank updates the optimiser moments of its own parameter blocks: gathers them all.
  void share_optimizer_state();
  std::size_t ranks() const;
  std::size_t rank() const;

  Autoencoder& model_;
  TrainConfig config_;
  Rng& rng_;
  Optimizer optimizer_;
  TrainState state_;
  std::uint64_t data_hash_ = 0;
  std::unique_ptr<Checkpoint> pending_;
  std::string pending_path_;
  std::optional<Diagnosis> diagnosis_;
  std::size_t local_threads_ = 1;
  int stop_request_ = 0;
  std::unique_ptr<GradientExchange> exchange_;  // during fit() with several ranks
};

}  // namespace ae
