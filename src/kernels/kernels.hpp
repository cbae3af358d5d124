// The hot loops of ae: GEMM, fused bias + activation, activation derivatives, losses and
// optimiser steps over plain buffers. No allocation, no exceptions, no I/O. Each fast kernel
// has a plain `_ref` twin that the tests compare it with. Shapes: B batch rows, I input
// width, O output width, D feature width; all buffers row-major.
#pragma once
#include <cstddef>

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

// y is the activation's output (n values), dy the gradient with respect to it: dy *= act'(.)
// in place, computed from y alone, turning dy into the gradient of the pre-activation.
template <class T>
void activation_backward_ref(Activation act, const T* y, T* dy, std::size_t n);
template <class T>
void activation_backward(Activation act, const T* y, T* dy, std::size_t n);

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

// uint8 -> float scaled by 1/255.
void bytes_to_float(const unsigned char* in, float* out, std::size_t n);

}  // namespace ae::kernels
