// The ONNX export read back with a small protobuf reader: which nodes, inputs, outputs and
// initializers each part has, the weights stored bit for bit, the normaliser's nodes, and
// the options it refuses. Running the files is tests/onnx/check_export.py's work.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "ae/data.hpp"
#include "ae/error.hpp"
#include "ae/onnx.hpp"
#include "ae/random.hpp"
#include "onnx_reader.hpp"

namespace ae {
namespace {

using test::Exported;
using test::read_export;

std::string raw(const float* v, std::size_t n) { return std::string(reinterpret_cast<const char*>(v), n * sizeof(float)); }

class OnnxExport : public ::testing::Test {
 protected:
  OnnxExport() : model_(make_architecture(4, parse_layers("3:relu,2:sigmoid,3:tanh,4:linear"))) {
    Rng rng(5);
    model_.initialize(Init::glorot_uniform, rng);
    for (std::size_t l = 0; l < model_.layer_count(); ++l) {
      for (std::size_t o = 0; o < model_.architecture().layers[l].width; ++o) model_.bias(l)[o] = 0.1f * static_cast<float>(o + l);
    }
  }
  static OnnxScore zsae() {
    OnnxScore s;
    s.name = "zsae";
    s.weights = {1, 2, 3, 4};
    return s;
  }

  Autoencoder model_;
};

TEST_F(OnnxExport, FullExportIsNormaliserThenGemmAndActivationPerLayerThenScore) {
  ModelInfo info;
  info.normalizer.kind = Normalizer::bytes_255;
  OnnxOptions options;
  options.score = zsae();
  const Exported e = read_export(onnx_model(model_, info, options));
  EXPECT_EQ(e.ops, (std::vector<std::string>{"Mul", "Gemm", "Relu", "Gemm", "Sigmoid", "Gemm", "Tanh", "Gemm",
                                             "Sub", "Abs", "Mul", "ReduceSum"}));
  EXPECT_EQ(e.inputs, std::vector<std::string>{"input"});
  EXPECT_EQ(e.outputs, (std::vector<std::string>{"reconstruction", "embedding", "score"}));
  EXPECT_EQ(e.opset, 17u);
  EXPECT_EQ(e.ir_version, 8u);
}

TEST_F(OnnxExport, WeightsAndBiasesAreStoredBitForBitInTheirOutInLayout) {
  const Exported e = read_export(onnx_model(model_, ModelInfo{}, OnnxOptions{}));
  std::size_t found = 0;
  for (std::size_t l = 0; l < model_.layer_count(); ++l) {
    const std::size_t O = model_.architecture().layers[l].width, I = model_.architecture().in_width(l);
    for (const auto& [name, bytes] : e.initializers) {
      if (name == "layers." + std::to_string(l) + ".weight") found += bytes == raw(model_.weight(l), O * I);
      if (name == "layers." + std::to_string(l) + ".bias") found += bytes == raw(model_.bias(l), O);
    }
  }
  EXPECT_EQ(found, 2 * model_.layer_count());
}

TEST_F(OnnxExport, IdentityNormaliserAddsNoNodesAndNoScoreLeavesNoScoreNodes) {
  const Exported e = read_export(onnx_model(model_, ModelInfo{}, OnnxOptions{}));
  EXPECT_EQ(e.ops, (std::vector<std::string>{"Gemm", "Relu", "Gemm", "Sigmoid", "Gemm", "Tanh", "Gemm"}));
  EXPECT_EQ(e.outputs, (std::vector<std::string>{"reconstruction", "embedding"}));
}

TEST_F(OnnxExport, BytesNormaliserMultipliesByTheFloatDatasetUses) {
  ModelInfo info;
  info.normalizer.kind = Normalizer::bytes_255;
  const AffineMap map = normalizer_affine(info, 4);
  Dataset d;
  d.rows = 1;
  d.cols = 4;
  d.byte_data = true;
  d.bytes = {0, 1, 128, 255};
  float row[4];
  d.copy_rows(0, 1, row);
  for (std::size_t j = 0; j < 4; ++j) {
    EXPECT_EQ(static_cast<float>(d.bytes[j]) * map.scale[j] + map.shift[j], row[j]) << j;
  }
  EXPECT_TRUE(normalizer_affine(ModelInfo{}, 4).identity());
  EXPECT_TRUE(reconstruction_affine(info, 4).identity());
}

TEST_F(OnnxExport, PerColumnScalingIsTheNormaliserAndItsInverse) {
  ModelInfo info;
  info.normalizer = {Normalizer::standard, {1.5f, -20.0f, 0.0f}, {0.25f, 3.0f, 1.0f}};
  const AffineMap in = normalizer_affine(info, 3), out = reconstruction_affine(info, 3);
  float rows[3] = {2.0f, 7.0f, -0.5f};
  float scaled[3] = {2.0f, 7.0f, -0.5f};
  normalize(MatrixView{scaled, 1, 3}, info.normalizer);
  for (std::size_t j = 0; j < 3; ++j) {
    EXPECT_NEAR(rows[j] * in.scale[j] + in.shift[j], scaled[j], 2e-6f * (1 + std::abs(scaled[j]))) << j;
  }
  float back[3] = {scaled[0], scaled[1], scaled[2]};
  denormalize(MatrixView{back, 1, 3}, info.normalizer);
  for (std::size_t j = 0; j < 3; ++j) EXPECT_EQ(scaled[j] * out.scale[j] + out.shift[j], back[j]) << j;
}

TEST_F(OnnxExport, EncoderStopsAtTheBottleneckAndDecoderStartsAfterIt) {
  OnnxOptions encoder;
  encoder.part = OnnxPart::encoder;
  encoder.reconstruction = false;
  const Exported e = read_export(onnx_model(model_, ModelInfo{}, encoder));
  EXPECT_EQ(e.ops, (std::vector<std::string>{"Gemm", "Relu", "Gemm", "Sigmoid"}));
  EXPECT_EQ(e.outputs, std::vector<std::string>{"embedding"});
  EXPECT_EQ(e.initializers.size(), 4u);

  OnnxOptions decoder;
  decoder.part = OnnxPart::decoder;
  decoder.embedding = false;
  const Exported d = read_export(onnx_model(model_, ModelInfo{}, decoder));
  EXPECT_EQ(d.ops, (std::vector<std::string>{"Gemm", "Tanh", "Gemm"}));
  EXPECT_EQ(d.inputs, std::vector<std::string>{"embedding"});
  EXPECT_EQ(d.outputs, std::vector<std::string>{"reconstruction"});
}

TEST_F(OnnxExport, ScoreFormsBecomeTheirNodes) {
  OnnxOptions options;
  options.reconstruction = options.embedding = false;
  OnnxScore max;
  max.reduce = OnnxScore::Reduce::max;
  options.score = max;
  std::vector<std::string> ops = read_export(onnx_model(model_, ModelInfo{}, options)).ops;
  EXPECT_EQ(std::vector<std::string>(ops.end() - 3, ops.end()), (std::vector<std::string>{"Sub", "Abs", "ReduceMax"}));
  OnnxScore mse;
  mse.term = OnnxScore::Term::square;
  mse.scale = 0.25;
  options.score = mse;
  ops = read_export(onnx_model(model_, ModelInfo{}, options)).ops;
  EXPECT_EQ(std::vector<std::string>(ops.end() - 4, ops.end()), (std::vector<std::string>{"Sub", "Mul", "ReduceSum", "Mul"}));
  OnnxScore bce;
  bce.term = OnnxScore::Term::bce;
  options.score = bce;
  ops = read_export(onnx_model(model_, ModelInfo{}, options)).ops;
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "Log"), 2);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "Clip"), 2);
}

TEST_F(OnnxExport, OpsetIsWrittenWithItsIrVersion) {
  OnnxOptions options;
  options.opset = 13;
  const Exported e = read_export(onnx_model(model_, ModelInfo{}, options));
  EXPECT_EQ(e.opset, 13u);
  EXPECT_EQ(e.ir_version, 7u);
}

TEST_F(OnnxExport, RefusesWhatItCannotWrite) {
  const auto kind_of = [&](const OnnxOptions& o) {
    try {
      onnx_model(model_, ModelInfo{}, o);
    } catch (const Error& e) {
      return e.kind();
    }
    return ErrorKind::internal;
  };
  OnnxOptions o;
  o.opset = 12;
  EXPECT_EQ(kind_of(o), ErrorKind::usage);
  o.opset = 18;
  EXPECT_EQ(kind_of(o), ErrorKind::usage);
  OnnxOptions encoder;
  encoder.part = OnnxPart::encoder;  // still asks for the reconstruction
  EXPECT_EQ(kind_of(encoder), ErrorKind::usage);
  OnnxOptions decoder;
  decoder.part = OnnxPart::decoder;
  decoder.embedding = false;
  decoder.score = zsae();
  EXPECT_EQ(kind_of(decoder), ErrorKind::usage);
  OnnxOptions none;
  none.reconstruction = none.embedding = false;
  EXPECT_EQ(kind_of(none), ErrorKind::usage);
  OnnxOptions narrow;
  narrow.score = zsae();
  narrow.score->weights.pop_back();
  EXPECT_EQ(kind_of(narrow), ErrorKind::usage);
}

}  // namespace
}  // namespace ae
