// Mapping between an Autoencoder (+ ModelInfo) and a safetensors TensorFile.
#include "ae/model_file.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include "ae/error.hpp"
#include "ae/safetensors.hpp"

namespace ae {
namespace {

using nlohmann::json;

std::string normalizer_name(Normalizer n) { return n == Normalizer::bytes_255 ? "bytes_255" : "identity"; }

constexpr std::uint64_t kMaxWidth = 1'000'000;  // as parse_layers allows

std::string weight_name(std::size_t l) { return "layers." + std::to_string(l) + ".weight"; }
std::string bias_name(std::size_t l) { return "layers." + std::to_string(l) + ".bias"; }

}  // namespace

std::uint32_t crc32_of(const void* data, std::size_t size, std::uint32_t crc) {
  const auto* bytes = static_cast<const Bytef*>(data);
  uLong value = crc;
  while (size > 0) {
    const auto chunk = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
    value = ::crc32(value, bytes, chunk);
    bytes += chunk;
    size -= chunk;
  }
  return static_cast<std::uint32_t>(value);
}

void save_model(const std::string& path, const Autoencoder& model, const ModelInfo& info) {
  const Architecture& arch = model.architecture();
  TensorFile file;
  json layers = json::array();
  for (const auto& layer : arch.layers) {
    layers.push_back({{"width", layer.width}, {"activation", std::string(activation_name(layer.activation))}});
  }
  json architecture = {{"input", arch.input}, {"layers", layers}, {"bottleneck", arch.bottleneck},
                       {"spec", arch.spec()}, {"image_shape", info.image_shape}};
  file.metadata["format"] = "ae";
  file.metadata["format_version"] = std::to_string(kModelFormatVersion);
  file.metadata["architecture"] = architecture.dump();
  file.metadata["normalizer"] = json{{"kind", normalizer_name(info.normalizer)}}.dump();
  file.metadata["training"] = info.training;
  file.metadata["score"] = info.score;
  file.metadata["data_crc32"] = std::to_string(info.data_crc32);
  for (std::size_t l = 0; l < model.layer_count(); ++l) {
    const std::size_t O = arch.layers[l].width, I = arch.in_width(l);
    file.tensors.push_back({weight_name(l), {O, I}, std::vector<float>(model.weight(l), model.weight(l) + O * I)});
    file.tensors.push_back({bias_name(l), {O}, std::vector<float>(model.bias(l), model.bias(l) + O)});
  }
  write_safetensors(path, file);
}

Model load_model(const std::string& path) {
  const TensorFile file = read_safetensors(path);
  const auto bad = [&](const std::string& why) {
    return Error(ErrorKind::bad_data, path + ": not an ae model: " + why);
  };
  const auto meta = [&](const std::string& key) -> const std::string& {
    const auto it = file.metadata.find(key);
    if (it == file.metadata.end()) throw bad("metadata '" + key + "' is missing");
    return it->second;
  };
  if (meta("format") != "ae") throw bad("metadata 'format' is '" + meta("format") + "'");
  if (meta("format_version") != std::to_string(kModelFormatVersion)) {
    throw bad("format_version " + meta("format_version") + " is not supported (this build reads " +
              std::to_string(kModelFormatVersion) + ")");
  }
  Architecture arch;
  ModelInfo info;
  try {
    const json a = json::parse(meta("architecture"));
    // Whole numbers only, checked before anything is sized by them.
    const auto count = [&](const json& v, const std::string& what) {
      if (!v.is_number_unsigned() || v.get<std::uint64_t>() > kMaxWidth) {
        throw bad("architecture: " + what + " must be a whole number up to " + std::to_string(kMaxWidth));
      }
      return static_cast<std::size_t>(v.get<std::uint64_t>());
    };
    std::vector<LayerSpec> layers;
    for (const auto& layer : a.at("layers")) {
      layers.push_back({count(layer.at("width"), "width"),
                        parse_activation(layer.at("activation").get<std::string>())});
    }
    arch = make_architecture(count(a.at("input"), "input"), std::move(layers),
                             count(a.at("bottleneck"), "bottleneck"));
    if (a.contains("image_shape")) info.image_shape = a.at("image_shape").get<std::vector<std::size_t>>();
    const json n = json::parse(meta("normalizer"));
    const std::string kind = n.at("kind").get<std::string>();
    if (kind == "bytes_255") info.normalizer = Normalizer::bytes_255;
    else if (kind != "identity") throw bad("unknown normalizer '" + kind + "'");
    info.training = meta("training");
    info.score = meta("score");
    // Both must be JSON; their content is read by those who use them.
    [[maybe_unused]] const json training = json::parse(info.training);
    [[maybe_unused]] const json score = json::parse(info.score);
    info.data_crc32 = static_cast<std::uint32_t>(std::stoul(meta("data_crc32")));
  } catch (const json::exception& e) {
    throw bad(std::string("bad metadata: ") + e.what());
  } catch (const std::logic_error& e) {
    throw bad(std::string("bad metadata: ") + e.what());
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::bad_data) throw;
    throw bad(e.what());
  }
  if (!info.image_shape.empty() &&
      (info.image_shape.size() != 2 || info.image_shape[0] * info.image_shape[1] != arch.input)) {
    throw bad("image_shape does not match the input width");
  }
  // The tensors must match the architecture before the model is sized from it, so a lying
  // header cannot make us allocate more than the file holds.
  const std::size_t L = arch.layers.size();
  if (file.tensors.size() != 2 * L) {
    throw bad("expected " + std::to_string(2 * L) + " tensors, found " + std::to_string(file.tensors.size()));
  }
  for (std::size_t l = 0; l < L; ++l) {
    const std::size_t O = arch.layers[l].width, I = arch.in_width(l);
    const Tensor* w = file.find(weight_name(l));
    const Tensor* b = file.find(bias_name(l));
    if (w == nullptr || b == nullptr) throw bad("tensor for layer " + std::to_string(l) + " is missing");
    if (w->shape != std::vector<std::size_t>{O, I}) throw bad(weight_name(l) + " has the wrong shape");
    if (b->shape != std::vector<std::size_t>{O}) throw bad(bias_name(l) + " has the wrong shape");
  }
  Model model{Autoencoder(arch), info};
  Autoencoder& ae = model.autoencoder;
  for (std::size_t l = 0; l < L; ++l) {
    const Tensor* w = file.find(weight_name(l));
    const Tensor* b = file.find(bias_name(l));
    std::copy(w->values.begin(), w->values.end(), ae.weight(l));
    std::copy(b->values.begin(), b->values.end(), ae.bias(l));
  }
  return model;
}

}  // namespace ae
