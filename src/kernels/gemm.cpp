// GEMM: OpenBLAS, or oneDNN's fp32 matmul on the shapes where it measures faster
// (gemm_dnnl.hpp), and a triple-loop reference for the tests. No blocking or packing of our
// own: the libraries do that.
#include <cblas.h>

#include "kernels/gemm_dnnl.hpp"

#include "kernels/kernels.hpp"

namespace ae::kernels {

template <class T>
void gemm_ref(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha,
              const T* a, const T* b, T beta, T* c) {
  for (std::size_t i = 0; i < M; ++i) {
    for (std::size_t j = 0; j < N; ++j) {
      T sum = 0;
      for (std::size_t k = 0; k < K; ++k) {
        const T av = trans_a ? a[k * M + i] : a[i * K + k];
        const T bv = trans_b ? b[j * K + k] : b[k * N + j];
        sum += av * bv;
      }
      // beta == 0 overwrites, so NaN already in c does not leak through (BLAS semantics).
      c[i * N + j] = alpha * sum + (beta == T(0) ? T(0) : beta * c[i * N + j]);
    }
  }
}

void gemm_single_threaded() { openblas_set_num_threads(1); }

template <>
void gemm<float>(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K,
                 float alpha, const float* a, const float* b, float beta, float* c) {
  if (M == 0 || N == 0) return;
  if (alpha == 1.0f && (beta == 0.0f || beta == 1.0f) && gemm_dnnl_pays_off(M, N, K)) {
    gemm_f32_dnnl(trans_a, trans_b, M, N, K, a, b, beta, c);
    return;
  }
  const auto lda = static_cast<blasint>(trans_a ? M : K);
  const auto ldb = static_cast<blasint>(trans_b ? K : N);
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(M),
              static_cast<blasint>(N), static_cast<blasint>(K), alpha, a, lda, b, ldb, beta, c,
              static_cast<blasint>(N));
}

template <>
void gemm<double>(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K,
                  double alpha, const double* a, const double* b, double beta, double* c) {
  if (M == 0 || N == 0) return;
  const auto lda = static_cast<blasint>(trans_a ? M : K);
  const auto ldb = static_cast<blasint>(trans_b ? K : N);
  cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(M),
              static_cast<blasint>(N), static_cast<blasint>(K), alpha, a, lda, b, ldb, beta, c,
              static_cast<blasint>(N));
}

template void gemm_ref<float>(bool, bool, std::size_t, std::size_t, std::size_t, float,
                              const float*, const float*, float, float*);
template void gemm_ref<double>(bool, bool, std::size_t, std::size_t, std::size_t, double,
                               const double*, const double*, double, double*);

}  // namespace ae::kernels
