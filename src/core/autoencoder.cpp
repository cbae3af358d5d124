// Architecture parsing and summary, and the autoencoder's forward and backward passes.
// The passes only sequence kernel calls; every loop over batch x width lives in kernels/.
#include "ae/autoencoder.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <sstream>
#include <type_traits>

#include "ae/error.hpp"
#include "ae/format.hpp"
#include "ae/random.hpp"
#include "kernels/gemm_dnnl.hpp"
#include "kernels/kernels.hpp"

namespace ae {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::size_t Architecture::parameter_count() const {
  std::size_t total = 0;
  for (std::size_t l = 0; l < layers.size(); ++l) total += (in_width(l) + 1) * out_width(l);
  return total;
}

std::string Architecture::spec() const {
  std::string out;
  for (const auto& layer : layers) {
    if (!out.empty()) out += ',';
    out += std::to_string(layer.width) + ":" + std::string(activation_name(layer.activation));
  }
  return out;
}

std::vector<LayerSpec> parse_layers(std::string_view spec) {
  std::vector<LayerSpec> layers;
  if (trim(spec).empty()) throw Error(ErrorKind::usage, "layer spec is empty (example: 128:relu,8:sigmoid,128:relu,784:sigmoid)");
  std::size_t start = 0;
  while (start <= spec.size()) {
    const std::size_t comma = std::min(spec.find(',', start), spec.size());
    const std::string_view token = trim(spec.substr(start, comma - start));
    const auto bad = [&](const std::string& why) {
      return Error(ErrorKind::usage, "layer spec token " + std::to_string(layers.size() + 1) +
                                         " '" + std::string(token) + "': " + why +
                                         " (expected WIDTH:ACTIVATION, e.g. 128:relu)");
    };
    if (token.empty()) throw bad("empty");
    const std::size_t colon = token.find(':');
    const std::string_view width_text = colon == std::string_view::npos ? token : token.substr(0, colon);
    std::size_t width = 0;
    const auto [end, ec] = std::from_chars(width_text.data(), width_text.data() + width_text.size(), width);
    if (ec != std::errc() || end != width_text.data() + width_text.size()) throw bad("width is not a whole number");
    if (width == 0) throw bad("width must be at least 1");
    if (width > 1'000'000) throw bad("width is larger than 1,000,000");
    LayerSpec layer{width, Activation::linear};
    if (colon != std::string_view::npos) {
      try {
        layer.activation = parse_activation(trim(token.substr(colon + 1)));
      } catch (const Error& e) {
        throw bad(e.what());
      }
    }
    layers.push_back(layer);
    start = comma + 1;
  }
  return layers;
}

std::vector<LayerSpec> default_layers(std::size_t input, bool unit_range_output) {
  if (input == 0) throw Error(ErrorKind::usage, "the data has no columns");
  const std::size_t K = std::clamp<std::size_t>((input + 2) / 4, 1, 32);
  const std::size_t H = std::min(2 * K, input);
  return {{H, Activation::relu}, {K, Activation::linear}, {H, Activation::relu},
          {input, unit_range_output ? Activation::sigmoid : Activation::linear}};
}

Architecture make_architecture(std::size_t input, std::vector<LayerSpec> layers,
                               std::optional<std::size_t> bottleneck, ModelKind kind) {
  if (input == 0) throw Error(ErrorKind::usage, "input width must be at least 1");
  if (layers.size() < 2) throw Error(ErrorKind::usage, "an autoencoder needs at least two layers (an encoder and a decoder)");
  if (layers.size() > kMaxLayers) {
    throw Error(ErrorKind::usage, std::to_string(layers.size()) + " layers; at most " + format_count(kMaxLayers) + " are allowed");
  }
  if (layers.back().width != input) {
    throw Error(ErrorKind::usage, "the last layer has width " + std::to_string(layers.back().width) +
                                      " but the input has width " + std::to_string(input) +
                                      "; the output must rebuild the input");
  }
  Architecture arch{input, std::move(layers), 0, kind};
  if (const std::size_t parameters = arch.parameter_count(); parameters > kMaxParameters) {
    // Weights, gradients and two optimiser moments: 16 bytes per parameter.
    throw Error(ErrorKind::usage, "the layers hold " + format_count(parameters) + " parameters (" +
                                      format_count(parameters / 62'500'000) +
                                      " GB with gradients and optimiser moments); at most " +
                                      format_count(kMaxParameters) + " are allowed");
  }
  if (bottleneck) {
    if (*bottleneck + 1 >= arch.layers.size()) {
      throw Error(ErrorKind::usage, "bottleneck layer " + std::to_string(*bottleneck + 1) +
                                        " must come before the last layer");
    }
    arch.bottleneck = *bottleneck;
  } else {
    // Narrowest of all layers but the output; the first on ties.
    for (std::size_t l = 1; l + 1 < arch.layers.size(); ++l) {
      if (arch.layers[l].width < arch.layers[arch.bottleneck].width) arch.bottleneck = l;
    }
  }
  if (arch.variational() && arch.layers[arch.bottleneck].activation != Activation::linear) {
    throw Error(ErrorKind::usage, "the embedding layer (layer " + std::to_string(arch.bottleneck + 1) + ", " +
                                      std::string(activation_name(arch.layers[arch.bottleneck].activation)) +
                                      ") of a variational model must be linear: it gives a mean and a log-variance");
  }
  return arch;
}

std::string summary(const Architecture& arch) {
  struct Row {
    std::string name, activation, shape, params;
  };
  std::vector<Row> rows;
  rows.push_back({"input", "", "(None, " + std::to_string(arch.input) + ")", "0"});
  for (std::size_t l = 0; l < arch.layers.size(); ++l) {
    const auto& layer = arch.layers[l];
    std::string name = "dense_" + std::to_string(l + 1);
    if (l == arch.bottleneck) name += arch.variational() ? " (mean, log-var)" : " (embedding)";
    else name += l < arch.bottleneck ? " (encoder)" : " (decoder)";
    rows.push_back({name, std::string(activation_name(layer.activation)),
                    "(None, " + std::to_string(arch.out_width(l)) + ")",
                    format_count((arch.in_width(l) + 1) * arch.out_width(l))});
  }
  std::size_t w0 = 12, w1 = 10, w2 = 12, w3 = 7;
  for (const auto& r : rows) {
    w0 = std::max(w0, r.name.size());
    w1 = std::max(w1, r.activation.size());
    w2 = std::max(w2, r.shape.size());
    w3 = std::max(w3, r.params.size());
  }
  std::ostringstream out;
  const auto line = [&](const std::string& a, const std::string& b, const std::string& c, const std::string& d) {
    out << a << std::string(w0 + 2 - a.size(), ' ') << b << std::string(w1 + 2 - b.size(), ' ')
        << c << std::string(w2 + 2 - c.size(), ' ') << std::string(w3 - d.size(), ' ') << d << '\n';
  };
  const std::string rule_heavy(w0 + w1 + w2 + w3 + 6, '=');
  out << "Model: " << (arch.variational() ? "variational autoencoder " : "autoencoder ") << arch.input << "-";
  for (std::size_t l = 0; l < arch.layers.size(); ++l) out << arch.layers[l].width << (l + 1 < arch.layers.size() ? "-" : "\n");
  out << rule_heavy << '\n';
  line("Layer", "Activation", "Output Shape", "Param #");
  out << rule_heavy << '\n';
  for (const auto& r : rows) line(r.name, r.activation, r.shape, r.params);
  out << rule_heavy << '\n';
  std::size_t encoder = 0;
  for (std::size_t l = 0; l <= arch.bottleneck; ++l) encoder += (arch.in_width(l) + 1) * arch.out_width(l);
  const std::size_t total = arch.parameter_count();
  out << "Total params: " << format_count(total) << '\n';
  out << "Trainable params: " << format_count(total) << '\n';
  out << "Encoder: " << arch.input << " -> " << arch.embedding_width() << " (layers 1-"
      << arch.bottleneck + 1 << ", " << format_count(encoder) << " params); decoder: "
      << arch.embedding_width() << " -> " << arch.input << " (layers " << arch.bottleneck + 2
      << "-" << arch.layers.size() << ", " << format_count(total - encoder) << " params)\n";
  return out.str();
}

template <class T>
BasicAutoencoder<T>::BasicAutoencoder(Architecture arch) : arch_(std::move(arch)) {
  std::size_t offset = 0;
  for (std::size_t l = 0; l < arch_.layers.size(); ++l) {
    offsets_.push_back(offset);
    offset += (arch_.in_width(l) + 1) * arch_.out_width(l);
  }
  params_.assign(offset, T(0));
  grads_.assign(offset, T(0));
}

template <class T>
void BasicAutoencoder<T>::zero_gradients() {
  std::fill(grads_.begin(), grads_.end(), T(0));
}

template <class T>
void BasicAutoencoder<T>::initialize(Init init, Rng& rng) {
  for (std::size_t l = 0; l < arch_.layers.size(); ++l) {
    const double fan_in = static_cast<double>(arch_.in_width(l));
    const double fan_out = static_cast<double>(arch_.out_width(l));
    double limit = 0;
    Init kind = init;
    if (kind == Init::by_activation) {
      const auto rectified = [](Activation a) { return a == Activation::relu || a == Activation::leaky_relu || a == Activation::elu; };
      const bool reads_rectified = l > 0 && rectified(arch_.layers[l - 1].activation);
      kind = rectified(arch_.layers[l].activation) || reads_rectified ? Init::he_uniform : Init::glorot_uniform;
    }
    switch (kind) {
      case Init::by_activation: break;
      case Init::glorot_uniform: limit = std::sqrt(6.0 / (fan_in + fan_out)); break;
      case Init::he_uniform: limit = std::sqrt(6.0 / fan_in); break;
      case Init::lecun_uniform: limit = std::sqrt(3.0 / fan_in); break;
    }
    T* w = weight(l);
    for (std::size_t i = 0; i < weight_size(l); ++i) w[i] = static_cast<T>(rng.uniform(-limit, limit));
    std::fill(bias(l), bias(l) + arch_.out_width(l), T(0));
  }
}

template <class T>
void BasicAutoencoder<T>::reserve(Workspace<T>& ws, std::size_t rows) const {
  // The layer outputs only: a forward-only workspace (inference) never needs the gradient
  // buffers, which backward() sizes on its first call.
  if (rows <= ws.capacity && ws.outputs.size() == arch_.layers.size()) return;
  ws.outputs.resize(arch_.layers.size());
  for (std::size_t l = 0; l < arch_.layers.size(); ++l) ws.outputs[l].assign(rows * arch_.out_width(l), T(0));
  if (arch_.variational()) ws.latent.assign(rows * arch_.embedding_width(), T(0));
  ws.capacity = rows;
}

namespace {

template <class T>
void grow(T& v, std::size_t n) {
  if (v.size() < n) v.resize(n);
}

}  // namespace

template <class T>
void BasicAutoencoder<T>::set_precision(Precision p) {
  if (p == Precision::bf16 && !std::is_same_v<T, float>) {
    throw Error(ErrorKind::usage, "bf16 precision needs a float model");
  }
  require_precision(p);
  precision_ = p;
}

template <class T>
bool BasicAutoencoder<T>::compress_input(BasicMatrixView<const T> x, std::size_t O, Workspace<T>& ws) const {
  const std::size_t B = x.rows, I = x.cols;
  // bf16 GEMMs are faster than fp32 ones, so fewer inputs are sparse enough to pay off.
  const double max_density = bf16() ? std::min(ws.sparse_density, kernels::kSparseDensityBf16) : ws.sparse_density;
  if (max_density <= 0 || !kernels::sparse_pays_off(0, B, I, O, 1.0)) return false;
  const std::size_t nnz = kernels::count_nonzero(x.data, B * I);
  if (!kernels::sparse_pays_off(nnz, B, I, O, max_density)) return false;
  auto& s = ws.sparse;
  grow(s.rows.start, B + 1);
  grow(s.rows.index, nnz + 8);  // compress_rows stores whole vectors past the last nonzero
  grow(s.rows.values, nnz + 8);
  kernels::compress_rows(x.data, B, I, s.rows.start.data(), s.rows.index.data(), s.rows.values.data());
  grow(s.panel, kernels::kSparseBlock * kernels::kSparsePanel);
  grow(s.cursor, std::max(B, I));
  return true;
}

template <class T>
bool BasicAutoencoder<T>::dropout_at(const Workspace<T>& ws, std::size_t l, std::size_t rows) const {
  if (l >= ws.masks.size() || ws.masks[l].empty()) return false;
  if (ws.masks[l].size() < rows * arch_.layers[l].width) {
    throw Error(ErrorKind::internal, "forward: dropout mask smaller than the batch");
  }
  return true;
}

template <class T>
void BasicAutoencoder<T>::embedding_forward(std::size_t B, Workspace<T>& ws) const {
  const std::size_t l = arch_.bottleneck, K = arch_.embedding_width();
  const T* h = ws.outputs[l].data();
  ws.penalty = 0;
  if (!arch_.variational()) {
    if (ws.activity_l1 != T(0)) ws.penalty = static_cast<double>(ws.activity_l1) * kernels::l1_sum(h, B * K);
    return;
  }
  const bool sampled = !ws.latent_noise.empty();
  if (sampled && ws.latent_noise.size() < B * K) throw Error(ErrorKind::internal, "forward: latent noise smaller than the batch");
  kernels::latent_sample(h, sampled ? ws.latent_noise.data() : nullptr, ws.latent.data(), B, K);
  if (ws.kl_weight != T(0)) ws.penalty = static_cast<double>(ws.kl_weight) * kernels::latent_kl<T>(h, B, K, nullptr);
}

template <class T>
T* BasicAutoencoder<T>::embedding_backward(T* dh, std::size_t B, Workspace<T>& ws) const {
  const std::size_t l = arch_.bottleneck, K = arch_.embedding_width();
  const T* h = ws.outputs[l].data();
  if (!arch_.variational()) {
    if (ws.activity_l1 != T(0)) kernels::l1_gradient_add(h, dh, B * K, ws.activity_l1);
    return dh;
  }
  kernels::latent_backward(h, ws.latent_noise.empty() ? nullptr : ws.latent_noise.data(), dh, ws.latent_grad.data(), B, K,
                           ws.kl_weight);
  return ws.latent_grad.data();
}

template <class T>
BasicMatrixView<const T> BasicAutoencoder<T>::forward(BasicMatrixView<const T> x, std::size_t first,
                                                      std::size_t last, Workspace<T>& ws) const {
  if (first >= last || last > arch_.layers.size()) {
    throw Error(ErrorKind::internal, "forward: bad layer range");
  }
  if (x.cols != arch_.in_width(first)) {
    throw Error(ErrorKind::usage, "input has " + std::to_string(x.cols) + " columns, layer " +
                                      std::to_string(first + 1) + " expects " +
                                      std::to_string(arch_.in_width(first)));
  }
  reserve(ws, x.rows);
  const std::size_t B = x.rows;
  ws.dropped.resize(arch_.layers.size());
  ws.penalty = 0;
  const T* in = x.data;
  ws.sparse.active = compress_input(x, arch_.layers[first].width, ws);
  ws.bf16.from_last_pass = bf16();
  if (bf16()) {
    ws.bf16.inputs.resize(arch_.layers.size());
    ws.bf16.weights.resize(arch_.layers.size());
  }
  for (std::size_t l = first; l < last; ++l) {
    const std::size_t I = arch_.in_width(l), O = arch_.out_width(l);
    if (l == first && ws.sparse.active) {
      auto& s = ws.sparse;
      kernels::dense_forward_sparse<T>(arch_.layers[l].activation, s.rows.start.data(), s.rows.index.data(),
                                       s.rows.values.data(), weight(l), bias(l), ws.outputs[l].data(), B,
                                       I, O, s.panel.data(), s.cursor.data());
    } else if (bf16()) {
      if constexpr (std::is_same_v<T, float>) {
        auto& r = ws.bf16;
        grow(r.inputs[l], B * I);
        grow(r.weights[l], O * I);
        kernels::dense_forward_bf16(arch_.layers[l].activation, in, weight(l), bias(l), ws.outputs[l].data(),
                                    B, I, O, r.inputs[l].data(), r.weights[l].data());
      }
    } else {
      kernels::dense_forward<T>(arch_.layers[l].activation, in, weight(l), bias(l),
                                ws.outputs[l].data(), B, I, O);
    }
    in = ws.outputs[l].data();
    if (l == arch_.bottleneck) {
      embedding_forward(B, ws);
      if (arch_.variational()) in = ws.latent.data();
    }
    if (dropout_at(ws, l, B) && l + 1 < last) {
      grow(ws.dropped[l], B * O);
      kernels::multiply(in, ws.masks[l].data(), ws.dropped[l].data(), B * O);
      in = ws.dropped[l].data();
    }
  }
  ws.last_input = x;
  ws.last_first = first;
  ws.last_last = last;
  if (last - 1 == arch_.bottleneck && arch_.variational()) return {ws.latent.data(), B, arch_.embedding_width()};
  return {ws.outputs[last - 1].data(), B, arch_.layers[last - 1].width};
}

template <class T>
void BasicAutoencoder<T>::prepare_backward(BasicMatrixView<const T> dy, Workspace<T>& ws,
                                           std::span<T> grads) const {
  if (ws.last_last == 0 || dy.rows != ws.last_input.rows || dy.cols != arch_.layers[ws.last_last - 1].width ||
      grads.size() != params_.size()) {
    throw Error(ErrorKind::internal, "backward: gradient does not match the last forward pass");
  }
  std::size_t widest = arch_.input;
  for (const auto& layer : arch_.layers) widest = std::max(widest, layer.width);
  if (ws.grad_a.size() < ws.capacity * widest) {
    ws.grad_a.assign(ws.capacity * widest, T(0));
    ws.grad_b.assign(ws.capacity * widest, T(0));
  }
  if (arch_.variational() && ws.latent_grad.size() < ws.capacity * 2 * arch_.embedding_width()) {
    ws.latent_grad.assign(ws.capacity * 2 * arch_.embedding_width(), T(0));
  }
}

template <class T>
void BasicAutoencoder<T>::backward(BasicMatrixView<const T> dy, Workspace<T>& ws, std::span<T> grads,
                                   BasicMatrixView<T>* dx) const {
  prepare_backward(dy, ws, grads);
  std::copy(dy.data, dy.data + dy.size(), ws.grad_a.begin());
  backward_from(ws.grad_a.data(), {ws.grad_b.data(), ws.grad_a.data()}, ws, grads, dx, true);
}

template <class T>
void BasicAutoencoder<T>::backward_consuming(BasicMatrixView<T> dy, Workspace<T>& ws, std::span<T> grads,
                                             BasicMatrixView<T>* dx,
                                             const std::function<void(std::size_t)>* layer_done) const {
  prepare_backward(dy, ws, grads);
  backward_from(dy.data, {ws.grad_a.data(), ws.grad_b.data()}, ws, grads, dx, false, layer_done);
}

template <class T>
void BasicAutoencoder<T>::backward_from(T* first, std::array<T*, 2> scratch, Workspace<T>& ws,
                                        std::span<T> grads, BasicMatrixView<T>* dx, bool accumulate,
                                        const std::function<void(std::size_t)>* layer_done) const {
  const std::size_t B = ws.last_input.rows;
  const T dw_beta = accumulate ? T(1) : T(0);
  T* cur = first;
  std::size_t step = 0;
  for (std::size_t l = ws.last_last; l-- > ws.last_first; ++step) {
    const std::size_t I = arch_.in_width(l), O = arch_.out_width(l);
    const bool dropped_in = l > ws.last_first && dropout_at(ws, l - 1, B);
    const bool reads_latent = l > ws.last_first && l - 1 == arch_.bottleneck && arch_.variational();
    const T* in = l == ws.last_first ? ws.last_input.data
                  : dropped_in       ? ws.dropped[l - 1].data()
                  : reads_latent     ? ws.latent.data()
                                     : ws.outputs[l - 1].data();
    if (l == arch_.bottleneck) cur = embedding_backward(cur, B, ws);
    T* dx_target = nullptr;
    if (l > ws.last_first) {
      dx_target = scratch[step % 2];
    } else if (dx != nullptr) {
      dx_target = dx->data;
    }
    T* dw = grads.data() + offsets_[l];
    if (l == ws.last_first && ws.sparse.active) {
      // The input's columns, sorted out of the rows the forward pass compressed (so they are
      // the input that pass saw, and fit the buffers whatever happened to x since).
      auto& s = ws.sparse;
      const std::size_t nnz = s.rows.start[B];
      grow(s.columns.start, I + 1);
      grow(s.columns.index, nnz);
      grow(s.columns.values, nnz);
      kernels::transpose_compressed(s.rows.start.data(), s.rows.index.data(), s.rows.values.data(), B, I,
                                    s.columns.start.data(), s.columns.index.data(), s.columns.values.data());
      grow(s.weight_grad_t, I * O);
      kernels::dense_backward_sparse<T>(arch_.layers[l].activation, s.columns.start.data(),
                                        s.columns.index.data(), s.columns.values.data(), weight(l),
                                        ws.outputs[l].data(), cur, dw, dw + weight_size(l), dx_target,
                                        B, I, O, s.weight_grad_t.data(), s.panel.data(), s.cursor.data(), T(0), dw_beta);
    } else if (bf16()) {
      if constexpr (std::is_same_v<T, float>) {
        // The input and weight as the forward pass rounded them.
        auto& r = ws.bf16;
        if (!r.from_last_pass) throw Error(ErrorKind::internal, "backward: a bf16 pass after an fp32 forward pass");
        grow(r.dz, B * O);
        kernels::dense_backward_bf16(arch_.layers[l].activation, r.inputs[l].data(), r.weights[l].data(),
                                     ws.outputs[l].data(), cur, dw, dw + weight_size(l), dx_target, B, I, O,
                                     r.dz.data(), 0.0f, dw_beta);
      }
    } else {
      kernels::dense_backward<T>(arch_.layers[l].activation, in, weight(l), ws.outputs[l].data(), cur,
                                 dw, dw + weight_size(l), dx_target, B, I, O, T(0), dw_beta);
    }
    if (dropped_in) kernels::multiply(dx_target, ws.masks[l - 1].data(), dx_target, B * I);
    if (layer_done != nullptr) (*layer_done)(l);
    cur = dx_target;
  }
}

template class BasicAutoencoder<float>;
template class BasicAutoencoder<double>;

}  // namespace ae
