// ae train: train an autoencoder on a data file and write the model and history.
#include <cmath>
#include <cstdio>
#include <memory>

#include "ae/error.hpp"
#include "ae/random.hpp"
#include "ae/score.hpp"
#include "common.hpp"

namespace ae::cli {

Command add_train(CLI::App& root) {
  struct Flags {
    std::string data, val, layers, out;
    std::optional<std::size_t> bottleneck;
    TrainFlags train;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* app = root.add_subcommand("train", "Train an autoencoder on IDX, NPY or CSV data");
  app->add_option("--data", f->data, "Training data (IDX[.gz], NPY or CSV)")->required();
  app->add_option("--val", f->val, "Validation data, same width");
  app->add_option("--layers", f->layers, "Layer spec; the last width must equal the data width")->required();
  app->add_option("--bottleneck", f->bottleneck, "1-based index of the embedding layer (default: the narrowest)");
  app->add_option("--out", f->out, "Write the trained model (.safetensors)");
  add_train_flags(*app, f->train);
  return {app, [f]() {
            const TrainConfig config = make_train_config(f->train);
            std::optional<std::size_t> bottleneck;
            if (f->bottleneck) {
              if (*f->bottleneck == 0) throw Error(ErrorKind::usage, "--bottleneck counts from 1");
              bottleneck = *f->bottleneck - 1;
            }
            const auto layers = parse_layers(f->layers);
            set_threads(f->train.threads);
            const Dataset data = load_data(f->data);
            std::optional<Dataset> val;
            if (!f->val.empty()) val = load_data(f->val);
            Autoencoder model(make_architecture(data.cols, layers, bottleneck));
            Rng rng(f->train.seed);
            model.initialize(parse_init(f->train.init), rng);
            if (!f->train.quiet) std::fputs(summary(model.architecture()).c_str(), stderr);
            Trainer trainer(model, config, rng);
            const History history = trainer.fit(data, val ? &*val : nullptr, progress_printer(f->train.quiet));
            const EpochRecord& last = history.epochs.back();
            std::printf("loss %.6g\n", last.loss);
            if (std::isfinite(last.val_loss)) std::printf("val_loss %.6g\n", last.val_loss);
            if (!f->train.history.empty()) write_history_csv(f->train.history, history);
            if (!f->out.empty()) {
              ModelInfo info = model_info_for(data);
              info.training = training_record(model.architecture(), f->train, config, data, history);
              info.score = calibrate(model, data).to_json();
              save_model(f->out, model, info);
            }
            return 0;
          }};
}

}  // namespace ae::cli
