// Collapse diagnostics: checks, after an epoch, whether a model has stopped learning in the
// two ways an autoencoder silently fails: it predicts the training mean row for every input,
// or embedding units carry no information (a relu unit that is always 0, a unit whose value
// barely changes between rows, e.g. a saturated sigmoid). Computed on a fixed probe of at most
// kProbeRows rows (the validation rows, else evenly spaced training rows), so it costs a few
// small forward passes per epoch. It reports; it changes nothing.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "ae/autoencoder.hpp"
#include "ae/data.hpp"
#include "ae/loss.hpp"

namespace ae {

enum class UnitState { ok, dead, stuck };

struct UnitStats {
  double mean = 0, std = 0;  // over the probe rows
  UnitState state = UnitState::ok;
};

struct Diagnosis {
  std::size_t epoch = 0;
  std::size_t probe_rows = 0;
  double loss = 0;        // the model's loss on the probe rows
  double mean_loss = 0;   // the loss of answering every probe row with the training mean row
  // How much the model's outputs vary between the probe rows, as a share of how much the rows
  // do (summed variances over the features; 0 when the rows do not vary).
  double output_spread = 0;
  // |loss - mean_loss| <= kMeanTolerance * mean_loss and output_spread < kMeanSpread: the
  // model answers every row alike, at the mean row's loss. A model whose loss only passes
  // the mean row's on its way down (the bulk learnt, heavy tails not yet) varies its outputs.
  bool mean_predictor = false;
  std::vector<UnitStats> units;  // (K) embedding units

  std::size_t count(UnitState s) const;
  // One-line findings with what to try; empty when nothing is wrong.
  std::vector<std::string> findings() const;
  // {"epoch":..,"probe_rows":..,"loss":..,"mean_loss":..,"output_spread":..,"mean_predictor":..,
  //  "units":[{"mean":..,"std":..,"state":"ok"}, ...]}
  std::string to_json() const;
};

constexpr std::size_t kProbeRows = 2048;
constexpr double kMeanTolerance = 0.01;  // within 1% of the mean row's loss
constexpr double kMeanSpread = 0.01;     // outputs varying less than 1% as much as the rows
constexpr double kStuckStd = 0.01;       // a unit varying less than this over the rows

class Diagnostician {
 public:
  // Picks the probe and computes the mean row of `train` (once). `validation` may be null.
  Diagnostician(const Dataset& train, const Dataset* validation, Loss loss);
  Diagnosis run(Autoencoder& model, std::size_t epoch, std::size_t threads) const;

 private:
  Dataset probe_;
  Loss loss_;
  double mean_loss_ = 0;
  std::vector<double> mean_row_;  // the training rows' mean row
  double probe_spread_ = 0;       // the probe rows' summed feature variances
};

}  // namespace ae
