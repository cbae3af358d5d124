// Numbers written for people, shared by the pictures, the report and the tool's messages.
// Machine-readable output (CSV, JSON, NPY) keeps its own shortest round-trip form.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace ae {

// A count with thousands separators: 0 -> "0", 59900 -> "59,900", 1000000 -> "1,000,000".
std::string format_count(std::size_t n);

// Text as valid UTF-8, for JSON records of file names (a Linux path is any bytes): valid
// UTF-8 is kept as it is, each byte of an invalid sequence becomes the four characters
// "\xNN" (Python's "backslashreplace"), so the name stays readable and the record parses.
std::string utf8_or_escaped(std::string_view text);

}  // namespace ae
