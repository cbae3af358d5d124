// libFuzzer target for the CSV reader. A successful parse must hold whole rows of finite
// values only: rows x cols values, nothing left over from a partial row.
#include <cmath>
#include <cstdint>
#include <string_view>

#include "ae/data.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using ae::fuzz::check;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ae::fuzz::expect_clean(
      [&] {
        const ae::Dataset d = ae::parse_csv(text, "fuzz.csv");
        check(d.rows > 0 && d.cols > 0, "accepted a table with no rows or no columns");
        check(!d.byte_data && d.values.size() == d.rows * d.cols, "values != rows x cols");
        for (float v : d.values) check(std::isfinite(v), "accepted a non-finite value");
      },
      ae::ErrorKind::bad_data);
  return 0;
}
