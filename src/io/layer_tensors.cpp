// The architecture JSON and the per-layer tensors shared by model files and checkpoints.
#include "io/layer_tensors.hpp"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "ae/error.hpp"

namespace ae::layer_tensors {

Error Reading::bad(const std::string& why) const {
  return Error(ErrorKind::bad_data, path + ": not " + what + ": " + why);
}

const std::string& Reading::meta(const std::string& key) const {
  const auto it = file.metadata.find(key);
  if (it == file.metadata.end()) throw bad("metadata '" + key + "' is missing");
  return it->second;
}
namespace {

using nlohmann::json;

constexpr std::uint64_t kMaxWidth = 1'000'000;  // as parse_layers allows

std::string weight_name(std::size_t l) { return "layers." + std::to_string(l) + ".weight"; }
std::string bias_name(std::size_t l) { return "layers." + std::to_string(l) + ".bias"; }

}  // namespace

std::string architecture_json(const Architecture& arch, const std::vector<std::size_t>& image_shape) {
  json layers = json::array();
  for (const auto& layer : arch.layers) {
    layers.push_back({{"width", layer.width}, {"activation", std::string(activation_name(layer.activation))}});
  }
  return json{{"input", arch.input}, {"layers", layers}, {"bottleneck", arch.bottleneck},
              {"spec", arch.spec()}, {"image_shape", image_shape}, {"kind", std::string(model_kind_name(arch.kind))}}
      .dump();
}

Architecture parse_architecture(const std::string& text, const std::string& context,
                                std::vector<std::size_t>* image_shape) {
  const auto bad = [&](const std::string& why) { return Error(ErrorKind::bad_data, context + why); };
  try {
    const json a = json::parse(text);
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
    // Files from before variational models have no kind: plain.
    const ModelKind kind = a.contains("kind") ? parse_model_kind(a.at("kind").get<std::string>()) : ModelKind::plain;
    Architecture arch = make_architecture(count(a.at("input"), "input"), std::move(layers),
                                          count(a.at("bottleneck"), "bottleneck"), kind);
    if (image_shape != nullptr && a.contains("image_shape")) {
      // [] or [height, width] whose product is the input width, each checked on its own
      // first so that no product can wrap around.
      const json& shape = a.at("image_shape");
      if (!shape.is_array() || (!shape.empty() && shape.size() != 2)) {
        throw bad("architecture: image_shape " + shape.dump() + " is not [] or [height, width]");
      }
      std::vector<std::size_t> dims;
      for (const json& dim : shape) dims.push_back(count(dim, "image_shape"));
      if (dims.size() == 2 && dims[0] * dims[1] != arch.input) {
        throw bad("architecture: image_shape " + shape.dump() + " holds " + std::to_string(dims[0] * dims[1]) +
                  " values per row but the input width is " + std::to_string(arch.input));
      }
      *image_shape = std::move(dims);
    }
    return arch;
  } catch (const json::exception& e) {
    throw bad(std::string("bad architecture: ") + e.what());
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::bad_data) throw;
    throw bad(e.what());
  }
}

void append(TensorFile& file, const Autoencoder& model) {
  const Architecture& arch = model.architecture();
  for (std::size_t l = 0; l < model.layer_count(); ++l) {
    const std::size_t O = arch.out_width(l), I = arch.in_width(l);
    file.tensors.push_back({weight_name(l), {O, I}, std::vector<float>(model.weight(l), model.weight(l) + O * I)});
    file.tensors.push_back({bias_name(l), {O}, std::vector<float>(model.bias(l), model.bias(l) + O)});
  }
}

Autoencoder load(const TensorFile& file, const Architecture& arch, std::size_t extra,
                 const std::string& context) {
  const auto bad = [&](const std::string& why) { return Error(ErrorKind::bad_data, context + why); };
  const std::size_t L = arch.layers.size();
  if (file.tensors.size() != 2 * L + extra) {
    throw bad("expected " + std::to_string(2 * L + extra) + " tensors, found " + std::to_string(file.tensors.size()));
  }
  // One pass over the names, so that loading stays linear in the layer count.
  std::unordered_map<std::string_view, const Tensor*> by_name;
  for (const Tensor& t : file.tensors) by_name.emplace(t.name, &t);
  const auto find = [&by_name](const std::string& name) {
    const auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : it->second;
  };
  std::vector<std::pair<const Tensor*, const Tensor*>> tensors(L);
  for (std::size_t l = 0; l < L; ++l) {
    const std::size_t O = arch.out_width(l), I = arch.in_width(l);
    const Tensor* w = find(weight_name(l));
    const Tensor* b = find(bias_name(l));
    if (w == nullptr || b == nullptr) throw bad("tensor for layer " + std::to_string(l) + " is missing");
    if (w->shape != std::vector<std::size_t>{O, I}) throw bad(weight_name(l) + " has the wrong shape");
    if (b->shape != std::vector<std::size_t>{O}) throw bad(bias_name(l) + " has the wrong shape");
    tensors[l] = {w, b};
  }
  Autoencoder model(arch);
  for (std::size_t l = 0; l < L; ++l) {
    const auto [w, b] = tensors[l];
    std::copy(w->values.begin(), w->values.end(), model.weight(l));
    std::copy(b->values.begin(), b->values.end(), model.bias(l));
  }
  return model;
}

}  // namespace ae::layer_tensors
