// Tests of the picture grid: the PNG's size matches grid_layout, pixels have the expected
// colours where the layout puts panels, degenerate inputs draw, bad inputs throw the right
// kind. Also the heat colormap's ends, clamping, NaN and rising brightness.
#include <cairo.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "ae/error.hpp"
#include "ae/render.hpp"
#include "../test_support.hpp"
#include "png_reader.hpp"

namespace ae {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("ae_render_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

using test::near;
using test::Png;

constexpr Rgb white{255, 255, 255};
constexpr Rgb black{0, 0, 0};

Rgb centre_of(const Png& png, const PixelRect& r) {
  return png.at(r.x + r.width / 2, r.y + r.height / 2);
}

Panel image(const std::string& title, PanelStyle style, float value, float lo = 0.0f,
            float hi = 1.0f) {
  return {title, style, 28, 28, std::vector<float>(28 * 28, value), lo, hi};
}

Panel strip(std::vector<float> values) {
  return {"embedding", PanelStyle::strip, 0, 0, std::move(values), 0.0f, 1.0f};
}

// Row 1 (highlighted): white original, strip 0..1, black reconstruction, hot error map.
// Row 2: bar charts of three values, one negative.
std::vector<GridRow> sample_rows() {
  GridRow digits;
  digits.label = "rank 1  SSE 83.2  (injected)";
  digits.highlight = true;
  digits.panels = {image("original", PanelStyle::gray, 1.0f),
                   strip({0.0f, 0.1f, 0.2f, 0.4f, 0.6f, 0.8f, 0.9f, 1.0f}),
                   image("reconstruction", PanelStyle::gray, 0.0f),
                   image("|error|", PanelStyle::heat, 0.5f, 0.0f, 0.5f)};
  GridRow spiral;
  spiral.label = "test #21";
  spiral.panels = {{"original", PanelStyle::bars, 0, 0, {0.8f, -0.5f, 0.3f}, -1.0f, 1.0f},
                   strip({0.25f, 0.5f}),
                   {"reconstruction", PanelStyle::bars, 0, 0, {0.7f, -0.4f, 0.2f}, -1.0f, 1.0f}};
  return {digits, spiral};
}

TEST(RenderGrid, WritesPngOfTheLaidOutSize) {
  TempDir dir;
  const std::string path = dir.file("grid.png");
  const auto rows = sample_rows();
  render_grid_png(path, "ae show: two samples", rows);

  ASSERT_TRUE(fs::exists(path));
  std::ifstream in(path, std::ios::binary);
  char signature[8] = {};
  in.read(signature, 8);
  EXPECT_EQ(std::string(signature, 8), std::string("\x89PNG\r\n\x1a\n", 8));

  const GridLayout layout = grid_layout("ae show: two samples", rows);
  const Png png(test::read_text(path));
  ASSERT_TRUE(png.ok());
  EXPECT_EQ(png.width(), layout.width);
  EXPECT_EQ(png.height(), layout.height);
  ASSERT_EQ(layout.rows.size(), 2u);
  EXPECT_EQ(layout.rows[0].panels.size(), 4u);
  EXPECT_EQ(layout.rows[1].panels.size(), 3u);
  // No temporary file is left beside the picture.
  EXPECT_EQ(std::distance(fs::directory_iterator(fs::path(path).parent_path()),
                          fs::directory_iterator()),
            1);
}

TEST(RenderGrid, LayoutScalesDigitsTo112PxAndAlignsColumns) {
  std::vector<GridRow> rows = sample_rows();
  rows.push_back(rows[0]);
  rows.back().highlight = false;
  rows.back().label = "a\nlabel on two lines";
  const GridLayout layout = grid_layout("", rows);
  const PixelRect digit = layout.rows[0].panels[0];
  EXPECT_EQ(digit.width, 112);
  EXPECT_EQ(digit.height, 112);
  for (std::size_t j = 0; j < 4; ++j) {
    EXPECT_EQ(layout.rows[0].panels[j].x, layout.rows[2].panels[j].x) << "column " << j;
  }
  EXPECT_EQ(layout.rows[2].label.height, 2 * layout.rows[0].label.height);
  // Rows do not overlap, and panels lie inside their row's frame.
  for (std::size_t r = 0; r < layout.rows.size(); ++r) {
    const PixelRect& f = layout.rows[r].frame;
    if (r > 0) {
      const PixelRect& above = layout.rows[r - 1].frame;
      EXPECT_GT(f.y, above.y + above.height);
    }
    for (const PixelRect& p : layout.rows[r].panels) {
      EXPECT_GT(p.x, f.x);
      EXPECT_GT(p.y, f.y);
      EXPECT_LT(p.x + p.width, f.x + f.width);
      EXPECT_LT(p.y + p.height, f.y + f.height);
    }
  }
  EXPECT_LE(layout.rows.back().frame.y + layout.rows.back().frame.height, layout.height);

  // A wide image keeps an integer scale and a visible height.
  GridRow wide;
  wide.panels = {{"wide", PanelStyle::gray, 2, 100, std::vector<float>(200, 0.5f)}};
  const PixelRect w = grid_layout("", {wide}).rows[0].panels[0];
  EXPECT_EQ(w.width, 100);
  EXPECT_EQ(w.height, 16);
}

TEST(RenderGrid, PixelsHaveTheExpectedColours) {
  TempDir dir;
  const std::string path = dir.file("grid.png");
  auto rows = sample_rows();
  rows[0].panels[0].values[5 * 28 + 7] = std::nanf("");
  render_grid_png(path, "colours", rows);
  const GridLayout layout = grid_layout("colours", rows);
  const Png png(test::read_text(path));
  ASSERT_TRUE(png.ok());
  const auto& row = layout.rows[0];

  EXPECT_TRUE(near(centre_of(png, row.panels[0]), white, 0));
  EXPECT_TRUE(near(centre_of(png, row.panels[2]), black, 0));
  EXPECT_TRUE(near(centre_of(png, row.panels[3]), heat_color(0.5f, 0.0f, 0.5f), 0));

  // The NaN pixel (row 5, column 7) is magenta; the digit is upscaled 4x.
  const PixelRect& digit = row.panels[0];
  EXPECT_TRUE(near(png.at(digit.x + 7 * 4 + 2, digit.y + 5 * 4 + 2), nan_color, 0));
  EXPECT_TRUE(near(png.at(digit.x + 8 * 4 + 2, digit.y + 5 * 4 + 2), white, 0));

  // Strip cells: the first (0.0) black, the last (1.0) white, one in the middle gray.
  const PixelRect& cells = row.panels[1];
  const int cell_h = cells.height / 8;
  ASSERT_GT(cell_h, 0);
  const int cx = cells.x + cells.width / 2;
  EXPECT_TRUE(near(png.at(cx, cells.y + cell_h / 2), black, 0));
  EXPECT_TRUE(near(png.at(cx, cells.y + 7 * cell_h + cell_h / 2), white, 0));
  EXPECT_TRUE(near(png.at(cx, cells.y + 3 * cell_h + cell_h / 2), gray_color(0.4f, 0.0f, 1.0f)));

  // The highlight frame sits on the edge of the first row's frame, not around the second.
  const PixelRect& f = row.frame;
  EXPECT_TRUE(near(png.at(f.x + 1, f.y + f.height / 2), highlight_color, 0));
  EXPECT_TRUE(near(png.at(f.x + f.width / 2, f.y + 1), highlight_color, 0));
  EXPECT_TRUE(near(png.at(f.x + f.width - 2, f.y + f.height - 2), highlight_color, 0));
  const PixelRect& g = layout.rows[1].frame;
  EXPECT_TRUE(near(png.at(g.x + 1, g.y + g.height / 2), white, 0));
  // The page around the content is white.
  EXPECT_TRUE(near(png.at(2, 2), white, 0));
  EXPECT_TRUE(near(png.at(png.width() - 3, png.height() - 3), white, 0));
}

TEST(RenderGrid, BarsRiseAboveAndFallBelowZero) {
  TempDir dir;
  const std::string path = dir.file("bars.png");
  const auto rows = sample_rows();
  render_grid_png(path, "", rows);
  const Png png(test::read_text(path));
  ASSERT_TRUE(png.ok());
  const PixelRect plot = grid_layout("", rows).rows[1].panels[0];
  const int zero_y = plot.y + plot.height / 2;  // lo = -1, hi = 1
  // Blue-ish bars above zero, red-ish below, background elsewhere.
  auto count = [&](int y, bool blue) {
    int n = 0;
    for (int x = plot.x; x < plot.x + plot.width; ++x) {
      const Rgb c = png.at(x, y);
      if (blue ? (c.b > c.r + 60) : (c.r > c.b + 60)) ++n;
    }
    return n;
  };
  EXPECT_GT(count(zero_y - 10, true), 2 * 8);   // two positive bars
  EXPECT_EQ(count(zero_y - 10, false), 0);
  EXPECT_GT(count(zero_y + 10, false), 8);      // one negative bar
  EXPECT_EQ(count(zero_y + 10, true), 0);
  // Only the 0.8 bar reaches 40 px above zero (0.8 * 56 = 45 px).
  EXPECT_GT(count(zero_y - 40, true), 0);
  EXPECT_LT(count(zero_y - 40, true), count(zero_y - 10, true));
}

TEST(RenderGrid, DegenerateInputsStillDraw) {
  TempDir dir;
  GridRow row;
  row.label = "";
  row.panels = {
      strip({0.7f}),                                            // K = 1
      image("flat", PanelStyle::gray, 0.5f),                    // all values equal
      image("lo == hi", PanelStyle::heat, 0.0f, 0.0f, 0.0f),    // no range, values at lo
      image("lo == hi above", PanelStyle::gray, 2.0f, 1.0f, 1.0f),
      {"bars lo == hi", PanelStyle::bars, 0, 0, {3.0f, 3.0f}, 3.0f, 3.0f},
      {"one bar", PanelStyle::bars, 0, 0, {std::nanf("")}, 0.0f, 1.0f},
  };
  const std::vector<GridRow> rows{row};
  const std::string path = dir.file("degenerate.png");
  render_grid_png(path, "", rows);
  const GridLayout layout = grid_layout("", rows);
  const Png png(test::read_text(path));
  ASSERT_TRUE(png.ok());
  EXPECT_EQ(png.width(), layout.width);
  EXPECT_EQ(png.height(), layout.height);
  const auto& p = layout.rows[0].panels;
  EXPECT_GE(p[0].height, 16);
  EXPECT_TRUE(near(centre_of(png, p[0]), gray_color(0.7f, 0.0f, 1.0f), 0));
  EXPECT_TRUE(near(centre_of(png, p[1]), {128, 128, 128}, 1));
  EXPECT_TRUE(near(centre_of(png, p[2]), heat_color(0.0f, 0.0f, 1.0f), 0));
  EXPECT_TRUE(near(centre_of(png, p[3]), white, 0));
}

TEST(RenderGrid, BadPanelsThrowUsageAndWriteNothing) {
  TempDir dir;
  const std::string path = dir.file("bad.png");
  auto expect_usage = [&](const std::vector<GridRow>& rows) {
    try {
      render_grid_png(path, "", rows);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::usage) << e.what();
    }
    EXPECT_FALSE(fs::exists(path));
  };
  auto with_panel = [](Panel p) {
    GridRow row;
    row.label = "x";
    row.panels = {std::move(p)};
    return std::vector<GridRow>{row};
  };
  Panel short_image = image("original", PanelStyle::gray, 0.0f);
  short_image.values.pop_back();
  expect_usage(with_panel(short_image));
  expect_usage(with_panel({"h", PanelStyle::heat, 0, 28, {}, 0.0f, 1.0f}));
  expect_usage(with_panel({"zero", PanelStyle::gray, 0, 28, std::vector<float>(28, 0.0f)}));
  expect_usage(with_panel({"big", PanelStyle::gray, 28, 28, std::vector<float>(785, 0.0f)}));
  expect_usage(with_panel(strip({})));
  expect_usage(with_panel({"bars", PanelStyle::bars, 0, 0, {}, 0.0f, 1.0f}));
  expect_usage(with_panel({"nan range", PanelStyle::bars, 0, 0, {1.0f}, 0.0f, std::nanf("")}));
  GridRow empty;
  empty.label = "no panels";
  expect_usage({empty});
  GridRow bad_text;
  bad_text.label = "\xff\xfe";
  bad_text.panels = {strip({0.5f})};
  expect_usage({bad_text});
  EXPECT_THROW(grid_layout("", with_panel(short_image)), Error);
}

TEST(RenderGrid, NoRowsThrowsUsage) {
  TempDir dir;
  try {
    render_grid_png(dir.file("none.png"), "title", {});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::usage);
  }
}

TEST(RenderGrid, MissingFolderThrowsCannotCreate) {
  TempDir dir;
  const std::string path = dir.file("no_such_folder/grid.png");
  try {
    render_grid_png(path, "", sample_rows());
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::cannot_create) << e.what();
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST(RenderGrid, ReplacesAnExistingFile) {
  TempDir dir;
  const std::string path = dir.file("grid.png");
  {
    std::ofstream old(path);
    old << "old contents";
  }
  render_grid_png(path, "", sample_rows());
  EXPECT_TRUE(Png(test::read_text(path)).ok());
}

TEST(RenderHeatColor, EndsClampingNanAndRisingBrightness) {
  const Rgb cold = heat_color(0.0f, 0.0f, 1.0f);
  const Rgb hot = heat_color(1.0f, 0.0f, 1.0f);
  EXPECT_LT(cold.r + cold.g + cold.b, 20);
  EXPECT_GT(hot.r + hot.g + hot.b, 600);
  EXPECT_TRUE(near(heat_color(-5.0f, 0.0f, 1.0f), cold, 0));
  EXPECT_TRUE(near(heat_color(9.0f, 0.0f, 1.0f), hot, 0));
  EXPECT_TRUE(near(heat_color(std::nanf(""), 0.0f, 1.0f), nan_color, 0));
  EXPECT_TRUE(near(gray_color(std::nanf(""), 0.0f, 1.0f), nan_color, 0));
  EXPECT_TRUE(near(heat_color(2.0f, 0.0f, 4.0f), heat_color(0.5f, 0.0f, 1.0f), 0));
  // lo == hi: no division by zero; above lo is hot, the rest cold.
  EXPECT_TRUE(near(heat_color(0.0f, 0.0f, 0.0f), cold, 0));
  EXPECT_TRUE(near(heat_color(0.1f, 0.0f, 0.0f), hot, 0));
  // Perceived brightness rises monotonically along the map.
  double previous = -1.0;
  for (int i = 0; i <= 256; ++i) {
    const Rgb c = heat_color(static_cast<float>(i) / 256.0f, 0.0f, 1.0f);
    const double luma = 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;
    EXPECT_GE(luma, previous - 0.5) << "at step " << i;
    previous = luma;
  }
  EXPECT_TRUE(near(gray_color(0.25f, 0.0f, 1.0f), {64, 64, 64}, 1));
}

}  // namespace
}  // namespace ae
