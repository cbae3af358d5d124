// Applying a trained model to whole data sets, in fixed-size chunks so memory stays bounded:
// embeddings, reconstructions, decoded rows and per-sample reconstruction errors.
#pragma once
#include <cstddef>
#include <vector>

#include "ae/autoencoder.hpp"
#include "ae/data.hpp"
#include "ae/loss.hpp"

namespace ae {

constexpr std::size_t kInferenceChunk = 1024;

Matrix encode_all(Autoencoder& model, const Dataset& data);
Matrix reconstruct_all(Autoencoder& model, const Dataset& data);
Matrix decode_all(Autoencoder& model, ConstMatrixView embeddings);
// Per-sample error of each row under `loss`'s per-sample form (sse: sum of squares).
std::vector<float> per_sample_errors(Autoencoder& model, const Dataset& data, Loss loss);
// Throws Error(usage) naming the data's source when its width is not the model's input width.
void check_width(const Autoencoder& model, const Dataset& data);

}  // namespace ae
