// The reference experiment as a short program against the ae library: hide one Fashion-MNIST
// image among the MNIST digits, train a 784-128-32-8-32-128-784 autoencoder, then use its
// encoder and decoder halves on test image 21 and save the picture.
// Usage: seed_example [EPOCHS=50] [DATA_DIR=data] [OUT_PNG=seed.png]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ae/ae.hpp"

int main(int argc, char** argv) try {
  const std::size_t epochs = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 50;
  const std::string data = argc > 2 ? argv[2] : "data";
  const std::string out = argc > 3 ? argv[3] : "seed.png";

  // Data: pixels stay bytes in memory and arrive in [0, 1] per batch.
  ae::Dataset x_train = ae::load_data(data + "/mnist/train-images-idx3-ubyte");
  const ae::Dataset x_test = ae::load_data(data + "/mnist/t10k-images-idx3-ubyte");
  const ae::Dataset fashion = ae::load_data(data + "/fashion-mnist/train-images-idx3-ubyte.gz");
  ae::Rng rng(0);
  std::vector<std::size_t> where;
  x_train = ae::inject(x_train, ae::take(fashion, 0, 1), rng, where);
  std::printf("Fashion-MNIST image hidden at row %zu\n", where[0]);

  // The model.
  ae::Autoencoder autoencoder(ae::make_architecture(
      784, ae::parse_layers("128:relu,32:relu,8:sigmoid,32:relu,128:relu,784:sigmoid")));
  autoencoder.initialize(ae::Init::glorot_uniform, rng);
  std::printf("%s", ae::summary(autoencoder.architecture()).c_str());

  // fit(x_train, x_train, epochs, batch_size=256, shuffle=True, validation_data=x_test)
  ae::TrainConfig config{.epochs = epochs, .batch = 256, .loss = ae::Loss::mse};
  ae::Trainer trainer(autoencoder, config, rng);
  trainer.fit(x_train, &x_test, [](const ae::TrainEvent& e) {
    if (e.kind == ae::TrainEvent::Kind::epoch_end) {
      std::printf("epoch %zu/%zu  loss %.4f  val_loss %.4f\n", e.epoch, e.epochs, e.record->loss,
                  e.record->val_loss);
    }
  });

  // Encoder and decoder halves on test image 21.
  const ae::Matrix image = ae::take(x_test, 21, 1).to_matrix();
  const ae::Matrix encoded = ae::encode_all(autoencoder, ae::take(x_test, 21, 1));
  const ae::Matrix decoded = ae::decode_all(autoencoder, encoded.view());

  const auto values = [](const ae::Matrix& m) { return m.values(); };
  ae::render_grid_png(out, "Original / Encoded / Decoded",
                      {{"test image 21", false,
                        {{"original", ae::PanelStyle::gray, 28, 28, values(image), 0, 1},
                         {"encoded", ae::PanelStyle::strip, 0, 0, values(encoded), 0, 1},
                         {"decoded", ae::PanelStyle::gray, 28, 28, values(decoded), 0, 1}}}});
  std::printf("wrote %s\n", out.c_str());
  return 0;
} catch (const ae::Error& e) {
  std::fprintf(stderr, "seed_example: %s\n", e.what());
  return ae::exit_code(e.kind());
}
