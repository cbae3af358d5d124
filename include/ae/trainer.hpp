// Training: epochs of seeded-shuffled mini-batches (the last partial batch kept), an optional
// validation pass per epoch, and a History row per epoch. The trainer reports progress to an
// observer and never prints; the CLI decides how progress looks.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "ae/autoencoder.hpp"
#include "ae/data.hpp"
#include "ae/loss.hpp"
#include "ae/optimizer.hpp"

namespace ae {

class Rng;

struct TrainConfig {
  std::size_t epochs = 10;
  std::size_t batch = 32;   // Keras's default
  Loss loss = Loss::mse;
  OptimizerConfig optimizer;
  bool shuffle = true;
};

struct EpochRecord {
  std::size_t epoch = 0;  // 1-based
  double loss = 0;        // mean training loss over the epoch's samples
  double val_loss = 0;    // NaN without validation data
  double seconds = 0;     // wall time of the epoch's training steps
  double lr = 0;
};

struct History {
  std::vector<EpochRecord> epochs;
};

// Writes `epoch,loss,val_loss,seconds,lr` and one row per epoch (val_loss empty when absent).
void write_history_csv(const std::string& path, const History& history);

struct TrainEvent {
  enum class Kind { epoch_begin, batch_end, epoch_end };
  Kind kind = Kind::epoch_begin;
  std::size_t epoch = 0, epochs = 0;    // 1-based epoch of `epochs`
  std::size_t batch = 0, batches = 0;   // 1-based batch of `batches`
  double running_loss = 0;              // mean loss so far this epoch
  double seconds = 0;                   // since the epoch began
  const EpochRecord* record = nullptr;  // set on epoch_end
};
using TrainObserver = std::function<void(const TrainEvent&)>;

class Trainer {
 public:
  // `rng` drives the per-epoch shuffles; the model must already be initialised.
  Trainer(Autoencoder& model, TrainConfig config, Rng& rng);

  // Trains for config.epochs epochs. Throws Error(diverged) naming the epoch and batch at the
  // first non-finite loss, Error(usage) when data and model widths differ.
  History fit(const Dataset& train, const Dataset* validation = nullptr,
              const TrainObserver& observer = {});
  // Mean loss over a data set, in chunks, without touching gradients.
  double evaluate(const Dataset& data);

  Optimizer& optimizer() { return optimizer_; }

 private:
  Autoencoder& model_;
  TrainConfig config_;
  Rng& rng_;
  Optimizer optimizer_;
};

}  // namespace ae
