// The hot loops of ae: GEMM, fused bias + activation, activation derivatives, losses and
// optimiser steps over plain buffers. No allocation, no exceptions, no I/O. Each fast kernel
// has a plain `_ref` twin that the tests compare it with. Shapes: B batch rows, I input
// width, O output width, D feature width; all buffers row-major.
#pragma once
#include <cstddef>
#include <cstdint>

#include "ae/activation.hpp"

namespace ae::kernels {

// c (M x N) = alpha * op(a) * op(b) + beta * c, row-major, op = transpose when the flag is
// set. a is (M x K) or (K x M), b is (K x N) or (N x K).
template <class T>
void gemm_ref(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha,
              const T* a, const T* b, T beta, T* c);
// Makes BLAS run each call on the calling thread only (ae's own threads split the work).
void gemm_single_threaded();
// The same through BLAS (OpenBLAS sgemm / dgemm).
template <class T>
void gemm(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha,
          const T* a, const T* b, T beta, T* c);

// y is (B, O), b is (O): y[r][o] = act(y[r][o] + b[o]), in place.
template <class T>
void bias_activation_forward_ref(Activation act, const T* b, T* y, std::size_t B, std::size_t O);
template <class T>
void bias_activation_forward(Activation act, const T* b, T* y, std::size_t B, std::size_t O);

// y = act(y) in place, n values (the bias already added).
template <class T>
void activation_forward(Activation act, T* y, std::size_t n);

// y is the activation's output (n values), dy the gradient with respect to it: dy *= act'(.)
// in place, computed from y alone, turning dy into the gradient of the pre-activation.
template <class T>
void activation_backward_ref(Activation act, const T* y, T* dy, std::size_t n);
template <class T>
void activation_backward(Activation act, const T* y, T* dy, std::size_t n);

// Both of the above on a (B, O) layer in one pass: dy becomes dz and db (O) += its column
// sums, with the same values as the two calls.
template <class T>
void activation_bias_backward(Activation act, const T* y, T* dy, T* db, std::size_t B, std::size_t O);

// db (O) += column sums of dz (B, O).
template <class T>
void bias_backward(const T* dz, T* db, std::size_t B, std::size_t O);

// Dense layer. x is (B, I), w is (O, I), b is (O), y is (B, O): y = act(x w^T + b).
template <class T>
void dense_forward(Activation act, const T* x, const T* w, const T* b, T* y, std::size_t B,
                   std::size_t I, std::size_t O);
// dy is (B, O) and is overwritten with the pre-activation gradient. Backward ADDS into dw
// (O, I), db (O) and, unless dx is null, dx (B, I).
template <class T>
void dense_backward(Activation act, const T* x, const T* w, const T* y, T* dy, T* dw, T* db,
                    T* dx, std::size_t B, std::size_t I, std::size_t O);

// Sparse inputs. A matrix of R rows and C columns in compressed rows: row r's nonzeros are
// entries start[r] .. start[r+1]-1 of index (their column) and values, columns increasing.
// The compressed columns of a matrix are the compressed rows of its transpose.
template <class T>
std::size_t count_nonzero(const T* x, std::size_t n);
// start has R+1 entries; index and values need room for count_nonzero(x) + 8 entries (the
// vector code stores whole groups past the last nonzero).
template <class T>
void compress_rows(const T* x, std::size_t R, std::size_t C, std::uint32_t* start,
                   std::uint32_t* index, T* values);
// The compressed columns of the same (R x C) matrix from its compressed rows: t_start has
// C+1 entries, t_index (row numbers, increasing in each column) and t_values start[R].
template <class T>
void transpose_compressed(const std::uint32_t* start, const std::uint32_t* index, const T* values,
                          std::size_t R, std::size_t C, std::uint32_t* t_start, std::uint32_t* t_index,
                          T* t_values);
// c (R x N) = a b with a (R x K) in compressed rows and b (K x N) dense, or b^T (N x K)
// given when b_transposed. panel is scratch of kSparseBlock x 64 values, cursor of R. Each
// output is summed over its row's nonzeros in order, so a row's result does not depend on
// the other rows.
constexpr std::size_t kSparseBlock = 64;
template <class T>
void sparse_gemm_ref(const std::uint32_t* start, const std::uint32_t* index, const T* values,
                     std::size_t R, const T* b, std::size_t N, T* c);
template <class T>
void sparse_gemm(const std::uint32_t* start, const std::uint32_t* index, const T* values,
                 std::size_t R, std::size_t K, const T* b, bool b_transposed, std::size_t N, T* c,
                 T* panel, std::uint32_t* cursor);
// at (C x R) = a^T for a (R x C).
template <class T>
void transpose(const T* a, std::size_t R, std::size_t C, T* at);
// c (C x R) += a^T for a (R x C).
template <class T>
void add_transposed(const T* a, std::size_t R, std::size_t C, T* c);

// Whether a layer of width O is computed faster from the nonzeros (nnz of them) of its
// B x I input than by GEMM, allowing at most max_density nonzeros (bench/kernels_bench:
// sparse and dense first layers at several densities).
inline bool sparse_pays_off(std::size_t nnz, std::size_t B, std::size_t I, std::size_t O,
                            double max_density) {
  return B >= 8 && I >= 32 && O >= 32 &&
         static_cast<double>(nnz) <= max_density * static_cast<double>(B) * static_cast<double>(I);
}
// The dense layer on an input x (B x I) given by its compressed rows. panel is scratch of
// kSparseBlock x 64 values, cursor of B.
template <class T>
void dense_forward_sparse(Activation act, const std::uint32_t* start, const std::uint32_t* index,
                          const T* values, const T* w, const T* b, T* y, std::size_t B,
                          std::size_t I, std::size_t O, T* panel, std::uint32_t* cursor);
// Backward of that layer, as dense_backward, with the weight gradient from x's compressed
// columns. dwt is scratch of I x O values, panel of kSparseBlock x 64, cursor of I.
template <class T>
void dense_backward_sparse(Activation act, const std::uint32_t* start, const std::uint32_t* index,
                           const T* values, const T* w, const T* y, T* dy, T* dw, T* db, T* dx,
                           std::size_t B, std::size_t I, std::size_t O, T* dwt, T* panel,
                           std::uint32_t* cursor);

// Loss loops over an output y and its target x (ae/loss.hpp has the losses and their
// scaling). bce takes p = y clipped to [1e-7, 1 - 1e-7], as Keras does. In float it runs in
// float (a vectorised log, float lanes; within 2e-6 of the double version relatively).
// sum (y - x)^2 over n values, in double (eight partial sums).
template <class T>
double squared_error_sum(const T* y, const T* x, std::size_t n);
// sum -(x log p + (1 - x) log(1 - p)) over n values, in double (for double, in index order).
template <class T>
double bce_sum(const T* y, const T* x, std::size_t n);
// dy = two_scale (y - x) over B rows of D; returns sum (y - x)^2 (per row in vector lanes of
// T, added up in double).
template <class T>
double squared_error_gradient(const T* y, const T* x, T* dy, std::size_t B, std::size_t D, T two_scale);
// dy = scale d(bce term)/dy over n values, zero where the clip is active; returns the sum of
// the bce terms as bce_sum does.
template <class T>
double bce_gradient(const T* y, const T* x, T* dy, std::size_t n, T scale);

// uint8 -> float scaled by 1/255.
void bytes_to_float(const unsigned char* in, float* out, std::size_t n);

}  // namespace ae::kernels
