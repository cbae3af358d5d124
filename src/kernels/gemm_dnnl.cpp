// fp32 and bf16 GEMMs through oneDNN's matmul, and the bf16 dense layer; see gemm_dnnl.hpp.
// oneDNN packs, blocks and picks its code itself; this file only rounds the inputs to bf16,
// describes the strides and keeps each thread's primitives.
#include "kernels/gemm_dnnl.hpp"

#include <algorithm>
#include <cstring>
#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>
#include <vector>

#include "kernels/cpu.hpp"
#include "kernels/isa.hpp"
#include "kernels/kernels.hpp"

// From the OpenMP runtime oneDNN is built on (libgomp), declared here rather than through
// <omp.h>, which not every compiler installs.
extern "C" void omp_set_num_threads(int);

namespace ae::kernels {

std::uint16_t to_bf16(float x) {
  std::uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((bits >> 16) | 0x40u);  // quiet NaN
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<std::uint16_t>(bits >> 16);
}

AE_KERNEL void round_to_bf16(const float* in, std::uint16_t* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = to_bf16(in[i]);
}

void round_to_bf16_ref(const float* in, std::uint16_t* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = to_bf16(in[i]);
}

void gemm_bf16_ref(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K, const float* a,
                   const float* b, float beta, float* c) {
  for (std::size_t i = 0; i < M; ++i) {
    for (std::size_t j = 0; j < N; ++j) {
      double sum = 0;
      for (std::size_t k = 0; k < K; ++k) {
        const float av = trans_a ? a[k * M + i] : a[i * K + k];
        const float bv = trans_b ? b[j * K + k] : b[k * N + j];
        sum += static_cast<double>(from_bf16(to_bf16(av))) * from_bf16(to_bf16(bv));
      }
      c[i * N + j] = static_cast<float>(sum) + (beta == 0.0f ? 0.0f : beta * c[i * N + j]);
    }
  }
}

namespace {

using dnnl::memory;

// One matmul primitive for one input type, shape, transposes and beta, with its argument
// table built once: a call only points the three memories at its buffers.
struct Plan {
  bool bf16, trans_a, trans_b, accumulate;
  std::size_t M, N, K;
  memory::desc a_md, b_md, c_md;
  dnnl::matmul primitive;
  std::unordered_map<int, memory> args;
};

// A calling thread's oneDNN state: one OpenMP thread inside oneDNN (ae's own threads split
// the work, as with BLAS), its stream, its plans and its bf16 copies of the inputs.
struct ThreadState {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::vector<Plan> plans;
  std::vector<std::uint16_t> a16, b16;
  ThreadState() { omp_set_num_threads(1); }
};

ThreadState& thread_state() {
  thread_local ThreadState state;
  return state;
}

memory::dims dims(std::size_t rows, std::size_t cols) {
  return {static_cast<memory::dim>(rows), static_cast<memory::dim>(cols)};
}

// The (rows, cols) matrix stored row-major, or its transpose stored row-major when trans.
memory::desc view(std::size_t rows, std::size_t cols, bool trans, memory::data_type type) {
  const memory::dims strides = trans ? memory::dims{1, static_cast<memory::dim>(rows)}
                                     : memory::dims{static_cast<memory::dim>(cols), 1};
  return memory::desc(dims(rows, cols), type, strides);
}

const Plan& plan_for(ThreadState& s, bool bf16, bool trans_a, bool trans_b, std::size_t M, std::size_t N,
                     std::size_t K, bool accumulate) {
  for (const Plan& p : s.plans) {
    if (p.bf16 == bf16 && p.trans_a == trans_a && p.trans_b == trans_b && p.accumulate == accumulate && p.M == M &&
        p.N == N && p.K == K) {
      return p;
    }
  }
  const auto in = bf16 ? memory::data_type::bf16 : memory::data_type::f32;
  Plan p{bf16, trans_a, trans_b, accumulate, M, N, K, view(M, K, trans_a, in), view(K, N, trans_b, in),
         view(M, N, false, memory::data_type::f32), {}, {}};
  dnnl::primitive_attr attr;
  if (accumulate) {
    dnnl::post_ops ops;
    ops.append_sum(1.0f);
    attr.set_post_ops(ops);
  }
  p.primitive = dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(p.a_md, p.b_md, p.c_md), attr, s.engine));
  p.args = {{DNNL_ARG_SRC, memory(p.a_md, s.engine, DNNL_MEMORY_NONE)},
            {DNNL_ARG_WEIGHTS, memory(p.b_md, s.engine, DNNL_MEMORY_NONE)},
            {DNNL_ARG_DST, memory(p.c_md, s.engine, DNNL_MEMORY_NONE)}};
  s.plans.push_back(std::move(p));
  return s.plans.back();
}

void run(ThreadState& s, const Plan& p, void* a, void* b, float* c) {
  p.args.at(DNNL_ARG_SRC).set_data_handle(a);
  p.args.at(DNNL_ARG_WEIGHTS).set_data_handle(b);
  p.args.at(DNNL_ARG_DST).set_data_handle(c);
  p.primitive.execute(s.stream, p.args);
  s.stream.wait();
}

// An empty product (M, N or K zero) done by hand: oneDNN is not asked for one. True when
// handled: c = beta * c, which for K == 0 and beta == 0 means zeros (BLAS semantics).
bool empty_product(std::size_t M, std::size_t N, std::size_t K, float beta, float* c) {
  if (M != 0 && N != 0 && K != 0) return false;
  if (beta == 0.0f) std::fill(c, c + M * N, 0.0f);
  return true;
}

}  // namespace

bool gemm_dnnl_pays_off(std::size_t M, std::size_t N, std::size_t K) {
  return cpu_features().avx512 && std::min({M, N, K}) >= 16;
}

void gemm_f32_dnnl(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K, const float* a,
                   const float* b, float beta, float* c) {
  if (empty_product(M, N, K, beta, c)) return;
  ThreadState& s = thread_state();
  // oneDNN reads through non-const handles but does not write its inputs.
  run(s, plan_for(s, false, trans_a, trans_b, M, N, K, beta != 0.0f), const_cast<float*>(a), const_cast<float*>(b), c);
}

void gemm_bf16_rounded(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K,
                       const std::uint16_t* a16, const std::uint16_t* b16, float beta, float* c) {
  if (empty_product(M, N, K, beta, c)) return;
  ThreadState& s = thread_state();
  run(s, plan_for(s, true, trans_a, trans_b, M, N, K, beta != 0.0f), const_cast<std::uint16_t*>(a16),
      const_cast<std::uint16_t*>(b16), c);
}

void gemm_bf16(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K, const float* a,
               const float* b, float beta, float* c) {
  ThreadState& s = thread_state();
  if (s.a16.size() < M * K) s.a16.resize(M * K);
  if (s.b16.size() < K * N) s.b16.resize(K * N);
  round_to_bf16(a, s.a16.data(), M * K);
  round_to_bf16(b, s.b16.data(), K * N);
  gemm_bf16_rounded(trans_a, trans_b, M, N, K, s.a16.data(), s.b16.data(), beta, c);
}

void dense_forward_bf16(Activation act, const float* x, const float* w, const float* b, float* y,
                        std::size_t B, std::size_t I, std::size_t O, std::uint16_t* x16, std::uint16_t* w16) {
  // x is (B, I), w is (O, I), b is (O), y is (B, O), as dense_forward: the product, then
  // the bias with the activation in one pass.
  round_to_bf16(x, x16, B * I);
  round_to_bf16(w, w16, O * I);
  gemm_bf16_rounded(false, true, B, O, I, x16, w16, 0.0f, y);
  bias_activation_forward(act, b, y, B, O);
}

void dense_backward_bf16(Activation act, const std::uint16_t* x16, const std::uint16_t* w16, const float* y,
                         float* dy, float* dw, float* db, float* dx, std::size_t B, std::size_t I, std::size_t O,
                         std::uint16_t* dz16, float dx_beta, float dw_beta) {
  if (dw_beta == 0.0f) std::fill(db, db + O, 0.0f);
  activation_bias_backward(act, y, dy, db, B, O);
  round_to_bf16(dy, dz16, B * O);
  gemm_bf16_rounded(true, false, O, I, B, dz16, x16, dw_beta, dw);  // dw (O, I) = dz^T (O, B) x (B, I) + dw_beta dw
  if (dx != nullptr) gemm_bf16_rounded(false, false, B, I, O, dz16, w16, dx_beta, dx);  // dx = dz w + dx_beta dx
}

}  // namespace ae::kernels
