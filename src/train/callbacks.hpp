// Keras's epoch-end callbacks as plain functions over TrainState: early stopping and
// ReduceLROnPlateau. Kept apart from the loop so their rules can be read (and tested) alone.
#pragma once
#include "ae/trainer.hpp"

namespace ae {

// Early stopping after `epoch` with `monitor` (val_loss, or loss without validation):
// updates best, best_epoch, wait and best_weights (from `params` when restore_best); sets
// state.stopped and returns true when training should end.
bool early_stopping_update(const EarlyStopping& rule, TrainState& state, std::size_t epoch,
                           double monitor, std::span<const float> params);

// ReduceLROnPlateau after an epoch with `monitor`; returns the learning rate for the next
// epoch (`lr` when unchanged).
double plateau_update(const ReduceLrOnPlateau& rule, TrainState& state, double monitor, double lr);

}  // namespace ae
