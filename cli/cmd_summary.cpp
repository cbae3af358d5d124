// ae summary: the layer table of a spec (--layers, --input) or of a model file.
#include <cstdio>
#include <memory>

#include "ae/error.hpp"
#include "ae/train_record.hpp"
#include "common.hpp"

namespace ae::cli {

Command add_summary(CLI::App& root) {
  struct Flags {
    std::string model;
    std::optional<std::string> layers;
    std::size_t input = 0;
    std::optional<std::size_t> bottleneck;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* app = root.add_subcommand("summary", "Print the layer table and parameter count of a spec or a model file");
  app->add_option("model", f->model, "A model file (.safetensors)");
  app->add_option("--layers", f->layers, "Layer spec, e.g. 128:relu,32:relu,8:sigmoid,32:relu,128:relu,784:sigmoid");
  app->add_option("--input", f->input, "Input width (with --layers)")->check(positive_whole());
  app->add_option("--bottleneck", f->bottleneck, "1-based index of the embedding layer (default: the narrowest)")->check(positive_whole());
  return {app, [f]() {
            Architecture arch;
            std::string record;
            if (!f->model.empty()) {
              if (f->layers) throw Error(ErrorKind::usage, "give a model file or --layers, not both");
              const Model model = load_model(f->model);
              arch = model.autoencoder.architecture();
              record = "scaling: " + scaling_text(model.info.normalizer) + "\n" +
                       TrainRecord::from_json(model.info.training, f->model).describe();
            } else {
              if (f->input == 0) {
                throw Error(ErrorKind::usage, "summary needs a model file, or --input N (with --layers SPEC, or the default layers)");
              }
              std::optional<std::size_t> bottleneck;
              if (f->bottleneck) {
                if (*f->bottleneck == 0) throw Error(ErrorKind::usage, "--bottleneck counts from 1");
                bottleneck = *f->bottleneck - 1;
              }
              // Without --layers: what ae train picks for float data of this width.
              const auto layers = f->layers ? parse_layers(*f->layers) : default_layers(f->input, false);
              arch = make_architecture(f->input, layers, bottleneck);
              if (!f->layers) record = "default layers for " + std::to_string(f->input) + " columns: " + arch.spec() + "\n";
            }
            std::fputs(summary(arch).c_str(), stdout);
            std::fputs(record.c_str(), stdout);
            return 0;
          }};
}

}  // namespace ae::cli
