// The record of a training run that a model file keeps (its `training` metadata): the
// settings that decided the weights, where the data came from, how the run ended. One struct,
// serialised in one place; the thread count is the one the run used, not the request.
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "ae/autoencoder.hpp"
#include "ae/data.hpp"
#include "ae/diagnosis.hpp"
#include "ae/history.hpp"
#include "ae/trainer.hpp"

namespace ae {

struct TrainRecord {
  std::string spec;                    // the layer spec
  Loss loss = Loss::mse;
  OptimizerKind optimizer = OptimizerKind::adam;
  double lr = 0;                       // the starting learning rate
  std::size_t batch = 0;
  double trim = 0;                     // TrainConfig::trim (absent from the JSON when 0)
  double weight_decay = 0;             // 0: off (left out of the JSON)
  double dropout = 0;                  // 0: off (left out of the JSON)
  double noise = 0;                    // 0: off (left out of the JSON, with noise_kind)
  NoiseKind noise_kind = NoiseKind::gaussian;
  double sparsity = 0;                 // 0: off (left out of the JSON)
  ModelKind kind = ModelKind::plain;   // with beta, in the JSON only for a variational model
  double beta = 1;
  std::size_t epochs = 0;              // epochs run
  std::uint64_t seed = 0;
  std::size_t threads = 0;             // resolved: what bit-identity depends on
  Precision precision = Precision::fp32;  // the GEMMs' arithmetic
  Init init = Init::glorot_uniform;
  std::string data;                    // the training data's source
  std::size_t rows = 0;
  double final_loss = std::numeric_limits<double>::quiet_NaN();
  double final_val_loss = std::numeric_limits<double>::quiet_NaN();  // NaN: no validation
  double seconds = 0;                  // training time, all epochs
  std::string validation;              // the validation data's source; empty: none
  std::string diagnosis;               // the last epoch's Diagnosis as JSON; empty: none

  // Compact JSON object; NaN final losses and empty fields are left out.
  std::string to_json() const;
  // Reads to_json's form back; fields it lacks keep their defaults (older models have
  // fewer). Throws Error(bad_data) naming `source` when the text is not a JSON object or a
  // field has the wrong type.
  static TrainRecord from_json(const std::string& text, const std::string& source);
  // "epochs 5 (batch 256, adam lr 0.001, seed 0, 2 threads, init auto) on data (60000 rows):
  // loss 0.0312, val_loss 0.0309, 12.3 s", then the diagnosis lines: for `ae summary MODEL`.
  std::string describe() const;
};

TrainRecord make_train_record(const Architecture& arch, const TrainConfig& config, std::uint64_t seed,
                              Init init, const Dataset& data, const History& history,
                              const Dataset* validation = nullptr, const Diagnosis* diagnosis = nullptr);

}  // namespace ae
