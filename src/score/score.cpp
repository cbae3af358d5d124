// Per-sample scores of a model or of a PCA baseline, and the calibration fitted on the
// training data. Each pass copies kInferenceChunk rows, reconstructs them and hands both to a
// kernel in kernels/score_kernels; no N x D buffer exists unless per-feature output is asked.
#include "ae/score.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "ae/error.hpp"
#include "ae/inference.hpp"
#include "ae/pca.hpp"
#include "kernels/score_kernels.hpp"

namespace ae {
namespace {

// Calls fn(first, x, y) per chunk of `data`: x the rows as float, y = recon(x).
template <class Recon, class Fn>
void for_each_reconstructed(const Dataset& data, Recon&& recon, Fn&& fn) {
  Matrix x(std::min(kInferenceChunk, data.rows), data.cols);
  for (std::size_t first = 0; first < data.rows; first += kInferenceChunk) {
    const std::size_t count = std::min(kInferenceChunk, data.rows - first);
    data.copy_rows(first, count, x.data());
    const ConstMatrixView xv{x.data(), count, data.cols};
    const ConstMatrixView yv = recon(xv);
    fn(first, xv, yv);
  }
}

// 1 / (s_j^2 + eps), the zsse weight of each feature.
std::vector<float> zsse_weights(const ScoreCalibration& cal) {
  const double eps = cal.eps();
  std::vector<float> w(cal.feature_mse.size());
  for (std::size_t j = 0; j < w.size(); ++j) {
    w[j] = static_cast<float>(1.0 / (static_cast<double>(cal.feature_mse[j]) + eps));
  }
  return w;
}

// Scores of B rows x, y into out (B) and, unless null, pf (B x D). w: the zsse weights.
void score_rows(ScoreKind kind, const float* w, ConstMatrixView x, ConstMatrixView y, float* out,
                float* pf) {
  const std::size_t B = x.rows, D = x.cols;
  switch (kind) {
    case ScoreKind::zsse: kernels::score_sq(x.data, y.data, w, 1.0, out, pf, B, D); return;
    case ScoreKind::sse: kernels::score_sq(x.data, y.data, nullptr, 1.0, out, pf, B, D); return;
    case ScoreKind::mse:
      kernels::score_sq(x.data, y.data, nullptr, 1.0 / static_cast<double>(D), out, pf, B, D);
      return;
    case ScoreKind::mae: kernels::score_abs(x.data, y.data, out, pf, B, D); return;
    case ScoreKind::bce: kernels::score_bce(x.data, y.data, out, pf, B, D); return;
    case ScoreKind::max: kernels::score_max_abs(x.data, y.data, out, pf, B, D); return;
  }
}

void check_unit_range(const Dataset& data, ConstMatrixView x, std::size_t first) {
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  kernels::value_range(x.data, x.size(), &lo, &hi);
  if (lo < 0.0f || hi > 1.0f) {
    throw Error(ErrorKind::usage,
                data.source + ": the bce score needs values in [0, 1], but rows " +
                    std::to_string(first + 1) + " to " + std::to_string(first + x.rows) +
                    " hold values in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                    "]; choose another score");
  }
}

template <class Recon>
ScoreCalibration calibrate_with(Recon&& recon, const Dataset& train, double eps_factor) {
  if (train.rows == 0) throw Error(ErrorKind::usage, train.source + ": no rows to calibrate scores on");
  if (!(eps_factor > 0) || !std::isfinite(eps_factor)) {
    throw Error(ErrorKind::usage, "the score eps factor must be positive and finite");
  }
  const std::size_t N = train.rows, D = train.cols;
  ScoreCalibration cal;
  cal.eps_factor = eps_factor;

  // Pass 1: s_j^2, the value range and every score that does not need them.
  constexpr ScoreKind kFirstPass[] = {ScoreKind::sse, ScoreKind::mse, ScoreKind::mae,
                                      ScoreKind::bce, ScoreKind::max};
  std::map<ScoreKind, std::vector<float>> scores;
  for (ScoreKind kind : kFirstPass) scores[kind].resize(N);
  std::vector<double> sum(D, 0.0);
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  for_each_reconstructed(train, recon, [&](std::size_t first, ConstMatrixView x, ConstMatrixView y) {
    kernels::residual_sq_sum(x.data, y.data, sum.data(), x.rows, D);
    if (!train.byte_data) kernels::value_range(x.data, x.size(), &lo, &hi);
    for (ScoreKind kind : kFirstPass) score_rows(kind, nullptr, x, y, scores[kind].data() + first, nullptr);
  });
  cal.feature_mse.resize(D);
  for (std::size_t j = 0; j < D; ++j) cal.feature_mse[j] = static_cast<float>(sum[j] / static_cast<double>(N));
  cal.data_range = train.byte_data ? 1.0 : static_cast<double>(hi) - static_cast<double>(lo);
  if (!train.byte_data && (lo < 0.0f || hi > 1.0f)) scores.erase(ScoreKind::bce);

  // Pass 2: zsse, now that s_j^2 and eps are known.
  const std::vector<float> w = zsse_weights(cal);
  std::vector<float>& zsse = scores[ScoreKind::zsse];
  zsse.resize(N);
  for_each_reconstructed(train, recon, [&](std::size_t first, ConstMatrixView x, ConstMatrixView y) {
    score_rows(ScoreKind::zsse, w.data(), x, y, zsse.data() + first, nullptr);
  });
  for (const auto& [kind, values] : scores) cal.train_stats[kind] = score_stats(values);
  return cal;
}

template <class Recon>
std::vector<float> scores_with(Recon&& recon, const Dataset& data, ScoreKind kind,
                               const ScoreCalibration& cal, Matrix* per_feature) {
  const std::size_t D = data.cols;
  std::vector<float> w;
  if (kind == ScoreKind::zsse) {
    if (cal.empty()) {
      throw Error(ErrorKind::usage,
                  "the zsse score needs the model's score calibration, which it lacks; "
                  "recalibrate the model or choose another score");
    }
    if (cal.feature_mse.size() != D) {
      throw Error(ErrorKind::usage, data.source + ": rows have " + std::to_string(D) +
                                        " values but the score calibration has " +
                                        std::to_string(cal.feature_mse.size()));
    }
    w = zsse_weights(cal);
  }
  std::vector<float> out(data.rows);
  if (per_feature) per_feature->resize(data.rows, D);
  for_each_reconstructed(data, recon, [&](std::size_t first, ConstMatrixView x, ConstMatrixView y) {
    if (kind == ScoreKind::bce && !data.byte_data) check_unit_range(data, x, first);
    score_rows(kind, w.data(), x, y, out.data() + first, per_feature ? per_feature->row(first) : nullptr);
  });
  return out;
}

}  // namespace

ScoreKind parse_score(std::string_view name) {
  for (ScoreKind kind : kScoreKinds) {
    if (score_name(kind) == name) return kind;
  }
  throw Error(ErrorKind::usage,
              "unknown score '" + std::string(name) + "'; choose one of " + score_names());
}

std::string_view score_name(ScoreKind kind) {
  switch (kind) {
    case ScoreKind::zsse: return "zsse";
    case ScoreKind::sse: return "sse";
    case ScoreKind::mse: return "mse";
    case ScoreKind::mae: return "mae";
    case ScoreKind::bce: return "bce";
    case ScoreKind::max: return "max";
  }
  return "?";
}

std::string score_names() {
  std::string out;
  for (ScoreKind kind : kScoreKinds) {
    if (!out.empty()) out += ", ";
    out += score_name(kind);
  }
  return out;
}

double ScoreCalibration::eps() const {
  const double range = data_range > 0 ? data_range : 1.0;
  return eps_factor * range * range;
}

ScoreCalibration calibrate(Autoencoder& model, const Dataset& train, double eps_factor) {
  check_width(model, train);
  return calibrate_with([&](ConstMatrixView x) { return model.reconstruct(x); }, train, eps_factor);
}

std::vector<float> compute_scores(Autoencoder& model, const Dataset& data, ScoreKind kind,
                                  const ScoreCalibration& cal, Matrix* per_feature) {
  check_width(model, data);
  return scores_with([&](ConstMatrixView x) { return model.reconstruct(x); }, data, kind, cal,
                     per_feature);
}

std::vector<float> pca_baseline_scores(const Dataset& train, const Dataset& data, std::size_t k,
                                       ScoreKind kind, double eps_factor) {
  if (train.cols != data.cols) {
    throw Error(ErrorKind::usage, data.source + ": rows have " + std::to_string(data.cols) +
                                      " values but " + train.source + " has " +
                                      std::to_string(train.cols));
  }
  const Pca pca = fit_pca(train.to_matrix(), k);
  Matrix y;
  auto recon = [&](ConstMatrixView x) {
    y = pca_reconstruct(pca, x);
    return ConstMatrixView(y.view());
  };
  ScoreCalibration cal;
  if (kind == ScoreKind::zsse) cal = calibrate_with(recon, train, eps_factor);
  return scores_with(recon, data, kind, cal, nullptr);
}

}  // namespace ae
