// Per-sample scores of a model or of a PCA baseline, and the calibration fitted on the
// training data. Each pass copies kInferenceChunk rows, reconstructs them and hands both to a
// kernel in kernels/score_kernels; no N x D buffer exists unless per-feature output is asked.
// A model's chunks run on the caller's threads (for_each_reconstruction); everything summed across
// chunks is kept per chunk and added in chunk order, so results do not depend on the thread
// count.
#include "ae/score.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <utility>

#include "ae/error.hpp"
#include "ae/inference.hpp"
#include "ae/pca.hpp"
#include "core/chunks.hpp"
#include "kernels/score_kernels.hpp"
#include "score/score_detail.hpp"

namespace ae {

namespace detail {

std::vector<float> standard_weights(const ScoreCalibration& cal, ScoreKind kind) {
  const double eps = cal.eps(kind);
  std::vector<float> w(cal.feature_mse.size());
  for (std::size_t j = 0; j < w.size(); ++j) {
    const double v = static_cast<double>(cal.feature_mse[j]) + eps;
    w[j] = static_cast<float>(ScoreFloors::absolute(kind) ? 1.0 / std::sqrt(v) : 1.0 / v);
  }
  return w;
}

}  // namespace detail

namespace {

using detail::standard_weights;

using ChunkFn = std::function<void(std::size_t first, ConstMatrixView x, ConstMatrixView y)>;
// Runs fn over the kInferenceChunk-row chunks of a data set with their reconstructions.
using ChunkPass = std::function<void(const Dataset& data, const ChunkFn& fn)>;

ChunkPass model_pass(Autoencoder& model, std::size_t threads) {
  return [&model, threads](const Dataset& data, const ChunkFn& fn) {
    for_each_reconstruction(model, data, fn, threads);
  };
}

// A PCA reconstruction of each chunk, on the pool: each thread keeps its own output and
// scratch buffers from chunk to chunk.
struct PcaBuffers {
  std::vector<float> y;
  PcaScratch scratch;
};

ChunkPass pca_pass(const Pca& pca, std::size_t threads) {
  return [&pca, threads](const Dataset& data, const ChunkFn& fn) {
    for_each_chunk<PcaBuffers>(data, threads, [&](std::size_t first, std::size_t, ConstMatrixView x, PcaBuffers& b) {
      if (b.y.size() < x.size()) b.y.resize(x.size());
      const MatrixView y{b.y.data(), x.rows, x.cols};
      pca_reconstruct(pca, x, y, b.scratch);
      fn(first, x, y);
    });
  };
}

// Scores of B rows x, y into out (B) and, unless null, pf (B x D). w: the standard_weights
// of a standardised kind.
void score_rows(ScoreKind kind, const float* w, ConstMatrixView x, ConstMatrixView y, float* out,
                float* pf) {
  const std::size_t B = x.rows, D = x.cols;
  switch (kind) {
    case ScoreKind::zsae: kernels::score_abs(x.data, y.data, w, 1.0, out, pf, B, D); return;
    case ScoreKind::zsse: kernels::score_sq(x.data, y.data, w, 1.0, out, pf, B, D); return;
    case ScoreKind::sse: kernels::score_sq(x.data, y.data, nullptr, 1.0, out, pf, B, D); return;
    case ScoreKind::mse:
      kernels::score_sq(x.data, y.data, nullptr, 1.0 / static_cast<double>(D), out, pf, B, D);
      return;
    case ScoreKind::mae:
      kernels::score_abs(x.data, y.data, nullptr, 1.0 / static_cast<double>(D), out, pf, B, D);
      return;
    case ScoreKind::bce: kernels::score_bce(x.data, y.data, out, pf, B, D); return;
    case ScoreKind::max: kernels::score_max_abs(x.data, y.data, out, pf, B, D); return;
    case ScoreKind::elbo:
    case ScoreKind::recprob: throw Error(ErrorKind::internal, "score_rows: a variational score has no per-row kernel");
    case ScoreKind::zsae_ic:
    case ScoreKind::dual: break;  // complexity_rows' business
  }
}

// zsae of B rows into out (and pf) and L(x) of each row into bits.
void zsae_and_bits(const float* w, double lo, double range, ConstMatrixView x, ConstMatrixView y, float* out,
                   float* pf, double* bits) {
  score_rows(ScoreKind::zsae, w, x, y, out, pf);
  detail::ComplexityMeter meter(x.cols);
  for (std::size_t i = 0; i < x.rows; ++i) bits[i] = meter.bits({x.row(i), x.cols}, lo, range);
}

// What dual needs of the training statistics: the centre and spread of zsae and zsae_ic.
struct DualStats {
  double m1 = 0, d1 = 1, m2 = 0, d2 = 1;
};

// The median, and the spread the calibration names: q(0.98) - median, q(0.99) - median, or
// the raw MAD (models saved before the spread was stored). A spread of 0 counts as 1.
DualStats dual_stats(const ScoreCalibration& cal, const ScoreStats& zsae, const ScoreStats& ic) {
  const auto spread = [&cal](const ScoreStats& s) {
    const double d = cal.dual_spread == DualSpread::mad ? s.mad
                                                        : s.quantile(cal.dual_spread == DualSpread::q98 ? 0.98 : 0.99) - s.median;
    return d > 0 ? d : 1.0;
  };
  return {zsae.median, spread(zsae), ic.median, spread(ic)};
}

float dual_of(const DualStats& d, double zsae, double ic) {
  return static_cast<float>(std::max((zsae - d.m1) / d.d1, (ic - d.m2) / d.d2));
}

// zsae_ic or dual of B rows (w: zsae's weights).
void complexity_rows(ScoreKind kind, const float* w, double lo, double range, const DualStats& d,
                     ConstMatrixView x, ConstMatrixView y, float* out, float* pf) {
  std::vector<double> bits(x.rows);
  zsae_and_bits(w, lo, range, x, y, out, pf, bits.data());
  for (std::size_t i = 0; i < x.rows; ++i) {
    const double zsae = out[i], ic = zsae / bits[i];
    if (kind == ScoreKind::dual) {
      out[i] = dual_of(d, zsae, ic);
      continue;
    }
    out[i] = static_cast<float>(ic);
    if (pf) {
      for (std::size_t j = 0; j < x.cols; ++j) pf[i * x.cols + j] = static_cast<float>(pf[i * x.cols + j] / bits[i]);
    }
  }
}

// elbo and recprob of a variational model (see ScoreKind).
std::vector<float> variational_scores(Autoencoder& model, const Dataset& data, ScoreKind kind, bool per_feature,
                                      std::size_t threads, const VariationalScoring* scoring) {
  const std::string name(score_name(kind));
  if (!model.architecture().variational()) {
    throw Error(ErrorKind::usage, "the " + name + " score needs a variational model; this one is plain (choose another score)");
  }
  if (per_feature) throw Error(ErrorKind::usage, "the " + name + " score has no per-feature form");
  if (!scoring) throw Error(ErrorKind::usage, "the " + name + " score needs the model's training loss and beta (ae score reads them)");
  const VariationalScoring& v = *scoring;
  if (kind == ScoreKind::recprob) return per_sample_posterior_errors(model, data, v.loss, v.samples, v.seed, threads);
  std::vector<float> out = per_sample_errors(model, data, v.loss, threads);
  const double weight = v.beta / per_sample_divisor(v.loss, data.cols);
  const std::vector<float> kl = per_sample_embedding_terms(model, data, threads);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(out[i] + weight * kl[i]);
  return out;
}

ScoreCalibration calibrate_with(const ChunkPass& pass, const Dataset& train, ScoreFloors floors) {
  if (train.rows == 0) throw Error(ErrorKind::usage, train.source + ": no rows to calibrate scores on");
  for (double factor : {floors.zsse, floors.zsae}) {
    if (!(factor > 0) || !std::isfinite(factor)) {
      throw Error(ErrorKind::usage, "the score eps factor must be positive and finite");
    }
  }
  const std::size_t N = train.rows, D = train.cols;
  ScoreCalibration cal;
  cal.floors = floors;
  cal.dual_spread = DualSpread::q98;

  // Pass 1: s_j^2, the value range and every score that does not need them.
  constexpr ScoreKind kFirstPass[] = {ScoreKind::sse, ScoreKind::mse, ScoreKind::mae,
                                      ScoreKind::bce, ScoreKind::max};
  std::map<ScoreKind, std::vector<float>> scores;
  // The output of each kind, looked up once: the chunks below run concurrently, and a map
  // is not to be indexed from several threads at a time.
  std::vector<std::pair<ScoreKind, float*>> first_pass;
  for (ScoreKind kind : kFirstPass) {
    scores[kind].resize(N);
    first_pass.emplace_back(kind, scores[kind].data());
  }
  const std::size_t chunks = chunk_count(train.rows);
  std::vector<double> chunk_sums(chunks * D, 0.0);
  std::vector<float> chunk_lo(chunks, std::numeric_limits<float>::infinity());
  std::vector<float> chunk_hi(chunks, -std::numeric_limits<float>::infinity());
  pass(train, [&](std::size_t first, ConstMatrixView x, ConstMatrixView y) {
    const std::size_t c = first / kInferenceChunk;
    kernels::residual_sq_sum(x.data, y.data, chunk_sums.data() + c * D, x.rows, D);
    if (!train.byte_data) kernels::value_range(x.data, x.size(), &chunk_lo[c], &chunk_hi[c]);
    for (const auto& [kind, out] : first_pass) score_rows(kind, nullptr, x, y, out + first, nullptr);
  });
  const float lo = *std::min_element(chunk_lo.begin(), chunk_lo.end());
  const float hi = *std::max_element(chunk_hi.begin(), chunk_hi.end());
  cal.feature_mse.resize(D);
  for (std::size_t j = 0; j < D; ++j) {
    double sum = 0;
    for (std::size_t c = 0; c < chunks; ++c) sum += chunk_sums[c * D + j];
    cal.feature_mse[j] = static_cast<float>(sum / static_cast<double>(N));
  }
  cal.data_range = train.byte_data ? 1.0 : static_cast<double>(hi) - static_cast<double>(lo);
  cal.data_min = train.byte_data ? 0.0 : static_cast<double>(lo);
  if (!train.byte_data && (lo < 0.0f || hi > 1.0f)) scores.erase(ScoreKind::bce);

  // Pass 2: the standardised scores, now that s_j^2 and eps are known.
  const std::vector<float> w_sq = standard_weights(cal, ScoreKind::zsse);
  const std::vector<float> w_abs = standard_weights(cal, ScoreKind::zsae);
  std::vector<float>& zsse = scores[ScoreKind::zsse];
  std::vector<float>& zsae = scores[ScoreKind::zsae];
  zsse.resize(N);
  zsae.resize(N);
  std::vector<double> bits(N);
  pass(train, [&](std::size_t first, ConstMatrixView x, ConstMatrixView y) {
    score_rows(ScoreKind::zsse, w_sq.data(), x, y, zsse.data() + first, nullptr);
    zsae_and_bits(w_abs.data(), cal.data_min, cal.data_range, x, y, zsae.data() + first, nullptr,
                  bits.data() + first);
  });
  std::vector<float>& ic = scores[ScoreKind::zsae_ic];
  ic.resize(N);
  for (std::size_t i = 0; i < N; ++i) ic[i] = static_cast<float>(zsae[i] / bits[i]);
  for (const auto& [kind, values] : scores) cal.train_stats[kind] = score_stats(values);
  // dual standardises both by their training statistics, so it comes last.
  const DualStats d = dual_stats(cal, cal.train_stats.at(ScoreKind::zsae), cal.train_stats.at(ScoreKind::zsae_ic));
  std::vector<float> dual(N);
  for (std::size_t i = 0; i < N; ++i) dual[i] = dual_of(d, zsae[i], ic[i]);
  cal.train_stats[ScoreKind::dual] = score_stats(dual);
  return cal;
}

std::vector<float> scores_with(const ChunkPass& pass, const Dataset& data, ScoreKind kind,
                               const ScoreCalibration& cal, Matrix* per_feature) {
  const std::size_t D = data.cols;
  std::vector<float> w;
  if (standardised(kind)) {
    if (cal.empty()) {
      throw Error(ErrorKind::usage,
                  "the " + std::string(score_name(kind)) +
                      " score needs the model's score calibration, which it lacks; "
                      "recalibrate the model or choose another score");
    }
    if (cal.feature_mse.size() != D) {
      throw Error(ErrorKind::usage, data.source + ": rows have " + std::to_string(D) +
                                        " values but the score calibration has " +
                                        std::to_string(cal.feature_mse.size()));
    }
    w = standard_weights(cal, kind);
  }
  DualStats d;
  if (complexity_corrected(kind)) {
    const auto a = cal.train_stats.find(ScoreKind::zsae), b = cal.train_stats.find(ScoreKind::zsae_ic);
    if (!std::isfinite(cal.data_min) || (kind == ScoreKind::dual && (a == cal.train_stats.end() || b == cal.train_stats.end()))) {
      throw Error(ErrorKind::usage, "the " + std::string(score_name(kind)) +
                                        " score needs calibration saved since it exists (data_min and the zsae and "
                                        "zsae_ic statistics); refit the score statistics on the training data");
    }
    if (kind == ScoreKind::dual) d = dual_stats(cal, a->second, b->second);
  }
  std::vector<float> out(data.rows);
  if (per_feature) per_feature->resize(data.rows, D);
  // bce needs values in [0, 1]; each chunk's range is kept so that the error names the
  // first offending chunk whichever thread saw it.
  const bool check_range = kind == ScoreKind::bce && !data.byte_data;
  const std::size_t chunks = chunk_count(data.rows);
  std::vector<float> chunk_lo(check_range ? chunks : 0, std::numeric_limits<float>::infinity());
  std::vector<float> chunk_hi(check_range ? chunks : 0, -std::numeric_limits<float>::infinity());
  pass(data, [&](std::size_t first, ConstMatrixView x, ConstMatrixView y) {
    if (check_range) {
      const std::size_t c = first / kInferenceChunk;
      kernels::value_range(x.data, x.size(), &chunk_lo[c], &chunk_hi[c]);
      if (chunk_lo[c] < 0.0f || chunk_hi[c] > 1.0f) return;
    }
    float* pf = per_feature ? per_feature->row(first) : nullptr;
    if (complexity_corrected(kind)) complexity_rows(kind, w.data(), cal.data_min, cal.data_range, d, x, y, out.data() + first, pf);
    else score_rows(kind, w.data(), x, y, out.data() + first, pf);
  });
  for (std::size_t c = 0; c < chunk_lo.size(); ++c) {
    if (chunk_lo[c] < 0.0f || chunk_hi[c] > 1.0f) {
      const std::size_t first = c * kInferenceChunk, last = std::min(first + kInferenceChunk, data.rows);
      throw Error(ErrorKind::usage,
                  data.source + ": the bce score needs values in [0, 1], but rows " +
                      std::to_string(data.first_row + first + 1) + " to " +
                      std::to_string(data.first_row + last) + " hold values in [" +
                      std::to_string(chunk_lo[c]) + ", " + std::to_string(chunk_hi[c]) +
                      "]; choose another score");
    }
  }
  return out;
}

}  // namespace

double ScoreCalibration::eps(ScoreKind kind) const {
  const double range = data_range > 0 ? data_range : 1.0;
  return floors.of(kind) * range * range;
}

std::string score_fit_warning(ScoreKind kind, const Dataset& data) {
  const std::size_t n = data.rows * data.cols;
  if (kind != ScoreKind::bce || n == 0) return {};
  const std::size_t step = std::max<std::size_t>(1, n >> 20);
  std::size_t seen = 0, between = 0;
  for (std::size_t i = 0; i < n; i += step, ++seen) {
    const float v = data.at(i / data.cols, i % data.cols);
    between += v >= 0.05f && v <= 0.95f;
  }
  if (2 * between <= seen) return {};
  return data.source + ": " + std::to_string(100 * between / seen) +
         "% of the values lie strictly between 0 and 1, where the bce score mostly measures a row's own entropy, "
         "not how well it is rebuilt (use zsae or mse for continuous data)";
}

ScoreCalibration calibrate(Autoencoder& model, const Dataset& train, ScoreFloors floors,
                           std::size_t threads, const VariationalScoring* variational) {
  check_width(model, train);
  ScoreCalibration cal = calibrate_with(model_pass(model, threads), train, floors);
  if (variational && model.architecture().variational()) {
    for (ScoreKind kind : kVariationalScoreKinds) {
      cal.train_stats[kind] = score_stats(variational_scores(model, train, kind, false, threads, variational));
    }
  }
  return cal;
}

std::vector<float> compute_scores(Autoencoder& model, const Dataset& data, ScoreKind kind,
                                  const ScoreCalibration& cal, Matrix* per_feature,
                                  std::size_t threads, const VariationalScoring* variational) {
  check_width(model, data);
  if (variational_score(kind)) return variational_scores(model, data, kind, per_feature != nullptr, threads, variational);
  return scores_with(model_pass(model, threads), data, kind, cal, per_feature);
}

std::vector<float> pca_baseline_scores(const Dataset& train, const Dataset& data, std::size_t k,
                                       ScoreKind kind, ScoreFloors floors) {
  if (variational_score(kind)) {
    throw Error(ErrorKind::usage, "the PCA baseline has no " + std::string(score_name(kind)) + " score (it has no latent distribution)");
  }
  if (train.cols != data.cols) {
    throw Error(ErrorKind::usage, data.source + ": rows have " + std::to_string(data.cols) +
                                      " values but " + train.source + " has " +
                                      std::to_string(train.cols));
  }
  const Pca pca = fit_pca(train, k);
  const ChunkPass pass = pca_pass(pca, 0);
  ScoreCalibration cal;
  if (standardised(kind)) cal = calibrate_with(pass, train, floors);
  return scores_with(pass, data, kind, cal, nullptr);
}

}  // namespace ae
