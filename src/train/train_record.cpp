// TrainRecord: filled from a finished run, written as the model file's `training` JSON.
#include "ae/train_record.hpp"

#include <cmath>
#include <cstdio>
#include <type_traits>
#include <nlohmann/json.hpp>

#include "ae/error.hpp"
#include "ae/format.hpp"
#include "ae/parallel.hpp"

namespace ae {

TrainRecord make_train_record(const Architecture& arch, const TrainConfig& config, std::uint64_t seed,
                              Init init, const Dataset& data, const History& history,
                              const Dataset* validation, const Diagnosis* diagnosis) {
  TrainRecord r;
  r.spec = arch.spec();
  r.loss = config.loss;
  r.optimizer = config.optimizer.kind;
  r.lr = config.optimizer.lr;
  r.batch = config.batch;
  r.trim = config.trim;
  r.weight_decay = config.optimizer.weight_decay;
  r.dropout = config.dropout;
  r.noise = config.noise;
  r.noise_kind = config.noise_kind;
  r.sparsity = config.sparsity;
  r.kind = arch.kind;
  r.beta = config.beta;
  r.epochs = history.epochs.size();
  r.seed = seed;
  r.threads = resolve_threads(config.threads);
  r.precision = config.precision;
  r.init = init;
  r.data = utf8_or_escaped(data.source);
  r.rows = data.rows;
  if (validation != nullptr) r.validation = utf8_or_escaped(validation->source);
  if (diagnosis != nullptr) r.diagnosis = diagnosis->to_json();
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
      {"precision", std::string(precision_name(precision))},
      {"init", std::string(init_name(init))},
      {"data", data},
      {"rows", rows},
  };
  if (epochs > 0) {
    if (std::isfinite(final_loss)) j["final_loss"] = final_loss;
    if (std::isfinite(final_val_loss)) j["final_val_loss"] = final_val_loss;
    j["seconds"] = seconds;
  }
  if (trim > 0) j["trim"] = trim;
  if (weight_decay != 0) j["weight_decay"] = weight_decay;
  if (dropout != 0) j["dropout"] = dropout;
  if (noise != 0) {
    j["noise"] = noise;
    j["noise_kind"] = std::string(noise_kind_name(noise_kind));
  }
  if (sparsity != 0) j["sparsity"] = sparsity;
  if (kind == ModelKind::variational) {
    j["kind"] = std::string(model_kind_name(kind));
    j["beta"] = beta;
  }
  if (!validation.empty()) j["validation"] = validation;
  if (!diagnosis.empty()) j["diagnosis"] = nlohmann::json::parse(diagnosis);
  return j.dump();
}

TrainRecord TrainRecord::from_json(const std::string& text, const std::string& source) {
  TrainRecord r;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    if (!j.is_object()) throw Error(ErrorKind::bad_data, source + ": training record is not a JSON object");
    const auto get = [&j](const char* key, auto& field) {
      if (j.contains(key)) field = j.at(key).get<std::remove_reference_t<decltype(field)>>();
    };
    // An enum field written as its name.
    const auto get_name = [&j](const char* key, auto& field, auto parse) {
      if (j.contains(key)) field = parse(j.at(key).get<std::string>());
    };
    get("spec", r.spec);
    get_name("loss", r.loss, parse_loss);
    get_name("optimizer", r.optimizer, parse_optimizer);
    get("lr", r.lr);
    get("batch", r.batch);
    get("trim", r.trim);
    get("weight_decay", r.weight_decay);
    get("dropout", r.dropout);
    get("noise", r.noise);
    get_name("noise_kind", r.noise_kind, parse_noise_kind);
    get("sparsity", r.sparsity);
    get_name("kind", r.kind, parse_model_kind);
    get("beta", r.beta);
    get("epochs", r.epochs);
    get("seed", r.seed);
    get("threads", r.threads);
    get_name("precision", r.precision, parse_precision);
    get_name("init", r.init, parse_init);
    get("data", r.data);
    get("rows", r.rows);
    get("final_loss", r.final_loss);
    get("final_val_loss", r.final_val_loss);
    get("seconds", r.seconds);
    get("validation", r.validation);
    if (j.contains("diagnosis")) r.diagnosis = j.at("diagnosis").dump();
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::bad_data, source + ": bad training record: " + e.what());
  } catch (const Error& e) {
    throw Error(ErrorKind::bad_data, source + ": bad training record: " + e.what());
  }
  return r;
}

std::string TrainRecord::describe() const {
  char buf[512];
  std::string out;
  std::snprintf(buf, sizeof buf, "trained %zu epochs (batch %zu, %s lr %g, loss %s, seed %llu, %zu threads, init %s) on %s (%zu rows)",
                epochs, batch, std::string(optimizer_name(optimizer)).c_str(), lr, std::string(loss_name(loss)).c_str(),
                static_cast<unsigned long long>(seed), threads, std::string(init_name(init)).c_str(),
                data.empty() ? "?" : data.c_str(), rows);
  out += buf;
  if (!validation.empty()) out += ", validated on " + validation;
  if (precision != Precision::fp32) out += "; precision " + std::string(precision_name(precision));
  if (weight_decay != 0) {
    std::snprintf(buf, sizeof buf, "; weight decay %g", weight_decay);
    out += buf;
  }
  if (dropout != 0) {
    std::snprintf(buf, sizeof buf, "; dropout %g", dropout);
    out += buf;
  }
  if (noise != 0) {
    std::snprintf(buf, sizeof buf, "; %s input noise %g", std::string(noise_kind_name(noise_kind)).c_str(), noise);
    out += buf;
  }
  if (sparsity != 0) {
    std::snprintf(buf, sizeof buf, "; sparsity %g", sparsity);
    out += buf;
  }
  if (kind == ModelKind::variational) {
    std::snprintf(buf, sizeof buf, "; variational, beta %g", beta);
    out += buf;
  }
  out += "\n";
  if (std::isfinite(final_loss)) {
    std::snprintf(buf, sizeof buf, "final loss %.6g", final_loss);
    out += buf;
    if (std::isfinite(final_val_loss)) {
      std::snprintf(buf, sizeof buf, ", val_loss %.6g", final_val_loss);
      out += buf;
    }
    std::snprintf(buf, sizeof buf, " (%.1f s of training)\n", seconds);
    out += buf;
  }
  if (diagnosis.empty()) return out;
  const nlohmann::json d = nlohmann::json::parse(diagnosis);
  std::size_t dead = 0, stuck = 0;
  std::string units;
  for (const auto& u : d.value("units", nlohmann::json::array())) {
    const std::string state = u.value("state", "ok");
    dead += state == "dead";
    stuck += state == "stuck";
    std::snprintf(buf, sizeof buf, "%s%.3g+-%.2g%s", units.empty() ? "" : "  ", u.value("mean", 0.0), u.value("std", 0.0),
                  state == "ok" ? "" : (" " + state).c_str());
    units += buf;
  }
  out += "embedding units (mean+-std over " + std::to_string(d.value("probe_rows", std::size_t{0})) + " rows): " + units + "\n";
  std::snprintf(buf, sizeof buf, "collapse check after epoch %zu: %s; %zu dead, %zu stuck units\n", d.value("epoch", std::size_t{0}),
                d.value("mean_predictor", false) ? "PREDICTS THE MEAN ROW" : "learns more than the mean row", dead, stuck);
  out += buf;
  return out;
}

}  // namespace ae
