// Early stopping and learning rate on plateau, with Keras's rules (tf.keras 2.x callbacks).
#include "train/callbacks.hpp"

#include <algorithm>

namespace ae {

bool early_stopping_update(const EarlyStopping& rule, TrainState& state, std::size_t epoch,
                           double monitor, std::span<const float> params) {
  if (rule.patience == 0) return false;
  ++state.wait;
  if (monitor < state.best - rule.min_delta) {
    state.best = monitor;
    state.best_epoch = epoch;
    state.wait = 0;
    if (rule.restore_best) state.best_weights.assign(params.begin(), params.end());
    return false;
  }
  // Like Keras, keep the first epoch's weights when no epoch ever improves (NaN monitor).
  if (rule.restore_best && state.best_weights.empty()) state.best_weights.assign(params.begin(), params.end());
  if (state.wait >= rule.patience) state.stopped = true;
  return state.stopped;
}

double plateau_update(const ReduceLrOnPlateau& rule, TrainState& state, double monitor, double lr) {
  if (rule.patience == 0) return lr;
  if (state.cooldown > 0) {
    --state.cooldown;
    state.plateau_wait = 0;
  }
  if (monitor < state.plateau_best - rule.min_delta) {
    state.plateau_best = monitor;
    state.plateau_wait = 0;
    return lr;
  }
  if (state.cooldown > 0) return lr;
  if (++state.plateau_wait < rule.patience) return lr;
  if (!(lr > rule.min_lr)) return lr;
  state.cooldown = rule.cooldown;
  state.plateau_wait = 0;
  return std::max(lr * rule.factor, rule.min_lr);
}

}  // namespace ae
