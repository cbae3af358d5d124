// Would the output layer's step run faster in column blocks? One thread's share of a training
// step (128 rows) through the demo's output layer (128 -> 784, sigmoid, mse), timed whole
// against the same work split into 1, 2, 4 or 7 blocks of output columns, each block taken
// through its forward product, bias + sigmoid + loss gradient, weight gradient and its share
// of the input gradient (accumulated) before the next, so that a block's operands could stay
// in L2. Each step starts after an 8 MB walk, as inside training, where other layers' data
// has pushed the layer's out of L2. GEMMs are oneDNN's matmul, as in ae; medians of 250.
//   g++ -O3 -ffast-math -march=native bench/output_layer_blocks.cpp -o /tmp/olb -ldnnl -lgomp && /tmp/olb
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <tuple>
#include <vector>

extern "C" void omp_set_num_threads(int);

namespace {

using dnnl::memory;

dnnl::engine engine(dnnl::engine::kind::cpu, 0);
dnnl::stream stream(engine);

struct Shape {
  long M, N, K, lda, ldb, ldc;
  bool ta, tb, accumulate;
  bool operator<(const Shape& o) const {
    return std::tie(M, N, K, lda, ldb, ldc, ta, tb, accumulate) <
           std::tie(o.M, o.N, o.K, o.lda, o.ldb, o.ldc, o.ta, o.tb, o.accumulate);
  }
};
std::map<Shape, dnnl::matmul> primitives;

memory::desc matrix(long rows, long cols, long ld, bool trans) {
  return memory::desc({rows, cols}, memory::data_type::f32, trans ? memory::dims{1, ld} : memory::dims{ld, 1});
}

// C (M x N, row stride ldc) = op(A) op(B), added to C when accumulate.
void gemm(bool ta, bool tb, long M, long N, long K, const float* a, long lda, const float* b, long ldb, float* c,
          long ldc, bool accumulate) {
  const Shape s{M, N, K, lda, ldb, ldc, ta, tb, accumulate};
  const memory::desc ad = matrix(M, K, lda, ta), bd = matrix(K, N, ldb, tb), cd = matrix(M, N, ldc, false);
  auto it = primitives.find(s);
  if (it == primitives.end()) {
    dnnl::primitive_attr attr;
    if (accumulate) {
      dnnl::post_ops ops;
      ops.append_sum(1.0f);
      attr.set_post_ops(ops);
    }
    it = primitives.emplace(s, dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(ad, bd, cd), attr, engine))).first;
  }
  memory am(ad, engine, const_cast<float*>(a)), bm(bd, engine, const_cast<float*>(b)), cm(cd, engine, c);
  it->second.execute(stream, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}});
  stream.wait();
}

constexpr long kRows = 128, kIn = 128, kOut = 784;

struct Layer {
  std::vector<float> h = std::vector<float>(kRows * kIn, 0.3f), w = std::vector<float>(kOut * kIn, 0.01f),
                     bias = std::vector<float>(kOut, 0.1f), x = std::vector<float>(kRows * kOut, 0.5f),
                     y = std::vector<float>(kRows * kOut), dw = std::vector<float>(kOut * kIn),
                     dh = std::vector<float>(kRows * kIn), dbias = std::vector<float>(kOut);
};

// y <- the mse gradient through the sigmoid of y + bias; dbias gets its column sums.
double loss_gradient(float* y, long ldy, const float* x, long ldx, long cols, const float* bias, float* dbias) {
  double loss = 0;
  const float scale = 2.0f / static_cast<float>(kRows * kOut);
  for (long r = 0; r < kRows; ++r) {
    for (long c = 0; c < cols; ++c) {
      const float s = 1.0f / (1.0f + std::exp(-(y[r * ldy + c] + bias[c])));
      const float d = s - x[r * ldx + c];
      loss += d * d;
      const float g = scale * d * s * (1.0f - s);
      y[r * ldy + c] = g;
      dbias[c] += g;
    }
  }
  return loss;
}

// The step in `blocks` column blocks (0: the layer whole, as ae runs it).
double step(Layer& l, long blocks) {
  std::fill(l.dbias.begin(), l.dbias.end(), 0.0f);
  if (blocks == 0) {
    gemm(false, true, kRows, kOut, kIn, l.h.data(), kIn, l.w.data(), kIn, l.y.data(), kOut, false);
    const double loss = loss_gradient(l.y.data(), kOut, l.x.data(), kOut, kOut, l.bias.data(), l.dbias.data());
    gemm(true, false, kOut, kIn, kRows, l.y.data(), kOut, l.h.data(), kIn, l.dw.data(), kIn, false);
    gemm(false, false, kRows, kIn, kOut, l.y.data(), kOut, l.w.data(), kIn, l.dh.data(), kIn, false);
    return loss;
  }
  double loss = 0;
  const long width = kOut / blocks;
  for (long j = 0; j < blocks; ++j) {
    const long c0 = j * width;
    float* yb = l.y.data();  // one block's (kRows x width) buffer, reused
    gemm(false, true, kRows, width, kIn, l.h.data(), kIn, l.w.data() + c0 * kIn, kIn, yb, width, false);
    loss += loss_gradient(yb, width, l.x.data() + c0, kOut, width, l.bias.data() + c0, l.dbias.data() + c0);
    gemm(true, false, width, kIn, kRows, yb, width, l.h.data(), kIn, l.dw.data() + c0 * kIn, kIn, false);
    gemm(false, false, kRows, kIn, width, yb, width, l.w.data() + c0 * kIn, kIn, l.dh.data(), kIn, j > 0);
  }
  return loss;
}

}  // namespace

int main() {
  omp_set_num_threads(1);
  Layer layer;
  std::vector<float> walk(std::size_t{2} << 20, 1.0f);
  double sink = 0;
  for (int round = 0; round < 2; ++round) {
    for (long blocks : {0L, 1L, 2L, 4L, 7L}) {
      std::vector<double> us;
      for (int i = 0; i < 300; ++i) {
        for (std::size_t k = 0; k < walk.size(); k += 16) sink += walk[k];
        const auto t0 = std::chrono::steady_clock::now();
        sink += step(layer, blocks);
        if (i >= 50) us.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() * 1e6);
      }
      std::nth_element(us.begin(), us.begin() + static_cast<long>(us.size() / 2), us.end());
      const std::string how = blocks == 0 ? "the whole layer" : "blocks of " + std::to_string(kOut / blocks) + " columns";
      std::printf("round %d, %s: median %.1f us\n", round + 1, how.c_str(), us[us.size() / 2]);
    }
  }
  return sink == 0 ? 1 : 0;
}
