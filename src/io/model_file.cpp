// Mapping between an Autoencoder (+ ModelInfo) and a safetensors TensorFile.
#include "ae/model_file.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "ae/error.hpp"
#include "ae/safetensors.hpp"
#include "io/layer_tensors.hpp"

namespace ae {

using nlohmann::json;

namespace {

// {"kind": "standard", "center": [D numbers], "scale": [D numbers]}; identity and bytes_255
// have no arrays. Floats are written as doubles, which read back to the same floats.
std::string normalizer_json(const Normalization& n) {
  json j{{"kind", name_of(kNormalizerNames, n.kind)}};
  if (n.per_column()) {
    j["center"] = n.center;
    j["scale"] = n.scale;
  }
  return j.dump();
}

Normalization parse_normalizer(const layer_tensors::Reading& reading, std::size_t input) {
  const json j = json::parse(reading.meta("normalizer"));
  Normalization n;
  const std::string kind = j.at("kind").get<std::string>();
  const std::optional<Normalizer> found = find_name(kNormalizerNames, kind);
  if (!found) throw reading.bad("unknown normalizer '" + kind + "'");
  n.kind = *found;
  if (!has_columns(n.kind)) return n;
  const auto column_values = [&](const char* key) {
    const json& a = j.at(key);
    if (!a.is_array() || a.size() != input) {
      throw reading.bad(std::string("normalizer '") + key + "' must hold " + std::to_string(input) + " numbers");
    }
    std::vector<float> v;
    v.reserve(input);
    for (const json& x : a) {
      if (!x.is_number()) throw reading.bad(std::string("normalizer '") + key + "' holds a value that is not a number");
      const double d = x.get<double>();
      if (!std::isfinite(static_cast<float>(d))) throw reading.bad(std::string("normalizer '") + key + "' holds a value that is not a finite float");
      v.push_back(static_cast<float>(d));
    }
    return v;
  };
  n.center = column_values("center");
  n.scale = column_values("scale");
  if (std::any_of(n.scale.begin(), n.scale.end(), [](float s) { return !(s > 0); })) {
    throw reading.bad("normalizer 'scale' holds a value that is not positive");
  }
  return n;
}

}  // namespace

void save_model(const std::string& path, const Autoencoder& model, const ModelInfo& info) {
  const Architecture& arch = model.architecture();
  TensorFile file;
  file.metadata["format"] = "ae";
  file.metadata["format_version"] = std::to_string(kModelFormatVersion);
  file.metadata["architecture"] = layer_tensors::architecture_json(arch, info.image_shape);
  file.metadata["normalizer"] = normalizer_json(info.normalizer);
  file.metadata["training"] = info.training;
  file.metadata["score"] = info.score;
  file.metadata["data_crc32"] = std::to_string(info.data_crc32);
  layer_tensors::append(file, model);
  write_safetensors(path, file);
}

Model load_model(const std::string& path) {
  const TensorFile file = read_safetensors(path);
  const layer_tensors::Reading reading{file, path, "an ae model"};
  if (reading.meta("format") != "ae") throw reading.bad("metadata 'format' is '" + reading.meta("format") + "'");
  if (reading.meta("format_version") != std::to_string(kModelFormatVersion)) {
    throw reading.bad("format_version " + reading.meta("format_version") + " is not supported (this build reads " +
              std::to_string(kModelFormatVersion) + ")");
  }
  Architecture arch;
  ModelInfo info;
  try {
    arch = layer_tensors::parse_architecture(reading.meta("architecture"), path + ": not an ae model: ", &info.image_shape);
    info.normalizer = parse_normalizer(reading, arch.input);
    info.training = reading.meta("training");
    info.score = reading.meta("score");
    // Both must be JSON; their content is read by those who use them.
    [[maybe_unused]] const json training = json::parse(info.training);
    [[maybe_unused]] const json score = json::parse(info.score);
    const std::string& crc = reading.meta("data_crc32");
    const auto [end, ec] = std::from_chars(crc.data(), crc.data() + crc.size(), info.data_crc32);
    if (ec != std::errc() || end != crc.data() + crc.size()) {
      throw reading.bad("data_crc32 '" + crc + "' is not a whole number below 2^32");
    }
  } catch (const json::exception& e) {
    throw reading.bad(std::string("bad metadata: ") + e.what());
  } catch (const std::logic_error& e) {
    throw reading.bad(std::string("bad metadata: ") + e.what());
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::bad_data) throw;
    throw reading.bad(e.what());
  }
  if (!info.image_shape.empty() &&
      (info.image_shape.size() != 2 || info.image_shape[0] * info.image_shape[1] != arch.input)) {
    throw reading.bad("image_shape does not match the input width");
  }
  Model model{layer_tensors::load(file, arch, 0, path + ": not an ae model: "), info};
  return model;
}

}  // namespace ae
