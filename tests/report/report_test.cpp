// Tests of build_report and the views it shares with the tool: the sections and stages of a
// report on a small model, the per-feature errors it shows (the library's, which on the
// training rows are the calibration's), sample galleries and latent points.
#include "ae/report.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "ae/error.hpp"
#include "ae/random.hpp"
#include "ae/score.hpp"

namespace ae {
namespace {

// 6 features, K = 2, random weights; 40 rows of which the last 4 are shifted (outliers).
struct Fixture {
  Model model{Autoencoder(make_architecture(6, {{4, Activation::relu},
                                                {2, Activation::linear},
                                                {4, Activation::relu},
                                                {6, Activation::linear}})),
              {}};
  Dataset data;
  std::vector<std::uint8_t> truth;

  Fixture() {
    Rng rng(3);
    model.autoencoder.initialize(Init::glorot_uniform, rng);
    data.rows = 40;
    data.cols = 6;
    data.source = "rows.csv";
    for (std::size_t i = 0; i < data.rows; ++i) {
      truth.push_back(i >= 36 ? 1 : 0);
      for (std::size_t j = 0; j < data.cols; ++j) {
        data.values.push_back(static_cast<float>(rng.normal() + (i >= 36 ? 4.0 : 0.0)));
      }
    }
    model.info.score = calibrate(model.autoencoder, data).to_json();
  }

  ReportInputs inputs() {
    ReportInputs in;
    in.model = &model;
    in.model_name = "model.safetensors";
    in.data = &data;
    in.truth = truth;
    in.calibration = ScoreCalibration::from_json(model.info.score, in.model_name);
    return in;
  }
};

const ReportSection& section(const ReportDocument& doc, const std::string& id) {
  const auto it = std::find_if(doc.sections.begin(), doc.sections.end(),
                               [&](const ReportSection& s) { return s.id == id; });
  if (it == doc.sections.end()) throw std::runtime_error("no section " + id);
  return *it;
}

TEST(Report, HasEverySectionAndReportsEachStage) {
  Fixture f;
  std::vector<std::pair<int, int>> stages;
  const ReportDocument doc = build_report(f.inputs(), [&](int stage, int total, const std::string&) {
    stages.emplace_back(stage, total);
  });
  std::vector<std::string> ids;
  for (const ReportSection& s : doc.sections) ids.push_back(s.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"summary", "training", "history", "scores", "metrics",
                                           "outliers", "inliers", "latent", "features"}));
  // Scoring, per-feature errors, embedding, the PCA baseline (truth given, K < D), drawing.
  ASSERT_EQ(stages.size(), 5u);
  for (std::size_t i = 0; i < stages.size(); ++i) {
    EXPECT_EQ(stages[i].first, static_cast<int>(i) + 1);
    EXPECT_EQ(stages[i].second, 5);
  }
  EXPECT_EQ(section(doc, "history").blocks.at(0).text, "No history given.");
  EXPECT_NE(report_html(doc).find("<html"), std::string::npos);
}

TEST(Report, FitsTheCalibrationWhenTheModelHasNone) {
  Fixture f;
  ReportInputs in = f.inputs();
  in.calibration = {};
  int stages = 0;
  const ReportDocument doc = build_report(in, [&](int, int total, const std::string&) { stages = total; });
  EXPECT_EQ(stages, 6);
  EXPECT_NE(section(doc, "scores").blocks.at(0).text.find("as the model holds no training statistics"),
            std::string::npos);
}

TEST(Report, PerFeatureErrorIsTheLibrarysAndOnTrainingRowsTheCalibrations) {
  Fixture f;
  const std::vector<double> mse = feature_mean_squared_error(f.model.autoencoder, f.data);
  const ScoreCalibration cal = calibrate(f.model.autoencoder, f.data);
  ASSERT_EQ(mse.size(), cal.feature_mse.size());
  for (std::size_t j = 0; j < mse.size(); ++j) {
    EXPECT_NEAR(mse[j], cal.feature_mse[j], 1e-5 * std::max(1.0, mse[j])) << "feature " << j;
  }
  // The report names the largest of them and where it is.
  const auto worst = std::max_element(mse.begin(), mse.end());
  char value[32];
  std::snprintf(value, sizeof value, "%.4g", *worst);
  const std::string text = section(build_report(f.inputs()), "features").blocks.at(0).text;
  EXPECT_NE(text.find(std::string("The largest, ") + value + ", is at feature " +
                      std::to_string(worst - mse.begin()) + "."),
            std::string::npos)
      << text;
}

TEST(Report, RefusesMissingRowsAndMismatchedTruth) {
  Fixture f;
  ReportInputs in = f.inputs();
  in.truth.pop_back();
  EXPECT_THROW(build_report(in), Error);
  in = f.inputs();
  Dataset empty = f.data;
  empty.rows = 0;
  empty.values.clear();
  in.data = &empty;
  in.truth.clear();
  try {
    build_report(in);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
  }
}

TEST(SampleGallery, AddsTheEmbeddingColumnAndRefusesRowsPastTheEnd) {
  Fixture f;
  const std::vector<SampleRow> rows{{0, "row 0", false}, {39, "row 39", true}};
  const std::string without = sample_gallery(f.model.autoencoder, f.data, {}, rows, "", false);
  const std::string with = sample_gallery(f.model.autoencoder, f.data, {}, rows, "t", true);
  EXPECT_EQ(without.substr(1, 3), "PNG");
  EXPECT_NE(without, with);
  EXPECT_EQ(sample_gallery(f.model.autoencoder, f.data, {2, 3}, rows, "", false).substr(1, 3), "PNG");
  try {
    sample_gallery(f.model.autoencoder, f.data, {}, {{40, "", false}}, "", true);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
    EXPECT_NE(std::string(e.what()).find("rows.csv"), std::string::npos);
  }
}

TEST(ImageShape, TheDatasOwnThenTheModelsWhenItFits) {
  Dataset d;
  d.cols = 6;
  ModelInfo info;
  info.image_shape = {2, 3};
  EXPECT_EQ(image_shape_of(d, info), (std::vector<std::size_t>{2, 3}));
  d.image_shape = {3, 2};
  EXPECT_EQ(image_shape_of(d, info), (std::vector<std::size_t>{3, 2}));
  d.cols = 7;
  EXPECT_TRUE(image_shape_of(d, info).empty());
}

TEST(LatentPoints, OneTwoAndMoreDimensions) {
  Matrix z1(3, 1);
  z1(1, 0) = 2.0f;
  const LatentPoints p1 = latent_points(z1);
  EXPECT_EQ(p1.x, (std::vector<double>{0.0, 2.0, 0.0}));
  EXPECT_EQ(p1.y, (std::vector<double>(3, 0.0)));
  EXPECT_EQ(p1.y_label, "");

  // Points on a line in 3-D: the first component carries all the variance.
  Matrix z3(4, 3);
  for (std::size_t i = 0; i < 4; ++i) {
    for (std::size_t k = 0; k < 3; ++k) z3(i, k) = static_cast<float>(i) * static_cast<float>(k + 1);
  }
  const LatentPoints p3 = latent_points(z3);
  EXPECT_EQ(p3.x_label, "principal component 1");
  for (double y : p3.y) EXPECT_NEAR(y, 0.0, 1e-5);
  EXPECT_NEAR(std::fabs(p3.x[3] - p3.x[0]), 3.0 * std::sqrt(14.0), 1e-4);
  EXPECT_NE(p3.note.find("100.00%"), std::string::npos);
}

}  // namespace
}  // namespace ae
