// Tests of the single plots: every plot gives a PNG of 800 x 500 and an SVG, pixels show the
// expected colours where that is robust (group colours, the threshold's column), degenerate
// inputs still draw, bad calls throw Error(usage). Also the in-memory grid renderer.
#include "ae/plot.hpp"

#include <cairo.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "ae/error.hpp"
#include "ae/render.hpp"
#include "png_reader.hpp"

namespace ae {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

using test::near;
using test::Png;

// Whether p is colour c laid over white with some opacity >= min_alpha.
bool tint_of(Rgb p, Rgb c, double min_alpha, int tolerance = 6) {
  const int dr = 255 - c.r, dg = 255 - c.g, db = 255 - c.b;
  const int big = std::max({dr, dg, db});
  if (big < 40) return false;
  const int channel_gap = big == dr ? 255 - p.r : big == dg ? 255 - p.g : 255 - p.b;
  const double a = static_cast<double>(channel_gap) / big;
  if (a < min_alpha || a > 1.05) return false;
  const auto expect = [&](int d) { return static_cast<int>(std::lround(255 - a * d)); };
  return std::abs(p.r - expect(dr)) <= tolerance && std::abs(p.g - expect(dg)) <= tolerance &&
         std::abs(p.b - expect(db)) <= tolerance;
}

std::size_t count_pixels(const Png& png, const std::function<bool(Rgb)>& match) {
  std::size_t n = 0;
  for (int y = 0; y < png.height(); ++y) {
    for (int x = 0; x < png.width(); ++x) n += match(png.at(x, y)) ? 1 : 0;
  }
  return n;
}

bool is_png(const std::string& bytes) {
  return bytes.size() > 8 && bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0;
}

// Checks both formats of one plot and returns the decoded PNG.
template <typename Draw>
Png check_both(Draw draw) {
  const std::string svg = draw(ImageFormat::svg);
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("width=\"800px\""), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  const std::string bytes = draw(ImageFormat::png);
  EXPECT_TRUE(is_png(bytes));
  Png png(bytes);
  EXPECT_TRUE(png.ok());
  if (png.ok()) {
    EXPECT_EQ(png.width(), plot_width);
    EXPECT_EQ(png.height(), plot_height);
  }
  return png;
}

std::vector<double> decaying_loss(std::size_t epochs, double scale) {
  std::vector<double> out;
  for (std::size_t e = 0; e < epochs; ++e) {
    out.push_back(0.024 + scale * std::exp(-static_cast<double>(e) / 8.0));
  }
  return out;
}

// Columns of the middle row that have the threshold colour.
double threshold_column(const Png& png) {
  double sum = 0.0;
  int n = 0;
  for (int x = 0; x < png.width(); ++x) {
    if (near(png.at(x, png.height() / 2), threshold_color, 10)) {
      sum += x;
      ++n;
    }
  }
  return n == 0 ? -1.0 : sum / n;
}

TEST(PlotLines, HistoryDrawsBothSeriesInPngAndSvg) {
  const std::vector<double> loss = decaying_loss(50, 0.046), val = decaying_loss(50, 0.05);
  for (bool log_y : {false, true}) {
    const Png png = check_both([&](ImageFormat f) { return plot_history(loss, val, log_y, f); });
    EXPECT_GT(count_pixels(png, [](Rgb p) { return near(p, plot_palette(0), 8); }), 200u)
        << "log_y " << log_y;
    EXPECT_GT(count_pixels(png, [](Rgb p) { return near(p, plot_palette(1), 8); }), 200u)
        << "log_y " << log_y;
  }
}

TEST(PlotLines, DegenerateHistoriesStillDraw) {
  // One epoch: a marker each.
  Png png = check_both([](ImageFormat f) { return plot_history({0.07}, {0.071}, false, f); });
  EXPECT_GT(count_pixels(png, [](Rgb p) { return near(p, plot_palette(0), 8); }), 20u);
  // All-NaN validation: left out, legend included, so no orange anywhere.
  const std::vector<double> nans(20, nan);
  png = check_both(
      [&](ImageFormat f) { return plot_history(decaying_loss(20, 0.04), nans, true, f); });
  EXPECT_EQ(count_pixels(png, [](Rgb p) { return tint_of(p, plot_palette(1), 0.3); }), 0u);
  // Nothing at all, gaps, infinities, and values <= 0 on a log axis.
  check_both([](ImageFormat f) { return plot_history({}, {}, false, f); });
  check_both([](ImageFormat f) { return plot_history({nan, nan}, {}, true, f); });
  check_both([](ImageFormat f) {
    return plot_history({0.5, nan, 0.3, inf, 0.2, -1.0, 0.0, 0.1}, {0.6, 0.4}, true, f);
  });
  check_both([](ImageFormat f) {
    return plot_lines("", "", "", {{"", {1.0, 2.0, 3.0}, {5.0, 5.0, 5.0}}}, false, f);
  });
}

TEST(PlotLines, MismatchedSeriesThrowsUsage) {
  try {
    plot_lines("t", "x", "y", {{"a", {1.0, 2.0}, {1.0}}}, false, ImageFormat::png);
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
  }
}

TEST(PlotHistogram, TwoGroupsShowBothColoursAndTheThreshold) {
  std::vector<double> in, out;
  for (int i = 0; i < 60000; ++i) in.push_back(std::exp(-3.9 + 0.45 * std::sin(i * 0.37) * 2.0));
  for (int i = 0; i < 100; ++i) out.push_back(0.2 + 0.001 * i);
  for (bool log_count : {false, true}) {
    const Png png = check_both([&](ImageFormat f) {
      return plot_histogram("Scores", "score (MSE)", {{"inliers", in}, {"outliers", out}}, 0.065,
                            log_count, f);
    });
    EXPECT_GT(count_pixels(png, [](Rgb p) { return tint_of(p, plot_palette(0), 0.3); }), 500u);
    EXPECT_GT(count_pixels(png, [](Rgb p) { return tint_of(p, plot_palette(1), 0.3); }), 20u);
    EXPECT_GT(threshold_column(png), 0.0);
  }
}

TEST(PlotHistogram, ThresholdLineSitsWhereItsValueIs) {
  std::vector<double> values;
  for (int i = 0; i <= 1000; ++i) values.push_back(i * 0.01);  // 0 .. 10
  double column[3];
  const double at[3] = {2.0, 5.0, 8.0};
  for (int k = 0; k < 3; ++k) {
    const Png png(plot_histogram("", "score", {{"", values}}, at[k], false, ImageFormat::png));
    ASSERT_TRUE(png.ok());
    column[k] = threshold_column(png);
    ASSERT_GT(column[k], 0.0) << at[k];
  }
  // Same axes each time (the data span them), so equal steps in value are equal in pixels.
  EXPECT_LT(column[0], column[1]);
  EXPECT_LT(column[1], column[2]);
  EXPECT_NEAR(column[1] - column[0], column[2] - column[1], 1.01);
  EXPECT_GT(column[1] - column[0], 100.0);  // the plot spans most of the 800 px
}

TEST(PlotHistogram, DegenerateGroupsStillDraw) {
  // All equal, a single value, empty and non-finite groups, no groups, a threshold alone.
  check_both([](ImageFormat f) {
    return plot_histogram("", "score", {{"a", std::vector<double>(500, 0.25)}}, 0.25, false, f);
  });
  check_both([](ImageFormat f) {
    return plot_histogram("", "score", {{"", {0.0}}}, std::nullopt, true, f);
  });
  const Png png = check_both([](ImageFormat f) {
    return plot_histogram("t", "score", {{"empty", {}}, {"b", {1.0, 2.0, nan, inf}}}, nan, true, f);
  });
  EXPECT_EQ(threshold_column(png), -1.0);
  check_both([](ImageFormat f) { return plot_histogram("", "", {}, std::nullopt, false, f); });
  check_both([](ImageFormat f) { return plot_histogram("", "", {{"x", {nan}}}, 3.0, false, f); });
}

TEST(PlotScatter, LabelledClustersShowTheirColours) {
  ScatterData data;
  for (int i = 0; i < 10000; ++i) {
    const int label = i % 10;
    const double angle = label * 0.628;
    data.x.push_back(10.0 * std::cos(angle) + 0.5 * std::sin(i * 1.3));
    data.y.push_back(10.0 * std::sin(angle) + 0.5 * std::cos(i * 0.7));
    data.labels.push_back(label);
  }
  data.highlight = {3, 4000};
  const Png png = check_both(
      [&](ImageFormat f) { return plot_scatter("Embedding", "latent 1", "latent 2", data, f); });
  for (std::size_t c = 0; c < 10; ++c) {
    EXPECT_GT(count_pixels(png, [&](Rgb p) { return tint_of(p, plot_palette(c), 0.5, 8); }), 20u)
        << "label " << c;
  }
}

TEST(PlotScatter, ValuesOneDimensionAndFewPointsStillDraw) {
  ScatterData values;
  for (int i = 0; i < 1000; ++i) {
    values.x.push_back(std::sin(i * 0.1));
    values.y.push_back(std::cos(i * 0.13));
    values.values.push_back(i == 7 ? nan : i * 0.001);
  }
  values.value_name = "score";
  values.highlight = {999, 998};
  check_both([&](ImageFormat f) { return plot_scatter("By score", "x", "y", values, f); });

  ScatterData strip;  // K = 1: y = 0 for all points
  for (int i = 0; i < 500; ++i) {
    strip.x.push_back(std::sin(i * 0.37));
    strip.y.push_back(0.0);
  }
  check_both([&](ImageFormat f) { return plot_scatter("1-D", "latent 1", "", strip, f); });

  for (const ScatterData& tiny :
       {ScatterData{}, ScatterData{{1.0}, {2.0}, {}, {}, "", {0}, "flagged"},
        ScatterData{{1.0, 1.0}, {2.0, 2.0}, {4, 4}, {}, "", {}, ""},
        ScatterData{{nan, inf}, {0.0, 0.0}, {}, {5.0, 6.0}, "v", {}, ""}}) {
    check_both([&](ImageFormat f) { return plot_scatter("", "", "", tiny, f); });
  }
}

TEST(PlotScatter, InvalidCallsThrowUsage) {
  std::vector<ScatterData> bad(5);
  bad[0].x = {1.0, 2.0};
  bad[0].y = {1.0};
  bad[1].x = bad[1].y = {1.0, 2.0};
  bad[1].labels = {1};
  bad[2].x = bad[2].y = {1.0, 2.0};
  bad[2].values = {1.0};
  bad[3].x = bad[3].y = {1.0, 2.0};
  bad[3].labels = {1, 2};
  bad[3].values = {1.0, 2.0};
  bad[4].x = bad[4].y = {1.0, 2.0};
  bad[4].highlight = {2};
  for (std::size_t i = 0; i < bad.size(); ++i) {
    try {
      plot_scatter("", "", "", bad[i], ImageFormat::svg);
      ADD_FAILURE() << "case " << i << " did not throw";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::usage) << "case " << i;
    }
  }
}

TEST(PlotFeatureValues, ImageBarsAndFilledLine) {
  std::vector<double> map(28 * 28);
  for (std::size_t i = 0; i < map.size(); ++i) map[i] = static_cast<double>(i % 28) * 0.01;
  map[5] = nan;
  Png png = check_both([&](ImageFormat f) {
    return plot_feature_values("Error per pixel", "squared error", map, {28, 28}, f);
  });
  EXPECT_GT(count_pixels(png, [](Rgb p) { return near(p, nan_color, 2); }), 20u);
  // The hottest column of the map has the colormap's top colour.
  EXPECT_GT(count_pixels(png, [](Rgb p) { return near(p, heat_color(1.0f, 0.0f, 1.0f), 3); }),
            100u);

  for (std::size_t d : {1u, 3u, 20u, 784u, 5000u}) {
    std::vector<double> values(d);
    for (std::size_t i = 0; i < d; ++i) values[i] = 1.2 + std::sin(static_cast<double>(i));
    png = check_both([&](ImageFormat f) { return plot_feature_values("", "", values, {}, f); });
    EXPECT_GT(count_pixels(png, [](Rgb p) { return tint_of(p, plot_palette(0), 0.3); }), 30u)
        << "D = " << d;
  }
  check_both([](ImageFormat f) { return plot_feature_values("", "", {nan, nan}, {}, f); });
  check_both([](ImageFormat f) { return plot_feature_values("", "", {0.0, 0.0}, {1, 2}, f); });
  check_both([](ImageFormat f) { return plot_feature_values("", "", {}, {}, f); });
}

TEST(PlotFeatureValues, ShapeThatDoesNotFitThrowsUsage) {
  const std::vector<double> values(12, 1.0);
  for (const std::vector<std::size_t>& shape :
       {std::vector<std::size_t>{3, 5}, {12}, {2, 2, 3}, {0, 12}}) {
    try {
      plot_feature_values("", "", values, shape, ImageFormat::png);
      ADD_FAILURE() << "shape of " << shape.size() << " did not throw";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::usage);
    }
  }
}

TEST(PlotOutput, SameInputSameBytesAndOddTextIsSafe) {
  ScatterData data;
  for (int i = 0; i < 300; ++i) {
    data.x.push_back(std::sin(i * 0.37));
    data.y.push_back(0.0);
    data.labels.push_back(i % 3);
  }
  EXPECT_EQ(plot_scatter("t", "x", "y", data, ImageFormat::png),
            plot_scatter("t", "x", "y", data, ImageFormat::png));
  const std::string odd = "bad \xff\xfe utf-8 and a very long title " + std::string(300, 'W');
  check_both([&](ImageFormat f) {
    return plot_lines(odd, odd, odd, {{odd, {1.0, 2.0}, {1.0, 2.0}}}, false, f);
  });
}

TEST(RenderGridBytes, MatchesTheFileRenderGridPngWrites) {
  GridRow row;
  row.label = "sample";
  Panel p;
  p.title = "original";
  p.height = p.width = 4;
  p.values.assign(16, 0.5f);
  row.panels.push_back(p);
  const std::string bytes = render_grid("grid", {row});
  ASSERT_TRUE(is_png(bytes));
  const Png png(bytes);
  ASSERT_TRUE(png.ok());
  const GridLayout layout = grid_layout("grid", {row});
  EXPECT_EQ(png.width(), layout.width);
  EXPECT_EQ(png.height(), layout.height);

  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("ae_plot_test_grid_" + std::to_string(::getpid()) + ".png");
  render_grid_png(path.string(), "grid", {row});
  std::ifstream in(path, std::ios::binary);
  std::stringstream file;
  file << in.rdbuf();
  std::filesystem::remove(path);
  EXPECT_EQ(file.str(), bytes);
  try {
    render_grid("grid", {});
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
  }
}

}  // namespace
}  // namespace ae
