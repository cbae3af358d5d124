// TrainRecord: filled from a finished run, written as the model file's `training` JSON.
#include "ae/train_record.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "ae/format.hpp"
#include "ae/parallel.hpp"

namespace ae {

TrainRecord make_train_record(const Architecture& arch, const TrainConfig& config, std::uint64_t seed,
                              Init init, const Dataset& data, const History& history) {
  TrainRecord r;
  r.spec = arch.spec();
  r.loss = config.loss;
  r.optimizer = config.optimizer.kind;
  r.lr = config.optimizer.lr;
  r.batch = config.batch;
  r.epochs = history.epochs.size();
  r.seed = seed;
  r.threads = resolve_threads(config.threads);
  r.init = init;
  r.data = utf8_or_escaped(data.source);
  r.rows = data.rows;
  if (!history.epochs.empty()) {
    r.final_loss = history.epochs.back().loss;
    r.final_val_loss = history.epochs.back().val_loss;
    for (const EpochRecord& e : history.epochs) r.seconds += e.seconds;
  }
  return r;
}

std::string TrainRecord::to_json() const {
  nlohmann::json j = {
      {"spec", spec},
      {"loss", std::string(loss_name(loss))},
      {"optimizer", std::string(optimizer_name(optimizer))},
      {"lr", lr},
      {"batch", batch},
      {"epochs", epochs},
      {"seed", seed},
      {"threads", threads},
      {"init", std::string(init_name(init))},
      {"data", data},
      {"rows", rows},
  };
  if (epochs > 0) {
    if (std::isfinite(final_loss)) j["final_loss"] = final_loss;
    if (std::isfinite(final_val_loss)) j["final_val_loss"] = final_val_loss;
    j["seconds"] = seconds;
  }
  return j.dump();
}

}  // namespace ae
