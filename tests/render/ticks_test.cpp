// Tests of tick choice (render/ticks.hpp): 1-2-5 steps and their multiples, spacing under the
// gap rule, whole-number axes, and log axes by mantissas, decades or a linear fallback.
#include "render/ticks.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ae::render_detail {
namespace {

TEST(Ticks, NiceStepsAndMultiples) {
  EXPECT_DOUBLE_EQ(nice_step(0.27), 0.5);
  EXPECT_DOUBLE_EQ(nice_step(1.0), 1.0);
  EXPECT_DOUBLE_EQ(nice_step(1.1), 2.0);
  EXPECT_DOUBLE_EQ(nice_step(3.0), 5.0);
  EXPECT_DOUBLE_EQ(nice_step(7.0), 10.0);
  EXPECT_DOUBLE_EQ(nice_step(0.0004), 0.0005);
  EXPECT_EQ(multiples_in(-0.6, 2.6, 1.0), (std::vector<double>{0.0, 1.0, 2.0}));
  const std::vector<double> tenths = multiples_in(-0.05, 0.35, 0.1);
  ASSERT_EQ(tenths.size(), 4u);
  EXPECT_EQ(tenths[0], 0.0);  // not -1e-17
}

TEST(Ticks, SpacingFollowsTheGapRule) {
  const auto gap = [](double px) { return [px](const std::vector<std::string>&) { return px; }; };
  Ticks t = choose_ticks(0.0, 1.0, false, false, 500.0, gap(40.0));
  EXPECT_EQ(t.major.size(), 11u);  // 0, 0.1, ..., 1 at 50 px
  t = choose_ticks(0.0, 1000.0, false, false, 300.0, gap(100.0));
  EXPECT_EQ(t.major, (std::vector<double>{0.0, 500.0, 1000.0}));
  EXPECT_EQ(t.labels, (std::vector<std::string>{"0", "500", "1000"}));
  t = choose_ticks(-1.45, 52.45, false, true, 600.0, gap(72.0));
  EXPECT_EQ(t.major, (std::vector<double>{0.0, 10.0, 20.0, 30.0, 40.0, 50.0}));
  t = choose_ticks(-0.6, 2.6, false, true, 600.0, gap(72.0));
  EXPECT_EQ(t.major, (std::vector<double>{0.0, 1.0, 2.0}));  // whole numbers only
  t = choose_ticks(0.9, 1.1, false, true, 600.0, gap(72.0));
  EXPECT_EQ(t.major, (std::vector<double>{1.0}));
}

TEST(Ticks, LogAxesUseDecadesOrMantissas) {
  const auto gap = [](const std::vector<std::string>&) { return 40.0; };
  Ticks t = choose_ticks(0.7, 20000.0, true, false, 400.0, gap);
  EXPECT_EQ(t.labels, (std::vector<std::string>{"1", "10", "100", "1000", "10000"}));
  EXPECT_FALSE(t.minor.empty());
  // Less than a decade (a loss from 0.07 down to 0.024): mantissas 3..7 of 0.01.
  t = choose_ticks(0.0225, 0.074, true, false, 400.0, gap);
  EXPECT_EQ(t.labels, (std::vector<std::string>{"0.03", "0.04", "0.05", "0.06", "0.07"}));
  // Twelve decades on a short axis: every few decades.
  t = choose_ticks(1e-6, 1e6, true, false, 200.0, gap);
  EXPECT_GE(t.major.size(), 2u);
  EXPECT_LE(t.major.size(), 6u);
  // A very narrow range falls back to linear ticks.
  t = choose_ticks(0.500, 0.505, true, false, 400.0, gap);
  EXPECT_GE(t.major.size(), 2u);
}

}  // namespace
}  // namespace ae::render_detail
