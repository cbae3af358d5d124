// Per-feature reconstruction error of a model over a data set: the mean over rows of each
// feature's squared residual. The rows are taken a block of 64 inference chunks at a time;
// each chunk's column sums (kernels::residual_sq_sum, in double) are computed on whichever
// thread takes it, then added in chunk order, so the result does not depend on the thread
// count and memory stays bounded. The training rows' version is
// ScoreCalibration::feature_mse.
#include <algorithm>

#include "ae/inference.hpp"
#include "ae/score.hpp"
#include "core/chunks.hpp"
#include "kernels/score_kernels.hpp"

namespace ae {

std::vector<double> feature_mean_squared_error(Autoencoder& model, const Dataset& data) {
  check_width(model, data);
  const std::size_t D = data.cols;
  constexpr std::size_t kBlockChunks = 64;
  constexpr std::size_t block = kBlockChunks * kInferenceChunk;
  std::vector<double> sum(D, 0.0);
  BasicMatrix<double> partial(std::min(kBlockChunks, chunk_count(data.rows)), D);
  for (std::size_t start = 0; start < data.rows; start += block) {
    const std::size_t end = std::min(start + block, data.rows);
    std::fill(partial.values().begin(), partial.values().end(), 0.0);
    for_each_chunk_in<Workspace<float>>(data, start, end, 0, [&](std::size_t first, std::size_t, ConstMatrixView x,
                                                                 Workspace<float>& ws) {
      const ConstMatrixView y = model.forward(x, 0, model.layer_count(), ws);
      kernels::residual_sq_sum(x.data, y.data, partial.row((first - start) / kInferenceChunk), x.rows, D);
    });
    for (std::size_t c = 0; c < chunk_count(end - start); ++c) {
      for (std::size_t j = 0; j < D; ++j) sum[j] += partial(c, j);
    }
  }
  for (auto& s : sum) s /= static_cast<double>(std::max<std::size_t>(data.rows, 1));
  return sum;
}

}  // namespace ae
