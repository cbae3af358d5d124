// Threshold rules: parsing good and bad texts, and each rule's value on statistics worked out
// by hand for the scores 1, 2, ..., 10.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ae/error.hpp"
#include "ae/score.hpp"

namespace ae {
namespace {

ScoreStats one_to_ten() {
  std::vector<float> v;
  for (int i = 10; i >= 1; --i) v.push_back(static_cast<float>(i));
  return score_stats(v);
}

TEST(Threshold, HandWorkedStatistics) {
  const ScoreStats s = one_to_ten();
  EXPECT_DOUBLE_EQ(s.mean, 5.5);
  EXPECT_DOUBLE_EQ(s.std, std::sqrt(8.25));  // population: sum (i - 5.5)^2 / 10
  EXPECT_DOUBLE_EQ(s.median, 5.5);
  EXPECT_DOUBLE_EQ(s.mad, 2.5);  // |i - 5.5| = 0.5, 0.5, 1.5, 1.5, 2.5, 2.5, ...
  EXPECT_DOUBLE_EQ(s.q1, 3.25);  // 1 + 0.25 * 9
  EXPECT_DOUBLE_EQ(s.q3, 7.75);
  EXPECT_EQ(s.min, 1.0);
  EXPECT_EQ(s.max, 10.0);
}

TEST(Threshold, EachRuleOnKnownStatistics) {
  const ScoreStats s = one_to_ten();
  auto value = [&](const char* text) { return threshold_value(parse_threshold(text), s); };
  EXPECT_NEAR(value("contamination=0.1"), 9.1, 1e-6);  // the 0.9 quantile: 1 + 0.9 * 9
  EXPECT_NEAR(value("contamination=0.5"), 5.5, 1e-6);
  EXPECT_NEAR(value("quantile=0.99"), 9.91, 1e-6);
  EXPECT_NEAR(value("quantile=0.25"), 3.25, 1e-6);
  EXPECT_DOUBLE_EQ(value("sigma=2"), 5.5 + 2 * std::sqrt(8.25));
  EXPECT_DOUBLE_EQ(value("mad=3"), 13.0);   // 5.5 + 3 * 2.5, raw MAD
  EXPECT_DOUBLE_EQ(value("iqr=1.5"), 14.5);  // 7.75 + 1.5 * 4.5
  EXPECT_DOUBLE_EQ(value("max-train"), 10.0);
  EXPECT_DOUBLE_EQ(value("value=12.5"), 12.5);
  EXPECT_DOUBLE_EQ(value("value=-3"), -3.0);
}

TEST(Threshold, ParsesGoodTexts) {
  const Threshold c = parse_threshold("contamination=0.01");
  EXPECT_EQ(c.kind, Threshold::Kind::contamination);
  EXPECT_EQ(c.param, 0.01);
  EXPECT_EQ(parse_threshold("quantile=0.999").kind, Threshold::Kind::quantile);
  EXPECT_EQ(parse_threshold("sigma=3").param, 3.0);
  EXPECT_EQ(parse_threshold("mad=3.5").kind, Threshold::Kind::mad);
  EXPECT_EQ(parse_threshold("iqr=1.5").kind, Threshold::Kind::iqr);
  EXPECT_EQ(parse_threshold("max-train").kind, Threshold::Kind::max_train);
  EXPECT_EQ(parse_threshold("value=1e3").param, 1000.0);
  EXPECT_EQ(parse_threshold("contamination=0.5").param, 0.5);
  for (const char* text : {"contamination=0.01", "quantile=0.999", "sigma=3", "mad=3.5",
                           "iqr=1.5", "max-train", "value=12.5", "fpr=0.001"}) {
    EXPECT_EQ(threshold_text(parse_threshold(text)), text);
  }
}

TEST(Threshold, RejectsBadTextsNamingThem) {
  for (const char* text :
       {"", "contamination", "contamination=", "contamination=0", "contamination=0.6",
        "contamination=-0.1", "quantile=1", "quantile=0", "quantile=1.5", "sigma=0", "sigma=-1",
        "mad=0", "iqr=-2", "max-train=3", "value=inf", "value=nan", "value=abc", "value=1x",
        "sigma=3 ", "percentile=99", "Sigma=3", "sigma:3", "fpr=0", "fpr=1", "fpr", "fpr=-0.1"}) {
    try {
      parse_threshold(text);
      ADD_FAILURE() << "no error for '" << text << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::usage) << text;
      EXPECT_NE(std::string(e.what()).find("'" + std::string(text) + "'"), std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace ae
