// PCA through the symmetric eigen-decomposition of the covariance, the k largest eigenpairs
// alone (LAPACK dsyevr, which finds a few in a fraction of a full dsyev's time), the
// covariance accumulated over chunks of rows. Fine for widths up to a few thousand; the D x D
// covariance is the memory bound.
#include "ae/pca.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "ae/error.hpp"
#include "kernels/kernels.hpp"

extern "C" void dsyevr_(const char* jobz, const char* range, const char* uplo, const int* n, double* a,
                        const int* lda, const double* vl, const double* vu, const int* il, const int* iu,
                        const double* abstol, int* m, double* w, double* z, const int* ldz, int* isuppz,
                        double* work, const int* lwork, int* iwork, const int* liwork, int* info);

namespace ae {
namespace {

constexpr std::size_t kChunk = 512;

// Mean and covariance over rows delivered in chunks: rows(first, count, out) writes rows
// [first, first + count) as double into out (count x D). The covariance is accumulated chunk
// by chunk (centred rows, one GEMM each), so no N x D copy is held.
template <class Rows>
Pca fit_pca_with(std::size_t N, std::size_t D, std::size_t k, Rows&& rows) {
  if (k == 0 || k > D) throw Error(ErrorKind::usage, "PCA needs 1 to " + std::to_string(D) + " components");
  if (N < 2) throw Error(ErrorKind::usage, "PCA needs at least two rows");
  if (D > kMaxPcaWidth) {
    throw Error(ErrorKind::usage, "PCA of " + std::to_string(D) + "-wide rows: the exact decomposition is limited to " +
                                      std::to_string(kMaxPcaWidth) + " columns (its time grows as width^3, its memory as width^2)");
  }
  Pca pca;
  pca.mean.assign(D, 0.0);
  BasicMatrix<double> chunk(std::min(kChunk, N), D);
  for (std::size_t first = 0; first < N; first += kChunk) {
    const std::size_t count = std::min(kChunk, N - first);
    rows(first, count, chunk.data());
    for (std::size_t r = 0; r < count; ++r) {
      for (std::size_t j = 0; j < D; ++j) pca.mean[j] += chunk(r, j);
    }
  }
  for (auto& m : pca.mean) m /= static_cast<double>(N);
  BasicMatrix<double> cov(D, D);
  for (std::size_t first = 0; first < N; first += kChunk) {
    const std::size_t count = std::min(kChunk, N - first);
    rows(first, count, chunk.data());
    for (std::size_t r = 0; r < count; ++r) {
      for (std::size_t j = 0; j < D; ++j) chunk(r, j) -= pca.mean[j];
    }
    kernels::gemm<double>(true, false, D, D, count, 1.0 / static_cast<double>(N - 1), chunk.data(),
                          chunk.data(), first == 0 ? 0.0 : 1.0, cov.data());
  }
  // dsyevr returns the eigenvalues il..iu (1-based, ascending) with their eigenvectors as
  // the columns of z (column-major, so rows of our row-major buffer). The covariance is
  // symmetric, so row- and column-major read it alike.
  const int n = static_cast<int>(D), il = n - static_cast<int>(k) + 1;
  const double unused = 0, abstol = 0;  // abstol 0: LAPACK's default accuracy
  std::vector<double> eigenvalues(D);
  BasicMatrix<double> z(k, D);
  std::vector<int> support(2 * k);
  int found = 0, info = 0, lwork = -1, liwork = -1, iquery = 0;
  double query = 0;
  const auto decompose = [&](double* work, int* iwork) {
    dsyevr_("V", "I", "U", &n, cov.data(), &n, &unused, &unused, &il, &n, &abstol, &found, eigenvalues.data(), z.data(),
            &n, support.data(), work, &lwork, iwork, &liwork, &info);
  };
  decompose(&query, &iquery);
  lwork = static_cast<int>(query);
  liwork = iquery;
  std::vector<double> work(static_cast<std::size_t>(lwork));
  std::vector<int> iwork(static_cast<std::size_t>(liwork));
  if (info == 0) decompose(work.data(), iwork.data());
  if (info != 0 || found != static_cast<int>(k)) {
    throw Error(ErrorKind::internal, "PCA: LAPACK dsyevr failed with info " + std::to_string(info));
  }
  pca.components.resize(k, D);
  for (std::size_t c = 0; c < k; ++c) {
    const std::size_t src = k - 1 - c;
    for (std::size_t j = 0; j < D; ++j) pca.components(c, j) = z(src, j);
    pca.variances.push_back(eigenvalues[src]);
  }
  return pca;
}

}  // namespace

Pca fit_pca(ConstMatrixView x, std::size_t k) {
  return fit_pca_with(x.rows, x.cols, k, [&](std::size_t first, std::size_t count, double* out) {
    std::copy(x.data + first * x.cols, x.data + (first + count) * x.cols, out);
  });
}

Pca fit_pca(const Dataset& data, std::size_t k) {
  std::vector<float> rows(std::min(kChunk, data.rows) * data.cols);
  return fit_pca_with(data.rows, data.cols, k, [&](std::size_t first, std::size_t count, double* out) {
    data.copy_rows(first, count, rows.data());
    std::copy(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(count * data.cols), out);
  });
}

Matrix pca_reconstruct(const Pca& pca, ConstMatrixView x) {
  Matrix out(x.rows, x.cols);
  PcaScratch scratch;
  pca_reconstruct(pca, x, out.view(), scratch);
  return out;
}

void pca_reconstruct(const Pca& pca, ConstMatrixView x, MatrixView out, PcaScratch& scratch) {
  // Per chunk: coefficients (rows x K) = centred x C^T, then mean + coefficients C.
  const std::size_t D = x.cols, K = pca.components.rows();
  if (D != pca.mean.size()) {
    throw Error(ErrorKind::usage, "PCA reconstruction: rows have " + std::to_string(D) + " values but the components " +
                                      std::to_string(pca.mean.size()));
  }
  if (out.rows != x.rows || out.cols != D) {
    throw Error(ErrorKind::internal, "pca_reconstruct: the output's shape is not the rows'");
  }
  const std::size_t rows = std::min(kChunk, x.rows);
  const auto fit = [rows](BasicMatrix<double>& m, std::size_t cols) {
    if (m.rows() < rows || m.cols() != cols) m.resize(rows, cols);
  };
  fit(scratch.centered, D);
  fit(scratch.coeff, K);
  fit(scratch.back, D);
  BasicMatrix<double>& centered = scratch.centered;
  BasicMatrix<double>& back = scratch.back;
  for (std::size_t first = 0; first < x.rows; first += kChunk) {
    const std::size_t count = std::min(kChunk, x.rows - first);
    for (std::size_t r = 0; r < count; ++r) {
      for (std::size_t j = 0; j < D; ++j) centered(r, j) = x(first + r, j) - pca.mean[j];
    }
    kernels::gemm<double>(false, true, count, K, D, 1.0, centered.data(), pca.components.data(), 0.0,
                          scratch.coeff.data());
    kernels::gemm<double>(false, false, count, D, K, 1.0, scratch.coeff.data(), pca.components.data(), 0.0,
                          back.data());
    for (std::size_t r = 0; r < count; ++r) {
      for (std::size_t j = 0; j < D; ++j) out(first + r, j) = static_cast<float>(pca.mean[j] + back(r, j));
    }
  }
}

}  // namespace ae
