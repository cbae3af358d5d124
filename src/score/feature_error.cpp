// Per-feature reconstruction error of a model over a data set: the mean over rows of each
// feature's squared residual. The rows are taken a block at a time; within a block each
// inference chunk sums its own rows in row order (in double, on whichever thread takes it),
// then the chunks' sums are added in chunk order, so the result does not depend on the
// thread count and memory stays bounded. The training rows' version is
// ScoreCalibration::feature_mse.
#include <algorithm>

#include "ae/inference.hpp"
#include "ae/score.hpp"

namespace ae {

std::vector<double> feature_mean_squared_error(Autoencoder& model, const Dataset& data) {
  check_width(model, data);
  const std::size_t D = data.cols;
  constexpr std::size_t kBlockChunks = 64;
  constexpr std::size_t block = kBlockChunks * kInferenceChunk;
  std::vector<double> sum(D, 0.0);
  BasicMatrix<double> partial(std::min(kBlockChunks, (data.rows + kInferenceChunk - 1) / kInferenceChunk), D);
  for (std::size_t start = 0; start < data.rows; start += block) {
    const Dataset part = take(data, start, std::min(block, data.rows - start));
    std::fill(partial.values().begin(), partial.values().end(), 0.0);
    for_each_reconstruction(model, part, [&partial](std::size_t first, ConstMatrixView x, ConstMatrixView y) {
      double* s = partial.row(first / kInferenceChunk);
      for (std::size_t r = 0; r < x.rows; ++r) {
        for (std::size_t j = 0; j < x.cols; ++j) {
          const double e = static_cast<double>(x(r, j)) - static_cast<double>(y(r, j));
          s[j] += e * e;
        }
      }
    });
    const std::size_t chunks = (part.rows + kInferenceChunk - 1) / kInferenceChunk;
    for (std::size_t c = 0; c < chunks; ++c) {
      for (std::size_t j = 0; j < D; ++j) sum[j] += partial(c, j);
    }
  }
  for (auto& s : sum) s /= static_cast<double>(std::max<std::size_t>(data.rows, 1));
  return sum;
}

}  // namespace ae
