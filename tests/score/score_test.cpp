// Scores through a model: names, calibration and compute_scores against numpy on a tiny
// linear autoencoder, chunking, errors, the calibration's JSON form, and synthetic data where
// the outliers must come first (fixed model, trained model, PCA baseline).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <set>
#include <vector>

#include "ae/error.hpp"
#include "ae/inference.hpp"
#include "ae/parallel.hpp"
#include "ae/pca.hpp"
#include "ae/random.hpp"
#include "ae/score.hpp"
#include "ae/trainer.hpp"
#include "kernels/score_kernels.hpp"
#include "score_fixture.hpp"

namespace ae {
namespace {

using score_test::doubles;
using score_test::float_data;
using score_test::floats;
using score_test::reference;

// The fixture's 4 -> 3 -> 4 linear model.
Autoencoder fixture_model() {
  const auto& m = reference()["model"];
  Autoencoder model(make_architecture(4, {{3, Activation::linear}, {4, Activation::linear}}));
  const char* names[2][2] = {{"w1", "b1"}, {"w2", "b2"}};
  for (std::size_t l = 0; l < 2; ++l) {
    std::size_t i = 0;
    for (const auto& row : m[names[l][0]]) {
      for (const auto& v : row) model.weight(l)[i++] = static_cast<float>(v.get<double>());
    }
    i = 0;
    for (const auto& v : m[names[l][1]]) model.bias(l)[i++] = static_cast<float>(v.get<double>());
  }
  return model;
}

Dataset fixture_data(const char* key) {
  const std::vector<float> v = floats(reference()["model"][key]);
  return float_data(v.size() / 4, 4, v, key);
}

void expect_rel(double got, double want, double rel, const std::string& what) {
  EXPECT_NEAR(got, want, rel * std::max(1.0, std::fabs(want))) << what;
}

TEST(ScoreKind, NamesRoundTripAndUnknownIsUsage) {
  for (ScoreKind kind : kScoreKinds) EXPECT_EQ(parse_score(score_name(kind)), kind);
  EXPECT_EQ(score_names(), "zsae, zsse, sse, mse, mae, bce, max, zsae_ic, dual, elbo, recprob");
  try {
    parse_score("rmse");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    EXPECT_NE(std::string(e.what()).find("rmse"), std::string::npos);
  }
}

TEST(ScoreModel, CalibrationAndScoresMatchNumpy) {
  const auto& m = reference()["model"];
  Autoencoder model = fixture_model();
  const Dataset train = fixture_data("train"), test = fixture_data("test");
  const ScoreCalibration cal = calibrate(model, train);
  const std::vector<double> mse = doubles(m["feature_mse"]);
  ASSERT_EQ(cal.feature_mse.size(), 4u);
  for (std::size_t j = 0; j < 4; ++j) expect_rel(cal.feature_mse[j], mse[j], 1e-5, "feature_mse");
  EXPECT_NEAR(cal.data_range, m["data_range"].get<double>(), 1e-7);
  EXPECT_NEAR(cal.eps(ScoreKind::zsse), m["eps"].get<double>(), 1e-10);
  EXPECT_NEAR(cal.eps(ScoreKind::zsae), m["eps_abs"].get<double>(), 1e-11);
  EXPECT_EQ(cal.train_stats.size(), std::size(kScoreKinds));
  EXPECT_NEAR(cal.data_min, m["data_min"].get<double>(), 1e-7);
  for (ScoreKind kind : kScoreKinds) {
    const std::string name(score_name(kind));
    SCOPED_TRACE(name);
    const auto& want = m["train_stats"][name];
    const ScoreStats& got = cal.train_stats.at(kind);
    EXPECT_EQ(got.count, train.rows);
    expect_rel(got.mean, want["mean"], 1e-5, "mean");
    expect_rel(got.std, want["std"], 1e-4, "std");
    expect_rel(got.median, want["median"], 1e-5, "median");
    expect_rel(got.max, want["max"], 1e-5, "max");

    Matrix pf;
    const std::vector<float> s = compute_scores(model, test, kind, cal, &pf);
    const std::vector<double> ws = doubles(m["test_scores"][name]);
    const std::vector<double> wpf = doubles(m["test_per_feature"][name]);
    ASSERT_EQ(s.size(), ws.size());
    for (std::size_t i = 0; i < s.size(); ++i) expect_rel(s[i], ws[i], 2e-5, "score");
    ASSERT_EQ(pf.rows(), test.rows);
    ASSERT_EQ(pf.cols(), 4u);
    for (std::size_t i = 0; i < wpf.size(); ++i) expect_rel(pf.values()[i], wpf[i], 2e-5, "per-feature");
    // Without per-feature output the scores are the same.
    EXPECT_EQ(compute_scores(model, test, kind, cal), s);
  }
}

// n values uniform in [0, 1) from a seeded generator.
std::vector<float> uniform_values(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = rng.uniform_float();
  return v;
}

TEST(ScoreModel, ChunksMatchOneRowAtATime) {
  // More rows than two chunks, with a partial last chunk.
  const std::size_t N = 2 * kInferenceChunk + 37, D = 4;
  const Dataset data = float_data(N, D, uniform_values(N * D, 3));
  Autoencoder model = fixture_model();
  const ScoreCalibration cal = calibrate(model, data);
  const Matrix y = reconstruct_all(model, data);
  const Matrix x = data.to_matrix();
  // s_j^2, zsse and zsae recomputed row by row with the reference kernels.
  std::vector<double> sum(D, 0.0);
  kernels::residual_sq_sum(x.data(), y.data(), sum.data(), N, D);
  std::vector<float> w(D), w_abs(D);
  for (std::size_t j = 0; j < D; ++j) {
    EXPECT_NEAR(cal.feature_mse[j], sum[j] / static_cast<double>(N), 1e-7);
    const double s2 = cal.feature_mse[j];
    w[j] = static_cast<float>(1.0 / (s2 + cal.eps(ScoreKind::zsse)));
    w_abs[j] = static_cast<float>(1.0 / std::sqrt(s2 + cal.eps(ScoreKind::zsae)));
  }
  const std::vector<float> s = compute_scores(model, data, ScoreKind::zsse, cal);
  const std::vector<float> a = compute_scores(model, data, ScoreKind::zsae, cal);
  for (std::size_t r = 0; r < N; r += 97) {
    float want = 0, want_abs = 0;
    kernels::score_sq_ref(x.row(r), y.row(r), w.data(), 1.0, &want, nullptr, 1, D);
    kernels::score_abs_ref(x.row(r), y.row(r), w_abs.data(), 1.0, &want_abs, nullptr, 1, D);
    EXPECT_NEAR(s[r], want, 1e-5 * want) << "row " << r;
    EXPECT_NEAR(a[r], want_abs, 1e-5 * want_abs) << "row " << r;
  }
  EXPECT_EQ(cal.train_stats.at(ScoreKind::zsse).count, N);
  // The training statistics describe these same scores.
  EXPECT_DOUBLE_EQ(cal.train_stats.at(ScoreKind::zsse).mean, score_stats(s).mean);
  EXPECT_DOUBLE_EQ(cal.train_stats.at(ScoreKind::zsae).mean, score_stats(a).mean);
}

TEST(ScoreModel, PerFeatureErrorOverSeveralBlocksIsTheRowByRowMean) {
  // feature_mean_squared_error takes 64 chunks of rows at a time: more than one block, with a
  // partial last chunk, against the mean over reconstruct_all's rows.
  const std::size_t N = 64 * kInferenceChunk + kInferenceChunk + 3, D = 4;
  const Dataset data = float_data(N, D, uniform_values(N * D, 9));
  Autoencoder model = fixture_model();
  const std::vector<double> got = feature_mean_squared_error(model, data);
  const Matrix x = data.to_matrix(), y = reconstruct_all(model, data);
  ASSERT_EQ(got.size(), D);
  for (std::size_t j = 0; j < D; ++j) {
    double sum = 0;
    for (std::size_t r = 0; r < N; ++r) sum += std::pow(static_cast<double>(x(r, j)) - y(r, j), 2);
    EXPECT_NEAR(got[j], sum / static_cast<double>(N), 1e-12 * sum / static_cast<double>(N)) << "feature " << j;
  }
}

TEST(ScoreModel, ResultsDoNotDependOnTheThreadCount) {
  const std::size_t N = 3 * kInferenceChunk + 11, D = 4;
  const std::vector<float> v = uniform_values(N * D, 8);
  const Dataset data = float_data(N, D, v);
  Autoencoder model = fixture_model();
  std::string first_json;
  std::vector<float> first_zsae, first_bce;
  for (std::size_t threads : {1u, 2u, 3u}) {
    SCOPED_TRACE(threads);
    const ScoreCalibration cal = calibrate(model, data, {}, threads);
    const auto zsae = compute_scores(model, data, ScoreKind::zsae, cal, nullptr, threads);
    const auto bce = compute_scores(model, data, ScoreKind::bce, cal, nullptr, threads);
    if (threads == 1) {
      first_json = cal.to_json();
      first_zsae = zsae;
      first_bce = bce;
    } else {
      EXPECT_EQ(cal.to_json(), first_json);
      EXPECT_EQ(zsae, first_zsae);
      EXPECT_EQ(bce, first_bce);
    }
    // Values outside [0, 1] in the second and fourth chunks: the error names the second.
    std::vector<float> bad = v;
    bad[(kInferenceChunk + 5) * D] = 1.5f;
    bad[(3 * kInferenceChunk + 2) * D] = -1.0f;
    try {
      compute_scores(model, float_data(N, D, bad, "bad.csv"), ScoreKind::bce, cal, nullptr, threads);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::usage);
      EXPECT_NE(std::string(e.what()).find("rows " + std::to_string(kInferenceChunk + 1) + " to " +
                                           std::to_string(2 * kInferenceChunk)),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(ScoreModel, ByteDataHasUnitRange) {
  Dataset d;
  d.rows = 3;
  d.cols = 4;
  d.byte_data = true;
  d.bytes = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110};
  d.source = "bytes";
  Autoencoder model = fixture_model();
  const ScoreCalibration cal = calibrate(model, d, {1e-3, 2e-3});
  EXPECT_EQ(cal.data_range, 1.0);
  EXPECT_DOUBLE_EQ(cal.eps(ScoreKind::zsse), 1e-3);
  EXPECT_DOUBLE_EQ(cal.eps(ScoreKind::zsae), 2e-3);
  EXPECT_TRUE(cal.train_stats.count(ScoreKind::bce));
}

TEST(ScoreModel, ErrorsAreUsage) {
  Autoencoder model = fixture_model();
  const Dataset test = fixture_data("test");
  auto expect_usage = [](auto&& fn, const char* what) {
    try {
      fn();
      ADD_FAILURE() << what << ": no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::usage) << what << ": " << e.what();
    }
  };
  expect_usage([&] { compute_scores(model, test, ScoreKind::zsse, ScoreCalibration{}); }, "zsse without calibration");
  expect_usage([&] { compute_scores(model, test, ScoreKind::zsae, ScoreCalibration{}); }, "zsae without calibration");
  ScoreCalibration narrow;
  narrow.feature_mse = {1, 1, 1};
  expect_usage([&] { compute_scores(model, test, ScoreKind::zsse, narrow); }, "calibration width");
  const Dataset wide = float_data(1, 5, {0, 0, 0, 0, 0});
  expect_usage([&] { compute_scores(model, wide, ScoreKind::sse, narrow); }, "data width");
  const Dataset outside = float_data(2, 4, {0, 0.5f, 1, 0, 0, 0, 1.5f, 0}, "outside.csv");
  expect_usage([&] { compute_scores(model, outside, ScoreKind::bce, narrow); }, "bce outside [0, 1]");
  expect_usage([&] { calibrate(model, float_data(0, 4, {})); }, "empty training data");
  expect_usage([&] { calibrate(model, test, {0.0, 1e-5}); }, "zero zsse eps factor");
  expect_usage([&] { calibrate(model, test, {1e-4, -1.0}); }, "negative zsae eps factor");
  // Out-of-range training data calibrates, without bce statistics.
  const ScoreCalibration cal = calibrate(model, outside);
  EXPECT_FALSE(cal.train_stats.count(ScoreKind::bce));
  EXPECT_EQ(cal.train_stats.size(), std::size(kScoreKinds) - 1);
  EXPECT_FLOAT_EQ(static_cast<float>(cal.data_range), 1.5f);
}

TEST(ScoreCalibration, JsonRoundTripIsExact) {
  Autoencoder model = fixture_model();
  Rng rng(11);
  std::vector<float> v(300 * 4);
  for (auto& x : v) x = rng.uniform_float() * 3.0f - 1.0f;
  const ScoreCalibration cal = calibrate(model, float_data(300, 4, v), {2.5e-4, 3.5e-6});
  const std::string text = cal.to_json();
  const ScoreCalibration back = ScoreCalibration::from_json(text, "model.safetensors");
  EXPECT_EQ(back.feature_mse, cal.feature_mse);
  EXPECT_EQ(back.data_range, cal.data_range);
  EXPECT_EQ(back.floors.zsse, cal.floors.zsse);
  EXPECT_EQ(back.floors.zsae, cal.floors.zsae);
  EXPECT_EQ(back.eps(ScoreKind::zsae), cal.eps(ScoreKind::zsae));
  ASSERT_EQ(back.train_stats.size(), cal.train_stats.size());
  for (const auto& [kind, s] : cal.train_stats) {
    const ScoreStats& b = back.train_stats.at(kind);
    EXPECT_EQ(b.count, s.count);
    EXPECT_EQ(b.mean, s.mean);
    EXPECT_EQ(b.std, s.std);
    EXPECT_EQ(b.min, s.min);
    EXPECT_EQ(b.max, s.max);
    EXPECT_EQ(b.median, s.median);
    EXPECT_EQ(b.mad, s.mad);
    EXPECT_EQ(b.q1, s.q1);
    EXPECT_EQ(b.q3, s.q3);
    EXPECT_EQ(b.grid, s.grid);
  }
  EXPECT_EQ(back.dual_spread, DualSpread::q98);
  EXPECT_EQ(back.to_json(), text);
  // Six score kinds (no bce: values outside [0, 1]) fit in a few kilobytes each.
  EXPECT_LT(text.size(), 6u * 6000u);
}

TEST(ScoreCalibration, TextWithoutZsaeFloorGetsTheDefault) {
  Autoencoder model = fixture_model();
  nlohmann::json j = nlohmann::json::parse(calibrate(model, fixture_data("train"), {2e-4, 7e-6}).to_json());
  j.erase("zsae_eps_factor");
  const ScoreCalibration back = ScoreCalibration::from_json(j.dump(), "old.safetensors");
  EXPECT_EQ(back.floors.zsse, 2e-4);
  EXPECT_EQ(back.floors.zsae, ScoreFloors{}.zsae);
}

// A model keeps the spread it was calibrated with: one saved before dual's spread was stored
// the raw MAD, one saved with "q99" the upper spread q(0.99) - m. Its saved dual statistics
// describe that score, so its thresholds still hold.
TEST(ScoreCalibration, DualKeepsTheSpreadTheModelWasSavedWith) {
  Autoencoder model = fixture_model();
  const Dataset train = fixture_data("train"), test = fixture_data("test");
  const ScoreCalibration now = calibrate(model, train);
  ASSERT_EQ(now.dual_spread, DualSpread::q98);
  nlohmann::json j = nlohmann::json::parse(now.to_json());
  EXPECT_EQ(j["dual_spread"], "q98");
  j["dual_spread"] = "q99";
  const ScoreCalibration q99 = ScoreCalibration::from_json(j.dump(), "q99.safetensors");
  EXPECT_EQ(q99.dual_spread, DualSpread::q99);
  EXPECT_EQ(q99.to_json(), j.dump());
  j.erase("dual_spread");
  const ScoreCalibration old = ScoreCalibration::from_json(j.dump(), "old.safetensors");
  EXPECT_EQ(old.dual_spread, DualSpread::mad);
  const std::vector<float> zsae = compute_scores(model, test, ScoreKind::zsae, now);
  const std::vector<float> ic = compute_scores(model, test, ScoreKind::zsae_ic, now);
  const std::vector<float> dual_now = compute_scores(model, test, ScoreKind::dual, now);
  const std::vector<float> dual_q99 = compute_scores(model, test, ScoreKind::dual, q99);
  const std::vector<float> dual_old = compute_scores(model, test, ScoreKind::dual, old);
  const ScoreStats &a = now.train_stats.at(ScoreKind::zsae), &b = now.train_stats.at(ScoreKind::zsae_ic);
  ASSERT_GT(a.mad, 0);
  ASSERT_GT(b.mad, 0);
  const auto by_quantile = [&](std::size_t i, double p) {
    return std::max((zsae[i] - a.median) / (a.quantile(p) - a.median), (ic[i] - b.median) / (b.quantile(p) - b.median));
  };
  for (std::size_t i = 0; i < test.rows; ++i) {
    const double by_mad = std::max((zsae[i] - a.median) / a.mad, (ic[i] - b.median) / b.mad);
    const double by_q98 = by_quantile(i, 0.98), by_q99 = by_quantile(i, 0.99);
    EXPECT_NEAR(dual_old[i], by_mad, 1e-5 * std::max(1.0, std::abs(by_mad))) << i;
    EXPECT_NEAR(dual_q99[i], by_q99, 1e-5 * std::max(1.0, std::abs(by_q99))) << i;
    EXPECT_NEAR(dual_now[i], by_q98, 1e-5 * std::max(1.0, std::abs(by_q98))) << i;
  }
  EXPECT_NE(dual_now, dual_old);
  EXPECT_NE(dual_now, dual_q99);
}

TEST(ScoreCalibration, EmptyTextsGiveAnEmptyCalibration) {
  EXPECT_TRUE(ScoreCalibration::from_json("{}", "m").empty());
  EXPECT_TRUE(ScoreCalibration::from_json("  ", "m").empty());
  EXPECT_TRUE(ScoreCalibration{}.empty());
}

TEST(ScoreCalibration, MalformedJsonIsBadData) {
  Autoencoder model = fixture_model();
  const std::string good = calibrate(model, fixture_data("train")).to_json();
  nlohmann::json j = nlohmann::json::parse(good);
  std::vector<std::string> bad = {"{", "[1,2]", "{\"feature_mse\":[1,2]}", "nonsense"};
  auto variant = [&](auto&& edit) {
    nlohmann::json copy = j;
    edit(copy);
    bad.push_back(copy.dump());
  };
  variant([](nlohmann::json& c) { c["feature_mse"][0] = -1.0; });
  variant([](nlohmann::json& c) { c["feature_mse"][1] = "x"; });
  variant([](nlohmann::json& c) { c["eps_factor"] = 0.0; });
  variant([](nlohmann::json& c) { c["zsae_eps_factor"] = -1e-5; });
  variant([](nlohmann::json& c) { c["zsae_eps_factor"] = "small"; });
  variant([](nlohmann::json& c) { c.erase("data_range"); });
  variant([](nlohmann::json& c) { c["train_stats"]["rmse"] = c["train_stats"]["sse"]; });
  variant([](nlohmann::json& c) { c["train_stats"]["sse"]["grid"].erase(0); });
  variant([](nlohmann::json& c) { c["train_stats"]["sse"].erase("mad"); });
  variant([](nlohmann::json& c) { c["train_stats"]["sse"]["count"] = -3; });
  variant([](nlohmann::json& c) { c["train_stats"] = 5; });
  variant([](nlohmann::json& c) { c["dual_spread"] = "iqr"; });
  variant([](nlohmann::json& c) { c["dual_spread"] = 2; });
  for (const std::string& text : bad) {
    try {
      ScoreCalibration::from_json(text, "model.safetensors");
      ADD_FAILURE() << "no error for " << text.substr(0, 80);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::bad_data) << e.what();
      EXPECT_NE(std::string(e.what()).find("model.safetensors"), std::string::npos) << e.what();
    }
  }
  EXPECT_NO_THROW(ScoreCalibration::from_json(good, "model.safetensors"));
}

// Inliers near the line m + s u in the plane (noise 0.01 across it); test rows are fresh
// inliers with outliers off the line at the returned positions.
struct LineData {
  Dataset train, test;
  std::set<std::size_t> outliers;
};

LineData line_data() {
  Rng rng(5);
  const double ux = 2 / std::sqrt(5.0), uy = 1 / std::sqrt(5.0);
  auto inlier = [&](std::vector<float>& v) {
    const double s = rng.uniform(-0.4, 0.4), n = 0.01 * rng.normal();
    v.push_back(static_cast<float>(0.5 + s * ux - n * uy));
    v.push_back(static_cast<float>(0.5 + s * uy + n * ux));
  };
  LineData d;
  std::vector<float> train, test;
  for (int i = 0; i < 400; ++i) inlier(train);
  const float off[4][2] = {{0.2f, 0.9f}, {0.8f, 0.1f}, {0.45f, 0.75f}, {0.9f, 0.3f}};
  std::size_t next = 0;
  for (std::size_t r = 0; r < 100; ++r) {
    if (r % 25 == 7) {
      test.push_back(off[next][0]);
      test.push_back(off[next][1]);
      ++next;
      d.outliers.insert(r);
    } else {
      inlier(test);
    }
  }
  d.train = float_data(400, 2, train, "line train");
  d.test = float_data(100, 2, test, "line test");
  return d;
}

void expect_outliers_first(const std::vector<float>& scores, const LineData& d) {
  const Ranking ranking = rank_scores(scores);
  const std::set<std::size_t> top(ranking.order.begin(), ranking.order.begin() + d.outliers.size());
  EXPECT_EQ(top, d.outliers);
  std::vector<std::uint8_t> truth(scores.size(), 0);
  for (std::size_t r : d.outliers) truth[r] = 1;
  const Metrics m = evaluate(scores, truth);
  EXPECT_EQ(m.roc_auc, 1.0);
  EXPECT_EQ(m.average_precision, 1.0);
  EXPECT_EQ(m.precision_at_k, 1.0);
}

TEST(ScoreEndToEnd, ProjectionModelRanksOutliersFirst) {
  const LineData d = line_data();
  // Encoder z = u . (x - m), decoder y = m + u z: the orthogonal projection onto the line.
  Autoencoder model(make_architecture(2, {{1, Activation::linear}, {2, Activation::linear}}));
  const float ux = static_cast<float>(2 / std::sqrt(5.0)), uy = static_cast<float>(1 / std::sqrt(5.0));
  model.weight(0)[0] = ux;
  model.weight(0)[1] = uy;
  model.bias(0)[0] = -(ux + uy) * 0.5f;
  model.weight(1)[0] = ux;
  model.weight(1)[1] = uy;
  model.bias(1)[0] = 0.5f;
  model.bias(1)[1] = 0.5f;
  const ScoreCalibration cal = calibrate(model, d.train);
  const std::vector<float> s = compute_scores(model, d.test, ScoreKind::zsse, cal);
  expect_outliers_first(s, d);
  // Flags from a training-score threshold catch exactly the outliers here: inlier zsse scores
  // are about chi-squared with one degree of freedom, the outliers' in the hundreds.
  const ScoreStats& train = cal.train_stats.at(ScoreKind::zsse);
  EXPECT_NEAR(train.mean, 1.0, 0.3);
  const double t = threshold_value(parse_threshold("sigma=10"), train);
  for (std::size_t r = 0; r < s.size(); ++r) EXPECT_EQ(s[r] > t, d.outliers.count(r) == 1) << r;
}

TEST(ScoreEndToEnd, TrainedModelRanksOutliersFirst) {
  const LineData d = line_data();
  Autoencoder model(make_architecture(2, {{1, Activation::linear}, {2, Activation::linear}}));
  Rng rng(2);
  model.initialize(Init::glorot_uniform, rng);
  TrainConfig config;
  config.epochs = 60;
  config.batch = 16;
  config.optimizer.lr = 0.01;
  Trainer trainer(model, config, rng);
  trainer.fit(d.train);
  const ScoreCalibration cal = calibrate(model, d.train);
  expect_outliers_first(compute_scores(model, d.test, ScoreKind::zsse, cal), d);
}

TEST(ScoreEndToEnd, PcaBaselineRanksOutliersFirst) {
  const LineData d = line_data();
  for (ScoreKind kind : {ScoreKind::zsse, ScoreKind::sse, ScoreKind::max}) {
    SCOPED_TRACE(score_name(kind));
    expect_outliers_first(pca_baseline_scores(d.train, d.test, 1, kind), d);
  }
  // With both components the reconstruction is exact, so every score is (nearly) zero.
  for (float s : pca_baseline_scores(d.train, d.test, 2, ScoreKind::sse)) EXPECT_LT(s, 1e-10f);
  EXPECT_THROW(pca_baseline_scores(d.train, float_data(1, 3, {0, 0, 0}), 1, ScoreKind::sse), Error);
}

TEST(ScoreEndToEnd, PcaBaselineScoresEachRowOfItsOwnReconstruction) {
  // Over several chunks taken by the pool's threads: each row's sse is that of its own
  // reconstruction, bit for bit.
  const std::size_t N = 3 * kInferenceChunk + 5, D = 6;
  const Dataset data = float_data(N, D, uniform_values(N * D, 4));
  const std::vector<float> got = pca_baseline_scores(data, data, 2, ScoreKind::sse);
  const Matrix x = data.to_matrix(), y = pca_reconstruct(fit_pca(data, 2), x.view());
  ASSERT_EQ(got.size(), N);
  for (std::size_t r = 0; r < N; ++r) {
    float want = 0;
    kernels::score_sq(x.row(r), y.row(r), nullptr, 1.0, &want, nullptr, 1, D);
    EXPECT_EQ(got[r], want) << "row " << r;
  }
}

}  // namespace
}  // namespace ae

namespace ae {
namespace {

TEST(ScoreFitWarning, BceOnContinuousValuesIsFlaggedAndOnBinaryLikeValuesNot) {
  Dataset d;
  d.rows = 100;
  d.cols = 4;
  d.source = "t.csv";
  for (std::size_t i = 0; i < 400; ++i) d.values.push_back(static_cast<float>(i % 7 == 0 ? 0.5 : (i % 2)));
  EXPECT_EQ(score_fit_warning(ScoreKind::bce, d), "");
  for (std::size_t i = 0; i < 400; ++i) d.values[i] = static_cast<float>((i % 97) / 97.0);
  const std::string w = score_fit_warning(ScoreKind::bce, d);
  EXPECT_NE(w.find("t.csv: "), std::string::npos) << w;
  EXPECT_NE(w.find("own entropy"), std::string::npos) << w;
  EXPECT_EQ(score_fit_warning(ScoreKind::zsae, d), "");
}

}  // namespace
}  // namespace ae
