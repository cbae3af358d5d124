// GEMM engines on the seed model's shapes, one thread (as each of ae's threads runs them):
// OpenBLAS sgemm (ae's fp32 engine), oneDNN's f32 matmul, and ae's bf16 GEMM (oneDNN bf16 x
// bf16 -> f32, the bf16 rounding of both inputs included). Prints GFLOP/s per shape; the
// fastest fp32 engine per shape decides kernels::gemm's choice. Built and run by
// bench/gemm_engines.sh: g++ -O2 ... against build/libae.a.
extern "C" void omp_set_num_threads(int);  // libgomp's, under oneDNN

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

#include "kernels/gemm_dnnl.hpp"
#include "kernels/cpu.hpp"
#include "kernels/kernels.hpp"

namespace {

using dnnl::memory;

struct Shape {
  const char* what;
  bool ta, tb;
  std::size_t M, N, K;
};

memory::desc view(std::size_t rows, std::size_t cols, bool trans) {
  const auto r = static_cast<memory::dim>(rows), c = static_cast<memory::dim>(cols);
  return memory::desc({r, c}, memory::data_type::f32, trans ? memory::dims{1, r} : memory::dims{c, 1});
}

template <class Fn>
double best_seconds(Fn fn) {
  double best = 1e9;
  for (int rep = 0; rep < 7; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) fn();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 20;
    best = std::min(best, s);
  }
  return best;
}

}  // namespace

int main() {
  omp_set_num_threads(1);
  ae::kernels::gemm_single_threaded();
  const std::size_t B = 128;  // a batch of 256 split over 2 threads
  // (in, out) of the seed model's dense layers; the first layer (784 -> 128) runs sparse.
  const std::size_t layers[][2] = {{128, 32}, {32, 8}, {8, 32}, {32, 128}, {128, 784}, {784, 128}};
  std::vector<Shape> shapes;
  for (const auto& l : layers) {
    const std::size_t I = l[0], O = l[1];
    shapes.push_back({"forward  y = x w^T", false, true, B, O, I});
    shapes.push_back({"weight   dw += dz^T x", true, false, O, I, B});
    shapes.push_back({"input    dx += dz w", false, false, B, I, O});
  }
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  std::printf("CPU as the kernels see it: %s; one thread; GFLOP/s (best of 7 x 20 calls)\n",
              ae::kernels::cpu_isa_name());
  std::printf("| shape (M x N x K) | product | OpenBLAS f32 | oneDNN f32 | ae bf16 (oneDNN) |\n|---|---|---:|---:|---:|\n");
  for (const Shape& s : shapes) {
    std::vector<float> a(s.M * s.K, 0.5f), b(s.K * s.N, 0.25f), c(s.M * s.N, 0.0f);
    const double flop = 2.0 * static_cast<double>(s.M * s.N * s.K);
    const double blas = best_seconds([&] { ae::kernels::gemm<float>(s.ta, s.tb, s.M, s.N, s.K, 1.0f, a.data(), b.data(), 1.0f, c.data()); });
    dnnl::primitive_attr attr;
    dnnl::post_ops ops;
    ops.append_sum(1.0f);
    attr.set_post_ops(ops);
    const memory::desc a_md = view(s.M, s.K, s.ta), b_md = view(s.K, s.N, s.tb), c_md = view(s.M, s.N, false);
    dnnl::matmul mm(dnnl::matmul::primitive_desc(dnnl::matmul::desc(a_md, b_md, c_md), attr, engine));
    memory am(a_md, engine, a.data()), bm(b_md, engine, b.data()), cm(c_md, engine, c.data());
    const double onednn = best_seconds([&] {
      mm.execute(stream, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}});
      stream.wait();
    });
    double bf16 = 0;
    if (ae::kernels::cpu_has_bf16()) {
      bf16 = best_seconds([&] { ae::kernels::gemm_bf16(s.ta, s.tb, s.M, s.N, s.K, a.data(), b.data(), 1.0f, c.data()); });
    }
    std::printf("| %zu x %zu x %zu | %s | %.1f | %.1f | %.1f |\n", s.M, s.N, s.K, s.what, flop / blas / 1e9,
                flop / onednn / 1e9, bf16 > 0 ? flop / bf16 / 1e9 : 0.0);
  }
  return 0;
}
