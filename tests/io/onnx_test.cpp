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

namespace ae {
namespace {

// One protobuf field: its number and either a varint value or length-delimited bytes.
struct Field {
  int number = 0;
  std::uint64_t value = 0;
  std::string bytes;
};

std::uint64_t read_varint(std::string_view s, std::size_t& at) {
  std::uint64_t v = 0;
  for (int shift = 0; at < s.size(); shift += 7) {
    const auto b = static_cast<unsigned char>(s[at++]);
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  ADD_FAILURE() << "varint runs past the end";
  return v;
}

// The fields of one message (wire types 0, 2 and 5; a fixed32 is kept as its value).
std::vector<Field> fields(std::string_view s) {
  std::vector<Field> out;
  for (std::size_t at = 0; at < s.size();) {
    const std::uint64_t key = read_varint(s, at);
    Field f;
    f.number = static_cast<int>(key >> 3);
    switch (key & 7) {
      case 0: f.value = read_varint(s, at); break;
      case 2: {
        const std::uint64_t n = read_varint(s, at);
        if (at + n > s.size()) {
          ADD_FAILURE() << "field " << f.number << " runs past the end";
          return out;
        }
        f.bytes = std::string(s.substr(at, n));
        at += n;
        break;
      }
      case 5: {
        std::uint32_t bits = 0;
        std::memcpy(&bits, s.data() + at, 4);
        f.value = bits;
        at += 4;
        break;
      }
      default: ADD_FAILURE() << "unexpected wire type " << (key & 7); return out;
    }
    out.push_back(f);
  }
  return out;
}

std::vector<Field> all(const std::vector<Field>& fs, int number) {
  std::vector<Field> out;
  for (const Field& f : fs) {
    if (f.number == number) out.push_back(f);
  }
  return out;
}

Field one(const std::vector<Field>& fs, int number) {
  const std::vector<Field> found = all(fs, number);
  EXPECT_EQ(found.size(), 1u) << "field " << number;
  return found.empty() ? Field{} : found[0];
}

// What a test looks at in an exported file (onnx.proto's field numbers).
struct Exported {
  std::uint64_t ir_version = 0, opset = 0;
  std::vector<std::string> ops, inputs, outputs;
  std::vector<std::pair<std::string, std::string>> initializers;  // name, raw bytes
};

Exported read_export(const std::string& bytes) {
  Exported e;
  const std::vector<Field> model = fields(bytes);
  e.ir_version = one(model, 1).value;
  e.opset = one(fields(one(model, 8).bytes), 2).value;
  const std::vector<Field> graph = fields(one(model, 7).bytes);
  for (const Field& n : all(graph, 1)) e.ops.push_back(one(fields(n.bytes), 4).bytes);
  for (const Field& i : all(graph, 11)) e.inputs.push_back(one(fields(i.bytes), 1).bytes);
  for (const Field& o : all(graph, 12)) e.outputs.push_back(one(fields(o.bytes), 1).bytes);
  for (const Field& t : all(graph, 5)) {
    const std::vector<Field> tensor = fields(t.bytes);
    e.initializers.emplace_back(one(tensor, 8).bytes, one(tensor, 9).bytes);
  }
  return e;
}

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
  info.normalizer = Normalizer::bytes_255;
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
  info.normalizer = Normalizer::bytes_255;
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
