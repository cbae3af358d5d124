// The layer kernels of ae over plain row-major buffers: GEMM, bias + activation, the dense
// layer on dense and on compressed sparse inputs, and the loss loops. No allocation, no
// exceptions, no I/O, nothing of the model. Each fast kernel is declared first and its plain
// `_ref` twin right below it, under one comment whose first clause gives the shapes.
// Letters: B rows, I input width, O output width, D data width, n a flat length.
#pragma once
#include <cstddef>
#include <cstdint>

#include "ae/activation.hpp"

namespace ae::kernels {

// --- GEMM ---

// a is (M, K), or (K, M) when trans_a; b is (K, N), or (N, K) when trans_b; c is (M, N):
// c = alpha op(a) op(b) + beta c. The fast one is OpenBLAS (sgemm / dgemm); beta = 0
// overwrites c, so NaN already in c does not leak through, in both.
template <class T>
void gemm(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha,
          const T* a, const T* b, T beta, T* c);
template <class T>
void gemm_ref(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha,
              const T* a, const T* b, T beta, T* c);
// Makes BLAS run each call on the calling thread only (ae's own threads split the work).
void gemm_single_threaded();

// --- Dropout ---

// The key of one layer's masks in one training step (seed: the run's, step: the optimiser
// step, counted over the whole run).
std::uint64_t dropout_key(std::uint64_t seed, std::uint64_t step, std::uint64_t layer);
// mask is (B, O): 0 with probability rate (to 2^-24), else 1 / (1 - rate), each entry a hash
// of (key, row0 + r, j) alone, so any split of the rows over threads draws the same masks.
// rate in [0, 1).
template <class T>
void dropout_mask(T* mask, std::size_t B, std::size_t O, std::uint64_t key, std::uint64_t row0, double rate);
// x is (B, D): training input noise in place, each entry from a hash of (key, row0 + r, j)
// like dropout_mask. Gaussian: x += sigma * N(0, 1); masking (mask): x = 0 with probability
// sigma.
template <class T>
void input_noise(T* x, std::size_t B, std::size_t D, std::uint64_t key, std::uint64_t row0, double sigma, bool mask);
// a, m and out are (n): out = a * m element-wise (out may be a).
template <class T>
void multiply(const T* a, const T* m, T* out, std::size_t n);

// --- Embedding terms ---

// h and dh are (n): the L1 activity penalty sum |h| (in double), and dh += weight * sign(h)
// (0 at 0).
template <class T>
double l1_sum(const T* h, std::size_t n);
template <class T>
void l1_gradient_add(const T* h, T* dh, std::size_t n, T weight);
// A variational embedding: h is (B, 2K), each row its mean (K) then its log-variance (K);
// noise and z are (B, K). z = mean + exp(log_var / 2) * noise; a null noise gives z = mean.
template <class T>
void latent_sample(const T* h, const T* noise, T* z, std::size_t B, std::size_t K);
// KL(N(mean, exp(log_var)) || N(0, I)) per row, 0.5 * sum(mean^2 + exp(log_var) - 1 -
// log_var), into per_row (B) when it is not null; returns the sum over rows (in double).
template <class T>
double latent_kl(const T* h, std::size_t B, std::size_t K, T* per_row);
// dz is (B, K), d loss / d z; dh (B, 2K) is overwritten with d loss / d h through
// latent_sample (with the same noise) plus kl_weight x d KL / d h.
template <class T>
void latent_backward(const T* h, const T* noise, const T* dz, T* dh, std::size_t B, std::size_t K, T kl_weight);

// --- Activations ---

// y is (B, O), b is (O): y = act(y + b) in place. The fast one vectorises relu, linear and,
// in float, sigmoid (sigmoid_approx); the others take the reference formulas.
template <class T>
void bias_activation_forward(Activation act, const T* b, T* y, std::size_t B, std::size_t O);
template <class T>
void bias_activation_forward_ref(Activation act, const T* b, T* y, std::size_t B, std::size_t O);

// y is (n), the bias already added: y = act(y) in place, the same values as
// bias_activation_forward.
template <class T>
void activation_forward(Activation act, T* y, std::size_t n);
template <class T>
void activation_forward_ref(Activation act, T* y, std::size_t n);

// y and dy are (n), y the activation's output and dy the gradient with respect to it:
// dy *= act'(.) in place, computed from y alone, so dy becomes the pre-activation gradient.
template <class T>
void activation_backward(Activation act, const T* y, T* dy, std::size_t n);
template <class T>
void activation_backward_ref(Activation act, const T* y, T* dy, std::size_t n);

// y and dy are (B, O), db is (O): activation_backward and bias_backward in one pass (dy
// becomes dz, db += its column sums), with the same values as the two calls.
template <class T>
void activation_bias_backward(Activation act, const T* y, T* dy, T* db, std::size_t B, std::size_t O);
template <class T>
void activation_bias_backward_ref(Activation act, const T* y, T* dy, T* db, std::size_t B,
                                  std::size_t O);

// dz is (B, O), db is (O): db += column sums of dz, row by row.
template <class T>
void bias_backward(const T* dz, T* db, std::size_t B, std::size_t O);

// --- Dense layer (GEMM + the activation kernels above) ---

// x is (B, I), w is (O, I), b is (O), y is (B, O): y = act(x w^T + b).
template <class T>
void dense_forward(Activation act, const T* x, const T* w, const T* b, T* y, std::size_t B,
                   std::size_t I, std::size_t O);
// x is (B, I), w is (O, I), y and dy are (B, O), dw is (O, I), db is (O), dx is (B, I) or
// null. dy is overwritten with the pre-activation gradient. Backward ADDS into dw, db and dx;
// dx_beta 0 writes dx instead (dx = dz w, no pass that zeroes it first), dw_beta 0 dw and db.
template <class T>
void dense_backward(Activation act, const T* x, const T* w, const T* y, T* dy, T* dw, T* db,
                    T* dx, std::size_t B, std::size_t I, std::size_t O, T dx_beta = T(1), T dw_beta = T(1));

// --- Sparse inputs ---
// A matrix of R rows and C columns in compressed rows: row r's nonzeros are entries
// start[r] .. start[r+1]-1 of index (their column) and values, columns increasing. The
// compressed columns of a matrix are the compressed rows of its transpose.

// x is (n): the number of its nonzeros (NaN counts).
template <class T>
std::size_t count_nonzero(const T* x, std::size_t n);

// x is (R, C), start is (R + 1); index and values need room for count_nonzero(x) + 8 entries
// (the vector code stores whole groups of 8 past the last nonzero).
template <class T>
void compress_rows(const T* x, std::size_t R, std::size_t C, std::uint32_t* start,
                   std::uint32_t* index, T* values);
template <class T>
void compress_rows_ref(const T* x, std::size_t R, std::size_t C, std::uint32_t* start,
                       std::uint32_t* index, T* values);

// start, index, values are the compressed rows of an (R, C) matrix; t_start is (C + 1),
// t_index and t_values (start[R]): its compressed columns, rows increasing in each column.
template <class T>
void transpose_compressed(const std::uint32_t* start, const std::uint32_t* index, const T* values,
                          std::size_t R, std::size_t C, std::uint32_t* t_start, std::uint32_t* t_index,
                          T* t_values);

// a is (R, K) in compressed rows, b is (K, N), or its transpose (N, K) when b_transposed;
// c is (R, N): c = a b. panel is scratch of kSparseBlock x kSparsePanel values, cursor of R.
// Each output is summed over its row's nonzeros in order, so a row's result does not depend
// on the other rows.
constexpr std::size_t kSparseBlock = 64;   // rows of b packed at a time
constexpr std::size_t kSparsePanel = 128;  // the widest panel of output columns
template <class T>
void sparse_gemm(const std::uint32_t* start, const std::uint32_t* index, const T* values,
                 std::size_t R, std::size_t K, const T* b, bool b_transposed, std::size_t N, T* c,
                 T* panel, std::uint32_t* cursor);
template <class T>
void sparse_gemm_ref(const std::uint32_t* start, const std::uint32_t* index, const T* values,
                     std::size_t R, const T* b, std::size_t N, T* c);

// a and b as in sparse_gemm (b not transposed), ct is (N, R): ct = (a b)^T, with the sums of
// sparse_gemm. scratch is (R, N) (used where the product is not written straight to ct: not
// for float on AVX-512 with N a multiple of kSparsePanel), panel and cursor as in sparse_gemm.
template <class T>
void sparse_gemm_transposed(const std::uint32_t* start, const std::uint32_t* index, const T* values,
                            std::size_t R, std::size_t K, const T* b, std::size_t N, T* ct, T* scratch,
                            T* panel, std::uint32_t* cursor);

// a is (R, C), at is (C, R): at = a^T.
template <class T>
void transpose(const T* a, std::size_t R, std::size_t C, T* at);
template <class T>
void transpose_ref(const T* a, std::size_t R, std::size_t C, T* at);

// a is (R, C), c is (C, R): c += a^T.
template <class T>
void add_transposed(const T* a, std::size_t R, std::size_t C, T* c);
template <class T>
void add_transposed_ref(const T* a, std::size_t R, std::size_t C, T* c);

// Whether a layer of width O is computed faster from the nonzeros (nnz of them) of its
// (B, I) input than by GEMM, allowing at most max_density nonzeros (bench/kernels_bench:
// sparse and dense first layers at several densities).
inline bool sparse_pays_off(std::size_t nnz, std::size_t B, std::size_t I, std::size_t O,
                            double max_density) {
  return B >= 8 && I >= 32 && O >= 32 &&
         static_cast<double>(nnz) <= max_density * static_cast<double>(B) * static_cast<double>(I);
}
// The largest fraction of nonzeros for which the (fp32) sparse path beats the layer's bf16
// GEMMs: the demo's first layer on 128 rows, forward and weight gradient, took 127 us in bf16
// at any density against 105, 134 and 156 us from the nonzeros at 10, 15 and 19% of them
// (bench/kernels_bench BM_FirstLayer_bf16 and _sparse, AMD EPYC Zen 5 with AVX-512 BF16).
// AMX's faster GEMMs would lower it further (unmeasured).
inline constexpr double kSparseDensityBf16 = 0.14;

// The dense layer on an input x (B, I) given by its compressed rows; w, b, y as for
// dense_forward. panel is scratch of kSparseBlock x kSparsePanel values, cursor of B.
template <class T>
void dense_forward_sparse(Activation act, const std::uint32_t* start, const std::uint32_t* index,
                          const T* values, const T* w, const T* b, T* y, std::size_t B,
                          std::size_t I, std::size_t O, T* panel, std::uint32_t* cursor);
// Backward of that layer, as dense_backward (it ADDS into dw, db, dx; dx_beta 0 writes dx,
// dw_beta 0 dw and db), given x's compressed columns. dwt is scratch of (I, O), panel of kSparseBlock x
// kSparsePanel values, cursor of I.
template <class T>
void dense_backward_sparse(Activation act, const std::uint32_t* start, const std::uint32_t* index,
                           const T* values, const T* w, const T* y, T* dy, T* dw, T* db, T* dx,
                           std::size_t B, std::size_t I, std::size_t O, T* dwt, T* panel,
                           std::uint32_t* cursor, T dx_beta = T(1), T dw_beta = T(1));

// --- Losses (ae/loss.hpp has the losses and their scaling) ---
// The `_ref` twins add up one term at a time in double, in index order; the fast kernels
// keep partial sums in lanes, so their totals differ from the references in rounding only.

// y and x are (n): sum (y - x)^2, in double; the fast one in eight partial sums.
template <class T>
double squared_error_sum(const T* y, const T* x, std::size_t n);
template <class T>
double squared_error_sum_ref(const T* y, const T* x, std::size_t n);

// y, x and dy are (B, D): dy = two_scale (y - x); returns sum (y - x)^2. The fast one sums
// each row in 16 lanes of T, added up in double; dy is the same in both.
template <class T>
double squared_error_gradient(const T* y, const T* x, T* dy, std::size_t B, std::size_t D, T two_scale);
template <class T>
double squared_error_gradient_ref(const T* y, const T* x, T* dy, std::size_t B, std::size_t D,
                                  T two_scale);

// y and x are (n): sum -(x log p + (1 - x) log(1 - p)) with p = y clipped to
// [kBceClip, 1 - kBceClip], as Keras does. In float the fast one runs in float (bce_term,
// 8 float lanes; within 2e-6 of the reference relatively); in double it is the reference.
template <class T>
double bce_sum(const T* y, const T* x, std::size_t n);
template <class T>
double bce_sum_ref(const T* y, const T* x, std::size_t n);

// y, x and dy are (n): dy = scale d(bce term)/dy, zero where the clip is active; returns
// the sum of the bce terms, as bce_sum does.
template <class T>
double bce_gradient(const T* y, const T* x, T* dy, std::size_t n, T scale);
template <class T>
double bce_gradient_ref(const T* y, const T* x, T* dy, std::size_t n, T scale);

// --- Conversions ---

// in and out are (n): out = in * (1 / 255), in float.
void bytes_to_float(const unsigned char* in, float* out, std::size_t n);

// rows is (R, D) bytes, order is (n) row numbers below R, out is (n, D): out's row i is
// rows' row order[i] times (1 / 255), as bytes_to_float. The fast one prefetches the rows
// a few places ahead of the one it converts: shuffled rows come from memory, and the
// hardware prefetcher only follows a row once it is being read.
void gather_bytes_to_float(const unsigned char* rows, std::size_t D, const std::size_t* order, std::size_t n,
                           float* out);
void gather_bytes_to_float_ref(const unsigned char* rows, std::size_t D, const std::size_t* order, std::size_t n,
                               float* out);

}  // namespace ae::kernels
