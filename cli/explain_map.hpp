// The picture of ae explain --map.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "ae/error.hpp"
#include "ae/explain.hpp"
#include "ae/score.hpp"

namespace ae::cli {

// One grid row per explanation: original and reconstruction on one shared scale (gray images,
// or bars when image_shape is empty), and the per-feature terms of `kind` as a heat map from 0
// to the largest term shown; labels name the row, its score and its top three features
// ((row, column) pixels for images). Throws Error(usage) for no rows; writes atomically.
void write_explain_map(const std::string& path, const std::string& title, const std::vector<RowExplanation>& rows,
                       const std::vector<std::size_t>& image_shape, ScoreKind kind);

}  // namespace ae::cli
