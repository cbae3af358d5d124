// The elbo and recprob scores of a variational model against numpy values in
// tests/fixtures/variational_score_reference.json (written by
// tests/gen/variational_score_reference.py), their calibration, and their refusals.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "ae/error.hpp"
#include "ae/random.hpp"
#include "ae/score.hpp"
#include "score_fixture.hpp"
#include "../json_fixture.hpp"

namespace ae {
namespace {

using nlohmann::json;

const json& fixture() {
  static const json data = test::read_json_fixture("variational_score_reference.json");
  return data;
}

Autoencoder fixture_model() {
  const json& g = fixture();
  Autoencoder model(make_architecture(g.at("input").get<std::size_t>(), parse_layers(g.at("layers").get<std::string>()),
                                      g.at("bottleneck").get<std::size_t>(), ModelKind::variational));
  for (std::size_t l = 0; l < model.layer_count(); ++l) {
    std::vector<float> w;
    for (const auto& row : g.at("weights").at(l)) for (const auto& v : row) w.push_back(v.get<float>());
    const std::vector<float> b = score_test::floats(g.at("biases").at(l));
    if (w.size() != model.weight_size(l) || b.size() != model.architecture().out_width(l)) {
      throw std::runtime_error("variational_score_reference.json: layer " + std::to_string(l) + " has the wrong shape");
    }
    std::copy(w.begin(), w.end(), model.weight(l));
    std::copy(b.begin(), b.end(), model.bias(l));
  }
  return model;
}

Dataset fixture_rows() {
  std::vector<float> x;
  for (const auto& row : fixture().at("x")) for (const auto& v : row) x.push_back(v.get<float>());
  return score_test::float_data(x.size() / 4, 4, x, "vae rows");
}

VariationalScoring scoring_of(const json& c) {
  return {parse_loss(c.at("loss").get<std::string>()), c.at("beta").get<double>(), fixture().at("draws").get<std::size_t>(), 7};
}

TEST(VariationalScore, ElboMatchesNumpy) {
  Autoencoder model = fixture_model();
  const Dataset rows = fixture_rows();
  for (const json& c : fixture().at("cases")) {
    const VariationalScoring scoring = scoring_of(c);
    const auto got = compute_scores(model, rows, ScoreKind::elbo, {}, nullptr, 1, &scoring);
    const auto want = score_test::doubles(c.at("elbo"));
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5 * (1 + want[i])) << c.at("loss") << " row " << i;
  }
}

TEST(VariationalScore, RecprobMatchesTheClosedFormAndIsReproducible) {
  Autoencoder model = fixture_model();
  const Dataset rows = fixture_rows();
  for (const json& c : fixture().at("cases")) {
    const VariationalScoring scoring = scoring_of(c);
    const auto got = compute_scores(model, rows, ScoreKind::recprob, {}, nullptr, 1, &scoring);
    const auto want = score_test::doubles(c.at("recprob"));
    const auto tolerance = score_test::doubles(c.at("recprob_tolerance"));
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tolerance[i]) << c.at("loss") << " row " << i;
    // Drawing spreads the reconstruction: recprob lies above the mean path's error.
    const VariationalScoring no_kl{scoring.loss, 0.0};
    const auto elbo = compute_scores(model, rows, ScoreKind::elbo, {}, nullptr, 1, &no_kl);
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_GT(got[i], elbo[i]);
    // The same seed gives the same scores on any thread count; another seed other ones.
    EXPECT_EQ(compute_scores(model, rows, ScoreKind::recprob, {}, nullptr, 2, &scoring), got);
    VariationalScoring other = scoring;
    other.seed = 8;
    EXPECT_NE(compute_scores(model, rows, ScoreKind::recprob, {}, nullptr, 1, &other), got);
  }
}

TEST(VariationalScore, CalibrationHoldsTheirStatistics) {
  Autoencoder model = fixture_model();
  const Dataset rows = fixture_rows();
  const VariationalScoring scoring = scoring_of(fixture().at("cases").at(0));
  const ScoreCalibration cal = calibrate(model, rows, {}, 1, &scoring);
  for (ScoreKind kind : kVariationalScoreKinds) {
    ASSERT_EQ(cal.train_stats.count(kind), 1u) << score_name(kind);
    const auto scores = compute_scores(model, rows, kind, cal, nullptr, 1, &scoring);
    EXPECT_DOUBLE_EQ(cal.train_stats.at(kind).mean, score_stats(scores).mean);
    EXPECT_DOUBLE_EQ(cal.train_stats.at(kind).max, score_stats(scores).max);
  }
  const ScoreCalibration back = ScoreCalibration::from_json(cal.to_json(), "test");
  EXPECT_DOUBLE_EQ(back.train_stats.at(ScoreKind::elbo).median, cal.train_stats.at(ScoreKind::elbo).median);
  // The threshold rules read them like any other kind's.
  const double cut = threshold_value(parse_threshold("max-train"), cal.train_stats.at(ScoreKind::recprob));
  EXPECT_DOUBLE_EQ(cut, cal.train_stats.at(ScoreKind::recprob).max);
}

TEST(VariationalScore, RefusedWhereTheyDoNotApply) {
  const Dataset rows = fixture_rows();
  Autoencoder plain(make_architecture(4, parse_layers("3:tanh,2:linear,4:linear")));
  Rng rng(1);
  plain.initialize(Init::glorot_uniform, rng);
  for (ScoreKind kind : kVariationalScoreKinds) {
    EXPECT_THROW(compute_scores(plain, rows, kind, {}), Error) << score_name(kind);
    Autoencoder model = fixture_model();
    Matrix per_feature;
    EXPECT_THROW(compute_scores(model, rows, kind, {}, &per_feature), Error);
    EXPECT_THROW(pca_baseline_scores(rows, rows, 1, kind), Error);
  }
  EXPECT_EQ(calibrate(plain, rows).train_stats.count(ScoreKind::elbo), 0u);
  Autoencoder model = fixture_model();
  VariationalScoring none;
  none.samples = 0;
  EXPECT_THROW(compute_scores(model, rows, ScoreKind::recprob, {}, nullptr, 1, &none), Error);
  // Without the training loss and beta (a caller that did not read them) they are refused,
  // and a calibration leaves them out.
  EXPECT_THROW(compute_scores(model, rows, ScoreKind::elbo, {}), Error);
  EXPECT_EQ(calibrate(model, rows).train_stats.count(ScoreKind::elbo), 0u);
}

}  // namespace
}  // namespace ae
