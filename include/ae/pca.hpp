// Principal component analysis computed exactly (covariance + LAPACK dsyevr for the k
// largest eigenpairs), used as the linear baseline an autoencoder must beat.
#pragma once
#include <cstddef>
#include <vector>

#include "ae/data.hpp"
#include "ae/matrix.hpp"

namespace ae {

struct Pca {
  std::vector<double> mean;        // D
  BasicMatrix<double> components;  // K x D, orthonormal rows, largest variance first
  std::vector<double> variances;   // K eigenvalues of the covariance
};

// The widest rows fit_pca takes: the D x D covariance (32 MB) and its O(D^3) decomposition
// take a few seconds there; wider data is refused rather than left running for minutes.
inline constexpr std::size_t kMaxPcaWidth = 2048;

// Throws Error(usage) when k is 0 or larger than the width, the width is over kMaxPcaWidth,
// or there are fewer than 2 rows.
Pca fit_pca(ConstMatrixView x, std::size_t k);
// The same over a data set's rows as float, read in chunks (no N x D copy).
Pca fit_pca(const Dataset& data, std::size_t k);
// Projects rows onto the components and back; throws Error(usage) when their width is not
// the components'.
Matrix pca_reconstruct(const Pca& pca, ConstMatrixView x);

// The double-precision buffers a reconstruction works in; they grow to the largest chunk
// seen and are reused by later calls, so a pass over a data set allocates them once.
struct PcaScratch {
  BasicMatrix<double> centered, coeff, back;
};
// The same into out (x.rows x D, not overlapping x), bit for bit.
void pca_reconstruct(const Pca& pca, ConstMatrixView x, MatrixView out, PcaScratch& scratch);

}  // namespace ae
