// The machine's float FMA peak as it runs now: every core runs independent chains of fused
// multiply-adds on registers of the widest vector the build targets, for about half a
// second; prints the sum of the cores' rates in GFLOP/s (2 FLOP per lane per FMA). bench/run
// builds it with -O2 -march=native and quotes "% of peak" against it, since the clock (and
// so the peak) of a shared machine changes from day to day.
// Usage: fma_peak [threads]   (default: all cores)
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

#if defined(__AVX512F__)
constexpr int kBytes = 64;
#else
constexpr int kBytes = 32;
#endif
using Vec = float __attribute__((vector_size(kBytes)));
constexpr int kLanes = kBytes / 4;
// Ten chains: more than the FMA latency (4-5 cycles) times the FMA units (2) in flight.
constexpr int kChains = 10;
volatile float g_sink;

// FLOP per second of one thread running `steps` rounds of kChains fused multiply-adds.
double run_chains(long steps, float seed, float* sink) {
  Vec acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = Vec{} + seed * static_cast<float>(i + 1);
  const Vec mul = Vec{} + 0.999999f, add = Vec{} + 1e-7f;
  const auto start = std::chrono::steady_clock::now();
  for (long s = 0; s < steps; ++s) {
#pragma GCC unroll 10
    for (int i = 0; i < kChains; ++i) acc[i] = acc[i] * mul + add;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  float sum = 0;
  for (int i = 0; i < kChains; ++i) sum += acc[i][0];
  *sink = sum;
  return 2.0 * kLanes * kChains * static_cast<double>(steps) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const unsigned threads = argc > 1 ? static_cast<unsigned>(std::atoi(argv[1])) : std::thread::hardware_concurrency();
  if (threads == 0) {
    std::fprintf(stderr, "fma_peak: threads must be at least 1\n");
    return 2;
  }
  // Calibrate one thread's steps to about 0.5 s, then run every core at once, three times;
  // the best round counts (a neighbour's burst only lowers a round).
  float sink = 0;
  const double rate = run_chains(20'000'000, 1e-3f, &sink);
  const long steps = static_cast<long>(0.5 * rate / (2.0 * kLanes * kChains));
  double best = 0;
  for (int round = 0; round < 3; ++round) {
    std::vector<double> rates(threads);
    std::vector<float> sinks(threads);
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] { rates[t] = run_chains(steps, 1e-3f * static_cast<float>(t + 1), &sinks[t]); });
    }
    for (auto& th : pool) th.join();
    double total = 0;
    for (double r : rates) total += r;
    best = total > best ? total : best;
    for (float s : sinks) sink += s;
  }
  std::printf("%.1f\n", best / 1e9);
  g_sink = sink;  // keeps the chains' results alive
  return 0;
}
