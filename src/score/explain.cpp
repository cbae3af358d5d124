// Per-row explanations: the chosen rows are gathered, scored per feature and reconstructed
// once; the largest terms are picked per row. The full data set is never held per feature.
#include "ae/explain.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "ae/error.hpp"
#include "ae/inference.hpp"

namespace ae {

std::vector<RowExplanation> explain_rows(Autoencoder& model, const Dataset& data, std::span<const std::size_t> rows,
                                         ScoreKind kind, const ScoreCalibration& cal, std::size_t top_k,
                                         const Normalization& units, std::size_t threads) {
  if (top_k == 0) throw Error(ErrorKind::usage, "explanations need at least one feature per row (top_k = 0)");
  for (std::size_t r : rows) {
    if (r >= data.rows) {
      throw Error(ErrorKind::usage, data.source + ": row " + std::to_string(r) + " asked for; it has " +
                                        std::to_string(data.rows) + " rows (indices from 0)");
    }
  }
  std::vector<RowExplanation> out;
  if (rows.empty()) return out;
  const Dataset chosen = select(data, rows);
  Matrix terms;  // (R, D)
  const std::vector<float> scores = compute_scores(model, chosen, kind, cal, &terms, threads);
  Matrix values = chosen.to_matrix();                      // (R, D)
  Matrix rebuilt = reconstruct_all(model, chosen, threads);  // (R, D)
  denormalize(values.view(), units);
  denormalize(rebuilt.view(), units);
  const std::size_t D = chosen.cols, k = std::min(top_k, D);
  std::vector<std::size_t> order(D);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    double sum = 0;
    for (std::size_t j = 0; j < D; ++j) sum += terms(i, j);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                      [&](std::size_t a, std::size_t b) { return terms(i, a) > terms(i, b) || (terms(i, a) == terms(i, b) && a < b); });
    RowExplanation e{rows[i], scores[i], {}, {values.row(i), values.row(i) + D}, {rebuilt.row(i), rebuilt.row(i) + D},
                     {terms.row(i), terms.row(i) + D}};
    for (std::size_t n = 0; n < k; ++n) {
      const std::size_t j = order[n];
      e.top.push_back({j, values(i, j), rebuilt(i, j), terms(i, j), sum > 0 ? terms(i, j) / sum : 0.0});
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace ae
