// The latent map's points: embeddings as 2-D coordinates (as they are for K <= 2, else their
// first two principal components) with axis labels and a sentence for the reader.
#include <cstdio>

#include "ae/pca.hpp"
#include "ae/report.hpp"

namespace ae {

LatentPoints latent_points(const Matrix& z) {
  LatentPoints p;
  const std::size_t N = z.rows(), K = z.cols();
  p.x.resize(N);
  p.y.assign(N, 0.0);
  if (K <= 2 || N < 2) {
    for (std::size_t i = 0; i < N; ++i) {
      p.x[i] = z(i, 0);
      if (K >= 2) p.y[i] = z(i, 1);
    }
    p.x_label = "z1";
    p.y_label = K >= 2 ? "z2" : "";
    p.note = K == 1 ? "The embedding has one value per row: drawn along x, spread vertically at "
                      "random so its density shows."
                    : "The embedding has " + std::to_string(K) + " values per row, drawn as they are.";
    return p;
  }
  const Pca pca = fit_pca(z.view(), 2);
  for (std::size_t i = 0; i < N; ++i) {
    double a = 0, b = 0;
    for (std::size_t k = 0; k < K; ++k) {
      const double c = z(i, k) - pca.mean[k];
      a += pca.components(0, k) * c;
      b += pca.components(1, k) * c;
    }
    p.x[i] = a;
    p.y[i] = b;
  }
  double total = 0;  // trace of the covariance = the sum of all variances
  for (std::size_t k = 0; k < K; ++k) {
    double s = 0;
    for (std::size_t i = 0; i < N; ++i) s += (z(i, k) - pca.mean[k]) * (z(i, k) - pca.mean[k]);
    total += s / static_cast<double>(N - 1);
  }
  const double share = total > 0 ? (pca.variances[0] + pca.variances[1]) / total : 1.0;
  char share_text[32];
  std::snprintf(share_text, sizeof share_text, "%.2f%%", 100.0 * share);
  p.x_label = "principal component 1";
  p.y_label = "principal component 2";
  p.note = "The embedding has " + std::to_string(K) +
           " values per row; shown are its first two principal components, " + share_text +
           " of the embeddings' variance.";
  return p;
}

}  // namespace ae
