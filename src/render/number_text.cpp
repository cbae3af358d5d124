// Number formatting for the pictures: printf underneath, then a real minus sign, no "-0" and superscript exponents. No locale:
// the same number gives the same text everywhere.
#include "render/number_text.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ae {

namespace render_detail {
namespace {

const std::string minus_sign = "\u2212";

std::string superscript(int exponent) {
  static const std::array<const char*, 10> digits{"\u2070", "\u00b9", "\u00b2", "\u00b3", "\u2074",
                                                  "\u2075", "\u2076", "\u2077", "\u2078", "\u2079"};
  std::string out = exponent < 0 ? "\u207b" : "";
  for (char d : std::to_string(std::abs(exponent)))
    out += digits[static_cast<std::size_t>(d - '0')];
  return out;
}

// printf output with a real minus sign and without "-0".
std::string tidy(std::string s) {
  if (!s.empty() && s[0] == '-') {
    if (s.find_first_not_of("-0.") == std::string::npos) return s.substr(1);
    s = minus_sign + s.substr(1);
  }
  return s;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return tidy(buf);
}

int decimals_for(double step) {
  return std::clamp(static_cast<int>(std::ceil(-std::log10(step) - 1e-9)), 0, 12);
}

}  // namespace

std::string format_number(double v, int significant) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "\u221e" : minus_sign + "\u221e";
  if (v == 0.0) return "0";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", std::clamp(significant, 1, 17), v);
  std::string s = buf;
  const std::size_t e = s.find('e');
  if (e == std::string::npos) return tidy(s);
  // "1.3e-05" -> "1.3x10^-5" with a superscript exponent, as the tick labels write it.
  const int exponent = std::stoi(s.substr(e + 1));
  const std::string mantissa = tidy(s.substr(0, e));
  if (mantissa == "1") return "10" + superscript(exponent);
  if (mantissa == minus_sign + "1") return minus_sign + "10" + superscript(exponent);
  return mantissa + "\u00d710" + superscript(exponent);
}

std::string linear_label(double v, double step) {
  if (v == 0.0) return "0";
  if (step >= 1e-4 && std::fabs(v) < 1e6) return fixed(v, decimals_for(step));
  int exponent = static_cast<int>(std::floor(std::log10(std::fabs(v))));
  const int decimals = decimals_for(step / std::pow(10.0, exponent));
  std::string mantissa = fixed(v / std::pow(10.0, exponent), std::min(decimals, 6));
  if (mantissa == "10" || mantissa == minus_sign + "10") {
    mantissa = mantissa.size() > 2 ? minus_sign + "1" : "1";
    ++exponent;
  }
  if (mantissa.find('.') != std::string::npos) {
    while (mantissa.back() == '0') mantissa.pop_back();
    if (mantissa.back() == '.') mantissa.pop_back();
  }
  if (mantissa == "1") return "10" + superscript(exponent);
  if (mantissa == minus_sign + "1") return minus_sign + "10" + superscript(exponent);
  return mantissa + "\u00d710" + superscript(exponent);
}

std::string log_label(double v) {
  int exponent = static_cast<int>(std::floor(std::log10(v) + 1e-9));
  long mantissa = std::lround(v / std::pow(10.0, exponent));
  if (mantissa >= 10) {
    mantissa = 1;
    ++exponent;
  }
  if (exponent >= -4 && exponent <= 5) return fixed(v, std::max(0, -exponent));
  if (mantissa == 1) return "10" + superscript(exponent);
  return std::to_string(mantissa) + "\u00d710" + superscript(exponent);
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "inf" : "\u2212inf";
  const double a = std::fabs(v);
  char buf[32];
  if (a < 10.0) {
    std::snprintf(buf, sizeof buf, "%.2f", a);
  } else if (a < 100.0) {
    std::snprintf(buf, sizeof buf, "%.1f", a);
  } else if (a < 10000.0) {
    std::snprintf(buf, sizeof buf, "%.0f", a);
  } else {
    std::snprintf(buf, sizeof buf, "%.2g", a);
  }
  const std::string digits = buf;
  const bool zero = digits.find_first_not_of("0.") == std::string::npos;
  return (v < 0 && !zero) ? "\u2212" + digits : digits;  // a real minus sign
}

std::string format_tick(double v) {
  std::string s = format_value(v);
  if (s.find('.') == std::string::npos || s.find('e') != std::string::npos) return s;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

}  // namespace render_detail
}  // namespace ae
