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
#include "ae/history.hpp"
#include "ae/trainer.hpp"

namespace ae {

struct TrainRecord {
  std::string spec;                    // the layer spec
  Loss loss = Loss::mse;
  OptimizerKind optimizer = OptimizerKind::adam;
  double lr = 0;                       // the starting learning rate
  std::size_t batch = 0;
  std::size_t epochs = 0;              // epochs run
  std::uint64_t seed = 0;
  std::size_t threads = 0;             // resolved: what bit-identity depends on
  Init init = Init::glorot_uniform;
  std::string data;                    // the training data's source
  std::size_t rows = 0;
  double final_loss = std::numeric_limits<double>::quiet_NaN();
  double final_val_loss = std::numeric_limits<double>::quiet_NaN();  // NaN: no validation
  double seconds = 0;                  // training time, all epochs

  // Compact JSON object; NaN final losses are left out.
  std::string to_json() const;
};

TrainRecord make_train_record(const Architecture& arch, const TrainConfig& config, std::uint64_t seed,
                              Init init, const Dataset& data, const History& history);

}  // namespace ae
