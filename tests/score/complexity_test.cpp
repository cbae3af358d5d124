// The input complexity against zlib through numpy (tests/gen/score_reference.py, section 5),
// and the complexity-corrected scores on calibrations saved before they existed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ae/error.hpp"
#include "ae/score.hpp"
#include "kernels/score_kernels.hpp"
#include "score_fixture.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

using score_test::float_data;
using score_test::floats;
using score_test::reference;

TEST(InputComplexity, MatchesZlibThroughNumpy) {
  const auto& cases = reference()["complexity"];
  ASSERT_GE(cases.size(), 14u);
  for (const auto& c : cases) {
    const std::vector<float> row = floats(c["row"]);
    EXPECT_EQ(input_complexity_bits(row, c["lo"].get<double>(), c["range"].get<double>()), c["bits"].get<double>())
        << "lo " << c["lo"] << " range " << c["range"];
  }
}

TEST(InputComplexity, LevelsAreTheClampedFloorOfTheScaledValue) {
  // The kernel against its reference (floor and clamp) on every level's edges (v just under
  // and at each whole number), below and above the range, NaN and infinities.
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  for (const auto [lo, range] : {std::pair{0.0, 1.0}, std::pair{-3.5, 7.25}, std::pair{2.0, 0.0}, std::pair{0.0, -1.0}}) {
    std::vector<float> row = {nan, inf, -inf, -0.0f, 0.0f, -1e30f, 1e30f};
    for (int k = -3; k <= 258; ++k) {
      const double x = lo + (k - 0.5) / 255.0 * range;  // where the level steps up
      for (float f : {static_cast<float>(x), std::nextafter(static_cast<float>(x), -inf), std::nextafter(static_cast<float>(x), inf)}) {
        row.push_back(f);
      }
    }
    std::vector<unsigned char> got(row.size(), 77), want(row.size(), 99);
    kernels::quantize_levels(row.data(), row.size(), lo, range, got.data());
    kernels::quantize_levels_ref(row.data(), row.size(), lo, range, want.data());
    int steps = 0;
    for (std::size_t j = 0; j < row.size(); ++j) {
      EXPECT_EQ(static_cast<int>(got[j]), static_cast<int>(want[j])) << "x " << row[j] << " lo " << lo << " range " << range;
      steps += j > 0 && got[j] != got[j - 1];
    }
    if (range > 0) EXPECT_GT(steps, 255);  // every level is reached
  }
}

TEST(InputComplexity, NoisyRowsCostMoreBitsThanPlainOnes) {
  std::vector<float> plain(256, 0.0f), noisy(256);
  for (std::size_t j = 0; j < noisy.size(); ++j) noisy[j] = static_cast<float>((j * 7919 % 251)) / 251.0f;
  EXPECT_LT(input_complexity_bits(plain, 0, 1), input_complexity_bits(noisy, 0, 1));
}

// A model whose reconstruction is its input plus a fixed offset on feature 0; the
// calibration text below stands for one saved before data_min and the zsae_ic statistics.
TEST(ComplexityScores, OldCalibrationIsRefusedWithAHintToRefit) {
  const std::string old_text =
      R"({"feature_mse":[0.1,0.1],"data_range":1,"eps_factor":0.0001,"zsae_eps_factor":1e-05,"train_stats":{}})";
  const ScoreCalibration cal = ScoreCalibration::from_json(old_text, "old.safetensors");
  EXPECT_TRUE(std::isnan(cal.data_min));
  Autoencoder model(make_architecture(2, {{2, Activation::linear}, {2, Activation::linear}}));
  const Dataset d = float_data(2, 2, {0.1f, 0.2f, 0.3f, 0.4f});
  for (ScoreKind kind : {ScoreKind::zsae_ic, ScoreKind::dual}) {
    test::expect_error([&] {
      compute_scores(model, d, kind, cal);
    }, ErrorKind::usage, "refit");
  }
  EXPECT_NO_THROW(compute_scores(model, d, ScoreKind::zsae, cal));
}

}  // namespace
}  // namespace ae
