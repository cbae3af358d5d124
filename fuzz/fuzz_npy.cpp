// libFuzzer target for the NPY reader: ae::parse_npy and ae::parse_npy_labels on the same
// bytes. A successful parse must describe its payload consistently.
#include <cmath>
#include <cstdint>
#include <span>

#include "ae/data.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using ae::fuzz::check;
  const std::span<const std::uint8_t> bytes(data, size);
  ae::fuzz::expect_clean(
      [&] {
        const ae::Dataset d = ae::parse_npy(bytes, "fuzz.npy");
        check(d.rows > 0 && d.cols > 0, "accepted a data set with no rows or no columns");
        if (d.byte_data) {
          check(d.bytes.size() == d.rows * d.cols, "byte payload size != rows x cols");
        } else {
          check(d.values.size() == d.rows * d.cols, "value payload size != rows x cols");
          for (float v : d.values) check(std::isfinite(v), "accepted a non-finite value");
        }
      },
      ae::ErrorKind::bad_data);
  ae::fuzz::expect_clean([&] { (void)ae::parse_npy_labels(bytes, "fuzz.npy"); },
                         ae::ErrorKind::bad_data);
  return 0;
}
