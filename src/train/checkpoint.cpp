// Mapping between a Checkpoint and a safetensors TensorFile. Numbers that must come back
// exactly (u64 states, doubles) are written as decimal text that reads back to the same bits.
#include "ae/checkpoint.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "ae/data_hash.hpp"
#include "ae/error.hpp"
#include "ae/safetensors.hpp"
#include "io/layer_tensors.hpp"

namespace ae {
namespace {

using nlohmann::json;


// Shortest decimal text that reads back to the same double ("inf", "nan" for those).
std::string exact(double x) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

double parse_exact(const std::string& text) {
  double x = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), x);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) throw std::invalid_argument("not a number: '" + text + "'");
  return x;
}

std::uint64_t parse_u64(const std::string& text) {
  std::uint64_t x = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), x);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) throw std::invalid_argument("not a whole number: '" + text + "'");
  return x;
}

std::string hex64(std::uint64_t x) {
  char buf[17];
  const auto r = std::to_chars(buf, buf + sizeof buf, x, 16);
  return std::string(16 - static_cast<std::size_t>(r.ptr - buf), '0') + std::string(buf, r.ptr);
}

std::uint64_t parse_hex64(const std::string& text) {
  std::uint64_t x = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), x, 16);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) throw std::invalid_argument("not a hex number: '" + text + "'");
  return x;
}

json rng_json(const std::array<std::uint64_t, 4>& s) {
  json a = json::array();
  for (std::uint64_t x : s) a.push_back(std::to_string(x));
  return a;
}

std::array<std::uint64_t, 4> rng_from(const json& a) {
  if (!a.is_array() || a.size() != 4) throw std::invalid_argument("a generator state is not 4 numbers");
  std::array<std::uint64_t, 4> s{};
  for (std::size_t i = 0; i < 4; ++i) s[i] = parse_u64(a[i].get<std::string>());
  if (s == std::array<std::uint64_t, 4>{}) throw std::invalid_argument("a generator state is all zero");
  return s;
}

bool all_finite(const std::vector<float>& v) {
  return std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); });
}

}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& c) {
  const Autoencoder& model = c.model;
  const Architecture& arch = model.architecture();
  const std::vector<float> params(model.parameters().begin(), model.parameters().end());
  if (!all_finite(params) || !all_finite(c.m) || !all_finite(c.v) || !all_finite(c.state.best_weights)) {
    throw Error(ErrorKind::diverged, path + ": weights or optimizer moments are NaN or Inf; "
                                            "checkpoint not written (the previous one is unchanged)");
  }
  TensorFile file;
  const TrainState& s = c.state;
  json history = json::array();
  for (const EpochRecord& e : s.history.epochs) {
    history.push_back({{"epoch", e.epoch}, {"loss", exact(e.loss)}, {"val_loss", exact(e.val_loss)},
                       {"seconds", exact(e.seconds)}, {"lr", exact(e.lr)}});
  }
  file.metadata["format"] = "ae-checkpoint";
  file.metadata["format_version"] = std::to_string(kCheckpointFormatVersion);
  file.metadata["architecture"] = layer_tensors::architecture_json(arch, {});
  file.metadata["config"] = c.config;
  file.metadata["config_hash"] = hex64(fnv1a64(c.config.data(), c.config.size()));
  file.metadata["data_hash"] = hex64(c.data_hash);
  file.metadata["step"] = std::to_string(c.steps);
  file.metadata["epoch"] = std::to_string(s.epoch);
  file.metadata["batch"] = std::to_string(s.batch);
  file.metadata["lr"] = exact(c.lr);
  file.metadata["rng_state"] = rng_json(s.rng).dump();
  file.metadata["rng_start"] = rng_json(s.rng_start).dump();
  file.metadata["history"] = history.dump();
  file.metadata["progress"] =
      json{{"loss_sum", exact(s.loss_sum)}, {"seen", s.seen}, {"seconds", exact(s.seconds)}}.dump();
  file.metadata["callbacks"] =
      json{{"early_stopping", {{"best", exact(s.best)}, {"best_epoch", s.best_epoch}, {"wait", s.wait}, {"stopped", s.stopped}}},
           {"reduce_lr", {{"best", exact(s.plateau_best)}, {"wait", s.plateau_wait}, {"cooldown", s.cooldown}}}}
          .dump();
  layer_tensors::append(file, model);
  file.tensors.push_back({"optimizer.m", {c.m.size()}, c.m});
  file.tensors.push_back({"optimizer.v", {c.v.size()}, c.v});
  if (!s.best_weights.empty()) {
    file.tensors.push_back({"early_stopping.best_weights", {s.best_weights.size()}, s.best_weights});
  }
  write_safetensors(path, file);
}

Checkpoint load_checkpoint(const std::string& path) {
  const TensorFile file = read_safetensors(path);
  const layer_tensors::Reading reading{file, path, "an ae checkpoint"};
  const auto format = file.metadata.find("format");
  if (format == file.metadata.end() || format->second != "ae-checkpoint") {
    throw reading.bad(format != file.metadata.end() && format->second == "ae"
                  ? std::string("it is a model file; resuming needs a checkpoint file, which training writes when given a checkpoint path")
                  : std::string("metadata 'format' is not 'ae-checkpoint'"));
  }
  if (reading.meta("format_version") != std::to_string(kCheckpointFormatVersion)) {
    throw reading.bad("format_version " + reading.meta("format_version") + " is not supported (this build reads " +
              std::to_string(kCheckpointFormatVersion) + ")");
  }
  try {
    const std::string context = path + ": not an ae checkpoint: ";
    const Architecture arch = layer_tensors::parse_architecture(reading.meta("architecture"), context);
    const std::size_t P = arch.parameter_count();
    const bool has_best = file.find("early_stopping.best_weights") != nullptr;
    Checkpoint c(layer_tensors::load(file, arch, has_best ? 3 : 2, context));
    c.config = reading.meta("config");
    if (!json::parse(c.config).is_object()) throw reading.bad("metadata 'config' is not a JSON object");
    c.config_hash = parse_hex64(reading.meta("config_hash"));
    if (c.config_hash != fnv1a64(c.config.data(), c.config.size())) throw reading.bad("config_hash does not match config");
    c.data_hash = parse_hex64(reading.meta("data_hash"));
    c.steps = parse_u64(reading.meta("step"));
    c.lr = parse_exact(reading.meta("lr"));
    if (!(c.lr > 0) || !std::isfinite(c.lr)) throw reading.bad("lr is not a positive number");
    TrainState& s = c.state;
    s.epoch = parse_u64(reading.meta("epoch"));
    s.batch = parse_u64(reading.meta("batch"));
    s.rng = rng_from(json::parse(reading.meta("rng_state")));
    s.rng_start = rng_from(json::parse(reading.meta("rng_start")));
    for (const auto& row : json::parse(reading.meta("history"))) {
      s.history.epochs.push_back({row.at("epoch").get<std::size_t>(), parse_exact(row.at("loss").get<std::string>()),
                                  parse_exact(row.at("val_loss").get<std::string>()),
                                  parse_exact(row.at("seconds").get<std::string>()),
                                  parse_exact(row.at("lr").get<std::string>())});
    }
    if (s.history.epochs.size() != s.epoch) throw reading.bad("history has " + std::to_string(s.history.epochs.size()) +
                                                      " rows for " + std::to_string(s.epoch) + " epochs");
    const json progress = json::parse(reading.meta("progress"));
    s.loss_sum = parse_exact(progress.at("loss_sum").get<std::string>());
    s.seen = progress.at("seen").get<std::size_t>();
    s.seconds = parse_exact(progress.at("seconds").get<std::string>());
    const json callbacks = json::parse(reading.meta("callbacks"));
    const json& es = callbacks.at("early_stopping");
    s.best = parse_exact(es.at("best").get<std::string>());
    s.best_epoch = es.at("best_epoch").get<std::size_t>();
    s.wait = es.at("wait").get<std::size_t>();
    s.stopped = es.at("stopped").get<bool>();
    const json& rl = callbacks.at("reduce_lr");
    s.plateau_best = parse_exact(rl.at("best").get<std::string>());
    s.plateau_wait = rl.at("wait").get<std::size_t>();
    s.cooldown = rl.at("cooldown").get<std::size_t>();

    const auto vector_of = [&](const std::string& name, bool required) {
      const Tensor* t = file.find(name);
      if (t == nullptr) {
        if (required) throw reading.bad("tensor '" + name + "' is missing");
        return std::vector<float>();
      }
      if (t->shape.size() != 1 || (t->shape[0] != P && t->shape[0] != 0)) {
        throw reading.bad(name + " has shape other than [" + std::to_string(P) + "] or [0]");
      }
      return t->values;
    };
    c.m = vector_of("optimizer.m", true);
    c.v = vector_of("optimizer.v", true);
    s.best_weights = vector_of("early_stopping.best_weights", false);
    return c;
  } catch (const json::exception& e) {
    throw reading.bad(std::string("bad metadata: ") + e.what());
  } catch (const std::logic_error& e) {
    throw reading.bad(std::string("bad metadata: ") + e.what());
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::bad_data) throw;
    throw reading.bad(e.what());
  }
}

}  // namespace ae
