// PCA through the symmetric eigen-decomposition of the covariance (LAPACK dsyev). Fine for
// widths up to a few thousand; the D x D covariance is the memory bound.
#include "ae/pca.hpp"

#include <string>

#include "ae/error.hpp"
#include "kernels/kernels.hpp"

extern "C" void dsyev_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda,
                       double* w, double* work, const int* lwork, int* info);

namespace ae {

Pca fit_pca(ConstMatrixView x, std::size_t k) {
  const std::size_t N = x.rows, D = x.cols;
  if (k == 0 || k > D) throw Error(ErrorKind::usage, "PCA needs 1 to " + std::to_string(D) + " components");
  if (N < 2) throw Error(ErrorKind::usage, "PCA needs at least two rows");
  Pca pca;
  pca.mean.assign(D, 0.0);
  for (std::size_t r = 0; r < N; ++r) {
    for (std::size_t j = 0; j < D; ++j) pca.mean[j] += x(r, j);
  }
  for (auto& m : pca.mean) m /= static_cast<double>(N);
  BasicMatrix<double> centered(N, D);
  for (std::size_t r = 0; r < N; ++r) {
    for (std::size_t j = 0; j < D; ++j) centered(r, j) = x(r, j) - pca.mean[j];
  }
  BasicMatrix<double> cov(D, D);
  kernels::gemm<double>(true, false, D, D, N, 1.0 / static_cast<double>(N - 1), centered.data(),
                        centered.data(), 0.0, cov.data());
  // dsyev returns eigenvalues ascending with eigenvectors as columns (column-major), which
  // in our row-major buffer are rows.
  const int n = static_cast<int>(D);
  std::vector<double> eigenvalues(D);
  int info = 0, lwork = -1;
  double query = 0;
  dsyev_("V", "U", &n, cov.data(), &n, eigenvalues.data(), &query, &lwork, &info);
  lwork = static_cast<int>(query);
  std::vector<double> work(static_cast<std::size_t>(lwork));
  dsyev_("V", "U", &n, cov.data(), &n, eigenvalues.data(), work.data(), &lwork, &info);
  if (info != 0) throw Error(ErrorKind::internal, "PCA: LAPACK dsyev failed with info " + std::to_string(info));
  pca.components.resize(k, D);
  for (std::size_t c = 0; c < k; ++c) {
    const std::size_t src = D - 1 - c;
    for (std::size_t j = 0; j < D; ++j) pca.components(c, j) = cov(src, j);
    pca.variances.push_back(eigenvalues[src]);
  }
  return pca;
}

Matrix pca_reconstruct(const Pca& pca, ConstMatrixView x) {
  const std::size_t D = x.cols, K = pca.components.rows();
  Matrix out(x.rows, D);
  std::vector<double> centered(D), coeff(K);
  for (std::size_t r = 0; r < x.rows; ++r) {
    for (std::size_t j = 0; j < D; ++j) centered[j] = x(r, j) - pca.mean[j];
    for (std::size_t c = 0; c < K; ++c) {
      double s = 0;
      for (std::size_t j = 0; j < D; ++j) s += pca.components(c, j) * centered[j];
      coeff[c] = s;
    }
    for (std::size_t j = 0; j < D; ++j) {
      double v = pca.mean[j];
      for (std::size_t c = 0; c < K; ++c) v += coeff[c] * pca.components(c, j);
      out(r, j) = static_cast<float>(v);
    }
  }
  return out;
}

}  // namespace ae
