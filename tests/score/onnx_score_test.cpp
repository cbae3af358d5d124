// onnx_score: each score kind's reduction, evaluated here in double the way the exported
// graph computes it, gives the scores compute_scores gives, on byte data and on float data.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "ae/error.hpp"
#include "ae/inference.hpp"
#include "ae/onnx.hpp"
#include "ae/random.hpp"
#include "ae/score.hpp"
#include "score_fixture.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

// score = scale * reduce_j w_j term(x_j, y_j) for one row.
double evaluate(const OnnxScore& s, const float* x, const float* y, std::size_t D) {
  double acc = 0;
  for (std::size_t j = 0; j < D; ++j) {
    const double r = static_cast<double>(x[j]) - static_cast<double>(y[j]);
    double t = 0;
    switch (s.term) {
      case OnnxScore::Term::abs: t = std::fabs(r); break;
      case OnnxScore::Term::square: t = r * r; break;
      case OnnxScore::Term::bce: {
        const double p = std::clamp(static_cast<double>(y[j]), s.bce_clip, 1 - s.bce_clip);
        const double q = std::clamp(1 - static_cast<double>(y[j]), s.bce_clip, 1 - s.bce_clip);
        t = -(x[j] * std::log(p) + (1 - x[j]) * std::log(q));
        break;
      }
    }
    if (!s.weights.empty()) t *= s.weights[j];
    acc = s.reduce == OnnxScore::Reduce::sum ? acc + t : std::max(acc, t);
  }
  return s.scale * acc;
}

void expect_same_scores(Autoencoder& model, const Dataset& data, const std::vector<ScoreKind>& kinds) {
  const ScoreCalibration cal = calibrate(model, data);
  const Matrix x = data.to_matrix();
  const Matrix y = reconstruct_all(model, data);
  for (ScoreKind kind : kinds) {
    const OnnxScore s = onnx_score(kind, cal, data.cols);
    EXPECT_EQ(s.name, score_name(kind));
    const std::vector<float> want = compute_scores(model, data, kind, cal);
    for (std::size_t i = 0; i < data.rows; ++i) {
      const double got = evaluate(s, x.row(i), y.row(i), data.cols);
      EXPECT_NEAR(got, want[i], 2e-6 * std::fabs(want[i]) + 1e-9) << score_name(kind) << " row " << i;
    }
  }
}

Autoencoder random_model(std::size_t D) {
  Autoencoder model(make_architecture(D, parse_layers("5:relu,3:sigmoid,5:tanh," + std::to_string(D) + ":sigmoid")));
  Rng rng(3);
  model.initialize(Init::glorot_uniform, rng);
  return model;
}

TEST(OnnxScore, EveryKindMatchesComputeScoresOnByteData) {
  constexpr std::size_t N = 40, D = 20;
  Dataset data;
  data.rows = N;
  data.cols = D;
  data.byte_data = true;
  Rng rng(9);
  for (std::size_t i = 0; i < N * D; ++i) data.bytes.push_back(static_cast<std::uint8_t>(rng.below(256)));
  Autoencoder model = random_model(D);
  std::vector<ScoreKind> kinds;
  for (ScoreKind kind : kScoreKinds) {
    if (!complexity_corrected(kind)) kinds.push_back(kind);
  }
  expect_same_scores(model, data, kinds);
}

TEST(OnnxScore, EveryKindButBceMatchesComputeScoresOnFloatData) {
  constexpr std::size_t N = 30, D = 7;
  std::vector<float> v;
  Rng rng(4);
  for (std::size_t i = 0; i < N * D; ++i) v.push_back(static_cast<float>(rng.below(1000)) / 50.0f - 7.0f);
  Autoencoder model = random_model(D);
  expect_same_scores(model, score_test::float_data(N, D, v),
                     {ScoreKind::zsae, ScoreKind::zsse, ScoreKind::sse, ScoreKind::mse, ScoreKind::mae, ScoreKind::max});
}

TEST(OnnxScore, StandardisedKindsNeedACalibrationOfTheModelsWidth) {
  EXPECT_THROW(onnx_score(ScoreKind::zsae, ScoreCalibration{}, 4), Error);
  ScoreCalibration cal;
  cal.feature_mse = {1, 1, 1};
  EXPECT_THROW(onnx_score(ScoreKind::zsse, cal, 4), Error);
  EXPECT_NO_THROW(onnx_score(ScoreKind::sse, ScoreCalibration{}, 4));
}

TEST(OnnxScore, ComplexityCorrectedKindsAreRefused) {
  ScoreCalibration cal;
  cal.feature_mse = {1, 1, 1, 1};
  for (ScoreKind kind : {ScoreKind::zsae_ic, ScoreKind::dual}) {
    test::expect_error([&] {
      onnx_score(kind, cal, 4);
    }, ErrorKind::usage, "compressed length");
  }
}

}  // namespace
}  // namespace ae
