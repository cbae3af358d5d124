// The dense layer as two free functions over plain buffers, on dense and on compressed
// sparse inputs (see kernels.hpp for shapes): they only sequence GEMM and the activation
// kernels, so their references are those kernels' and the sparse layer's is the dense one.
#include <algorithm>
#include <type_traits>

#include "kernels/gemm_dnnl.hpp"
#include "kernels/kernels.hpp"

namespace ae::kernels {

template <class T>
void dense_forward(Activation act, const T* x, const T* w, const T* b, T* y, std::size_t B,
                   std::size_t I, std::size_t O) {
  // x is (B, I), w is (O, I), b is (O), y is (B, O). For OpenBLAS, starting y from the bias
  // and adding the product (beta = 1) spares its pass that zeroes y. oneDNN writes the
  // product without that pass, and adding the bias with the activation then saves copying
  // the bias rows and a read of y (2-3% of a step); the sum is the same either way.
  if constexpr (std::is_same_v<T, float>) {
    if (gemm_dnnl_pays_off(B, O, I)) {
      gemm<T>(false, true, B, O, I, T(1), x, w, T(0), y);
      bias_activation_forward(act, b, y, B, O);
      return;
    }
  }
  for (std::size_t r = 0; r < B; ++r) std::copy(b, b + O, y + r * O);
  gemm<T>(false, true, B, O, I, T(1), x, w, T(1), y);
  activation_forward(act, y, B * O);
}

template <class T>
void dense_backward(Activation act, const T* x, const T* w, const T* y, T* dy, T* dw, T* db,
                    T* dx, std::size_t B, std::size_t I, std::size_t O, T dx_beta, T dw_beta) {
  // Adds into dw and db (dw_beta 1) and dx (dx_beta 1); dy becomes dz, the pre-activation
  // gradient.
  if (dw_beta == T(0)) std::fill(db, db + O, T(0));
  activation_bias_backward(act, y, dy, db, B, O);
  gemm<T>(true, false, O, I, B, T(1), dy, x, dw_beta, dw);   // dw (O, I) = dz^T (O, B) x (B, I) + dw_beta dw
  if (dx != nullptr) gemm<T>(false, false, B, I, O, T(1), dy, w, dx_beta, dx);  // dx = dz w + dx_beta dx
}

template <class T>
void dense_forward_sparse(Activation act, const std::uint32_t* start, const std::uint32_t* index,
                          const T* values, const T* w, const T* b, T* y, std::size_t B,
                          std::size_t I, std::size_t O, T* panel, std::uint32_t* cursor) {
  sparse_gemm(start, index, values, B, I, w, true, O, y, panel, cursor);  // y = x w^T
  bias_activation_forward(act, b, y, B, O);
}

template <class T>
void dense_backward_sparse(Activation act, const std::uint32_t* start, const std::uint32_t* index,
                           const T* values, const T* w, const T* y, T* dy, T* dw, T* db, T* dx,
                           std::size_t B, std::size_t I, std::size_t O, T* dwt, T* panel,
                           std::uint32_t* cursor, T dx_beta, T dw_beta) {
  if (dw_beta == T(0)) std::fill(db, db + O, T(0));
  activation_bias_backward(act, y, dy, db, B, O);
  if (dw_beta == T(0)) {
    sparse_gemm_transposed(start, index, values, I, B, dy, O, dw, dwt, panel, cursor);  // dw = (x^T dz)^T
  } else {
    sparse_gemm(start, index, values, I, B, dy, false, O, dwt, panel, cursor);  // dw^T = x^T dz
    add_transposed(dwt, I, O, dw);
  }
  if (dx != nullptr) gemm<T>(false, false, B, I, O, T(1), dy, w, dx_beta, dx);
}

template void dense_forward<float>(Activation, const float*, const float*, const float*, float*,
                                   std::size_t, std::size_t, std::size_t);
template void dense_forward<double>(Activation, const double*, const double*, const double*,
                                    double*, std::size_t, std::size_t, std::size_t);
template void dense_backward<float>(Activation, const float*, const float*, const float*, float*,
                                    float*, float*, float*, std::size_t, std::size_t, std::size_t, float, float);
template void dense_backward<double>(Activation, const double*, const double*, const double*,
                                     double*, double*, double*, double*, std::size_t, std::size_t,
                                     std::size_t, double, double);

template void dense_forward_sparse<float>(Activation, const std::uint32_t*, const std::uint32_t*,
                                          const float*, const float*, const float*, float*,
                                          std::size_t, std::size_t, std::size_t, float*,
                                          std::uint32_t*);
template void dense_forward_sparse<double>(Activation, const std::uint32_t*, const std::uint32_t*,
                                           const double*, const double*, const double*, double*,
                                           std::size_t, std::size_t, std::size_t, double*,
                                           std::uint32_t*);
template void dense_backward_sparse<float>(Activation, const std::uint32_t*, const std::uint32_t*,
                                           const float*, const float*, const float*, float*, float*,
                                           float*, float*, std::size_t, std::size_t, std::size_t,
                                           float*, float*, std::uint32_t*, float, float);
template void dense_backward_sparse<double>(Activation, const std::uint32_t*, const std::uint32_t*,
                                            const double*, const double*, const double*, double*,
                                            double*, double*, double*, std::size_t, std::size_t,
                                            std::size_t, double*, double*, std::uint32_t*, double, double);

}  // namespace ae::kernels
