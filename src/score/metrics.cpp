// Rankings of scores and metrics against known 0/1 labels: ROC-AUC (Mann-Whitney with
// mid-ranks), average precision (scikit-learn's definition) and precision at k. NaN scores
// count as higher than every number throughout.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "ae/error.hpp"
#include "ae/score.hpp"

namespace ae {
namespace {

// Strict "a scores lower than b", NaN above every number.
bool lower(float a, float b) {
  if (std::isnan(b)) return !std::isnan(a);
  return a < b;
}

bool tied(float a, float b) { return a == b || (std::isnan(a) && std::isnan(b)); }

// Rows from the highest score to the lowest, ties in row order.
std::vector<std::size_t> descending_order(std::span<const float> scores) {
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return lower(scores[b], scores[a]); });
  return order;
}

// Checks sizes and 0/1 values; returns the number of outliers.
std::size_t check_truth(std::span<const float> scores, std::span<const std::uint8_t> truth,
                        bool need_both_classes) {
  if (scores.size() != truth.size()) {
    throw Error(ErrorKind::usage, "there are " + std::to_string(scores.size()) + " scores but " +
                                      std::to_string(truth.size()) + " labels");
  }
  std::size_t positives = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    if (truth[i] > 1) {
      throw Error(ErrorKind::usage, "label " + std::to_string(i + 1) + " is " +
                                        std::to_string(truth[i]) + "; outlier labels must be 0 or 1");
    }
    positives += truth[i];
  }
  if (need_both_classes && (positives == 0 || positives == truth.size())) {
    throw Error(ErrorKind::usage, "the labels must contain both outliers (1) and inliers (0); they hold " +
                                      std::to_string(positives) + " outliers of " +
                                      std::to_string(truth.size()) + " rows");
  }
  return positives;
}

}  // namespace

Ranking rank_scores(std::span<const float> scores) {
  const std::size_t n = scores.size();
  Ranking r;
  r.order = descending_order(scores);
  r.rank.resize(n);
  r.percentile.resize(n);
  // A tie group at positions [a, b) of the order has n - a rows scoring at most its score.
  std::size_t a = 0;
  for (std::size_t j = 0; j < n; ++j) {
    if (j > 0 && !tied(scores[r.order[j]], scores[r.order[j - 1]])) a = j;
    r.rank[r.order[j]] = j + 1;
    r.percentile[r.order[j]] = 100.0 * static_cast<double>(n - a) / static_cast<double>(n);
  }
  return r;
}

double roc_auc(std::span<const float> scores, std::span<const std::uint8_t> truth) {
  const std::size_t positives = check_truth(scores, truth, true);
  const std::size_t n = scores.size();
  std::vector<std::size_t> order = descending_order(scores);
  std::reverse(order.begin(), order.end());  // ascending; the order inside ties does not matter
  // Sum of the 1-based mid-ranks of the outliers.
  double rank_sum = 0;
  for (std::size_t a = 0; a < n;) {
    std::size_t b = a + 1;
    while (b < n && tied(scores[order[b]], scores[order[a]])) ++b;
    const double mid = 0.5 * static_cast<double>(a + 1 + b);
    for (std::size_t j = a; j < b; ++j) rank_sum += truth[order[j]] ? mid : 0.0;
    a = b;
  }
  const double P = static_cast<double>(positives), Q = static_cast<double>(n - positives);
  return (rank_sum - P * (P + 1) / 2) / (P * Q);
}

double average_precision(std::span<const float> scores, std::span<const std::uint8_t> truth) {
  const std::size_t positives = check_truth(scores, truth, true);
  const std::size_t n = scores.size();
  const std::vector<std::size_t> order = descending_order(scores);
  double ap = 0, last_recall = 0;
  std::size_t tp = 0;
  for (std::size_t a = 0; a < n;) {
    std::size_t b = a;
    while (b < n && tied(scores[order[b]], scores[order[a]])) tp += truth[order[b++]];
    const double recall = static_cast<double>(tp) / static_cast<double>(positives);
    const double precision = static_cast<double>(tp) / static_cast<double>(b);
    ap += (recall - last_recall) * precision;
    last_recall = recall;
    a = b;
  }
  return ap;
}

double precision_at_k(std::span<const float> scores, std::span<const std::uint8_t> truth,
                      std::size_t k) {
  check_truth(scores, truth, false);
  if (k == 0 || k > scores.size()) {
    throw Error(ErrorKind::usage, "precision at k needs k in [1, " + std::to_string(scores.size()) +
                                      "], not " + std::to_string(k));
  }
  const std::vector<std::size_t> order = descending_order(scores);
  std::size_t hits = 0;
  for (std::size_t j = 0; j < k; ++j) hits += truth[order[j]];
  return static_cast<double>(hits) / static_cast<double>(k);
}

Metrics evaluate(std::span<const float> scores, std::span<const std::uint8_t> truth) {
  Metrics m;
  m.k = check_truth(scores, truth, true);
  m.roc_auc = roc_auc(scores, truth);
  m.average_precision = average_precision(scores, truth);
  m.precision_at_k = precision_at_k(scores, truth, m.k);
  return m;
}

}  // namespace ae
