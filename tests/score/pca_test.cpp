// PCA: components of data with a known covariance, exact reconstruction of data in a
// k-dimensional subspace, the whole spectrum when k is the width, the same fit from a matrix,
// from float rows and from bytes across more rows than one chunk, and the reconstruction into
// reused buffers at every chunk edge.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "ae/error.hpp"
#include "ae/pca.hpp"
#include "ae/random.hpp"

namespace ae {
namespace {

// Rows a u + b v + c with u, v orthonormal in 5-D, a ~ U(-3, 3), b ~ U(-1, 1): covariance
// eigenvalues 3 (= 6^2 / 12) along u and 1/3 along v.
Matrix plane(std::size_t n, Rng& rng) {
  const double u[5] = {0.6, 0.8, 0, 0, 0}, v[5] = {0, 0, 0.6, 0, 0.8}, c[5] = {1, -2, 0.5, 3, 0};
  Matrix x(n, 5);
  for (std::size_t r = 0; r < n; ++r) {
    const double a = rng.uniform(-3.0, 3.0), b = rng.uniform(-1.0, 1.0);
    for (std::size_t j = 0; j < 5; ++j) x(r, j) = static_cast<float>(a * u[j] + b * v[j] + c[j]);
  }
  return x;
}

TEST(Pca, FindsTheDirectionsAndVariancesOfAPlane) {
  Rng rng(2);
  const Matrix x = plane(5000, rng);
  const Pca pca = fit_pca(x.view(), 2);
  ASSERT_EQ(pca.components.rows(), 2u);
  EXPECT_NEAR(pca.variances[0], 3.0, 0.15);
  EXPECT_NEAR(pca.variances[1], 1.0 / 3.0, 0.02);
  // Up to sign, the first component is u and the second v.
  EXPECT_NEAR(std::fabs(pca.components(0, 0) * 0.6 + pca.components(0, 1) * 0.8), 1.0, 1e-3);
  EXPECT_NEAR(std::fabs(pca.components(1, 2) * 0.6 + pca.components(1, 4) * 0.8), 1.0, 1e-3);
  for (std::size_t c = 0; c < 2; ++c) {
    double norm = 0, dot = 0;
    for (std::size_t j = 0; j < 5; ++j) {
      norm += pca.components(c, j) * pca.components(c, j);
      dot += pca.components(0, j) * pca.components(1, j);
    }
    EXPECT_NEAR(norm, 1.0, 1e-12);
    EXPECT_NEAR(dot, 0.0, 1e-12);
  }
  // Two components rebuild the plane exactly (to float), one does not.
  const Matrix y2 = pca_reconstruct(pca, x.view());
  double worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::fabs(double(y2.data()[i]) - x.data()[i]));
  EXPECT_LT(worst, 1e-5);
  const Matrix y1 = pca_reconstruct(fit_pca(x.view(), 1), x.view());
  double sse = 0;
  for (std::size_t i = 0; i < x.size(); ++i) sse += std::pow(double(y1.data()[i]) - x.data()[i], 2);
  EXPECT_NEAR(sse / 5000.0, 1.0 / 3.0, 0.02);  // what is left is the v variance
}

TEST(Pca, DatasetRowsAndBytesFitLikeTheMatrix) {
  Rng rng(5);
  const Matrix x = plane(1300, rng);  // more than two chunks of rows
  Dataset d;
  d.rows = x.rows();
  d.cols = x.cols();
  d.values.assign(x.data(), x.data() + x.size());
  const Pca a = fit_pca(x.view(), 3), b = fit_pca(d, 3);
  for (std::size_t j = 0; j < 5; ++j) EXPECT_NEAR(a.mean[j], b.mean[j], 1e-12);
  for (std::size_t c = 0; c < 3; ++c) EXPECT_NEAR(a.variances[c], b.variances[c], 1e-9);
  Dataset bytes;
  bytes.rows = 600;
  bytes.cols = 4;
  bytes.byte_data = true;
  for (std::size_t i = 0; i < 600 * 4; ++i) bytes.bytes.push_back(static_cast<std::uint8_t>(rng.below(256)));
  const Pca p = fit_pca(bytes, 2), q = fit_pca(bytes.to_matrix().view(), 2);
  for (std::size_t j = 0; j < 4; ++j) EXPECT_NEAR(p.mean[j], q.mean[j], 1e-12);
  EXPECT_NEAR(p.variances[0], q.variances[0], 1e-12);
}

TEST(Pca, AllComponentsCarryTheWholeVarianceInOrder) {
  // k = D: every eigenpair. Their variances add up to the covariance's trace, come largest
  // first, and the components rebuild every row.
  Rng rng(11);
  const std::size_t N = 700, D = 6;
  Matrix x(N, D);
  for (std::size_t r = 0; r < N; ++r) {
    for (std::size_t j = 0; j < D; ++j) x(r, j) = static_cast<float>(rng.uniform(-1.0, 1.0) * static_cast<double>(j + 1));
  }
  const Pca pca = fit_pca(x.view(), D);
  ASSERT_EQ(pca.variances.size(), D);
  double trace = 0;
  for (std::size_t j = 0; j < D; ++j) {
    double m = 0, v = 0;
    for (std::size_t r = 0; r < N; ++r) m += x(r, j);
    m /= N;
    for (std::size_t r = 0; r < N; ++r) v += (x(r, j) - m) * (x(r, j) - m);
    trace += v / (N - 1);
  }
  double total = 0;
  for (std::size_t c = 0; c < D; ++c) {
    total += pca.variances[c];
    if (c > 0) EXPECT_GE(pca.variances[c - 1], pca.variances[c]);
  }
  EXPECT_NEAR(total, trace, 1e-9 * trace);
  const Matrix y = pca_reconstruct(pca, x.view());
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(y.data()[i], x.data()[i], 1e-5);
}

TEST(Pca, ReconstructionIntoReusedBuffersIsBitForBitAtEveryChunkEdge) {
  // The reconstruction works through 512-row chunks; one scratch serves calls of every size,
  // larger and smaller than the last.
  Rng rng(8);
  const Matrix x = plane(3 * 512 + 5, rng);
  const Pca pca = fit_pca(x.view(), 1);
  PcaScratch scratch;
  for (std::size_t n : {std::size_t{3 * 512 + 5}, std::size_t{1}, std::size_t{511}, std::size_t{512},
                        std::size_t{513}, std::size_t{2}}) {
    const ConstMatrixView rows{x.data(), n, x.cols()};
    const Matrix want = pca_reconstruct(pca, rows);
    Matrix got(n, x.cols(), -1.0f);
    pca_reconstruct(pca, rows, got.view(), scratch);
    EXPECT_EQ(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)), 0) << n << " rows";
  }
  Matrix narrow(4, 3);
  EXPECT_THROW(pca_reconstruct(pca, ConstMatrixView{x.data(), 4, x.cols()}, narrow.view(), scratch), Error);
  try {
    pca_reconstruct(pca, narrow.view());
    ADD_FAILURE() << "3-wide rows against 5-wide components were taken";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    EXPECT_NE(std::string(e.what()).find("rows have 3 values but the components 5"), std::string::npos) << e.what();
  }
}

TEST(Pca, BadSizesAreUsageErrors) {
  const Matrix one(1, 3);
  EXPECT_THROW(fit_pca(one.view(), 1), Error);
  const Matrix two(2, 3);
  EXPECT_THROW(fit_pca(two.view(), 0), Error);
  EXPECT_THROW(fit_pca(two.view(), 4), Error);
}

}  // namespace
}  // namespace ae
