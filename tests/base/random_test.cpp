// Rng: reproducible streams, ranges of the transforms, unbiased shuffles.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "ae/random.hpp"

namespace ae {
namespace {

TEST(Rng, SameSeedSameStreamDifferentSeedDifferentStream) {
  Rng a(42), b(42), c(43);
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    EXPECT_NE(x, c.next_u64());
  }
}

TEST(Rng, UniformStaysInRangeAndHasTheRightMean) {
  Rng rng(1);
  double sum = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const float u = rng.uniform_float();
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    sum += u;
  }
  EXPECT_NEAR(sum / n, 0.5, 0.005);
}

TEST(Rng, NormalHasZeroMeanAndUnitVariance) {
  Rng rng(7);
  double sum = 0, sq = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double z = rng.normal();
    ASSERT_TRUE(std::isfinite(z));
    sum += z;
    sq += z * z;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sq / n, 1.0, 0.02);
}

TEST(Rng, BelowCoversEveryValueEvenly) {
  Rng rng(3);
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70000; ++i) ++counts[rng.below(7)];
  for (int c : counts) EXPECT_NEAR(c, 10000, 400);
}

TEST(Rng, ShuffleIsAPermutationAndDependsOnTheSeed) {
  std::vector<std::size_t> a(50), b(50);
  std::iota(a.begin(), a.end(), 0);
  std::iota(b.begin(), b.end(), 0);
  Rng r1(5), r2(6);
  r1.shuffle(a);
  r2.shuffle(b);
  EXPECT_NE(a, b);
  std::sort(a.begin(), a.end());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], i);
}

TEST(Rng, StateRoundTripContinuesTheStream) {
  Rng a(9);
  a.next_u64();
  Rng b(0);
  b.set_state(a.state());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.next_u64(), b.next_u64());
}

// The reference splitmix64 outputs for state 0 (Vigna's splitmix64.c).
TEST(SplitMix64, MatchesTheReferenceStream) {
  SplitMix64 g(0);
  EXPECT_EQ(g.next_u64(), 0xE220A8397B1DCDAFull);
  EXPECT_EQ(g.next_u64(), 0x6E789E6AA1B965F4ull);
  EXPECT_EQ(g.next_u64(), 0x06C45D188009454Full);
  const double u = SplitMix64(7).uniform_double();
  EXPECT_GE(u, 0.0);
  EXPECT_LT(u, 1.0);
}

}  // namespace
}  // namespace ae
