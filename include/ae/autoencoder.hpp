// A dense autoencoder defined at run time: its architecture (parsed from a layer spec), one
// parameter arena and one gradient arena in the same layout, forward and backward passes,
// and the encoder/decoder halves. Training loops, files and data sets live elsewhere.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ae/activation.hpp"
#include "ae/matrix.hpp"
#include "ae/names.hpp"
#include "ae/precision.hpp"

namespace ae {

class Rng;

struct LayerSpec {
  std::size_t width = 0;
  Activation activation = Activation::linear;
};

// A plain autoencoder's embedding is the bottleneck layer's output. A variational one's
// bottleneck layer of width K has 2K outputs per row, a mean (K) then a log-variance (K) of
// q(z | x); the decoder reads z (K): in training a draw mean + exp(log_var / 2) * noise, at
// inference the mean.
enum class ModelKind { plain, variational };
inline constexpr std::array<NameEntry<ModelKind>, 2> kModelKindNames{{
    {ModelKind::plain, "plain"}, {ModelKind::variational, "variational"}}};
inline ModelKind parse_model_kind(std::string_view name) { return parse_name(kModelKindNames, name, "model kind"); }
inline std::string_view model_kind_name(ModelKind kind) { return name_of(kModelKindNames, kind); }

struct Architecture {
  std::size_t input = 0;           // input (and output) width
  std::vector<LayerSpec> layers;   // in order; the last width equals `input`
  std::size_t bottleneck = 0;      // index of the encoder's last layer
  ModelKind kind = ModelKind::plain;

  std::size_t in_width(std::size_t layer) const { return layer == 0 ? input : layers[layer - 1].width; }
  // Rows of layer l's weight: its width, twice that for a variational bottleneck.
  std::size_t out_width(std::size_t layer) const {
    return layers[layer].width * (kind == ModelKind::variational && layer == bottleneck ? 2 : 1);
  }
  bool variational() const { return kind == ModelKind::variational; }
  std::size_t embedding_width() const { return layers[bottleneck].width; }
  std::size_t parameter_count() const;
  // "128:relu,32:relu,..." (the form parse_layers reads).
  std::string spec() const;
};

// Parses "128:relu,32:relu,8:sigmoid". Throws Error(usage) naming the bad token.
std::vector<LayerSpec> parse_layers(std::string_view spec);
// Bounds on what make_architecture accepts, so that a spec or a model file cannot ask for
// more memory than a machine has (16 bytes per parameter while training).
inline constexpr std::size_t kMaxLayers = 1'000;
inline constexpr std::size_t kMaxParameters = 1'000'000'000;

// Checks the widths (the last must equal `input`), the layer count and the parameter count
// (kMaxLayers, kMaxParameters) and picks the bottleneck: the narrowest layer, the first on
// ties, unless `bottleneck` is given. A variational model's bottleneck layer must be linear
// (it gives a mean and a log-variance). Throws Error(usage).
Architecture make_architecture(std::size_t input, std::vector<LayerSpec> layers,
                               std::optional<std::size_t> bottleneck = std::nullopt,
                               ModelKind kind = ModelKind::plain);

// Uniform weight initialisers (zero biases). `by_activation` ("auto") picks per layer: He when
// the layer reads or produces values of the relu family (relu, leaky_relu, elu: He's factor 2
// makes up for the half of a rectified input that is zero), Glorot otherwise (tanh, sigmoid,
// linear, softplus between such layers). Keras's default is glorot_uniform everywhere; on the
// seed model (relu layers around a sigmoid bottleneck) it collapses, and so does Glorot for
// the sigmoid layers alone (bench/own_data/seed_recipe).
// The layers used when none are given, from the data width D: embedding width
// K = round(D / 4) clamped to [1, 32], one relu layer of H = min(2K, D) on each side, a linear
// embedding (nothing to saturate), and a sigmoid output when the scaled data lies in [0, 1]
// (bytes / 255, min-max), else linear. D = 784 gives 64:relu,32:linear,64:relu,784:sigmoid;
// D = 30 (z-scored) 16:relu,8:linear,16:relu,30:linear.
std::vector<LayerSpec> default_layers(std::size_t input, bool unit_range_output);

enum class Init { by_activation, glorot_uniform, he_uniform, lecun_uniform };
inline constexpr std::array<NameEntry<Init>, 4> kInitNames{{
    {Init::by_activation, "auto"}, {Init::glorot_uniform, "glorot_uniform"}, {Init::he_uniform, "he_uniform"},
    {Init::lecun_uniform, "lecun_uniform"}}};
inline Init parse_init(std::string_view name) { return parse_name(kInitNames, name, "initialiser"); }
inline std::string_view init_name(Init init) { return name_of(kInitNames, init); }

// A Keras-style table: layer, activation, output shape, parameters; then the totals.
std::string summary(const Architecture& arch);

// Compressed rows of a matrix (see kernels::compress_rows): the nonzeros of row r are
// index/values[start[r] .. start[r+1]).
template <class T>
struct CompressedRows {
  std::vector<std::uint32_t> start, index;
  AlignedVector<T> values;
};

// Per-thread scratch of a forward/backward pass: the output of each layer and two gradient
// buffers used in turn going backward. Grows only when a larger batch arrives.
// When a pass's input is mostly zeros (MNIST pixels are about 80% zero) its first layer is
// computed from the input's nonzeros alone: `sparse` holds them by rows for the forward pass
// and by columns for the weight gradient, with the scratch of those products.
// `sparse_density` is the largest fraction of nonzeros that takes that path, 0 never (in
// bf16 at most kernels::kSparseDensityBf16, 14%: above it the bf16 GEMMs are faster). Either
// path gives the same values up to float rounding (in bf16, up to bf16 rounding).
template <class T>
struct Workspace {
  std::size_t capacity = 0;
  std::vector<AlignedVector<T>> outputs;
  AlignedVector<T> grad_a, grad_b;
  BasicMatrixView<const T> last_input{};
  std::size_t last_first = 0, last_last = 0;
  double sparse_density = 0.3;
  // Dropout (training only): when masks[l] is non-empty, layer l's output is multiplied by it
  // (B, O) element-wise before the next layer reads it (`dropped[l]` holds the product) and
  // the gradient flowing back into layer l by the same mask. Empty: no dropout (inference).
  std::vector<AlignedVector<T>> masks;
  std::vector<AlignedVector<T>> dropped;
  // Terms on the embedding, set by the caller before forward() (training and evaluation):
  // activity_l1 weighs sum |h| over each row's embedding units (a sparse plain model),
  // kl_weight each row's KL(q(z | x) || N(0, I)) (a variational model). latent_noise (B, K),
  // when non-empty, holds the standard normal draws of the reparameterisation (training);
  // empty, z is the mean. forward() leaves the weighted sum of the terms over the pass's
  // rows in `penalty`, backward() adds their gradients. `latent` (B, K) holds z and
  // `latent_grad` (B, 2K) the gradient at the variational bottleneck.
  T activity_l1 = 0;
  T kl_weight = 0;
  AlignedVector<T> latent_noise;
  AlignedVector<T> latent, latent_grad;
  double penalty = 0;
  // A bf16 pass's GEMM inputs rounded to bf16 (precision bf16 only): per layer its input
  // (B, I) and weight (O, I) as the forward pass rounded them, read again by the backward
  // pass (from_last_pass: the last forward pass was in bf16); dz (B, widest) the backward
  // pass's rounded gradient of one layer at a time.
  struct Bf16 {
    bool from_last_pass = false;
    std::vector<std::vector<std::uint16_t>> inputs, weights;
    std::vector<std::uint16_t> dz;
  } bf16;
  struct Sparse {
    bool active = false;  // the last pass took the sparse path
    CompressedRows<T> rows, columns;
    AlignedVector<T> weight_grad_t, panel;  // the weight gradient transposed; product scratch
    std::vector<std::uint32_t> cursor;
  } sparse;
};

template <class T>
class BasicAutoencoder {
 public:
  explicit BasicAutoencoder(Architecture arch);

  const Architecture& architecture() const { return arch_; }
  std::size_t layer_count() const { return arch_.layers.size(); }

  // Parameters of all layers in one arena: per layer its weight (out, in) then its bias (out).
  std::span<T> parameters() { return params_; }
  std::span<const T> parameters() const { return params_; }
  // Gradients in the same layout. backward() adds into them; zero them between steps.
  std::span<T> gradients() { return grads_; }
  std::span<const T> gradients() const { return grads_; }
  void zero_gradients();

  T* weight(std::size_t l) { return params_.data() + offsets_[l]; }
  const T* weight(std::size_t l) const { return params_.data() + offsets_[l]; }
  T* bias(std::size_t l) { return weight(l) + weight_size(l); }
  const T* bias(std::size_t l) const { return weight(l) + weight_size(l); }
  T* weight_grad(std::size_t l) { return grads_.data() + offsets_[l]; }
  T* bias_grad(std::size_t l) { return weight_grad(l) + weight_size(l); }
  std::size_t weight_size(std::size_t l) const { return arch_.out_width(l) * arch_.in_width(l); }
  // Start of layer l's weight in the arenas.
  std::size_t offset(std::size_t l) const { return offsets_[l]; }

  // The arithmetic of forward and backward (ae/precision.hpp); fp32 unless set. bf16 needs a
  // float model; throws Error(usage) where the CPU cannot run it (require_precision). The
  // sparse first-layer path stays fp32.
  void set_precision(Precision p);
  Precision precision() const { return precision_; }

  // Glorot/He/LeCun uniform weights drawn in layer order, zero biases.
  void initialize(Init init, Rng& rng);

  // Runs layers [first, last) on x (B rows of in_width(first)). Returns the output of layer
  // last - 1 (of a variational bottleneck: z, see Workspace), held in the workspace until its
  // next use. Remembers x and the activations for
  // backward(); x must stay alive until then.
  BasicMatrixView<const T> forward(BasicMatrixView<const T> x, std::size_t first, std::size_t last,
                                   Workspace<T>& ws) const;
  // Back-propagates dy (gradient of the loss with respect to the last forward output of
  // `ws`) through that pass's layers, ADDING into `grads` (an arena of the parameters'
  // layout). If dx is non-null it receives (is overwritten with) the gradient with respect to
  // that pass's input.
  void backward(BasicMatrixView<const T> dy, Workspace<T>& ws, std::span<T> grads,
                BasicMatrixView<T>* dx = nullptr) const;
  // The same without copying dy first, dy serving as the last layer's scratch (it is
  // overwritten with that layer's pre-activation gradient), and WRITING the gradients of the
  // pass's layers into `grads` instead of adding (so a training step needs no zeroed arena;
  // other layers' entries are left as they are). The values written are backward()'s sums.
  // If layer_done is set, it is called with l once layer l's gradients are written (and its
  // weights no longer read), last layer first: a trainer may start updating that layer.
  void backward_consuming(BasicMatrixView<T> dy, Workspace<T>& ws, std::span<T> grads,
                          BasicMatrixView<T>* dx = nullptr,
                          const std::function<void(std::size_t)>* layer_done = nullptr) const;

  // The same on the model's own workspace and gradient arena (one thread).
  BasicMatrixView<const T> forward(BasicMatrixView<const T> x, std::size_t first, std::size_t last) {
    return forward(x, first, last, ws_);
  }
  BasicMatrixView<const T> forward(BasicMatrixView<const T> x) { return forward(x, 0, layer_count(), ws_); }
  void backward(BasicMatrixView<const T> dy, BasicMatrixView<T>* dx = nullptr) {
    backward(dy, ws_, grads_, dx);
  }

  // The two halves: encoder = layers [0, bottleneck], decoder = the rest.
  BasicMatrixView<const T> encode(BasicMatrixView<const T> x) { return forward(x, 0, arch_.bottleneck + 1); }
  BasicMatrixView<const T> decode(BasicMatrixView<const T> z) { return forward(z, arch_.bottleneck + 1, layer_count()); }
  BasicMatrixView<const T> reconstruct(BasicMatrixView<const T> x) { return forward(x); }

 private:
  void reserve(Workspace<T>& ws, std::size_t rows) const;
  // The embedding terms after the bottleneck layer's forward pass (penalty, and z of a
  // variational model), and their gradients going back: dh is the gradient at the embedding
  // (of a variational model at z); returns the gradient at the bottleneck layer's output.
  void embedding_forward(std::size_t B, Workspace<T>& ws) const;
  T* embedding_backward(T* dh, std::size_t B, Workspace<T>& ws) const;
  // Whether layer l's output is dropped out in ws (masks[l] set, and covering `rows` rows).
  bool dropout_at(const Workspace<T>& ws, std::size_t l, std::size_t rows) const;
  // Fills ws.sparse with x's compressed rows when a layer of width O on x is cheaper that
  // way; returns whether it did.
  bool compress_input(BasicMatrixView<const T> x, std::size_t O, Workspace<T>& ws) const;
  // Checks dy against the last pass of ws and sizes its gradient buffers.
  void prepare_backward(BasicMatrixView<const T> dy, Workspace<T>& ws, std::span<T> grads) const;
  // backward's loop: `first` holds dy and is overwritten; layer k's input gradient goes to
  // scratch[k % 2], which must not be `first`. Adds into grads if accumulate, else writes.
  void backward_from(T* first, std::array<T*, 2> scratch, Workspace<T>& ws, std::span<T> grads,
                     BasicMatrixView<T>* dx, bool accumulate,
                     const std::function<void(std::size_t)>* layer_done = nullptr) const;

  bool bf16() const { return precision_ == Precision::bf16; }

  Architecture arch_;
  std::vector<std::size_t> offsets_;
  AlignedVector<T> params_;  // 64-byte aligned, as is grads_: the sparse kernels write whole lines of the weight gradient
  AlignedVector<T> grads_;
  Workspace<T> ws_;
  Precision precision_ = Precision::fp32;
};

using Autoencoder = BasicAutoencoder<float>;

}  // namespace ae
