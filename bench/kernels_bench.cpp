// Google Benchmark of the hot kernels on the demo model's shapes (batch 256):
// GEMMs of each layer, the sparse first layer against its GEMMs, fused bias + activation,
// the three GEMMs of every layer of a step, the bce and mse gradients (each fast kernel against
// its `_ref`), gathering shuffled byte rows, the Adam step, on two threads' gradient arenas, and one whole training step, all
// on one thread. Build with -DAE_BENCH=ON; run build/ae_bench.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "ae/autoencoder.hpp"
#include "ae/loss.hpp"
#include "ae/optimizer.hpp"
#include "ae/random.hpp"
#include "kernels/cpu.hpp"
#include "kernels/gemm_dnnl.hpp"
#include "kernels/kernels.hpp"
#include "kernels/optimizer_kernels.hpp"
#include "score/score_detail.hpp"

namespace {

std::vector<float> random_vector(std::size_t n, std::uint64_t seed) {
  ae::Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = rng.uniform_float() - 0.5f;
  return v;
}

// Forward GEMM of a layer: (B x I) * (O x I)^T.
void BM_GemmForward(benchmark::State& state) {
  const auto B = static_cast<std::size_t>(state.range(0)), I = static_cast<std::size_t>(state.range(1)),
             O = static_cast<std::size_t>(state.range(2));
  const auto x = random_vector(B * I, 1), w = random_vector(O * I, 2);
  std::vector<float> y(B * O);
  for (auto _ : state) {
    ae::kernels::gemm<float>(false, true, B, O, I, 1.0f, x.data(), w.data(), 0.0f, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * double(B * I * O), benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}
BENCHMARK(BM_GemmForward)->Args({256, 784, 128})->Args({256, 128, 784})->Args({128, 784, 128})->Args({128, 128, 784})->Args({256, 128, 32});

// A (B x I) input with the given percentage of nonzeros in [0, 1] (an MNIST batch has 19).
std::vector<float> sparse_input(std::size_t B, std::size_t I, std::int64_t percent) {
  ae::Rng rng(7);
  std::vector<float> x(B * I, 0.0f);
  for (auto& v : x) {
    if (rng.uniform_float() * 100.0f < static_cast<float>(percent)) v = rng.uniform_float();
  }
  return x;
}

// The compressed rows and columns of a sparse input and the scratch of the sparse layer.
struct SparseBuffers {
  std::vector<std::uint32_t> row_start, row_index, column_start, column_index, cursor;
  ae::AlignedVector<float> row_values, column_values, weight_grad_t, panel;
  SparseBuffers(std::size_t B, std::size_t I, std::size_t O)
      : row_start(B + 1), row_index(B * I + 8), column_start(I + 1), column_index(B * I + 8),
        cursor(std::max(B, I)), row_values(B * I + 8), column_values(B * I + 8),
        weight_grad_t(O * I), panel(ae::kernels::kSparseBlock * ae::kernels::kSparsePanel) {}
  void compress_rows(const std::vector<float>& x, std::size_t B, std::size_t I) {
    ae::kernels::compress_rows(x.data(), B, I, row_start.data(), row_index.data(), row_values.data());
  }
  // From the compressed rows, as the autoencoder's backward pass does.
  void compress_columns(std::size_t B, std::size_t I) {
    ae::kernels::transpose_compressed(row_start.data(), row_index.data(), row_values.data(), B, I,
                                      column_start.data(), column_index.data(), column_values.data());
  }
};

// The demo's first layer (784 -> 128, relu) on one thread's half batch, forward then
// backward (no input gradient), at the density given in percent: fp32 GEMMs, the sparse
// kernels (counting and compressing the input included), and bf16 GEMMs (rounding included;
// skipped where the CPU has no native bf16).
enum class FirstLayerPath { dense, sparse, bf16 };

template <FirstLayerPath Path>
void BM_FirstLayer(benchmark::State& state) {
  if (Path == FirstLayerPath::bf16 && !ae::kernels::cpu_has_bf16()) {
    state.SkipWithError("this CPU has neither AVX-512 BF16 nor AMX");
    return;
  }
  const std::size_t B = 128, I = 784, O = 128;
  const auto x = sparse_input(B, I, state.range(0)), w = random_vector(O * I, 2), b = random_vector(O, 3),
             dz = random_vector(B * O, 4);
  std::vector<float> y(B * O), dy(B * O), dw(O * I), db(O);
  SparseBuffers s(B, I, O);
  std::vector<std::uint16_t> x16(B * I), w16(O * I), dz16(B * O);
  for (auto _ : state) {
    dy = dz;
    if constexpr (Path == FirstLayerPath::sparse) {
      benchmark::DoNotOptimize(ae::kernels::count_nonzero(x.data(), B * I));
      s.compress_rows(x, B, I);
      ae::kernels::dense_forward_sparse(ae::Activation::relu, s.row_start.data(), s.row_index.data(),
                                        s.row_values.data(), w.data(), b.data(), y.data(), B, I, O, s.panel.data(),
                                        s.cursor.data());
      s.compress_columns(B, I);
      ae::kernels::dense_backward_sparse(ae::Activation::relu, s.column_start.data(), s.column_index.data(),
                                         s.column_values.data(), w.data(), y.data(), dy.data(), dw.data(), db.data(),
                                         static_cast<float*>(nullptr), B, I, O, s.weight_grad_t.data(), s.panel.data(),
                                         s.cursor.data());
    } else if constexpr (Path == FirstLayerPath::bf16) {
      ae::kernels::dense_forward_bf16(ae::Activation::relu, x.data(), w.data(), b.data(), y.data(), B, I, O,
                                      x16.data(), w16.data());
      ae::kernels::dense_backward_bf16(ae::Activation::relu, x16.data(), w16.data(), y.data(), dy.data(), dw.data(),
                                       db.data(), static_cast<float*>(nullptr), B, I, O, dz16.data(), 0.0f, 0.0f);
    } else {
      ae::kernels::dense_forward(ae::Activation::relu, x.data(), w.data(), b.data(), y.data(), B, I, O);
      ae::kernels::dense_backward(ae::Activation::relu, x.data(), w.data(), y.data(), dy.data(), dw.data(),
                                  db.data(), static_cast<float*>(nullptr), B, I, O);
    }
    benchmark::DoNotOptimize(dw.data());
  }
  state.counters["dense GFLOP/s"] = benchmark::Counter(4.0 * double(B * I * O), benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}
BENCHMARK(BM_FirstLayer<FirstLayerPath::dense>)->Name("BM_FirstLayer_dense")->Arg(19);
BENCHMARK(BM_FirstLayer<FirstLayerPath::sparse>)->Name("BM_FirstLayer_sparse")->Arg(5)->Arg(10)->Arg(15)->Arg(19)->Arg(25)->Arg(30)->Arg(40);
BENCHMARK(BM_FirstLayer<FirstLayerPath::bf16>)->Name("BM_FirstLayer_bf16")->Arg(19);

// The parts of the sparse first layer alone, at MNIST's density.
void BM_SparseParts(benchmark::State& state) {
  const std::size_t B = 128, I = 784, O = 128;
  const auto x = sparse_input(B, I, 19), w = random_vector(O * I, 2), dz = random_vector(B * O, 4);
  std::vector<float> y(B * O), dw(O * I), wt(I * O);
  ae::kernels::transpose(w.data(), O, I, wt.data());
  SparseBuffers s(B, I, O);
  s.compress_rows(x, B, I);
  s.compress_columns(B, I);
  const auto part = state.range(0);
  for (auto _ : state) {
    switch (part) {
      case 0: s.compress_rows(x, B, I); break;
      case 1: s.compress_columns(B, I); break;
      case 2:
        ae::kernels::sparse_gemm(s.row_start.data(), s.row_index.data(), s.row_values.data(), B, I, w.data(), true, O,
                                 y.data(), s.panel.data(), s.cursor.data());
        break;
      case 3:
        ae::kernels::sparse_gemm(s.column_start.data(), s.column_index.data(), s.column_values.data(), I, B, dz.data(),
                                 false, O, s.weight_grad_t.data(), s.panel.data(), s.cursor.data());
        break;
      case 4: ae::kernels::add_transposed(s.weight_grad_t.data(), I, O, dw.data()); break;
      case 6:
        ae::kernels::sparse_gemm_transposed(s.column_start.data(), s.column_index.data(), s.column_values.data(), I, B,
                                            dz.data(), O, dw.data(), s.weight_grad_t.data(), s.panel.data(),
                                            s.cursor.data());
        break;
      case 5:
        ae::kernels::sparse_gemm(s.row_start.data(), s.row_index.data(), s.row_values.data(), B, I, wt.data(), false, O,
                                 y.data(), s.panel.data(), s.cursor.data());
        break;
    }
    benchmark::DoNotOptimize(y.data());
    benchmark::DoNotOptimize(dw.data());
  }
  static const char* names[] = {"compress rows", "compressed columns from the rows", "forward product",
                                "weight-gradient product", "add transposed gradient",
                                "forward product, weight already transposed",
                                "weight-gradient product written transposed"};
  state.SetLabel(names[part]);
}
BENCHMARK(BM_SparseParts)->DenseRange(0, 6);

template <bool Fast>
void BM_SigmoidForward(benchmark::State& state) {
  const std::size_t B = 256, O = 784;
  const auto b = random_vector(O, 3);
  const auto input = random_vector(B * O, 4);
  std::vector<float> y(B * O);
  for (auto _ : state) {
    y = input;
    if constexpr (Fast) ae::kernels::bias_activation_forward(ae::Activation::sigmoid, b.data(), y.data(), B, O);
    else ae::kernels::bias_activation_forward_ref(ae::Activation::sigmoid, b.data(), y.data(), B, O);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * B * O));
}
BENCHMARK(BM_SigmoidForward<false>)->Name("BM_SigmoidForward_ref");
BENCHMARK(BM_SigmoidForward<true>)->Name("BM_SigmoidForward_fast");

// The bce loss and gradient on one thread's half batch of the demo's output (128 x 784) in
// float: the fast kernel (bce_term in float lanes) and its reference (in double).
template <bool Fast>
void BM_BceGradient(benchmark::State& state) {
  const std::size_t n = 128 * 784;
  auto y = random_vector(n, 8), x = random_vector(n, 9);
  std::vector<float> dy(n);
  for (std::size_t i = 0; i < n; ++i) {
    y[i] += 0.5f;
    x[i] += 0.5f;
  }
  for (auto _ : state) {
    if constexpr (Fast) benchmark::DoNotOptimize(ae::kernels::bce_gradient(y.data(), x.data(), dy.data(), n, 1e-5f));
    else benchmark::DoNotOptimize(ae::kernels::bce_gradient_ref(y.data(), x.data(), dy.data(), n, 1e-5f));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_BceGradient<false>)->Name("BM_BceGradient_ref");
BENCHMARK(BM_BceGradient<true>)->Name("BM_BceGradient_fast");

// The mse gradient on the same shape: 16 float lanes per row against one double sum.
template <bool Fast>
void BM_SquaredErrorGradient(benchmark::State& state) {
  const std::size_t B = 128, D = 784;
  const auto y = random_vector(B * D, 8), x = random_vector(B * D, 9);
  std::vector<float> dy(B * D);
  for (auto _ : state) {
    if constexpr (Fast) benchmark::DoNotOptimize(ae::kernels::squared_error_gradient(y.data(), x.data(), dy.data(), B, D, 1e-5f));
    else benchmark::DoNotOptimize(ae::kernels::squared_error_gradient_ref(y.data(), x.data(), dy.data(), B, D, 1e-5f));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * B * D));
}
BENCHMARK(BM_SquaredErrorGradient<false>)->Name("BM_SquaredErrorGradient_ref");
BENCHMARK(BM_SquaredErrorGradient<true>)->Name("BM_SquaredErrorGradient_fast");

void BM_AdamStep(benchmark::State& state) {
  const std::size_t n = 210520;
  auto p = random_vector(n, 5);
  std::vector<float> g(n);
  ae::Optimizer opt({}, n);
  for (auto _ : state) {
    opt.step(p, g);
    benchmark::DoNotOptimize(p.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_AdamStep);

// The three GEMMs of each dense layer of a training step of the demo model, batch 256, as the
// model runs them: arg 0 the layer (0: 784 -> 128, ..., 5: 128 -> 784), arg 1 the product
// (0: forward y = x w^T, 1: weight gradient dw += dy^T x, 2: input gradient dx = dy w). Their
// sum against BM_TrainStep is the step's share in GEMMs (layer 0 runs sparse in training on
// MNIST: BM_FirstLayer).
void BM_StepGemm(benchmark::State& state) {
  constexpr std::size_t kWidths[] = {784, 128, 32, 8, 32, 128, 784};
  const auto l = static_cast<std::size_t>(state.range(0));
  const std::size_t B = 256, I = kWidths[l], O = kWidths[l + 1];
  const auto x = random_vector(B * I, 7), w = random_vector(O * I, 8), dy = random_vector(B * O, 9);
  std::vector<float> out(std::max(B * O, std::max(O * I, B * I)));
  for (auto _ : state) {
    switch (state.range(1)) {
      case 0: ae::kernels::gemm<float>(false, true, B, O, I, 1.0f, x.data(), w.data(), 0.0f, out.data()); break;
      case 1: ae::kernels::gemm<float>(true, false, O, I, B, 1.0f, dy.data(), x.data(), 1.0f, out.data()); break;
      default: ae::kernels::gemm<float>(false, false, B, I, O, 1.0f, dy.data(), w.data(), 0.0f, out.data()); break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * double(B * I * O), benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}
BENCHMARK(BM_StepGemm)->ArgsProduct({{0, 1, 2, 3, 4, 5}, {0, 1, 2}});

// One thread's share of a training step (128 rows) through the output layer (128 -> 784):
// 0 the forward product, 1 the weight gradient, 2 the input gradient, 3 the forward product
// with the weight handed over already transposed. Second argument 1: an 8 MB walk before
// each product (untimed) leaves its operands in L3 alone, as they are inside a step, where
// the layer's weight, its gradient and the activations do not fit in one core's L2.
void BM_OutputLayerGemm(benchmark::State& state) {
  const std::size_t B = 128, I = 128, O = 784;
  const auto x = random_vector(B * I, 7), w = random_vector(O * I, 8), dy = random_vector(B * O, 9);
  std::vector<float> wt(I * O), out(O * I), flush(std::size_t{2} << 20, 1.0f);
  ae::kernels::transpose(w.data(), O, I, wt.data());
  float sink = 0;
  for (auto _ : state) {
    if (state.range(1) != 0) {
      state.PauseTiming();
      for (std::size_t i = 0; i < flush.size(); i += 16) sink += flush[i];
      state.ResumeTiming();
    }
    switch (state.range(0)) {
      case 0: ae::kernels::gemm<float>(false, true, B, O, I, 1.0f, x.data(), w.data(), 0.0f, out.data()); break;
      case 1: ae::kernels::gemm<float>(true, false, O, I, B, 1.0f, dy.data(), x.data(), 0.0f, out.data()); break;
      case 2: ae::kernels::gemm<float>(false, false, B, I, O, 1.0f, dy.data(), w.data(), 0.0f, out.data()); break;
      default: ae::kernels::gemm<float>(false, false, B, O, I, 1.0f, x.data(), wt.data(), 0.0f, out.data()); break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  benchmark::DoNotOptimize(sink);
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * double(B * I * O), benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}
BENCHMARK(BM_OutputLayerGemm)->ArgsProduct({{0, 1, 2, 3}, {0, 1}});

// A row's input complexity as the calibration and the complexity-corrected scores compute
// it (its 256 levels, then zlib at level 1), over 256 rows of 784 values with 19% nonzeros:
// items/s are rows a second on one thread.
void BM_ComplexityBits(benchmark::State& state) {
  const std::size_t B = 256, D = 784;
  const auto x = sparse_input(B, D, 19);
  ae::detail::ComplexityMeter meter(D);
  double sink = 0;
  for (auto _ : state) {
    for (std::size_t r = 0; r < B; ++r) sink += meter.bits({x.data() + r * D, D}, 0.0, 1.0);
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * B));
}
BENCHMARK(BM_ComplexityBits);

// The trainer's update on two threads' gradient arenas over the demo model's 210,520
// parameters: the second arena added on the way into Adam (as the trainer does), against
// adding it into the first in a pass of its own and then updating.
template <bool Fused>
void BM_AdamTwoArenas(benchmark::State& state) {
  const std::size_t n = 210520;
  auto p = random_vector(n, 5), g = random_vector(n, 10), g2 = random_vector(n, 11);
  ae::Optimizer opt({}, n);
  for (auto _ : state) {
    opt.begin_step();
    if constexpr (Fused) {
      opt.update(p, g, 0, n, g2.data());
    } else {
      ae::kernels::add_to(g.data(), g2.data(), n);
      opt.update(p, g, 0, n);
    }
    benchmark::DoNotOptimize(p.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_AdamTwoArenas<true>)->Name("BM_AdamTwoArenas_fused");
BENCHMARK(BM_AdamTwoArenas<false>)->Name("BM_AdamTwoArenas_apart");

// One thread's half batch (128 rows) of MNIST-sized byte rows (60,000 x 784, 47 MB) in
// shuffled order, converted to floats: the fast kernel (prefetching) against the reference.
// Each iteration takes the next 128 rows of the order, so the rows come from memory.
template <bool Fast>
void BM_GatherRows(benchmark::State& state) {
  const std::size_t R = 60000, D = 784, n = 128;
  std::vector<unsigned char> rows(R * D);
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<unsigned char>(i * 2654435761u >> 24);
  std::vector<std::size_t> order(R);
  for (std::size_t i = 0; i < R; ++i) order[i] = i;
  ae::Rng rng(12);
  rng.shuffle(order);
  std::vector<float> out(n * D);
  std::size_t first = 0;
  for (auto _ : state) {
    if (first + n > R) first = 0;
    if constexpr (Fast) ae::kernels::gather_bytes_to_float(rows.data(), D, order.data() + first, n, out.data());
    else ae::kernels::gather_bytes_to_float_ref(rows.data(), D, order.data() + first, n, out.data());
    first += n;
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_GatherRows<false>)->Name("BM_GatherRows_ref");
BENCHMARK(BM_GatherRows<true>)->Name("BM_GatherRows_fast");

// One single-threaded training step of the demo model on a batch of 256.
void BM_TrainStep(benchmark::State& state) {
  ae::Autoencoder model(ae::make_architecture(
      784, ae::parse_layers("128:relu,32:relu,8:sigmoid,32:relu,128:relu,784:sigmoid")));
  ae::Rng rng(0);
  model.initialize(ae::Init::he_uniform, rng);
  const std::size_t B = 256;
  auto x = random_vector(B * 784, 6);
  for (auto& v : x) v += 0.5f;
  std::vector<float> dy(B * 784);
  ae::Optimizer opt({}, model.parameters().size());
  for (auto _ : state) {
    const ae::ConstMatrixView xv{x.data(), B, 784};
    ae::loss_gradient<float>(ae::Loss::mse, model.forward(xv), xv, {dy.data(), B, 784});
    model.backward({dy.data(), B, 784});
    opt.step(model.parameters(), model.gradients());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * B));
}
BENCHMARK(BM_TrainStep);

}  // namespace

// Every benchmark runs on one thread, BLAS included, as each of ae's training threads does.
int main(int argc, char** argv) {
  ae::kernels::gemm_single_threaded();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
