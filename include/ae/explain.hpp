// Explanations of outlier scores: for chosen rows, the features whose per-feature score terms
// (ae/score.hpp) weigh most, with the value, the reconstruction and the share of the row's
// score. Picking the rows (flagged, or named) and writing them out is the caller's business.
#pragma once
#include <cstddef>
#include <span>
#include <vector>

#include "ae/autoencoder.hpp"
#include "ae/data.hpp"
#include "ae/normalizer.hpp"
#include "ae/score.hpp"

namespace ae {

struct FeatureContribution {
  std::size_t feature = 0;    // column index
  float value = 0;            // the row's value, in data units (`units` undone)
  float reconstruction = 0;   // the model's rebuild, in the same units
  float term = 0;             // the per-feature score term (ScoreKind's per-feature form)
  double share = 0;           // term / the sum of the row's terms (0 when that sum is 0)
};

struct RowExplanation {
  std::size_t row = 0;  // index into the data
  float score = 0;      // the row's score of the kind asked for
  std::vector<FeatureContribution> top;  // the top_k largest terms, largest first (ties: lower column first)
  // Every feature (D each), for maps of the whole row: values and reconstruction in data
  // units, and the per-feature score terms.
  std::vector<float> values, reconstruction, terms;
};

// One explanation per entry of `rows` (same order; repeats allowed), over `data` already
// scaled by `units` as the model expects. top_k is clamped to the width. The share is of the
// sum of terms, which is the score itself for zsae, zsse, sse and zsae_ic (D times it for mse,
// mae and bce; for max, whose score is the largest term, it is still the term over the sum;
// dual's terms are zsae's).
// Only the chosen rows are reconstructed. Throws Error(usage) when a row index is >= the
// row count, top_k is 0, or as compute_scores does.
std::vector<RowExplanation> explain_rows(Autoencoder& model, const Dataset& data, std::span<const std::size_t> rows,
                                         ScoreKind kind, const ScoreCalibration& cal, std::size_t top_k,
                                         const Normalization& units, std::size_t threads = 0);

}  // namespace ae
