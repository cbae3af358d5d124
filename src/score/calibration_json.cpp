// ScoreCalibration as compact JSON text, for the model file's `score` metadata. Floats are
// written as the shortest decimals that read back to the same float; NaN is written as null
// and read back as NaN.
#include <cmath>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "ae/error.hpp"
#include "ae/score.hpp"
#include "score/score_detail.hpp"

namespace ae {
namespace {

using nlohmann::json;

json stats_json(const ScoreStats& s) {
  return json{{"count", s.count}, {"mean", s.mean}, {"std", s.std},       {"min", s.min},
              {"max", s.max},     {"median", s.median}, {"mad", s.mad}, {"q1", s.q1},
              {"q3", s.q3},       {"grid", s.grid}};
}

// Thrown inside from_json and turned into Error(bad_data) naming the source.
struct Malformed {
  std::string why;
};

const json& field(const json& object, const char* key) {
  if (!object.is_object()) throw Malformed{"expected an object holding '" + std::string(key) + "'"};
  const auto it = object.find(key);
  if (it == object.end()) throw Malformed{"'" + std::string(key) + "' is missing"};
  return *it;
}

double number(const json& value, const std::string& what) {
  if (value.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (!value.is_number()) throw Malformed{what + " is not a number"};
  return value.get<double>();
}

std::vector<double> numbers(const json& value, const std::string& what) {
  if (!value.is_array()) throw Malformed{what + " is not an array"};
  std::vector<double> out;
  out.reserve(value.size());
  for (const json& item : value) out.push_back(number(item, what + " item"));
  return out;
}

ScoreStats stats_from(const json& j, const std::string& name) {
  ScoreStats s;
  const json& count = field(j, "count");
  if (!count.is_number_unsigned()) throw Malformed{name + ".count is not a whole number"};
  s.count = count.get<std::size_t>();
  s.mean = number(field(j, "mean"), name + ".mean");
  s.std = number(field(j, "std"), name + ".std");
  s.min = number(field(j, "min"), name + ".min");
  s.max = number(field(j, "max"), name + ".max");
  s.median = number(field(j, "median"), name + ".median");
  s.mad = number(field(j, "mad"), name + ".mad");
  s.q1 = number(field(j, "q1"), name + ".q1");
  s.q3 = number(field(j, "q3"), name + ".q3");
  s.grid = numbers(field(j, "grid"), name + ".grid");
  for (const double q : s.grid) {
    if (!std::isfinite(q)) throw Malformed{name + ".grid holds a null or non-finite value"};
  }
  if (s.grid.size() != quantile_grid().size()) {
    throw Malformed{name + ".grid has " + std::to_string(s.grid.size()) + " values, expected " +
                    std::to_string(quantile_grid().size())};
  }
  return s;
}

}  // namespace

std::string ScoreCalibration::to_json() const {
  json mse = json::array();
  for (float v : feature_mse) mse.push_back(detail::short_float(v));
  json stats = json::object();
  for (const auto& [kind, s] : train_stats) stats[std::string(score_name(kind))] = stats_json(s);
  json j{{"feature_mse", mse}, {"data_range", data_range}, {"eps_factor", floors.zsse},
               {"zsae_eps_factor", floors.zsae},
               {"train_stats", stats}};
  if (std::isfinite(data_min)) j["data_min"] = data_min;
  if (dual_spread != DualSpread::mad) j["dual_spread"] = name_of(kDualSpreadNames, dual_spread);
  return j.dump();
}

ScoreCalibration ScoreCalibration::from_json(std::string_view text, const std::string& source) {
  ScoreCalibration cal;
  try {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return cal;
    const json j = json::parse(text);
    if (j.is_object() && j.empty()) return cal;
    for (double v : numbers(field(j, "feature_mse"), "feature_mse")) {
      if (!(v >= 0) || !std::isfinite(v)) throw Malformed{"feature_mse holds a negative or non-finite value"};
      cal.feature_mse.push_back(static_cast<float>(v));
    }
    cal.data_range = number(field(j, "data_range"), "data_range");
    cal.floors.zsse = number(field(j, "eps_factor"), "eps_factor");
    cal.data_min = j.contains("data_min") ? number(j["data_min"], "data_min") : std::numeric_limits<double>::quiet_NaN();
    if (j.contains("dual_spread")) {
      const json& spread = j["dual_spread"];
      const auto found = spread.is_string() ? find_name(kDualSpreadNames, spread.get<std::string>()) : std::nullopt;
      if (!found) throw Malformed{"dual_spread must be one of " + names_of(kDualSpreadNames)};
      cal.dual_spread = *found;
    }
    if (j.contains("zsae_eps_factor")) cal.floors.zsae = number(j["zsae_eps_factor"], "zsae_eps_factor");
    if (!(cal.data_range >= 0) || !std::isfinite(cal.data_range)) throw Malformed{"data_range must be finite and >= 0"};
    if (!(cal.floors.zsse > 0) || !std::isfinite(cal.floors.zsse)) throw Malformed{"eps_factor must be finite and > 0"};
    if (!(cal.floors.zsae > 0) || !std::isfinite(cal.floors.zsae)) throw Malformed{"zsae_eps_factor must be finite and > 0"};
    const json& stats = field(j, "train_stats");
    if (!stats.is_object()) throw Malformed{"train_stats is not an object"};
    for (const auto& [name, value] : stats.items()) {
      ScoreKind kind{};
      try {
        kind = parse_score(name);
      } catch (const Error&) {
        throw Malformed{"train_stats names an unknown score '" + name + "'"};
      }
      cal.train_stats[kind] = stats_from(value, name);
    }
  } catch (const json::exception& e) {
    throw Error(ErrorKind::bad_data, source + ": score calibration is not valid JSON (" + e.what() + ")");
  } catch (const Malformed& m) {
    throw Error(ErrorKind::bad_data, source + ": score calibration: " + m.why);
  }
  return cal;
}

}  // namespace ae
