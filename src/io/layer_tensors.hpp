// What model files and checkpoints share: the architecture's JSON text and the
// `layers.<i>.weight` [out, in] / `layers.<i>.bias` [out] tensors. Reading checks every
// number and shape before a model is sized from them, so a lying header cannot make the
// reader allocate more than the file holds. Errors are Error(bad_data) prefixed by `context`.
#pragma once
#include <string>
#include <vector>

#include "ae/autoencoder.hpp"
#include "ae/error.hpp"
#include "ae/safetensors.hpp"

namespace ae::layer_tensors {

// A safetensors file being read as one of ae's kinds (`what`: "an ae model", "an ae
// checkpoint"): its errors, "PATH: not WHAT: why", and its required metadata.
struct Reading {
  const TensorFile& file;
  std::string path, what;

  Error bad(const std::string& why) const;
  // The value of `key`; throws bad() when the metadata lacks it.
  const std::string& meta(const std::string& key) const;
};

std::string architecture_json(const Architecture& arch, const std::vector<std::size_t>& image_shape);
// Reads architecture_json's text; image_shape (if non-null) receives it when present.
Architecture parse_architecture(const std::string& text, const std::string& context,
                                std::vector<std::size_t>* image_shape = nullptr);
void append(TensorFile& file, const Autoencoder& model);
// Checks the layer tensors against `arch` (and that nothing else is there but `extra` more
// tensors), then returns the model with those weights.
Autoencoder load(const TensorFile& file, const Architecture& arch, std::size_t extra,
                 const std::string& context);

}  // namespace ae::layer_tensors
