// A program outside the ae tree, built against ae as a package: it defines a small
// autoencoder, saves and reloads it, reconstructs two rows with both copies, exports it to
// ONNX and checks that the OpenBLAS it runs on is the pthread build ae is made for.
// Usage: consumer OUT_DIR. Prints one line; exits 0 when everything holds.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include <ae/ae.hpp>

// OpenBLAS's own report of its threading: 0 serial, 1 pthreads, 2 OpenMP.
extern "C" int openblas_get_parallel();

int main(int argc, char** argv) try {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer OUT_DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  ae::Autoencoder model(ae::make_architecture(4, ae::parse_layers("3:tanh,2:tanh,3:tanh,4:linear")));
  ae::Rng rng(1);
  model.initialize(ae::Init::glorot_uniform, rng);
  ae::save_model(dir + "/consumer.safetensors", model, ae::ModelInfo{});
  ae::Model loaded = ae::load_model(dir + "/consumer.safetensors");

  const ae::Dataset rows = ae::parse_csv("a,b,c,d\n0.1,0.2,0.3,0.4\n0.9,0.8,0.7,0.6\n", "rows");
  const ae::Matrix y = ae::reconstruct_all(model, rows);
  const ae::Matrix y_loaded = ae::reconstruct_all(loaded.autoencoder, rows);
  for (std::size_t i = 0; i < y.rows() * y.cols(); ++i) {
    if (!std::isfinite(y.data()[i]) || y.data()[i] != y_loaded.data()[i]) {
      std::fprintf(stderr, "consumer: reconstructions differ at %zu\n", i);
      return 1;
    }
  }
  ae::write_onnx(dir + "/consumer.onnx", model, loaded.info, ae::OnnxOptions{});
  const auto onnx_bytes = std::filesystem::file_size(dir + "/consumer.onnx");
  const int parallel = openblas_get_parallel();
  std::printf("consumer: %zu parameters, reconstruction[0] %.6f, ONNX %ju bytes, OpenBLAS threading %d\n",
              model.parameters().size(), static_cast<double>(y(0, 0)), static_cast<std::uintmax_t>(onnx_bytes),
              parallel);
  if (parallel != 1) {
    std::fprintf(stderr, "consumer: OpenBLAS is not the pthread build (mode %d)\n", parallel);
    return 1;
  }
  return 0;
} catch (const ae::Error& e) {
  std::fprintf(stderr, "consumer: %s\n", e.what());
  return 1;
}
