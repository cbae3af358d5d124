// Google Benchmark of the hot kernels on the demo model's shapes (batch 256):
// GEMMs of each layer, fused bias + activation (reference vs fast), the Adam step, and one
// whole training step. Build with -DAE_BENCH=ON; run build/ae_bench.
#include <benchmark/benchmark.h>

#include <vector>

#include "ae/autoencoder.hpp"
#include "ae/loss.hpp"
#include "ae/optimizer.hpp"
#include "ae/random.hpp"
#include "kernels/kernels.hpp"

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
BENCHMARK(BM_GemmForward)->Args({256, 784, 128})->Args({256, 128, 784})->Args({128, 784, 128})->Args({256, 128, 32});

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

BENCHMARK_MAIN();
