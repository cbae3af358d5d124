// The sparse kernels: compression, transposes and the sparse product against their
// references at the edges of their 8-float vectors, 8 x 8 blocks and 32 x 32 tiles, 64-wide
// blocks and 64- and 128-wide panels (the 128-wide ones run where the CPU has AVX-512), and
// the sparse dense layer against the dense one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "kernel_test_util.hpp"
#include "ae/matrix.hpp"
#include "kernels/kernels.hpp"

namespace ae::kernels {
namespace {

using test::edge_sizes;
using test::nan_vector;
using test::random_vector;

// A (R, C) matrix with about `density` of its entries nonzero.
std::vector<float> sparse_matrix(std::size_t R, std::size_t C, double density, Rng& rng) {
  std::vector<float> x(R * C, 0.0f);
  for (auto& v : x) {
    if (rng.uniform(0, 1) < density) v = static_cast<float>(rng.uniform(-1, 1));
  }
  return x;
}

struct Compressed {
  std::vector<std::uint32_t> start, index;
  std::vector<float> values;
};

Compressed compress(const std::vector<float>& x, std::size_t R, std::size_t C) {
  Compressed c{std::vector<std::uint32_t>(R + 1), std::vector<std::uint32_t>(R * C + 8),
               std::vector<float>(R * C + 8)};
  compress_rows(x.data(), R, C, c.start.data(), c.index.data(), c.values.data());
  return c;
}

TEST(SparseKernels, CompressRowsMatchesReferenceAndKeepsEveryNonzeroInColumnOrder) {
  Rng rng(20);
  for (std::size_t C : edge_sizes({8})) {
    for (double density : {0.0, 0.2, 1.0}) {
      const std::size_t R = 3;
      auto x = sparse_matrix(R, C, density, rng);
      if (C > 8) {
        x[2] = NAN;       // kept, as x != 0 is true
        x[3] = -0.0f;     // dropped: equal to zero
        x[C + 5] = INFINITY;
      }
      const Compressed c = compress(x, R, C);
      Compressed ref{std::vector<std::uint32_t>(R + 1), std::vector<std::uint32_t>(R * C + 8, 0xffffffffu),
                     nan_vector(R * C + 8)};
      compress_rows_ref(x.data(), R, C, ref.start.data(), ref.index.data(), ref.values.data());
      ASSERT_EQ(c.start, ref.start) << "C=" << C;
      ASSERT_EQ(c.start[R], count_nonzero(x.data(), R * C));
      for (std::size_t r = 0; r < R; ++r) {
        std::uint32_t j = c.start[r];
        for (std::size_t col = 0; col < C; ++col) {
          const float v = x[r * C + col];
          if (v == 0.0f) continue;
          ASSERT_LT(j, c.start[r + 1]) << "C=" << C;
          EXPECT_EQ(c.index[j], col) << "C=" << C << " row " << r;
          EXPECT_EQ(ref.index[j], col) << "C=" << C << " row " << r;
          if (std::isnan(v)) EXPECT_TRUE(std::isnan(c.values[j]) && std::isnan(ref.values[j]));
          else EXPECT_TRUE(c.values[j] == v && ref.values[j] == v);
          ++j;
        }
        EXPECT_EQ(j, c.start[r + 1]) << "C=" << C << " row " << r;
      }
    }
  }
}

TEST(SparseKernels, TransposeCompressedGivesTheCompressedColumns) {
  Rng rng(26);
  for (std::size_t C : {1, 9, 70}) {
    for (double density : {0.0, 0.3, 1.0}) {
      const std::size_t R = 11;
      const auto x = sparse_matrix(R, C, density, rng);
      std::vector<float> xt(C * R);
      transpose(x.data(), R, C, xt.data());
      const Compressed rows = compress(x, R, C), expected = compress(xt, C, R);
      const std::size_t nnz = rows.start[R];
      std::vector<std::uint32_t> start(C + 1), index(nnz);
      std::vector<float> values(nnz);
      transpose_compressed(rows.start.data(), rows.index.data(), rows.values.data(), R, C, start.data(),
                           index.data(), values.data());
      EXPECT_EQ(start, expected.start) << "C=" << C;
      EXPECT_EQ(index, std::vector<std::uint32_t>(expected.index.begin(), expected.index.begin() + nnz));
      EXPECT_EQ(values, std::vector<float>(expected.values.begin(), expected.values.begin() + nnz));
    }
  }
}

TEST(SparseKernels, SparseGemmMatchesReferenceAndDenseGemmWithBEitherWay) {
  Rng rng(21);
  // N around the 8-float vector and the 64- and 128-column panels, K around the 64-row blocks
  // of b.
  if (!__builtin_cpu_supports("avx512f")) std::printf("[   NOTE   ] no AVX-512 here: the 128-column panels are not run\n");
  for (std::size_t N : edge_sizes({8, 64, kSparsePanel})) {
    for (std::size_t K : edge_sizes({64})) {
      const std::size_t R = 5;
      const auto a = sparse_matrix(R, K, 0.3, rng), b = random_vector(K * N, rng);
      std::vector<float> bt(N * K);
      transpose_ref(b.data(), K, N, bt.data());
      const Compressed c = compress(a, R, K);
      std::vector<float> ref = nan_vector(R * N), dense(R * N), panel(kSparseBlock * kSparsePanel);
      std::vector<std::uint32_t> cursor(R);
      sparse_gemm_ref(c.start.data(), c.index.data(), c.values.data(), R, b.data(), N, ref.data());
      gemm_ref<float>(false, false, R, N, K, 1.0f, a.data(), b.data(), 0.0f, dense.data());
      for (bool transposed : {false, true}) {
        std::vector<float> fast = nan_vector(R * N);
        sparse_gemm(c.start.data(), c.index.data(), c.values.data(), R, K, transposed ? bt.data() : b.data(),
                    transposed, N, fast.data(), panel.data(), cursor.data());
        for (std::size_t i = 0; i < R * N; ++i) {
          // The same order of sums; fused or separate multiply-adds round differently.
          ASSERT_NEAR(fast[i], ref[i], 1e-5f) << "N=" << N << " K=" << K << " transposed=" << transposed;
          ASSERT_NEAR(fast[i], dense[i], 1e-5f) << "N=" << N << " K=" << K;
        }
      }
    }
  }
}

TEST(SparseKernels, SparseGemmTransposedIsTheTransposeOfSparseGemmBitForBit) {
  Rng rng(27);
  // N at 128 and 256 (written straight into ct on AVX-512) and off them (through scratch),
  // R around the 16-row tiles and the 8 x 8 transpose blocks, and multiples of 16 (whole
  // tiles, each output column's 16 floats one 64-byte store) up to the first layer's 784; ct
  // 64-byte aligned (whole cache lines, streamed) and 4 floats off (ordinary stores).
  if (!__builtin_cpu_supports("avx512f")) std::printf("[   NOTE   ] no AVX-512 here: the transposed 128-column panels are not run\n");
  std::vector<std::size_t> rows = edge_sizes({8, 16});
  rows.insert(rows.end(), {48, 784});
  for (std::size_t N : {std::size_t{1}, kSparsePanel - 1, kSparsePanel, kSparsePanel + 1, 2 * kSparsePanel}) {
    for (std::size_t R : rows) {
      const std::size_t K = 70;
      const auto a = sparse_matrix(R, K, 0.3, rng), b = random_vector(K * N, rng);
      const Compressed c = compress(a, R, K);
      std::vector<float> product = nan_vector(R * N), expected(N * R), scratch = nan_vector(R * N),
                         panel(kSparseBlock * kSparsePanel);
      std::vector<std::uint32_t> cursor(R);
      sparse_gemm(c.start.data(), c.index.data(), c.values.data(), R, K, b.data(), false, N, product.data(),
                  panel.data(), cursor.data());
      transpose_ref(product.data(), R, N, expected.data());
      for (std::size_t offset : {std::size_t{0}, std::size_t{4}}) {
        AlignedVector<float> buffer(N * R + 16, std::nanf(""));
        float* ct = buffer.data() + offset;
        sparse_gemm_transposed(c.start.data(), c.index.data(), c.values.data(), R, K, b.data(), N, ct,
                               scratch.data(), panel.data(), cursor.data());
        ASSERT_TRUE(std::equal(expected.begin(), expected.end(), ct)) << "N=" << N << " R=" << R << " offset=" << offset;
        for (std::size_t i = 0; i < offset; ++i) ASSERT_TRUE(std::isnan(buffer[i])) << "wrote before ct";
        for (std::size_t i = offset + N * R; i < buffer.size(); ++i) ASSERT_TRUE(std::isnan(buffer[i])) << "wrote past ct";
      }
    }
  }
}

TEST(SparseKernels, TransposeAndAddTransposedMatchReferences) {
  Rng rng(23);
  // The 8 x 8 vector blocks, the 16 x 16 and 32 x 32 tiles.
  const auto sizes = edge_sizes({8, 16, 32});
  for (std::size_t R : sizes) {
    for (std::size_t C : sizes) {
      const auto a = random_vector(R * C, rng);
      auto at = nan_vector(C * R), at_ref = nan_vector(C * R);
      transpose(a.data(), R, C, at.data());
      transpose_ref(a.data(), R, C, at_ref.data());
      ASSERT_EQ(at, at_ref) << R << "x" << C;
      auto sum = random_vector(C * R, rng);
      auto sum_ref = sum;
      add_transposed(a.data(), R, C, sum.data());
      add_transposed_ref(a.data(), R, C, sum_ref.data());
      ASSERT_EQ(sum, sum_ref) << R << "x" << C;
      for (std::size_t r = 0; r < R; ++r) {
        for (std::size_t c = 0; c < C; ++c) ASSERT_EQ(at_ref[c * R + r], a[r * C + c]);
      }
    }
  }
}

TEST(SparseKernels, SparseDenseLayerMatchesTheDenseLayer) {
  Rng rng(24);
  for (std::size_t O : {32, 33, 70, 128, 133}) {
    const std::size_t B = 12, I = 45;
    const auto x = sparse_matrix(B, I, 0.2, rng), w = random_vector(O * I, rng), b = random_vector(O, rng),
               r = random_vector(B * O, rng);
    std::vector<float> xt(I * B), y_dense(B * O), y_sparse = nan_vector(B * O), dwt(I * O), panel(kSparseBlock * kSparsePanel);
    std::vector<std::uint32_t> cursor(I);
    transpose(x.data(), B, I, xt.data());
    const Compressed rows = compress(x, B, I), columns = compress(xt, I, B);
    dense_forward(Activation::tanh, x.data(), w.data(), b.data(), y_dense.data(), B, I, O);
    dense_forward_sparse(Activation::tanh, rows.start.data(), rows.index.data(), rows.values.data(), w.data(),
                         b.data(), y_sparse.data(), B, I, O, panel.data(), cursor.data());
    for (std::size_t i = 0; i < B * O; ++i) ASSERT_NEAR(y_sparse[i], y_dense[i], 1e-5f) << "O=" << O;
    // Backward adds into the gradients: start them from the same nonzero values.
    auto dy_dense = r, dy_sparse = r;
    std::vector<float> dw_dense(O * I, 0.5f), dw_sparse = dw_dense, db_dense(O, -1.0f), db_sparse = db_dense;
    std::vector<float> dx_dense(B * I, 0.25f), dx_sparse = dx_dense;
    dense_backward(Activation::tanh, x.data(), w.data(), y_dense.data(), dy_dense.data(), dw_dense.data(),
                   db_dense.data(), dx_dense.data(), B, I, O);
    dense_backward_sparse(Activation::tanh, columns.start.data(), columns.index.data(), columns.values.data(),
                          w.data(), y_dense.data(), dy_sparse.data(), dw_sparse.data(), db_sparse.data(),
                          dx_sparse.data(), B, I, O, dwt.data(), panel.data(), cursor.data());
    for (std::size_t i = 0; i < O * I; ++i) ASSERT_NEAR(dw_sparse[i], dw_dense[i], 1e-5f) << "O=" << O;
    for (std::size_t i = 0; i < O; ++i) ASSERT_NEAR(db_sparse[i], db_dense[i], 1e-5f) << "O=" << O;
    for (std::size_t i = 0; i < B * I; ++i) ASSERT_NEAR(dx_sparse[i], dx_dense[i], 1e-5f) << "O=" << O;
    // dw_beta 0 writes dw and db over whatever they held (the training step's arenas).
    auto dy_written = r;
    std::vector<float> dw_written = nan_vector(O * I), db_written = nan_vector(O);
    dense_backward_sparse(Activation::tanh, columns.start.data(), columns.index.data(), columns.values.data(),
                          w.data(), y_dense.data(), dy_written.data(), dw_written.data(), db_written.data(),
                          static_cast<float*>(nullptr), B, I, O, dwt.data(), panel.data(), cursor.data(), 0.0f, 0.0f);
    for (std::size_t i = 0; i < O * I; ++i) ASSERT_NEAR(dw_written[i], dw_dense[i] - 0.5f, 1e-5f) << "O=" << O;
    for (std::size_t i = 0; i < O; ++i) ASSERT_NEAR(db_written[i], db_dense[i] + 1.0f, 1e-5f) << "O=" << O;
  }
}

TEST(SparseKernels, TheSparsePathIsTakenOnlyWhenItPaysOff) {
  EXPECT_TRUE(sparse_pays_off(100, 10, 40, 32, 0.25));
  EXPECT_FALSE(sparse_pays_off(101, 10, 40, 32, 0.25));  // too dense
  EXPECT_FALSE(sparse_pays_off(1, 10, 40, 8, 0.25));     // output too narrow for the tiles
  EXPECT_FALSE(sparse_pays_off(1, 10, 16, 32, 0.25));    // input too narrow
  EXPECT_FALSE(sparse_pays_off(1, 4, 100, 64, 0.25));    // batch too small
}

}  // namespace
}  // namespace ae::kernels
