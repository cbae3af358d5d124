// One training run, from rows as read to a model ready to save: the held-out validation
// split, the scaling fitted on the training rows and applied to both sets, the default layers,
// the initial weights, the data checks, the trainer, and the model's record at the end.
// `ae train`, `ae demo` and the Python module all train through it, so a model file means the
// same whichever made it. Score statistics are added by the caller (score/ sits beside train/).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ae/autoencoder.hpp"
#include "ae/data.hpp"
#include "ae/model_file.hpp"
#include "ae/normalizer.hpp"
#include "ae/random.hpp"
#include "ae/trainer.hpp"

namespace ae {

struct RunSettings {
  std::optional<std::vector<LayerSpec>> layers;  // none: default_layers for the data width
  std::optional<std::size_t> bottleneck;         // 0-based; none: the narrowest layer
  ModelKind kind = ModelKind::plain;
  Scaling scaling = Scaling::automatic;
  Init init = Init::by_activation;
  std::uint64_t seed = 0;                        // weights, shuffles and the split
  // A fraction in (0, 1) of the training rows held out (seeded) as validation data; 0: none.
  // Not together with validation rows of one's own.
  double val_split = 0;
  TrainConfig config;
  // config.epochs replaced by default_epochs over the training rows (after the split) at
  // config.batch: the tool's default when no epoch count is given.
  bool default_epochs = false;
};

class TrainingRun {
 public:
  // Throws Error(usage) for a bad split or layer spec, and as fit_normalization,
  // make_architecture and check_training_data do.
  TrainingRun(Dataset train, std::optional<Dataset> validation, RunSettings settings);
  ~TrainingRun();
  TrainingRun(const TrainingRun&) = delete;
  TrainingRun& operator=(const TrainingRun&) = delete;

  // One-line findings about the data (check_training_data) from before training.
  const std::vector<std::string>& warnings() const { return warnings_; }
  // Whether the layers are default_layers' choice.
  bool default_layers_used() const { return default_layers_; }
  const Normalization& normalizer() const { return info_.normalizer; }
  const Autoencoder& model() const { return *model_; }
  Autoencoder& model() { return *model_; }
  // The scaled rows the model trains and validates on.
  const Dataset& train() const { return train_; }
  const Dataset* validation() const { return validation_ ? &*validation_ : nullptr; }
  // For resume_from, config() and state() before or after fit.
  Trainer& trainer() { return *trainer_; }

  History fit(const TrainObserver& observer = {});
  // After fit: the model and its file record (scaling, image shape, training record with the
  // last diagnosis, checksum of the training rows as read). info.score is left for the caller.
  Model finish(const History& history);

 private:
  RunSettings settings_;
  Dataset train_;
  std::optional<Dataset> validation_;
  ModelInfo info_;
  std::unique_ptr<Autoencoder> model_;
  Rng rng_;  // the trainer keeps a reference: a TrainingRun does not move
  std::unique_ptr<Trainer> trainer_;
  std::vector<std::string> warnings_;
  bool default_layers_ = false;
};

}  // namespace ae
