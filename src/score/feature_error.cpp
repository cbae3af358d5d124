// Per-feature reconstruction error of a model over a data set: the mean over rows of each
// feature's squared residual, summed in double in row order, a chunk of rows at a time so
// memory stays bounded. The training rows' version is ScoreCalibration::feature_mse.
#include <algorithm>

#include "ae/inference.hpp"
#include "ae/score.hpp"

namespace ae {

std::vector<double> feature_mean_squared_error(Autoencoder& model, const Dataset& data) {
  check_width(model, data);
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

}  // namespace ae
