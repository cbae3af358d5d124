// Numbers as the pictures write them: a real minus sign, no "-0", superscript exponents in
// the plots' labels, short fixed forms in the grids' cells and bars. Kept out of the public
// API; counts with thousands separators are ae::format_count (ae/format.hpp).
#pragma once
#include <string>

namespace ae::render_detail {

// Plots: significant digits, "0.0412", "1.3\u00d710\u207b\u2075", "NaN", "\u221e".
std::string format_number(double v, int significant);
// Label of a linear tick: as many decimals as step needs, "2\u00d710\u207b\u2075" for tiny
// or huge values.
std::string linear_label(double v, double step);
// Label of a log tick: plain decimals from 1e-4 to 1e5, else "10\u207b\u2076" /
// "3\u00d710\u2077".
std::string log_label(double v);

// Grids: short numbers for cells, bars and ticks: "0.83", "12.5", "350", "1.2e+04", "NaN".
std::string format_value(double v);
// Grids' axis and colour-bar ends: format_value without trailing zeros ("1", "0.5", "0").
std::string format_tick(double v);

}  // namespace ae::render_detail
