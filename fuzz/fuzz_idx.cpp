// libFuzzer target for the IDX reader. Raw input goes to ae::parse_idx; input that starts
// with the gzip magic also goes through ae::load_data (gunzip, format detection, dispatch)
// via a scratch file. A successful parse must describe its payload consistently.
#include <cmath>
#include <cstdint>
#include <span>
#include <string>

#include "ae/data.hpp"
#include "fuzz_common.hpp"

namespace {

void check_dataset(const ae::Dataset& d) {
  using ae::fuzz::check;
  check(d.rows > 0 && d.cols > 0, "accepted a data set with no rows or no columns");
  if (d.byte_data) {
    check(d.bytes.size() == d.rows * d.cols && d.values.empty(), "byte payload size != rows x cols");
  } else {
    check(d.values.size() == d.rows * d.cols && d.bytes.empty(), "value payload size != rows x cols");
    for (float v : d.values) check(std::isfinite(v), "accepted a non-finite value");
  }
  if (!d.image_shape.empty()) {
    check(d.image_shape.size() == 2 && d.image_shape[0] * d.image_shape[1] == d.cols,
          "image shape does not match the row width");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  ae::fuzz::expect_clean([&] { check_dataset(ae::parse_idx(bytes, "fuzz.idx")); },
                         ae::ErrorKind::bad_data);
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
    static const std::string path = ae::fuzz::scratch_path(".idx.gz");
    ae::fuzz::write_scratch(path, data, size);
    ae::fuzz::expect_clean([&] { check_dataset(ae::load_data(path)); }, ae::ErrorKind::bad_data);
  }
  return 0;
}
