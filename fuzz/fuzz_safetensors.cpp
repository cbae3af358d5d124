// libFuzzer target for model files: ae::parse_safetensors on the bytes, then, for input it
// accepts, the model-level checks of ae::load_model on a scratch copy (metadata JSON,
// architecture, tensor names and shapes). Most inputs stop at the first step, so the file
// write is rare.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "ae/model_file.hpp"
#include "ae/safetensors.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using ae::fuzz::check;
  const std::vector<unsigned char> bytes(data, data + size);
  bool parsed = false;
  ae::fuzz::expect_clean(
      [&] {
        const ae::TensorFile file = ae::parse_safetensors(bytes, "fuzz.safetensors");
        for (const ae::Tensor& t : file.tensors) {
          std::size_t count = 1;
          for (std::size_t dim : t.shape) count *= dim;
          check(count == t.values.size(), "tensor value count does not match its shape");
          for (float v : t.values) check(std::isfinite(v), "accepted a non-finite value");
        }
        parsed = true;
      },
      ae::ErrorKind::bad_data);
  if (!parsed) return 0;
  static const std::string path = ae::fuzz::scratch_path(".safetensors");
  ae::fuzz::write_scratch(path, data, size);
  ae::fuzz::expect_clean(
      [&] {
        const ae::Model model = ae::load_model(path);
        const ae::Architecture& arch = model.autoencoder.architecture();
        check(arch.layers.size() >= 2 && arch.layers.back().width == arch.input,
              "loaded an architecture whose output does not rebuild the input");
        check(arch.bottleneck + 1 < arch.layers.size(), "bottleneck is the last layer");
        for (float v : model.autoencoder.parameters()) check(std::isfinite(v), "non-finite weight");
      },
      ae::ErrorKind::bad_data);
  return 0;
}
