// Tests of the pictures' number text (render/number_text.hpp) and ae::format_count: tick
// labels, significant digits with a real minus sign and superscripts, the grids' short forms.
#include "render/number_text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ae/format.hpp"

namespace ae::render_detail {
namespace {

TEST(NumberText, LabelsAreShortWithRealMinusAndSuperscripts) {
  EXPECT_EQ(linear_label(0.3000000000000001, 0.1), "0.3");
  EXPECT_EQ(linear_label(-0.5, 0.5), "\u22120.5");
  EXPECT_EQ(linear_label(0.0, 0.02), "0");
  EXPECT_EQ(linear_label(20000.0, 5000.0), "20000");
  EXPECT_EQ(linear_label(2e-5, 1e-5), "2\u00d710\u207b\u2075");
  EXPECT_EQ(linear_label(1e-5, 1e-5), "10\u207b\u2075");
  EXPECT_EQ(log_label(0.03), "0.03");
  EXPECT_EQ(log_label(1000.0), "1000");
  EXPECT_EQ(log_label(1e-6), "10\u207b\u2076");
  EXPECT_EQ(log_label(3e7), "3\u00d710\u2077");
  EXPECT_EQ(format_number(-0.041234, 3), "\u22120.0412");
  EXPECT_EQ(format_number(1.3e-5, 2), "1.3\u00d710\u207b\u2075");
  EXPECT_EQ(format_number(1e7, 3), "10\u2077");
  EXPECT_EQ(format_count(0), "0");
  EXPECT_EQ(format_count(59900), "59,900");
  EXPECT_EQ(format_count(1000000), "1,000,000");
}

TEST(NumberText, GridValuesAreShortAndTicksLoseTrailingZeros) {
  EXPECT_EQ(format_value(0.8349), "0.83");
  EXPECT_EQ(format_value(12.46), "12.5");
  EXPECT_EQ(format_value(350.2), "350");
  EXPECT_EQ(format_value(-0.001), "0.00");
  EXPECT_EQ(format_value(-2.5), "\u22122.50");
  EXPECT_EQ(format_tick(1.0), "1");
  EXPECT_EQ(format_tick(0.5), "0.5");
}

}  // namespace
}  // namespace ae::render_detail
