// explain_rows on a model whose rebuild is a constant row (all weights zero), so every
// residual, term and share is known by hand; terms agree with compute_scores' per-feature form.
#include <gtest/gtest.h>

#include <vector>

#include "ae/error.hpp"
#include "ae/explain.hpp"
#include "score_fixture.hpp"

namespace ae {
namespace {

using score_test::float_data;

// 3 -> 1 -> 3, linear, weights zero: y = (0.5, 0.5, 0.5) for every row.
Autoencoder constant_model() {
  Autoencoder model(make_architecture(3, {{1, Activation::linear}, {3, Activation::linear}}));
  // Layer 0: 1 x 3 weights, 1 bias; layer 1: 3 x 1 weights, 3 biases.
  for (std::size_t i = 0; i < 3; ++i) {
    model.weight(0)[i] = 0;
    model.weight(1)[i] = 0;
    model.bias(1)[i] = 0.5f;
  }
  model.bias(0)[0] = 0;
  return model;
}

TEST(Explain, TermsValuesAndSharesByHand) {
  Autoencoder model = constant_model();
  // Row 0: r = (0, 1, -0.5), sse terms (0, 1, 0.25), score 1.25. Row 1: terms (1, 0, 1), a tie.
  const Dataset data = float_data(2, 3, {0.5f, 1.5f, 0.0f, 1.5f, 0.5f, -0.5f});
  const std::vector<std::size_t> rows{0, 1, 0};
  const auto e = explain_rows(model, data, rows, ScoreKind::sse, ScoreCalibration{}, 2, Normalization{});
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].row, 0u);
  EXPECT_FLOAT_EQ(e[0].score, 1.25f);
  ASSERT_EQ(e[0].top.size(), 2u);
  EXPECT_EQ(e[0].top[0].feature, 1u);
  EXPECT_FLOAT_EQ(e[0].top[0].value, 1.5f);
  EXPECT_FLOAT_EQ(e[0].top[0].reconstruction, 0.5f);
  EXPECT_FLOAT_EQ(e[0].top[0].term, 1.0f);
  EXPECT_NEAR(e[0].top[0].share, 0.8, 1e-7);
  EXPECT_EQ(e[0].top[1].feature, 2u);
  EXPECT_NEAR(e[0].top[1].share, 0.2, 1e-7);
  // Ties go to the lower column.
  EXPECT_EQ(e[1].top[0].feature, 0u);
  EXPECT_EQ(e[1].top[1].feature, 2u);
  EXPECT_NEAR(e[1].top[1].share, 0.5, 1e-7);
  EXPECT_EQ(e[2].top[0].feature, e[0].top[0].feature);

  // In data units: x = x' * scale + center, for the value and the rebuild alike.
  Normalization units;
  units.kind = Normalizer::standard;
  units.center = {10, 20, 30};
  units.scale = {2, 4, 8};
  const auto u = explain_rows(model, data, std::vector<std::size_t>{0}, ScoreKind::sse, ScoreCalibration{}, 1, units);
  EXPECT_FLOAT_EQ(u[0].top[0].value, 1.5f * 4 + 20);
  EXPECT_FLOAT_EQ(u[0].top[0].reconstruction, 0.5f * 4 + 20);
  EXPECT_FLOAT_EQ(u[0].top[0].term, 1.0f);  // terms stay in the model's units
}

TEST(Explain, AllFeaturesAgreeWithPerFeatureScores) {
  Autoencoder model = constant_model();
  const Dataset train = float_data(4, 3, {0.1f, 0.9f, 0.4f, 0.7f, 0.2f, 0.6f, 0.3f, 0.8f, 0.5f, 0.9f, 0.1f, 0.2f});
  const ScoreCalibration cal = calibrate(model, train);
  Matrix per_feature;
  const std::vector<float> scores = compute_scores(model, train, ScoreKind::zsae, cal, &per_feature);
  const std::vector<std::size_t> rows{3, 1};
  const auto e = explain_rows(model, train, rows, ScoreKind::zsae, cal, 10, Normalization{});
  for (std::size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(e[i].top.size(), 3u);  // clamped to the width
    EXPECT_EQ(e[i].score, scores[rows[i]]);
    double shares = 0;
    for (std::size_t n = 0; n < 3; ++n) {
      const FeatureContribution& c = e[i].top[n];
      EXPECT_EQ(c.term, per_feature(rows[i], c.feature));
      if (n > 0) EXPECT_GE(e[i].top[n - 1].term, c.term);
      shares += c.share;
    }
    EXPECT_NEAR(shares, 1.0, 1e-12);
  }
}

TEST(Explain, BadRowsAndCountsAreUsage) {
  Autoencoder model = constant_model();
  const Dataset data = float_data(2, 3, {0, 0, 0, 1, 1, 1});
  const std::vector<std::size_t> past_end{2};
  EXPECT_THROW(explain_rows(model, data, past_end, ScoreKind::sse, ScoreCalibration{}, 1, Normalization{}), Error);
  const std::vector<std::size_t> ok{1};
  EXPECT_THROW(explain_rows(model, data, ok, ScoreKind::sse, ScoreCalibration{}, 0, Normalization{}), Error);
  EXPECT_THROW(explain_rows(model, data, ok, ScoreKind::zsae, ScoreCalibration{}, 1, Normalization{}), Error);
  EXPECT_TRUE(explain_rows(model, data, {}, ScoreKind::sse, ScoreCalibration{}, 1, Normalization{}).empty());
}

}  // namespace
}  // namespace ae
