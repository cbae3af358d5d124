// How rows read from a file become the model's input: a per-column map fitted on the
// training rows and stored in the model, x' = (x - center[c]) / scale[c]. Byte data is read
// as value / 255 first (Dataset does that); the normaliser works on those values. Fitting,
// applying and inverting live here; storing it in a model file lives in io/.
#pragma once
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ae/data.hpp"
#include "ae/matrix.hpp"
#include "ae/names.hpp"

namespace ae {

// What the user asks for. `automatic` ("auto"): bytes / 255 for byte data, robust for
// float data. `none`: the values as read.
enum class Scaling { automatic, none, standard, minmax, robust };
inline constexpr std::array<NameEntry<Scaling>, 5> kScalingNames{{
    {Scaling::automatic, "auto"}, {Scaling::none, "none"}, {Scaling::standard, "standard"}, {Scaling::minmax, "minmax"},
    {Scaling::robust, "robust"}}};
inline Scaling parse_scaling(std::string_view name) { return parse_name(kScalingNames, name, "scaling"); }

// What a model stores. identity: float values as read; bytes_255: byte data read as
// value / 255 (nothing further); standard: z-score with the population standard deviation
// (scikit-learn's StandardScaler); minmax: to [0, 1] over the training range
// (MinMaxScaler); robust: centred on the median and divided by the interdecile range
// (q90 - q10) / kInterdecileSigmas, so normal data get unit spread as with the z-score while a
// few extreme rows (outliers in the training data) move neither; a column whose interdecile
// range is 0 (at least 80% of its rows alike) or within float rounding of its values, is
// divided by its standard deviation instead.
// A constant column keeps scale 1: it is centred, never divided by zero.
enum class Normalizer { identity, bytes_255, standard, minmax, robust };
inline constexpr std::array<NameEntry<Normalizer>, 5> kNormalizerNames{{
    {Normalizer::identity, "identity"}, {Normalizer::bytes_255, "bytes_255"},
    {Normalizer::standard, "standard"}, {Normalizer::minmax, "minmax"}, {Normalizer::robust, "robust"}}};
// Whether a normaliser stores a center and scale per column.
inline bool has_columns(Normalizer k) { return k == Normalizer::standard || k == Normalizer::minmax || k == Normalizer::robust; }

// The normal distribution's q90 - q10 in standard deviations (2 x 1.2815516).
inline constexpr double kInterdecileSigmas = 2.5631031;
// The smallest interdecile range robust scaling divides by, as a share of the values'
// magnitude (max |q10|, |q90|): about a hundred float steps. A column alike on 80% of its rows
// but for float rounding would otherwise scale its other rows by 1e6 or more.
inline constexpr double kRobustResolution = 1e-5;
// The robust scaling's quantiles come from at most this many rows, evenly spaced (all rows
// when there are fewer), read a group of columns at a time within kRobustBufferBytes.
inline constexpr std::size_t kRobustRows = 100'000;
inline constexpr std::size_t kRobustBufferBytes = std::size_t{64} << 20;

struct Normalization {
  Normalizer kind = Normalizer::identity;
  std::vector<float> center;  // (D) for standard, minmax and robust, else empty
  std::vector<float> scale;   // (D), each > 0 and finite, for standard, minmax and robust

  // Whether it changes the values at all (standard, minmax, robust).
  bool per_column() const { return !center.empty(); }
};

// Fits on every row of `train` (sums in double; robust's quantiles on at most `robust_rows`
// evenly spaced rows). Throws Error(bad_data) naming the source when a column's centre,
// spread or range is not finite (values near the float limit).
Normalization fit_normalization(const Dataset& train, Scaling scaling, std::size_t robust_rows = kRobustRows);

// Applies `n` to every row in place; byte data becomes float when `n` is per column.
// Throws Error(usage) naming data.source when its width differs from n's.
void normalize(Dataset& data, const Normalization& n);
// The same on a matrix whose rows are in data units (cols must match, Error(usage)).
void normalize(MatrixView rows, const Normalization& n);
// The inverse, x = x' * scale[c] + center[c], for rows the model wrote (reconstructions,
// decoded embeddings). Identity for identity and bytes_255 (their rows stay in [0, 1]).
void denormalize(MatrixView rows, const Normalization& n);

// One line for people: "z-score per column (standard)", "bytes / 255", "none", ...
std::string scaling_text(const Normalization& n);

}  // namespace ae
