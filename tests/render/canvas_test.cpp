// Tests of the canvas (render/canvas.hpp): picture formats by file name, text cleaned for
// cairo, and the two text modes' widths (whole pixels in pixel mode).
#include "render/canvas.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ae/error.hpp"

namespace ae::render_detail {
namespace {

TEST(Canvas, FormatChosenByExtension) {
  EXPECT_EQ(image_format_for("out/history.png"), ImageFormat::png);
  EXPECT_EQ(image_format_for("A.SVG"), ImageFormat::svg);
  for (const char* bad : {"plot.jpg", "plot", "dir.png/plot", ""}) {
    try {
      image_format_for(bad);
      ADD_FAILURE() << bad << " did not throw";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::usage) << bad;
    }
  }
}

TEST(Canvas, CleansTextAndMeasuresWholePixelsInPixelMode) {
  EXPECT_EQ(clean_text("a\xff"
                       "b\nc"),
            "a?b c");
  EXPECT_EQ(clean_text("\u2212x"), "\u2212x");
  Canvas smooth(ImageFormat::svg, 10, 10);
  Canvas pixel(ImageFormat::png, 10, 10, TextMode::pixel, "grid");
  const Font f{13, false};
  const double w = pixel.text_width(f, "row 21");
  EXPECT_GT(w, 0.0);
  EXPECT_EQ(w, static_cast<int>(w));
  EXPECT_GT(smooth.text_width(f, "row 21"), 0.0);
  EXPECT_EQ(smooth.finish().substr(0, 5), "<?xml");
}

}  // namespace
}  // namespace ae::render_detail
