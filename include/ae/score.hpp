// Outlier scoring: per-sample reconstruction scores of a model (or of a PCA baseline), the
// calibration fitted on the training data and saved with the model, summary statistics,
// thresholds, rankings and metrics against known labels. Printing, files and flags are the
// CLI's business; every data set pass runs kInferenceChunk rows at a time.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ae/autoencoder.hpp"
#include "ae/data.hpp"
#include "ae/loss.hpp"
#include "ae/matrix.hpp"
#include "ae/names.hpp"

namespace ae {

// Per-sample scores of a row x (D features) and its reconstruction y, r = x - y, with s_j^2
// and the floors eps from ScoreCalibration:
//   zsae: sum_j |r_j| / sqrt(s_j^2 + eps)   (standardised absolute error)
//   zsse: sum_j r_j^2 / (s_j^2 + eps)       (standardised squared error)
//   sse:  sum_j r_j^2          mse: mean_j r_j^2          mae: mean_j |r_j|
//   bce:  mean_j -(x_j log p_j + (1 - x_j) log(1 - p_j)), p = clamp(y, 1e-7, 1 - 1e-7);
//         only for data in [0, 1]
//   max:  max_j |r_j|
// Per-feature form (N x D): r^2 for sse and mse, r^2 / (s^2 + eps) for zsse,
// |r| / sqrt(s^2 + eps) for zsae, |r| for mae and max, the bce term for bce.
// zsae sums how far each feature lies from its usual error, so many moderately wrong
// features (a different kind of image) outweigh one badly drawn stroke; zsse squares them,
// letting a few large residuals dominate. Measured on 100 Fashion-MNIST images hidden in
// MNIST (README), zsae ranks them best.
// It fails the other way round: every reconstruction error ranks images simpler than the
// inliers (MNIST digits among Fashion-MNIST) as normal (Serra et al., "Input complexity and
// out-of-distribution detection", ICLR 2020). Two kinds correct for that:
//   zsae_ic: zsae / L(x), L(x) the input complexity (input_complexity_bits below): error per
//            bit of the row. Per-feature form: zsae's divided by L(x).
//   dual:    max((zsae - m1) / d1, (zsae_ic - m2) / d2), m the median of each over the
//            training rows and d its spread q(0.98) - m (ScoreStats; a spread of 0 counts as
//            1), so that each side flags the same share of the training rows at a given
//            value: high when the row is worse rebuilt than usual, or than usual for its
//            complexity. Per-feature form: zsae's. Needs the training statistics of zsae and
//            zsae_ic. A model keeps the spread it was calibrated with
//            (ScoreCalibration::dual_spread), which its saved dual statistics describe:
//            q(0.99) - m, or the raw MAD for one calibrated before the spread was stored.
// Both need the calibration's data_min (models saved before it existed: refit).
// Of a variational model only (VariationalScoring gives its loss, beta and draws):
//   elbo:    the negative ELBO as the trainer defines it: the loss's per-sample error of the
//            mean path + beta x KL(q(z | x) || N(0, I)) / (the loss's per-sample divisor);
//            deterministic
//   recprob: the reconstruction probability's error (An & Cho 2015): the mean over
//            `samples` draws z ~ q(z | x) of the loss's per-sample error of decode(z)
// They have no per-feature form.
enum class ScoreKind {
  zsae, zsse, sse, mse, mae, bce, max,
  zsae_ic, dual,
  elbo,
  recprob,
};

inline constexpr std::array<NameEntry<ScoreKind>, 11> kScoreNames{{
    {ScoreKind::zsae, "zsae"}, {ScoreKind::zsse, "zsse"}, {ScoreKind::sse, "sse"}, {ScoreKind::mse, "mse"},
    {ScoreKind::mae, "mae"},   {ScoreKind::bce, "bce"},   {ScoreKind::max, "max"},
    {ScoreKind::zsae_ic, "zsae_ic"}, {ScoreKind::dual, "dual"},
    {ScoreKind::elbo, "elbo"},
    {ScoreKind::recprob, "recprob"},
}};
constexpr ScoreKind kScoreKinds[] = {ScoreKind::zsae, ScoreKind::zsse, ScoreKind::sse,
                                     ScoreKind::mse,  ScoreKind::mae,  ScoreKind::bce,
                                     ScoreKind::max,
                                     ScoreKind::zsae_ic, ScoreKind::dual,
};
// The default: dual, the best mean over bench/outliers_images and bench/outliers_tables
// (README). Models saved before it fall back to zsae (the CLI's resolve_score).
constexpr ScoreKind kDefaultScore = ScoreKind::dual;
// The kinds of a variational model only (not in kScoreKinds, which every model has).
constexpr ScoreKind kVariationalScoreKinds[] = {ScoreKind::elbo, ScoreKind::recprob};
constexpr bool variational_score(ScoreKind kind) { return kind == ScoreKind::elbo || kind == ScoreKind::recprob; }

// What the variational kinds need beyond the model: the loss and beta it was trained with
// (its training record), and recprob's draws, their noise a hash of `seed` (reproducible on
// any thread count).
struct VariationalScoring {
  Loss loss = Loss::mse;
  double beta = 1;
  std::size_t samples = 10;
  std::uint64_t seed = 0;
};

// True for the kinds that divide by the input complexity (zsae_ic, dual); none of them has
// an ONNX form.
constexpr bool complexity_corrected(ScoreKind kind) { return kind == ScoreKind::zsae_ic || kind == ScoreKind::dual; }

// True for the kinds that need a calibration's s_j^2 (zsae, zsse, zsae_ic, dual).
constexpr bool standardised(ScoreKind kind) {
  return kind == ScoreKind::zsae || kind == ScoreKind::zsse || complexity_corrected(kind);
}

// Throws Error(usage) naming the text and listing score_names().
inline ScoreKind parse_score(std::string_view name) { return parse_name(kScoreNames, name, "score"); }
inline std::string_view score_name(ScoreKind kind) { return name_of(kScoreNames, kind); }
// "zsae, zsse, sse, mse, mae, bce, max".
inline std::string score_names() { return names_of(kScoreNames); }

// Summary of a set of scores. std is the population standard deviation (ddof = 0); mad is the
// raw median absolute deviation, median |s - median|, NOT scaled by 1.4826. Quantiles follow
// numpy's default ('linear') definition: with sorted values v[0..n-1] and h = p (n - 1),
// q(p) = v[floor h] + (h - floor h) (v[floor h + 1] - v[floor h]).
struct ScoreStats {
  std::size_t count = 0;
  double mean = 0, std = 0, min = 0, max = 0, median = 0, mad = 0, q1 = 0, q3 = 0;
  // q(p) at each p of quantile_grid(), each rounded to the shortest decimal that reads back
  // as the same float (scores are floats; this keeps the saved text short).
  std::vector<double> grid;

  // q(p), linearly interpolated between the grid points around p (exact, up to that float
  // rounding, when p is a grid point); p is clamped to [0, 1]. NaN when the grid is empty.
  double quantile(double p) const;
  // The share of training scores at or above `score`, read off the same interpolated grid:
  // 1 - inf{p : quantile(p) >= score}. 1 at or below the minimum, 0 above the maximum, NaN
  // when `score` is NaN or the grid is empty. Resolution: the grid's spacing (1e-5 in the
  // upper tail). With cut = quantile(1 - Q), score > cut exactly when p_value(score) < Q.
  double p_value(double score) const;
};

// The fixed, ascending p values at which ScoreStats stores quantiles: i / 200 for i = 0..200,
// then a finer tail for thresholds, 0.99 + i / 10^4 (i = 1..99) and 0.999 + i / 10^5
// (i = 1..99), each point once: n / 10^5 for 389 integers n.
const std::vector<double>& quantile_grid();

// Throws Error(usage) when scores is empty. NaN scores make the result NaN-laden; callers
// pass finite scores.
ScoreStats score_stats(std::span<const float> scores);

// The floors of the standardised scores as factors of (data range)^2: eps = factor x range^2.
// The defaults are the best measured on the MNIST experiment for each score (README).
struct ScoreFloors {
  double zsse = 1e-4;
  double zsae = 1e-5;
  // The factor of a standardised kind (zsae's for zsae, zsae_ic and dual; zsse's for any other).
  double& of(ScoreKind kind) { return absolute(kind) ? zsae : zsse; }
  double of(ScoreKind kind) const { return absolute(kind) ? zsae : zsse; }
  static constexpr bool absolute(ScoreKind kind) {
    return kind == ScoreKind::zsae || kind == ScoreKind::zsae_ic || kind == ScoreKind::dual;
  }
};

// Fitted once on the training data after training and saved with the model.
// How dual scales its two sides (above): the upper spread q(0.98) - median (every calibration
// fitted now), q(0.99) - median, or the raw MAD.
enum class DualSpread { mad, q99, q98 };
inline constexpr std::array<NameEntry<DualSpread>, 3> kDualSpreadNames{{
    {DualSpread::mad, "mad"}, {DualSpread::q99, "q99"}, {DualSpread::q98, "q98"}}};

struct ScoreCalibration {
  std::vector<float> feature_mse;  // s_j^2: mean squared residual of feature j over training (D)
  double data_range = 1;           // max - min of the training values (1 for byte data)
  double data_min = 0;             // min of the training values (0 for byte data); NaN: not saved
  ScoreFloors floors;
  // Statistics of each score kind over the training rows (bce only for data in [0, 1]).
  std::map<ScoreKind, ScoreStats> train_stats;
  // dual's spread: q98 for every calibration fitted now; what a model names (q99), or mad
  // for one that names none (saved before it was stored).
  DualSpread dual_spread = DualSpread::mad;

  // floors.of(kind) * data_range^2; a zero data range (constant data) counts as 1.
  double eps(ScoreKind kind) const;
  bool empty() const { return feature_mse.empty(); }
  // Compact JSON: {"feature_mse":[...],"data_range":..,"eps_factor":..(zsse),
  // "zsae_eps_factor":..,"train_stats":{"<score name>":{"count","mean","std","min","max",
  // "median","mad","q1","q3","grid"}},"data_min":..,"dual_spread":"q98"}; data_min only when
  // finite, dual_spread only when not mad (a text without it reads as mad). Floats are
  // written in their shortest round-trip form; from_json(to_json()) is exact. A text without
  // data_min (saved before zsae_ic existed) reads as NaN.
  std::string to_json() const;
  // Reads to_json()'s text; "{}" or an empty text gives an empty calibration; a text without
  // zsae_eps_factor (written before zsae existed) gets the default. Throws Error(bad_data)
  // naming `source` on malformed JSON, missing or mistyped fields, unknown score names,
  // negative or non-finite s_j^2, or a grid of the wrong length.
  static ScoreCalibration from_json(std::string_view text, const std::string& source);
};

// The input complexity L(x) of a row of (scaled) values in bits: each value quantised to a
// byte, q_j = clamp(floor(255 (x_j - lo) / range + 0.5), 0, 255) (all 0 when range is 0), and
// L(x) = 8 x the length of zlib's compress2 of q_1..q_D at level 1 (level 9 ranks the images
// of bench/outliers_images alike but is slower, 30-fold on repetitive rows). Lossless compressed
// length is Serra et al.'s complexity estimate; on byte images q is the image itself.
double input_complexity_bits(std::span<const float> row, double lo, double range);

// Two passes over `train` in chunks: the first collects s_j^2, the data range and the
// statistics of every kind but the standardised ones; the second those. Throws Error(usage)
// when train is empty, its width is not the model's, or a floor is not positive and finite.
// `threads` as in inference.hpp: 0 every core the process may use; the results do not depend on it.
// Given `variational`, a variational model's calibration also holds the statistics of elbo
// and recprob, scored with it.
ScoreCalibration calibrate(Autoencoder& model, const Dataset& train, ScoreFloors floors = {},
                           std::size_t threads = 0, const VariationalScoring* variational = nullptr);

// Scores in input order. per_feature, if non-null, is resized to N x D and receives the
// per-feature form described at ScoreKind. Throws Error(usage) on a width mismatch, for zsae
// and zsse when `cal` is empty or has a different width, for bce when a value lies outside
// [0, 1], and for elbo and recprob on a plain model, with per_feature, or without
// `variational` (the loss and beta come from the training record, which the caller reads).
std::vector<float> compute_scores(Autoencoder& model, const Dataset& data, ScoreKind kind,
                                  const ScoreCalibration& cal, Matrix* per_feature = nullptr,
                                  std::size_t threads = 0, const VariationalScoring* variational = nullptr);

// The score `kind` as the reduction an ONNX export computes (ae/onnx.hpp, which callers
// include): the same formula as compute_scores, the standardised kinds' weights from `cal`.
// Throws Error(usage) for zsae and zsse when `cal` is empty or not D wide.
struct OnnxScore;
OnnxScore onnx_score(ScoreKind kind, const ScoreCalibration& cal, std::size_t D);

// Mean over the rows of `data` of each feature's squared reconstruction error (D values, in
// double): on the training rows, ScoreCalibration::feature_mse up to float rounding. Throws
// Error(usage) on a width mismatch; all zeros for no rows.
// A one-line warning when `kind` suits the (scaled) rows poorly, empty otherwise: bce on
// values that are mostly strictly between 0 and 1 (over 50% of a sample of up to 2^20 values
// in [0.05, 0.95]) scores each row's own entropy more than its reconstruction.
std::string score_fit_warning(ScoreKind kind, const Dataset& data);

std::vector<double> feature_mean_squared_error(Autoencoder& model, const Dataset& data);

// The linear baseline: scores of a k-component PCA reconstruction fitted on `train`
// (fit_pca / pca_reconstruct), with the same ScoreKind meaning; for zsae and zsse, s_j^2 and
// eps are calibrated on the PCA residuals of train.
std::vector<float> pca_baseline_scores(const Dataset& train, const Dataset& data, std::size_t k,
                                       ScoreKind kind, ScoreFloors floors = {});

// A rule that turns training-score statistics into a score threshold; rows scoring above it
// are outliers.
struct Threshold {
  enum class Kind { contamination, quantile, sigma, mad, iqr, max_train, value, fpr };
  Kind kind = Kind::contamination;
  double param = 0.01;
};

// Reads "contamination=F" (F in (0, 0.5]), "quantile=Q" (Q in (0, 1)), "sigma=K", "mad=K",
// "iqr=K" (K > 0), "max-train", "value=X" (X finite) or "fpr=Q" (Q in (0, 1)). Throws Error(usage) naming the text.
Threshold parse_threshold(std::string_view text);
// The form parse_threshold reads, parameters in shortest round-trip form.
std::string threshold_text(const Threshold& t);
// contamination=F: train.quantile(1 - F) (PyOD's threshold_); quantile=Q: train.quantile(Q);
// sigma=K: mean + K std; mad=K: median + K mad (raw MAD, see ScoreStats); iqr=K:
// q3 + K (q3 - q1); max-train: max; value=X: X; fpr=Q: train.quantile(1 - Q), the cut that
// flags a share Q of the training rows (its false-positive rate on them) at any Q in (0, 1). Throws Error(bad_data) when the statistics
// it needs are missing (NaN), rather than a threshold that flags nothing.
double threshold_value(const Threshold& t, const ScoreStats& train);

// rank[i]: 1 for the highest score (ties: the earlier row first); percentile[i]: 100 x the
// share of rows whose score is <= score i; order: rows from most to least outlying, so
// rank[order[j]] == j + 1. NaN scores count as higher than every number.
struct Ranking {
  std::vector<std::size_t> rank;
  std::vector<double> percentile;
  std::vector<std::size_t> order;
};
Ranking rank_scores(std::span<const float> scores);

// Metrics against 0/1 truth (1 = outlier). All throw Error(usage) when the sizes differ or a
// truth value is not 0 or 1; roc_auc, average_precision and evaluate also when a class is
// missing.
// Mann-Whitney U / (P N) with mid-ranks for ties (all scores tied: 0.5).
double roc_auc(std::span<const float> scores, std::span<const std::uint8_t> truth);
// scikit-learn's definition: sum_n (R_n - R_{n-1}) P_n over the distinct score thresholds
// from high to low, tied scores entering together, R_0 = 0.
double average_precision(std::span<const float> scores, std::span<const std::uint8_t> truth);
// Share of outliers among the first k rows of rank_scores' order; k in [1, N] (else usage).
double precision_at_k(std::span<const float> scores, std::span<const std::uint8_t> truth,
                      std::size_t k);

struct Metrics {
  double roc_auc = 0, average_precision = 0, precision_at_k = 0;
  std::size_t k = 0;  // the number of true outliers
};
Metrics evaluate(std::span<const float> scores, std::span<const std::uint8_t> truth);

}  // namespace ae
