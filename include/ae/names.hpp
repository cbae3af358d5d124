// One name table per enum: the words a setting is written as (settings, model files,
// messages), with one parse, one name and one list function for every table. The tables
// themselves live beside their enums.
#pragma once
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ae/error.hpp"

namespace ae {

template <class E>
using NameEntry = std::pair<E, std::string_view>;

// "a, b, c": every name in the table's order.
template <class E, std::size_t N>
std::string names_of(const std::array<NameEntry<E>, N>& table) {
  std::string out;
  for (const auto& entry : table) {
    if (!out.empty()) out += ", ";
    out += entry.second;
  }
  return out;
}

// The name of `value`; "?" for a value outside the table.
template <class E, std::size_t N>
constexpr std::string_view name_of(const std::array<NameEntry<E>, N>& table, E value) {
  for (const auto& entry : table) {
    if (entry.first == value) return entry.second;
  }
  return "?";
}

// The value called `name`, or nothing.
template <class E, std::size_t N>
constexpr std::optional<E> find_name(const std::array<NameEntry<E>, N>& table, std::string_view name) {
  for (const auto& entry : table) {
    if (entry.second == name) return entry.first;
  }
  return std::nullopt;
}

// The value called `name`; throws Error(usage) "unknown WHAT 'NAME' (known: a, b, c)".
template <class E, std::size_t N>
E parse_name(const std::array<NameEntry<E>, N>& table, std::string_view name, std::string_view what) {
  if (const std::optional<E> value = find_name(table, name)) return *value;
  throw Error(ErrorKind::usage, "unknown " + std::string(what) + " '" + std::string(name) +
                                    "' (known: " + names_of(table) + ")");
}

}  // namespace ae
