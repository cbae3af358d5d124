// Rankings and metrics: known cases (perfect, reversed, all tied, hand-worked ties), ROC-AUC
// against pair counting and average precision against scikit-learn's definition, both
// computed by tests/gen/score_reference.py, precision at k, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "ae/error.hpp"
#include "ae/score.hpp"
#include "score_fixture.hpp"

namespace ae {
namespace {

using score_test::floats;
using score_test::reference;

std::vector<std::uint8_t> labels(const nlohmann::json& j) {
  std::vector<std::uint8_t> out;
  for (const auto& v : j) out.push_back(static_cast<std::uint8_t>(v.get<int>()));
  return out;
}

TEST(Metrics, KnownCases) {
  const std::vector<std::uint8_t> t = {0, 0, 1, 1, 0};
  const std::vector<float> perfect = {0.1f, 0.2f, 0.9f, 0.8f, 0.3f};
  EXPECT_EQ(roc_auc(perfect, t), 1.0);
  EXPECT_EQ(average_precision(perfect, t), 1.0);
  EXPECT_EQ(precision_at_k(perfect, t, 2), 1.0);
  const std::vector<float> reversed = {0.9f, 0.8f, 0.1f, 0.2f, 0.7f};
  EXPECT_EQ(roc_auc(reversed, t), 0.0);
  const std::vector<float> tied(5, 0.5f);
  EXPECT_EQ(roc_auc(tied, t), 0.5);
  EXPECT_DOUBLE_EQ(average_precision(tied, t), 0.4);  // all enter together: precision 2/5
  // Hand-worked: ascending mid-ranks 0.1 -> 1, 0.5 -> 2.5, 2.5, 0.9 -> 4; outliers hold
  // 4 + 2.5 = 6.5, U = 6.5 - 3 = 3.5 of 4 pairs. AP: 0.5 * 1 + 0.5 * 2/3.
  const std::vector<float> s = {0.9f, 0.5f, 0.5f, 0.1f};
  const std::vector<std::uint8_t> h = {1, 0, 1, 0};
  EXPECT_DOUBLE_EQ(roc_auc(s, h), 0.875);
  EXPECT_DOUBLE_EQ(average_precision(s, h), 0.5 + 0.5 * 2.0 / 3.0);
  // Top 2 by ranking: row 0, then row 1 (the earlier of the tied pair), an inlier.
  EXPECT_EQ(precision_at_k(s, h, 2), 0.5);
  EXPECT_EQ(precision_at_k(s, h, 3), 2.0 / 3.0);
  const Metrics m = evaluate(s, h);
  EXPECT_EQ(m.k, 2u);
  EXPECT_DOUBLE_EQ(m.roc_auc, 0.875);
  EXPECT_EQ(m.precision_at_k, 0.5);
}

TEST(Metrics, MatchTheNumpyReference) {
  for (const auto& c : reference()["metrics"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const std::vector<float> s = floats(c["scores"]);
    const std::vector<std::uint8_t> t = labels(c["truth"]);
    EXPECT_NEAR(roc_auc(s, t), c["roc_auc"].get<double>(), 1e-12);
    EXPECT_NEAR(average_precision(s, t), c["average_precision"].get<double>(), 1e-12);
    EXPECT_NEAR(precision_at_k(s, t, 3), c["precision_at_3"].get<double>(), 1e-12);
    const Metrics m = evaluate(s, t);
    EXPECT_EQ(m.k, c["k"].get<std::size_t>());
    EXPECT_NEAR(m.precision_at_k, c["precision_at_k"].get<double>(), 1e-12);
    EXPECT_NEAR(m.roc_auc, c["roc_auc"].get<double>(), 1e-12);
    EXPECT_NEAR(m.average_precision, c["average_precision"].get<double>(), 1e-12);
  }
}

TEST(Metrics, ErrorsAreUsage) {
  const std::vector<float> s = {1, 2, 3};
  auto expect_usage = [](auto&& fn) {
    try {
      fn();
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::usage) << e.what();
    }
  };
  const std::vector<std::uint8_t> short_truth = {0, 1};
  const std::vector<std::uint8_t> no_outliers = {0, 0, 0};
  const std::vector<std::uint8_t> all_outliers = {1, 1, 1};
  const std::vector<std::uint8_t> not_binary = {0, 2, 1};
  const std::vector<std::uint8_t> ok = {0, 1, 0};
  expect_usage([&] { roc_auc(s, short_truth); });
  expect_usage([&] { roc_auc(s, no_outliers); });
  expect_usage([&] { average_precision(s, all_outliers); });
  expect_usage([&] { evaluate(s, no_outliers); });
  expect_usage([&] { roc_auc(s, not_binary); });
  expect_usage([&] { precision_at_k(s, short_truth, 1); });
  expect_usage([&] { precision_at_k(s, ok, 0); });
  expect_usage([&] { precision_at_k(s, ok, 4); });
  // Precision at k needs no particular class mix.
  EXPECT_EQ(precision_at_k(s, no_outliers, 2), 0.0);
}

TEST(Rank, HighestFirstTiesInRowOrder) {
  const std::vector<float> s = {0.5f, 2.0f, 0.5f, 3.0f, 0.1f, 2.0f};
  const Ranking r = rank_scores(s);
  EXPECT_EQ(r.order, (std::vector<std::size_t>{3, 1, 5, 0, 2, 4}));
  EXPECT_EQ(r.rank, (std::vector<std::size_t>{4, 2, 5, 1, 6, 3}));
  // Share of rows scoring <= each row, x 100.
  const std::vector<double> want = {100.0 * 3 / 6, 100.0 * 5 / 6, 100.0 * 3 / 6, 100.0,
                                    100.0 * 1 / 6, 100.0 * 5 / 6};
  for (std::size_t i = 0; i < s.size(); ++i) EXPECT_DOUBLE_EQ(r.percentile[i], want[i]) << i;
  for (std::size_t j = 0; j < s.size(); ++j) EXPECT_EQ(r.rank[r.order[j]], j + 1);
}

TEST(Rank, NaNCountsAsHighestAndEmptyIsEmpty) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> s = {1.0f, nan, 5.0f, nan};
  const Ranking r = rank_scores(s);
  EXPECT_EQ(r.order, (std::vector<std::size_t>{1, 3, 2, 0}));
  EXPECT_EQ(r.percentile[1], 100.0);
  EXPECT_EQ(r.percentile[2], 50.0);
  EXPECT_EQ(r.percentile[0], 25.0);
  const Ranking none = rank_scores(std::vector<float>{});
  EXPECT_TRUE(none.order.empty());
  EXPECT_TRUE(none.rank.empty());
}

}  // namespace
}  // namespace ae
