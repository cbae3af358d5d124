// Views of a model on a data set shared by `ae plot` and `ae report`.
#include <algorithm>
#include <cstdio>

#include "ae/inference.hpp"
#include "ae/pca.hpp"
#include "common.hpp"

namespace ae::cli {

std::vector<std::size_t> image_shape_of(const Dataset& data, const ModelInfo& info) {
  const auto& shape = !data.image_shape.empty() ? data.image_shape : info.image_shape;
  if (shape.size() == 2 && shape[0] * shape[1] == data.cols) return shape;
  return {};
}

// Mean over rows of the squared reconstruction error of each feature (D values), a chunk of
// rows at a time so memory stays bounded.
std::vector<double> mean_squared_error_per_feature(Autoencoder& model, const Dataset& data) {
  std::vector<double> sum(data.cols, 0.0);
  constexpr std::size_t chunk = 4 * kInferenceChunk;
  for (std::size_t first = 0; first < data.rows; first += chunk) {
    const Dataset part = take(data, first, std::min(chunk, data.rows - first));
    const Matrix x = part.to_matrix();
    const Matrix y = reconstruct_all(model, part);
    for (std::size_t r = 0; r < x.rows(); ++r) {
      for (std::size_t j = 0; j < x.cols(); ++j) {
        const double e = static_cast<double>(x(r, j)) - static_cast<double>(y(r, j));
        sum[j] += e * e;
      }
    }
  }
  for (auto& s : sum) s /= static_cast<double>(std::max<std::size_t>(data.rows, 1));
  return sum;
}

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
    p.note = K == 1 ? "The embedding has one value per row: drawn along x, spread vertically at random so its density shows."
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
  p.note = "The embedding has " + std::to_string(K) + " values per row; shown are its first two principal components, " +
           share_text + " of the embeddings' variance.";
  return p;
}

}  // namespace ae::cli
