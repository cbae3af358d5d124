// libFuzzer target for layer specs: ae::parse_layers, then ae::make_architecture with the
// matching input width and with a byte-chosen bottleneck, ae::summary and a round trip
// through Architecture::spec(). Byte 0 picks the bottleneck (0: automatic); the rest is the
// spec text.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "ae/autoencoder.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using ae::fuzz::check;
  if (size == 0) return 0;
  const std::optional<std::size_t> bottleneck =
      data[0] == 0 ? std::nullopt : std::optional<std::size_t>(data[0] - 1u);
  const std::string_view spec(reinterpret_cast<const char*>(data + 1), size - 1);
  ae::fuzz::expect_clean(
      [&] {
        const std::vector<ae::LayerSpec> layers = ae::parse_layers(spec);
        check(!layers.empty(), "parse_layers returned no layers");
        for (const auto& l : layers) check(l.width >= 1 && l.width <= 1'000'000, "width out of range");
        // A wrong input width must be refused.
        try {
          (void)ae::make_architecture(layers.back().width + 1, layers);
          ae::fuzz::finding("make_architecture accepted a last width != input");
        } catch (const ae::Error& e) {
          check(e.kind() == ae::ErrorKind::usage, "wrong error kind for a width mismatch");
        }
        const ae::Architecture arch = ae::make_architecture(layers.back().width, layers, bottleneck);
        check(arch.bottleneck + 1 < arch.layers.size(), "bottleneck is the last layer");
        check(!ae::summary(arch).empty(), "empty summary");
        const std::vector<ae::LayerSpec> again = ae::parse_layers(arch.spec());
        check(again.size() == layers.size(), "spec() does not read back");
        for (std::size_t i = 0; i < again.size(); ++i) {
          check(again[i].width == layers[i].width && again[i].activation == layers[i].activation,
                "spec() does not read back to the same layers");
        }
      },
      ae::ErrorKind::usage);
  return 0;
}
