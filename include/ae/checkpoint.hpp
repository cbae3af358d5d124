// Checkpoints: one safetensors file holding everything a training run needs to continue bit
// for bit: weights (`layers.<i>.weight` [out, in], `layers.<i>.bias` [out], as in model
// files), optimiser moments (`optimizer.m`, `optimizer.v`, 1-D, empty when unused), the best
// weights of early stopping (`early_stopping.best_weights`, when kept), and string metadata:
// `format` = "ae-checkpoint", `format_version`, `architecture`, `config` (JSON), `config_hash`
// and `data_hash` (FNV-1a 64, hex), `step`, `epoch`, `batch`, `lr`, `rng_state` and
// `rng_start` (JSON arrays of 4 decimal strings), `history` (JSON rows), `progress` and
// `callbacks` (JSON). Written atomically; not a model file (load_model refuses it).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ae/autoencoder.hpp"
#include "ae/data.hpp"
#include "ae/trainer.hpp"

namespace ae {

struct Checkpoint {
  explicit Checkpoint(Autoencoder trained) : model(std::move(trained)) {}

  Autoencoder model;              // architecture and weights
  std::uint64_t steps = 0;        // optimiser steps taken
  double lr = 0;                  // current learning rate (after any plateau reductions)
  std::vector<float> m, v;        // optimiser moments, the parameter arena's layout
  TrainState state;
  std::string config = "{}";      // Trainer::config_json() of the run that wrote it
  std::uint64_t config_hash = 0;  // fnv1a64 of `config`
  std::uint64_t data_hash = 0;    // training_data_hash of its data
};

constexpr int kCheckpointFormatVersion = 1;

// Atomic write (AtomicFile), so a crash leaves the previous checkpoint or this one. Throws
// Error(diverged) if a weight or moment is NaN or Inf (the previous checkpoint stays),
// Error(cannot_create / io) for file problems.
void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);
// Throws Error(missing_input) when the file cannot be opened, Error(bad_data) naming the
// file and the problem for anything that is not a complete ae checkpoint.
Checkpoint load_checkpoint(const std::string& path);

}  // namespace ae
