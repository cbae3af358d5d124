// Numbers written for people, shared by the pictures, the report and the tool's messages.
// Machine-readable output (CSV, JSON, NPY) keeps its own shortest round-trip form.
#pragma once
#include <cstddef>
#include <string>

namespace ae {

// A count with thousands separators: 0 -> "0", 59900 -> "59,900", 1000000 -> "1,000,000".
std::string format_count(std::size_t n);

}  // namespace ae
