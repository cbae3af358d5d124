// ONNX export of a model: Gemm(transB=1) + activation per layer on the model's own [out, in]
// weights, the normaliser as the first nodes, a symbolic batch dimension, and as outputs
// the reconstruction, the embedding and a per-sample score. The score's formula comes from
// src/score (onnx_score); this layer only turns a described reduction into nodes. Nothing
// here runs a model.
#pragma once
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ae/autoencoder.hpp"
#include "ae/model_file.hpp"
#include "ae/names.hpp"

namespace ae {

// x' = x * scale + shift, per column (D values each).
struct AffineMap {
  std::vector<float> scale, shift;
  bool identity() const;
};

// How the model's normaliser turns a value as stored in the user's file (a byte as its
// value 0..255) into the model's input: identity 1, 0; bytes_255 1/255, 0 (the float Dataset
// multiplies by). The one place an export learns a normaliser's arithmetic.
AffineMap normalizer_affine(const ModelInfo& info, std::size_t D);
// The map from the model's output to the units `ae reconstruct` and `ae decode` write: today
// the model's own units for every normaliser (byte data is written as value / 255). A
// normaliser whose reconstructions are written in data units returns the inverse of
// normalizer_affine here (scale 1/s, shift -t/s).
AffineMap reconstruction_affine(const ModelInfo& info, std::size_t D);

// A per-sample score as a reduction over the D features of r = x - y, x the normalised input
// and y the reconstruction (both in the model's units):
//   score = scale * reduce_j w_j * term(x_j, y_j)
// term: abs |r|, square r^2, or bce -(x log p + (1 - x) log q) with p = clip(y) and
// q = clip(1 - y) to [bce_clip, 1 - bce_clip] (as float).
struct OnnxScore {
  enum class Term { abs, square, bce };
  enum class Reduce { sum, max };
  std::string name;            // stored in the file's metadata as ae.score
  Term term = Term::abs;
  Reduce reduce = Reduce::sum;
  std::vector<float> weights;  // (D), or empty for all ones
  double scale = 1;
  double bce_clip = 1e-7;
};

enum class OnnxPart { full, encoder, decoder };
inline constexpr std::array<NameEntry<OnnxPart>, 3> kOnnxPartNames{{
    {OnnxPart::full, "full"}, {OnnxPart::encoder, "encoder"}, {OnnxPart::decoder, "decoder"}}};

// The opsets written: 13 (the first with ReduceSum's axes as an input) to 17 (the newest
// that Debian's onnx 1.12 checks); from 18 on, the other reductions take axes as inputs too.
constexpr int kOnnxOpsetMin = 13, kOnnxOpsetMax = 17;

struct OnnxOptions {
  // full: input "input" (N, D) as stored in the data file; encoder: the same input, the
  // embedding out; decoder: input "embedding" (N, K), the reconstruction out.
  OnnxPart part = OnnxPart::full;
  bool reconstruction = true;     // output "reconstruction" (N, D) (full, decoder)
  bool embedding = true;          // output "embedding" (N, K) (full, encoder)
  std::optional<OnnxScore> score; // output "score" (N) (full only)
  int opset = kOnnxOpsetMax;
  // Extra metadata_props entries (key, value).
  std::vector<std::pair<std::string, std::string>> metadata;
};

// The ONNX ModelProto bytes. Throws Error(usage) for an opset outside [kOnnxOpsetMin,
// kOnnxOpsetMax], an output the part cannot give, no output at all, score weights of the
// wrong width, or a model too large for one protobuf message (2 GiB).
std::string onnx_model(const Autoencoder& model, const ModelInfo& info, const OnnxOptions& options);
// onnx_model written atomically to path (Error(cannot_create) / Error(io)).
void write_onnx(const std::string& path, const Autoencoder& model, const ModelInfo& info,
                const OnnxOptions& options);

}  // namespace ae
