// ONNX export: the ModelProto of a model, written with the small protobuf writer in
// io/protobuf.hpp rather than with Debian's libonnx-dev + libprotobuf-dev. A few fields of
// nine messages are needed (numbers from onnx.proto); the writer is under 100 lines, the
// build and CI gain no dependency, and every kind of file is checked by onnx.checker and run
// in ONNX Runtime by the tests (tests/onnx/). Reading ONNX files is not supported.
#include "ae/onnx.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include "ae/atomic_file.hpp"
#include "ae/error.hpp"
#include "io/protobuf.hpp"

namespace ae {
namespace {

// onnx.proto's field numbers, by message.
namespace field {
constexpr int model_ir_version = 1, model_producer_name = 2, model_producer_version = 3,
              model_doc_string = 6, model_graph = 7, model_opset_import = 8,
              model_metadata_props = 14;
constexpr int opset_domain = 1, opset_version = 2;
constexpr int entry_key = 1, entry_value = 2;
constexpr int graph_node = 1, graph_name = 2, graph_initializer = 5, graph_input = 11,
              graph_output = 12;
constexpr int node_input = 1, node_output = 2, node_name = 3, node_op_type = 4,
              node_attribute = 5;
constexpr int attribute_name = 1, attribute_f = 2, attribute_i = 3, attribute_ints = 8,
              attribute_type = 20;
constexpr int tensor_dims = 1, tensor_data_type = 2, tensor_name = 8, tensor_raw_data = 9;
constexpr int value_info_name = 1, value_info_type = 2;
constexpr int type_tensor_type = 1, tensor_type_elem_type = 1, tensor_type_shape = 2;
constexpr int shape_dim = 1, dim_value = 1, dim_param = 2;
}  // namespace field

// AttributeProto.AttributeType and TensorProto.DataType values.
constexpr int kAttributeFloat = 1, kAttributeInt = 2, kAttributeInts = 7;
constexpr int kFloat = 1, kInt64 = 7;
// The batch dimension's name in every input and output.
constexpr const char* kBatch = "N";

struct Attribute {
  std::string name;
  enum class Kind { f, i, ints } kind = Kind::i;
  double f = 0;
  std::vector<std::int64_t> ints;  // one value for Kind::i
};

Attribute int_attribute(std::string name, std::int64_t v) { return {std::move(name), Attribute::Kind::i, 0, {v}}; }
Attribute float_attribute(std::string name, double v) { return {std::move(name), Attribute::Kind::f, v, {}}; }
Attribute ints_attribute(std::string name, std::vector<std::int64_t> v) {
  return {std::move(name), Attribute::Kind::ints, 0, std::move(v)};
}

proto::Writer attribute_proto(const Attribute& a) {
  proto::Writer w;
  w.bytes_field(field::attribute_name, a.name);
  switch (a.kind) {
    case Attribute::Kind::f:
      w.float_field(field::attribute_f, static_cast<float>(a.f));
      w.varint_field(field::attribute_type, kAttributeFloat);
      break;
    case Attribute::Kind::i:
      w.varint_field(field::attribute_i, a.ints.at(0));
      w.varint_field(field::attribute_type, kAttributeInt);
      break;
    case Attribute::Kind::ints:
      for (std::int64_t v : a.ints) w.varint_field(field::attribute_ints, v);
      w.varint_field(field::attribute_type, kAttributeInts);
      break;
  }
  return w;
}

// A float tensor (data: product of dims values) or an int64 one, little-endian raw_data.
proto::Writer tensor_proto(const std::string& name, const std::vector<std::int64_t>& dims,
                           const void* data, std::size_t bytes, int data_type) {
  proto::Writer w;
  w.packed_varint_field(field::tensor_dims, dims);
  w.varint_field(field::tensor_data_type, data_type);
  w.bytes_field(field::tensor_name, name);
  w.bytes_field(field::tensor_raw_data, std::string_view(static_cast<const char*>(data), bytes));
  return w;
}

// A float tensor value (N, width...) with N symbolic; no width for a (N) vector.
proto::Writer value_info(const std::string& name, std::optional<std::size_t> width) {
  proto::Writer shape;
  proto::Writer batch;
  batch.bytes_field(field::dim_param, kBatch);
  shape.message_field(field::shape_dim, batch);
  if (width) {
    proto::Writer d;
    d.varint_field(field::dim_value, static_cast<std::int64_t>(*width));
    shape.message_field(field::shape_dim, d);
  }
  proto::Writer tensor;
  tensor.varint_field(field::tensor_type_elem_type, kFloat);
  tensor.message_field(field::tensor_type_shape, shape);
  proto::Writer type;
  type.message_field(field::type_tensor_type, tensor);
  proto::Writer w;
  w.bytes_field(field::value_info_name, name);
  w.message_field(field::value_info_type, type);
  return w;
}

// The graph under construction: nodes and initializers in the order they are added.
class Graph {
 public:
  // Adds a node; returns its output's name (`out`, or a fresh name when empty).
  std::string node(const std::string& op, const std::vector<std::string>& inputs,
                   std::string out = {}, const std::vector<Attribute>& attributes = {}) {
    if (out.empty()) out = "t" + std::to_string(names_++);
    proto::Writer n;
    for (const auto& in : inputs) n.bytes_field(field::node_input, in);
    n.bytes_field(field::node_output, out);
    n.bytes_field(field::node_name, op + "_" + std::to_string(nodes_++));
    n.bytes_field(field::node_op_type, op);
    for (const auto& a : attributes) n.message_field(field::node_attribute, attribute_proto(a));
    graph_.message_field(field::graph_node, n);
    return out;
  }

  std::string floats(const std::string& name, const std::vector<std::int64_t>& dims, const float* data,
                     std::size_t count) {
    graph_.message_field(field::graph_initializer, tensor_proto(name, dims, data, count * sizeof(float), kFloat));
    return name;
  }
  std::string scalar(const std::string& name, float v) { return floats(name, {}, &v, 1); }
  std::string vector(const std::string& name, const std::vector<float>& v) {
    return floats(name, {static_cast<std::int64_t>(v.size())}, v.data(), v.size());
  }

  // ReduceSum/ReduceMax over the features of a (N, D) value, giving (N). ReduceSum takes
  // its axes as an input from opset 13, ReduceMax as an attribute until opset 17.
  std::string reduce_features(const std::string& op, const std::string& x, const std::string& out) {
    if (op == "ReduceSum") {
      if (axes_.empty()) {
        const std::int64_t one = 1;
        axes_ = "features_axis";
        graph_.message_field(field::graph_initializer, tensor_proto(axes_, {1}, &one, sizeof one, kInt64));
      }
      return node(op, {x, axes_}, out, {int_attribute("keepdims", 0)});
    }
    return node(op, {x}, out, {ints_attribute("axes", {1}), int_attribute("keepdims", 0)});
  }

  // y = x * scale + shift, leaving out the parts that change nothing.
  std::string affine(const std::string& x, const AffineMap& map, const std::string& prefix, const std::string& out) {
    bool unit = true, zero = true;
    for (float s : map.scale) unit = unit && s == 1.0f;
    for (float t : map.shift) zero = zero && t == 0.0f;
    std::string y = x;
    if (!unit) y = node("Mul", {y, vector(prefix + ".scale", map.scale)}, zero ? out : std::string());
    if (!zero) y = node("Add", {y, vector(prefix + ".shift", map.shift)}, out);
    return y;
  }

  void input(const std::string& name, std::size_t width) { graph_.message_field(field::graph_input, value_info(name, width)); }
  void output(const std::string& name, std::optional<std::size_t> width) {
    graph_.message_field(field::graph_output, value_info(name, width));
  }
  proto::Writer finish() {
    graph_.bytes_field(field::graph_name, "ae");
    return graph_;
  }

 private:
  proto::Writer graph_;
  std::string axes_;
  std::size_t nodes_ = 0, names_ = 0;
};

std::string activation(Graph& g, Activation act, const std::string& x, const std::string& out) {
  switch (act) {
    case Activation::linear: return x;
    case Activation::relu: return g.node("Relu", {x}, out);
    case Activation::leaky_relu: return g.node("LeakyRelu", {x}, out, {float_attribute("alpha", 0.01)});
    case Activation::elu: return g.node("Elu", {x}, out, {float_attribute("alpha", 1.0)});
    case Activation::tanh: return g.node("Tanh", {x}, out);
    case Activation::sigmoid: return g.node("Sigmoid", {x}, out);
    case Activation::softplus: return g.node("Softplus", {x}, out);
  }
  return x;
}

// Layers [first, last) from x; the bottleneck's output is named "embedding" and the last
// layer's `out`.
// A variational model exports its mean path: the bottleneck's first K weight rows and
// biases (the mean; the log-variance rows follow them), so the graph computes what encode
// and reconstruct do.
std::string layers(Graph& g, const Autoencoder& model, std::size_t first, std::size_t last, std::string x,
                   const std::string& out) {
  const Architecture& arch = model.architecture();
  for (std::size_t l = first; l < last; ++l) {
    const std::size_t I = arch.in_width(l), O = arch.layers[l].width;
    const auto i = static_cast<std::int64_t>(I), o = static_cast<std::int64_t>(O);
    const std::string p = "layers." + std::to_string(l);
    const std::string w = g.floats(p + ".weight", {o, i}, model.weight(l), O * I);
    const std::string b = g.floats(p + ".bias", {o}, model.bias(l), O);
    const std::string name = l == arch.bottleneck ? "embedding" : l + 1 == last ? out : p + ".output";
    const bool linear = arch.layers[l].activation == Activation::linear;
    x = g.node("Gemm", {x, w, b}, linear ? name : std::string(), {int_attribute("transB", 1)});
    x = activation(g, arch.layers[l].activation, x, name);
  }
  return x;
}

std::string score_nodes(Graph& g, const OnnxScore& s, const std::string& x, const std::string& y) {
  std::string t;
  if (s.term == OnnxScore::Term::bce) {
    const std::string lo = g.scalar("score.clip_low", static_cast<float>(s.bce_clip));
    const std::string hi = g.scalar("score.clip_high", static_cast<float>(1.0 - s.bce_clip));
    const std::string one = g.scalar("score.one", 1.0f);
    const std::string log_p = g.node("Log", {g.node("Clip", {y, lo, hi})});
    const std::string log_q = g.node("Log", {g.node("Clip", {g.node("Sub", {one, y}), lo, hi})});
    const std::string sum = g.node("Add", {g.node("Mul", {x, log_p}), g.node("Mul", {g.node("Sub", {one, x}), log_q})});
    t = g.node("Neg", {sum});
  } else {
    const std::string r = g.node("Sub", {x, y});
    t = s.term == OnnxScore::Term::abs ? g.node("Abs", {r}) : g.node("Mul", {r, r});
  }
  if (!s.weights.empty()) t = g.node("Mul", {t, g.vector("score.weights", s.weights)});
  const bool scaled = s.scale != 1.0;
  const std::string reduced = g.reduce_features(s.reduce == OnnxScore::Reduce::sum ? "ReduceSum" : "ReduceMax", t,
                                                scaled ? std::string() : "score");
  if (!scaled) return reduced;
  return g.node("Mul", {reduced, g.scalar("score.scale", static_cast<float>(s.scale))}, "score");
}

void check(const Autoencoder& model, const OnnxOptions& o) {
  const auto bad = [](const std::string& why) { throw Error(ErrorKind::usage, "ONNX export: " + why); };
  if (o.opset < kOnnxOpsetMin || o.opset > kOnnxOpsetMax) {
    bad("opset " + std::to_string(o.opset) + " is not supported (" + std::to_string(kOnnxOpsetMin) + " to " +
        std::to_string(kOnnxOpsetMax) + ")");
  }
  if (o.part == OnnxPart::encoder && (o.reconstruction || o.score)) bad("the encoder part gives the embedding only");
  if (o.part == OnnxPart::decoder && (o.embedding || o.score)) bad("the decoder part gives the reconstruction only");
  if (!o.reconstruction && !o.embedding && !o.score) bad("no output chosen");
  const std::size_t D = model.architecture().input;
  if (o.score && !o.score->weights.empty() && o.score->weights.size() != D) {
    bad("score weights have " + std::to_string(o.score->weights.size()) + " values for " + std::to_string(D) + " features");
  }
  // Weights and biases as raw float bytes, plus a margin for the graph around them.
  const std::size_t bytes = model.parameters().size() * sizeof(float) + 2 * D * sizeof(float);
  if (bytes > (std::size_t{1} << 31) - (std::size_t{1} << 20)) {
    bad("the model's " + std::to_string(bytes) + " bytes of parameters exceed what one protobuf message holds (2 GiB)");
  }
}

}  // namespace

bool AffineMap::identity() const {
  for (float s : scale) if (s != 1.0f) return false;
  for (float t : shift) if (t != 0.0f) return false;
  return true;
}

AffineMap normalizer_affine(const ModelInfo& info, std::size_t D) {
  const Normalization& n = info.normalizer;
  switch (n.kind) {
    case Normalizer::identity: return {std::vector<float>(D, 1.0f), std::vector<float>(D, 0.0f)};
    case Normalizer::bytes_255: return {std::vector<float>(D, 1.0f / 255.0f), std::vector<float>(D, 0.0f)};
    case Normalizer::standard:
    case Normalizer::minmax:
    case Normalizer::robust: {
      // (x - center) / scale as x * (1 / scale) + (-center / scale): within a float rounding
      // or two of normalize().
      AffineMap m{std::vector<float>(D), std::vector<float>(D)};
      for (std::size_t c = 0; c < D; ++c) {
        m.scale[c] = 1.0f / n.scale[c];
        m.shift[c] = -n.center[c] / n.scale[c];
      }
      return m;
    }
  }
  throw Error(ErrorKind::internal, "normalizer_affine: unknown normalizer");
}

AffineMap reconstruction_affine(const ModelInfo& info, std::size_t D) {
  switch (info.normalizer.kind) {
    case Normalizer::identity:
    case Normalizer::bytes_255: return {std::vector<float>(D, 1.0f), std::vector<float>(D, 0.0f)};
    // denormalize(): x * scale + center, the same two operations.
    case Normalizer::standard:
    case Normalizer::minmax:
    case Normalizer::robust: return {info.normalizer.scale, info.normalizer.center};
  }
  throw Error(ErrorKind::internal, "reconstruction_affine: unknown normalizer");
}

std::string onnx_model(const Autoencoder& model, const ModelInfo& info, const OnnxOptions& o) {
  check(model, o);
  const Architecture& arch = model.architecture();
  const std::size_t D = arch.input, K = arch.embedding_width(), L = model.layer_count();
  Graph g;
  const AffineMap back = reconstruction_affine(info, D);
  const std::string y_name = back.identity() ? "reconstruction" : "decoded";
  if (o.part == OnnxPart::decoder) {
    g.input("embedding", K);
    const std::string y = layers(g, model, arch.bottleneck + 1, L, "embedding", y_name);
    g.affine(y, back, "reconstruction", "reconstruction");
  } else {
    g.input("input", D);
    const std::string x = g.affine("input", normalizer_affine(info, D), "normalizer", "normalized");
    const bool need_y = o.reconstruction || o.score;
    const std::string y = layers(g, model, 0, need_y ? L : arch.bottleneck + 1, x, y_name);
    if (o.reconstruction) g.affine(y, back, "reconstruction", "reconstruction");
    if (o.score) score_nodes(g, *o.score, x, y);
  }
  if (o.reconstruction) g.output("reconstruction", D);
  if (o.embedding) g.output("embedding", K);
  if (o.score) g.output("score", std::nullopt);

  proto::Writer m;
  m.varint_field(field::model_ir_version, o.opset <= 14 ? 7 : 8);
  m.bytes_field(field::model_producer_name, "ae");
  m.bytes_field(field::model_producer_version, "0.1.0");
  m.bytes_field(field::model_doc_string,
                "Dense autoencoder exported by ae. Input: rows as stored in the data file (bytes as their "
                "values 0-255), float32. Outputs: reconstruction in the units ae reconstruct writes, "
                "embedding as ae encode writes, score as ae score gives.");
  m.message_field(field::model_graph, g.finish());
  proto::Writer opset;
  opset.bytes_field(field::opset_domain, "");
  opset.varint_field(field::opset_version, o.opset);
  m.message_field(field::model_opset_import, opset);
  std::vector<std::pair<std::string, std::string>> metadata{
      {"ae.part", std::string(name_of(kOnnxPartNames, o.part))},
      {"ae.architecture", arch.spec()},
      {"ae.normalizer", std::string(name_of(kNormalizerNames, info.normalizer.kind))}};
  if (o.score) metadata.emplace_back("ae.score", o.score->name);
  metadata.insert(metadata.end(), o.metadata.begin(), o.metadata.end());
  for (const auto& [key, value] : metadata) {
    proto::Writer entry;
    entry.bytes_field(field::entry_key, key);
    entry.bytes_field(field::entry_value, value);
    m.message_field(field::model_metadata_props, entry);
  }
  return m.bytes();
}

void write_onnx(const std::string& path, const Autoencoder& model, const ModelInfo& info, const OnnxOptions& options) {
  write_file_atomic(path, onnx_model(model, info, options));
}

}  // namespace ae
