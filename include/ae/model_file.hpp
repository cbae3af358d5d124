// Model files: an Autoencoder plus what is needed to use it on new data, stored as
// safetensors. Tensors `layers.<i>.weight` [out, in] and `layers.<i>.bias` [out]; string
// metadata `format` = "ae", `format_version`, `architecture`, `normalizer`, `training`,
// `score` (JSON texts) and `data_crc32`. Readable with json + numpy alone.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ae/autoencoder.hpp"
#include "ae/normalizer.hpp"

namespace ae {

struct ModelInfo {
  Normalization normalizer;               // fitted on the training rows
  std::vector<std::size_t> image_shape;  // {height, width} when rows are images
  std::string training = "{}";           // JSON: config, seed, epochs run, final losses
  std::string score = "{}";              // JSON: score statistics (outlier scoring)
  std::uint32_t data_crc32 = 0;          // of the training data's bytes
};

struct Model {
  Autoencoder autoencoder;
  ModelInfo info;
};

constexpr int kModelFormatVersion = 1;

// Atomic write. Throws Error(cannot_create / io).
void save_model(const std::string& path, const Autoencoder& model, const ModelInfo& info);
// Throws Error(missing_input) or Error(bad_data) naming the file and the problem (anything
// read_safetensors rejects, plus wrong format, missing or mis-shaped tensors, bad metadata).
Model load_model(const std::string& path);

}  // namespace ae
