// TrainingRun: the steps between rows as read and a trained model, in the order every front
// end takes them.
#include "ae/training_run.hpp"

#include <nlohmann/json.hpp>

#include "ae/data_hash.hpp"
#include "ae/error.hpp"
#include "ae/train_record.hpp"

namespace ae {
namespace {

// Its own generator, so the weights and shuffles do not depend on whether rows are held out.
constexpr std::uint64_t kSplitStream = 0x5eed5917u;

}  // namespace

TrainingRun::TrainingRun(Dataset train, std::optional<Dataset> val, RunSettings settings)
    : settings_(std::move(settings)), train_(std::move(train)), validation_(std::move(val)), rng_(settings_.seed) {
  if (settings_.val_split != 0) {
    if (!(settings_.val_split > 0 && settings_.val_split < 1)) {
      throw Error(ErrorKind::usage, "val_split must be between 0 and 1 (exclusive)", "val_split");
    }
    if (validation_) throw Error(ErrorKind::usage, "val_split and validation data exclude each other", "val_split");
    Rng split_rng(settings_.seed ^ kSplitStream);
    auto [held, kept] = split(train_, settings_.val_split, split_rng);
    if (held.rows == 0 || kept.rows == 0) {
      throw Error(ErrorKind::usage, "val_split " + std::to_string(settings_.val_split) + " leaves no rows on one side of the " +
                                        std::to_string(train_.rows) + " rows of " + train_.source, "val_split");
    }
    held.source = train_.source + " (" + std::to_string(held.rows) + " rows held out)";
    kept.source = train_.source;
    train_ = std::move(kept);
    validation_ = std::move(held);
  }
  if (settings_.default_epochs) settings_.config.epochs = default_epochs(train_.rows, settings_.config.batch);
  info_.normalizer = fit_normalization(train_, settings_.scaling);
  info_.image_shape = train_.image_shape;
  info_.data_crc32 = data_crc32(train_);  // of the rows as read
  normalize(train_, info_.normalizer);
  if (validation_) normalize(*validation_, info_.normalizer);
  default_layers_ = !settings_.layers;
  if (default_layers_) {
    const Normalizer k = info_.normalizer.kind;
    settings_.layers = default_layers(train_.cols, k == Normalizer::bytes_255 || k == Normalizer::minmax);
  }
  model_ = std::make_unique<Autoencoder>(make_architecture(train_.cols, *settings_.layers, settings_.bottleneck, settings_.kind));
  model_->initialize(settings_.init, rng_);
  // Settings beyond TrainConfig that decide the weights; the scaling and the split change the
  // rows, which the checkpoint's data hash covers.
  settings_.config.checkpoint.extra =
      nlohmann::json{{"seed", settings_.seed}, {"init", std::string(init_name(settings_.init))}}.dump();
  warnings_ = check_training_data(*model_, settings_.config, train_, validation());
  trainer_ = std::make_unique<Trainer>(*model_, settings_.config, rng_);
}

TrainingRun::~TrainingRun() = default;

History TrainingRun::fit(const TrainObserver& observer) { return trainer_->fit(train_, validation(), observer); }

Model TrainingRun::finish(const History& history) {
  ModelInfo info = info_;
  const std::optional<Diagnosis>& d = trainer_->diagnosis();
  info.training = make_train_record(model_->architecture(), trainer_->config(), settings_.seed, settings_.init, train_,
                                    history, validation(), d ? &*d : nullptr)
                      .to_json();
  return Model{*model_, std::move(info)};
}

}  // namespace ae
