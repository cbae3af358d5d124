// Fast kernels against their references at tile edges and odd sizes.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ae/random.hpp"
#include "kernels/kernels.hpp"

namespace ae::kernels {
namespace {

std::vector<float> random_vector(std::size_t n, Rng& rng, float scale = 1.0f) {
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(rng.uniform(-scale, scale));
  return v;
}

const Activation kActivations[] = {Activation::linear, Activation::relu, Activation::leaky_relu,
                                   Activation::elu, Activation::tanh, Activation::sigmoid,
                                   Activation::softplus};

// Sizes around the 16-float AVX-512 vector and typical GEMM tile widths.
const std::size_t kSizes[] = {1, 15, 16, 17, 53};

TEST(Kernels, GemmMatchesReferenceForEveryTransposeAndSize) {
  Rng rng(1);
  for (std::size_t M : kSizes) {
    for (std::size_t N : {std::size_t{1}, std::size_t{16}, std::size_t{33}}) {
      for (std::size_t K : {std::size_t{1}, std::size_t{17}, std::size_t{64}}) {
        for (int t = 0; t < 4; ++t) {
          const bool ta = t & 1, tb = t & 2;
          const auto a = random_vector(M * K, rng), b = random_vector(K * N, rng);
          auto c_fast = random_vector(M * N, rng);
          auto c_ref = c_fast;
          gemm<float>(ta, tb, M, N, K, 0.5f, a.data(), b.data(), 1.0f, c_fast.data());
          gemm_ref<float>(ta, tb, M, N, K, 0.5f, a.data(), b.data(), 1.0f, c_ref.data());
          for (std::size_t i = 0; i < M * N; ++i) {
            ASSERT_NEAR(c_fast[i], c_ref[i], 1e-4f) << M << "x" << N << "x" << K << " t=" << t;
          }
        }
      }
    }
  }
}

TEST(Kernels, GemmWithZeroBetaIgnoresNaNInOutput) {
  std::vector<float> a{1, 2, 3, 4}, b{1, 0, 0, 1}, c(4, NAN);
  gemm<float>(false, false, 2, 2, 2, 1.0f, a.data(), b.data(), 0.0f, c.data());
  EXPECT_EQ(c, a);
}

TEST(Kernels, BiasActivationForwardMatchesReference) {
  Rng rng(2);
  for (Activation act : kActivations) {
    for (std::size_t O : kSizes) {
      const std::size_t B = 3;
      const auto bias = random_vector(O, rng);
      auto y_fast = random_vector(B * O, rng, 5.0f);
      auto y_ref = y_fast;
      // Without a bias: the same values with the bias added beforehand.
      auto y_unbiased = y_fast;
      for (std::size_t i = 0; i < B * O; ++i) y_unbiased[i] += bias[i % O];
      bias_activation_forward(act, bias.data(), y_fast.data(), B, O);
      bias_activation_forward_ref(act, bias.data(), y_ref.data(), B, O);
      activation_forward(act, y_unbiased.data(), B * O);
      for (std::size_t i = 0; i < B * O; ++i) {
        ASSERT_NEAR(y_fast[i], y_ref[i], 1e-6f) << activation_name(act) << " O=" << O;
        ASSERT_EQ(y_unbiased[i], y_fast[i]) << activation_name(act) << " O=" << O;
      }
    }
  }
}

TEST(Kernels, ActivationBackwardMatchesReference) {
  Rng rng(3);
  for (Activation act : kActivations) {
    for (std::size_t n : kSizes) {
      auto y = random_vector(n, rng, 3.0f);
      std::vector<float> bias(n, 0.0f);
      bias_activation_forward_ref(act, bias.data(), y.data(), 1, n);
      auto d_fast = random_vector(n, rng);
      auto d_ref = d_fast;
      activation_backward(act, y.data(), d_fast.data(), n);
      activation_backward_ref(act, y.data(), d_ref.data(), n);
      for (std::size_t i = 0; i < n; ++i) ASSERT_NEAR(d_fast[i], d_ref[i], 1e-6f);
    }
  }
}

TEST(Kernels, ActivationBiasBackwardEqualsTheTwoPasses) {
  Rng rng(25);
  for (Activation act : kActivations) {
    for (std::size_t O : kSizes) {
      const std::size_t B = 5;
      auto y = random_vector(B * O, rng, 3.0f);
      std::vector<float> zero(O, 0.0f);
      bias_activation_forward_ref(act, zero.data(), y.data(), B, O);
      const auto dy = random_vector(B * O, rng);
      auto fused = dy, apart = dy;
      auto db_fused = random_vector(O, rng);
      auto db_apart = db_fused;
      activation_bias_backward(act, y.data(), fused.data(), db_fused.data(), B, O);
      activation_backward(act, y.data(), apart.data(), B * O);
      bias_backward(apart.data(), db_apart.data(), B, O);
      EXPECT_EQ(fused, apart) << activation_name(act) << " O=" << O;
      EXPECT_EQ(db_fused, db_apart) << activation_name(act) << " O=" << O;
    }
  }
}

TEST(Kernels, ReluAndLeakyReluTakeTheLeftDerivativeAtTheKink) {
  const float y_zero = 0.0f;
  float d = 1.0f;
  activation_backward(Activation::relu, &y_zero, &d, 1);
  EXPECT_EQ(d, 0.0f);
  d = 1.0f;
  activation_backward(Activation::leaky_relu, &y_zero, &d, 1);
  EXPECT_FLOAT_EQ(d, 0.01f);
}

TEST(Kernels, SigmoidAndSoftplusStayFiniteForExtremeInputs) {
  std::vector<float> y{-1000.0f, -80.0f, 0.0f, 80.0f, 1000.0f};
  auto s = y;
  const std::vector<float> zero(5, 0.0f);
  bias_activation_forward(Activation::sigmoid, zero.data(), s.data(), 1, 5);
  for (float v : s) {
    EXPECT_TRUE(std::isfinite(v));
    EXPECT_GE(v, 0.0f);
    EXPECT_LE(v, 1.0f);
  }
  auto sp = y;
  bias_activation_forward(Activation::softplus, zero.data(), sp.data(), 1, 5);
  for (float v : sp) EXPECT_TRUE(std::isfinite(v));
  EXPECT_NEAR(sp[4], 1000.0f, 1e-3f);
}

// The float bce (log_approx, float lanes) against the double reference, on targets in
// [0, 1] and outputs across (0, 1), at both clips and beyond them, at lengths around its 8
// lanes and 1024-value blocks.
TEST(LossKernels, FloatBceMatchesTheDoubleReference) {
  Rng rng(21);
  for (std::size_t n : {1ul, 7ul, 8ul, 9ul, 1023ul, 1024ul, 1025ul, 3000ul}) {
    SCOPED_TRACE(n);
    std::vector<float> y(n), x(n), dy(n, NAN);
    for (std::size_t i = 0; i < n; ++i) {
      y[i] = static_cast<float>(rng.uniform(0.0, 1.0));
      x[i] = static_cast<float>(rng.uniform(0.0, 1.0));
    }
    const float edges[] = {0.0f, 1e-8f, 1e-7f, 2e-7f, 0.5f, 0.9999997f, 0.9999999f, 1.0f, 1.5f, -0.5f};
    for (std::size_t i = 0; i < n && i < std::size(edges); ++i) y[n - 1 - i] = edges[i];
    std::vector<double> yd(y.begin(), y.end()), xd(x.begin(), x.end()), dyd(n);
    const double ref = bce_gradient(yd.data(), xd.data(), dyd.data(), n, 0.25);
    EXPECT_NEAR(bce_gradient(y.data(), x.data(), dy.data(), n, 0.25f), ref, 2e-6 * std::abs(ref));
    EXPECT_NEAR(bce_sum(y.data(), x.data(), n), bce_sum(yd.data(), xd.data(), n), 2e-6 * std::abs(ref));
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_NEAR(dy[i], dyd[i], 1e-5 * std::abs(dyd[i]) + 1e-6) << "y " << y[i] << " x " << x[i];
      if (dyd[i] == 0.0) EXPECT_EQ(dy[i], 0.0f);  // the clip's zero gradient exactly
    }
  }
}

TEST(LossKernels, FloatBceClipsLikeTheDoubleReference) {
  // At and beyond both clips: the terms of the clipped values, no gradient outside.
  const std::vector<float> y{1.0f, 0.9999999f, 0.0f, 1e-7f, 2.0f, -1.0f};
  const std::vector<float> x{0.25f, 0.25f, 0.75f, 0.75f, 0.5f, 0.5f};
  const std::vector<double> yd(y.begin(), y.end()), xd(x.begin(), x.end());
  std::vector<float> dy(y.size(), NAN);
  std::vector<double> dyd(y.size());
  const double ref = bce_gradient(yd.data(), xd.data(), dyd.data(), y.size(), 1.0);
  EXPECT_NEAR(bce_gradient(y.data(), x.data(), dy.data(), y.size(), 1.0f), ref, 2e-6 * ref);
  for (std::size_t i = 0; i < y.size(); ++i) {
    EXPECT_NEAR(dy[i], dyd[i], 1e-5 * std::abs(dyd[i])) << "y " << y[i];
  }
  EXPECT_EQ(dy[0], 0.0f);
  EXPECT_EQ(dy[2], 0.0f);
  EXPECT_EQ(dy[4], 0.0f);
  EXPECT_EQ(dy[5], 0.0f);
}

TEST(LossKernels, FloatBceCarriesNaN) {
  std::vector<float> y(20, 0.5f), x(20, 0.5f), dy(20);
  y[13] = NAN;
  EXPECT_TRUE(std::isnan(bce_gradient(y.data(), x.data(), dy.data(), y.size(), 1.0f)));
  EXPECT_TRUE(std::isnan(dy[13]));
  EXPECT_TRUE(std::isnan(bce_sum(y.data(), x.data(), y.size())));
}

TEST(Kernels, BytesToFloatScalesTo01) {
  const unsigned char in[3] = {0, 128, 255};
  float out[3];
  bytes_to_float(in, out, 3);
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_NEAR(out[1], 128.0f / 255.0f, 1e-7f);
  EXPECT_EQ(out[2], 1.0f);
}

// A (R x C) matrix with about `density` of its entries nonzero.
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

TEST(SparseKernels, CompressRowsKeepsEveryNonzeroInColumnOrder) {
  Rng rng(20);
  for (std::size_t C : {1, 7, 8, 9, 16, 17, 53}) {
    for (double density : {0.0, 0.2, 1.0}) {
      const std::size_t R = 3;
      auto x = sparse_matrix(R, C, density, rng);
      if (C > 8) {
        x[2] = NAN;       // kept, as x != 0 is true
        x[3] = -0.0f;     // dropped: equal to zero
        x[C + 5] = INFINITY;
      }
      const Compressed c = compress(x, R, C);
      ASSERT_EQ(c.start[R], count_nonzero(x.data(), R * C));
      for (std::size_t r = 0; r < R; ++r) {
        std::uint32_t j = c.start[r];
        for (std::size_t col = 0; col < C; ++col) {
          const float v = x[r * C + col];
          if (v == 0.0f) continue;
          ASSERT_LT(j, c.start[r + 1]) << "C=" << C;
          EXPECT_EQ(c.index[j], col) << "C=" << C << " row " << r;
          if (std::isnan(v)) EXPECT_TRUE(std::isnan(c.values[j]));
          else EXPECT_EQ(c.values[j], v);
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

// Widths around the 8-float vector, the 32- and 64-float tiles of the sparse products.
const std::size_t kSparseWidths[] = {1, 7, 8, 31, 32, 33, 64, 65, 130};

TEST(SparseKernels, SparseGemmMatchesReferenceAndDenseGemmWithBEitherWay) {
  Rng rng(21);
  // K around the 64-row blocks of b, N around the 64-column panels and the 8-float vector.
  for (std::size_t N : kSparseWidths) {
    for (std::size_t K : {1, 17, 63, 64, 65, 200}) {
      const std::size_t R = 5;
      const auto a = sparse_matrix(R, K, 0.3, rng), b = random_vector(K * N, rng);
      std::vector<float> bt(N * K);
      transpose(b.data(), K, N, bt.data());
      const Compressed c = compress(a, R, K);
      std::vector<float> ref(R * N, NAN), dense(R * N), panel(kSparseBlock * 64);
      std::vector<std::uint32_t> cursor(R);
      sparse_gemm_ref(c.start.data(), c.index.data(), c.values.data(), R, b.data(), N, ref.data());
      gemm_ref<float>(false, false, R, N, K, 1.0f, a.data(), b.data(), 0.0f, dense.data());
      for (bool transposed : {false, true}) {
        std::vector<float> fast(R * N, NAN);
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

TEST(SparseKernels, TransposeAndAddTransposedAtOddSizes) {
  Rng rng(23);
  for (std::size_t R : {1, 15, 16, 17, 40}) {
    for (std::size_t C : {1, 16, 33}) {
      const auto a = random_vector(R * C, rng);
      std::vector<float> at(C * R, NAN);
      transpose(a.data(), R, C, at.data());
      auto sum = random_vector(C * R, rng);
      const auto before = sum;
      add_transposed(a.data(), R, C, sum.data());
      for (std::size_t r = 0; r < R; ++r) {
        for (std::size_t c = 0; c < C; ++c) {
          ASSERT_EQ(at[c * R + r], a[r * C + c]);
          ASSERT_EQ(sum[c * R + r], before[c * R + r] + a[r * C + c]);
        }
      }
    }
  }
}

TEST(SparseKernels, SparseDenseLayerMatchesTheDenseLayer) {
  Rng rng(24);
  for (std::size_t O : {32, 33, 70}) {
    const std::size_t B = 12, I = 45;
    const auto x = sparse_matrix(B, I, 0.2, rng), w = random_vector(O * I, rng), b = random_vector(O, rng),
               r = random_vector(B * O, rng);
    std::vector<float> xt(I * B), y_dense(B * O), y_sparse(B * O, NAN), dwt(I * O), panel(kSparseBlock * 64);
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
