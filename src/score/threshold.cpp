// Threshold rules: parsing "name=value" texts and turning training-score statistics into a
// score threshold.
#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>

#include "ae/error.hpp"
#include "ae/score.hpp"

namespace ae {
namespace {

constexpr std::array<NameEntry<Threshold::Kind>, 8> kRules{{
    {Threshold::Kind::contamination, "contamination"}, {Threshold::Kind::quantile, "quantile"},
    {Threshold::Kind::sigma, "sigma"},                 {Threshold::Kind::mad, "mad"},
    {Threshold::Kind::iqr, "iqr"},                     {Threshold::Kind::max_train, "max-train"},
    {Threshold::Kind::value, "value"},                 {Threshold::Kind::fpr, "fpr"}}};

constexpr std::string_view kForms =
    "contamination=F, quantile=Q, sigma=K, mad=K, iqr=K, max-train, value=X or fpr=Q";

[[noreturn]] void bad_threshold(std::string_view text, const std::string& why) {
  throw Error(ErrorKind::usage, "threshold '" + std::string(text) + "': " + why);
}

}  // namespace

Threshold parse_threshold(std::string_view text) {
  const std::size_t eq = text.find('=');
  const std::string_view name = text.substr(0, eq);
  const std::optional<Threshold::Kind> kind = find_name(kRules, name);
  if (!kind) bad_threshold(text, "expected one of " + std::string(kForms));
  Threshold t{*kind, 0.0};
  if (t.kind == Threshold::Kind::max_train) {
    if (eq != std::string_view::npos) bad_threshold(text, "max-train takes no value");
    return t;
  }
  if (eq == std::string_view::npos) bad_threshold(text, std::string(name) + " needs a value, as in " + std::string(kForms));
  const std::string_view number = text.substr(eq + 1);
  const auto parsed = std::from_chars(number.data(), number.data() + number.size(), t.param);
  if (number.empty() || parsed.ec != std::errc() || parsed.ptr != number.data() + number.size() ||
      !std::isfinite(t.param)) {
    bad_threshold(text, "'" + std::string(number) + "' is not a finite number");
  }
  switch (t.kind) {
    case Threshold::Kind::contamination:
      if (!(t.param > 0 && t.param <= 0.5)) bad_threshold(text, "the contamination must be in (0, 0.5]");
      break;
    case Threshold::Kind::quantile:
      if (!(t.param > 0 && t.param < 1)) bad_threshold(text, "the quantile must be in (0, 1)");
      break;
    case Threshold::Kind::fpr:
      if (!(t.param > 0 && t.param < 1)) bad_threshold(text, "the false-positive rate must be in (0, 1)");
      break;
    case Threshold::Kind::sigma:
    case Threshold::Kind::mad:
    case Threshold::Kind::iqr:
      if (!(t.param > 0)) bad_threshold(text, "the multiplier must be positive");
      break;
    case Threshold::Kind::max_train:
    case Threshold::Kind::value: break;
  }
  return t;
}

std::string threshold_text(const Threshold& t) {
  const std::string out(name_of(kRules, t.kind));
  if (t.kind == Threshold::Kind::max_train) return out;
  char buf[32];
  const auto written = std::to_chars(buf, buf + sizeof buf, t.param);
  return out + "=" + std::string(buf, written.ptr);
}

namespace {

double threshold_from(const Threshold& t, const ScoreStats& train) {
  switch (t.kind) {
    case Threshold::Kind::contamination:
    case Threshold::Kind::fpr: return train.quantile(1.0 - t.param);
    case Threshold::Kind::quantile: return train.quantile(t.param);
    case Threshold::Kind::sigma: return train.mean + t.param * train.std;
    case Threshold::Kind::mad: return train.median + t.param * train.mad;
    case Threshold::Kind::iqr: return train.q3 + t.param * (train.q3 - train.q1);
    case Threshold::Kind::max_train: return train.max;
    case Threshold::Kind::value: return t.param;
  }
  return t.param;
}

}  // namespace

double threshold_value(const Threshold& t, const ScoreStats& train) {
  const double cut = threshold_from(t, train);
  if (std::isnan(cut)) {
    throw Error(ErrorKind::bad_data, "the training score statistics give threshold " + threshold_text(t) +
                                         " = NaN (missing or null values in the model's score record)");
  }
  return cut;
}

}  // namespace ae
