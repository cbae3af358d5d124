// ae export: a model as an ONNX file (ae/onnx.hpp) that ONNX Runtime and other runtimes run
// on rows as they are stored in the data file. Chooses the outputs and the score; the graph
// itself is the library's.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>

#include "ae/error.hpp"
#include "ae/onnx.hpp"
#include "ae/score.hpp"
#include "common.hpp"

namespace ae::cli {
namespace {

struct ExportFlags {
  std::string model, out, outputs, part = "full", score = "zsae";
  int opset = kOnnxOpsetMax;
};

// The default rule of ae score's --threshold, stored with the export so a server can flag
// rows as ae score does.
const char* kThresholdRule = "contamination=0.01";

// Sets options.reconstruction and embedding from "--outputs a,b" (or the part's outputs when
// empty). Returns whether the score is wanted.
bool choose_outputs(const std::string& list, OnnxPart part, OnnxOptions& options) {
  if (list.empty()) {
    options.reconstruction = part != OnnxPart::encoder;
    options.embedding = part != OnnxPart::decoder;
    return part == OnnxPart::full;
  }
  options.reconstruction = options.embedding = false;
  bool score = false;
  std::stringstream items(list);
  for (std::string item; std::getline(items, item, ',');) {
    if (item == "reconstruction") options.reconstruction = true;
    else if (item == "embedding") options.embedding = true;
    else if (item == "score") score = true;
    else throw Error(ErrorKind::usage, "--outputs: unknown output '" + item + "' (known: reconstruction, embedding, score)");
  }
  const auto refuse = [&](const char* what) {
    throw Error(ErrorKind::usage, "--outputs: the " + std::string(name_of(kOnnxPartNames, part)) + " part gives " + what);
  };
  if (part == OnnxPart::encoder && (options.reconstruction || score)) refuse("the embedding only");
  if (part == OnnxPart::decoder && (options.embedding || score)) refuse("the reconstruction only");
  return score;
}

}  // namespace

Command add_export(CLI::App& root) {
  auto f = std::make_shared<ExportFlags>();
  CLI::App* app = root.add_subcommand("export", "Write the model as ONNX (input: rows as stored in the data file)");
  app->add_option("model", f->model, "Model file (.safetensors)")->required();
  app->add_option("--out", f->out, "Output .onnx file")->required();
  app->add_option("--outputs", f->outputs,
                  "Comma-separated outputs: reconstruction, embedding, score (default: all the part gives)");
  app->add_option("--part", f->part, "full, encoder (embedding out) or decoder (embedding in)")->capture_default_str();
  app->add_option("--score", f->score, "Score output: zsae, zsse, sse, mse, mae, bce, max (as ae score)")->capture_default_str();
  app->add_option("--opset", f->opset, "ONNX opset, " + std::to_string(kOnnxOpsetMin) + " to " + std::to_string(kOnnxOpsetMax))
      ->capture_default_str();
  return {app, [f, app]() {
            if (!f->out.ends_with(".onnx")) throw Error(ErrorKind::usage, "--out " + f->out + ": use a .onnx name");
            if (f->opset < kOnnxOpsetMin || f->opset > kOnnxOpsetMax) {
              throw Error(ErrorKind::usage, "--opset " + std::to_string(f->opset) + ": supported are " +
                                                std::to_string(kOnnxOpsetMin) + " to " + std::to_string(kOnnxOpsetMax));
            }
            OnnxOptions options;
            options.part = parse_name(kOnnxPartNames, f->part, "part");
            options.opset = f->opset;
            bool score = choose_outputs(f->outputs, options.part, options);
            const bool score_listed = score && !f->outputs.empty();
            ScoreKind kind = parse_score(f->score);
            if (app->count("--score") > 0 && !score) {
              throw Error(ErrorKind::usage, "--score: this export has no score output");
            }
            std::error_code ec;
            if (std::filesystem::equivalent(f->model, f->out, ec)) {
              throw Error(ErrorKind::usage, "--out " + f->out + " is the model file itself");
            }

            Model model = load_model(f->model);
            const std::size_t D = model.autoencoder.architecture().input;
            if (score) {
              const ScoreCalibration cal = ScoreCalibration::from_json(model.info.score, f->model);
              kind = resolve_score(kind, app->count("--score") > 0, cal, f->model, false);
              if (standardised(kind) && cal.empty()) {
                if (score_listed || app->count("--score") > 0) {
                  throw Error(ErrorKind::usage, f->model + ": has no score statistics, which the " +
                                                    std::string(score_name(kind)) + " score needs");
                }
                std::fprintf(stderr, "note: %s has no score statistics; exported without the score output\n",
                             f->model.c_str());
                score = false;
              } else {
                options.score = onnx_score(kind, cal, D);
                const auto stats = cal.train_stats.find(kind);
                if (stats != cal.train_stats.end()) {
                  char value[32];
                  std::snprintf(value, sizeof value, "%.9g", threshold_value(parse_threshold(kThresholdRule), stats->second));
                  options.metadata.emplace_back("ae.score_threshold", value);
                  options.metadata.emplace_back("ae.score_threshold_rule", kThresholdRule);
                }
              }
            }
            if (!options.reconstruction && !options.embedding && !options.score) {
              throw Error(ErrorKind::usage, "--outputs: no output left to export");
            }
            write_onnx(f->out, model.autoencoder, model.info, options);
            std::string outputs;
            for (auto [on, name] : {std::pair{options.reconstruction, "reconstruction"},
                                    std::pair{options.embedding, "embedding"}, std::pair{score, "score"}}) {
              if (on) outputs += std::string(outputs.empty() ? "" : ", ") + name;
            }
            if (score) outputs += " (" + std::string(score_name(kind)) + ")";
            std::fprintf(stderr, "exported %s (%s part, opset %d) to %s: %s\n", f->model.c_str(), f->part.c_str(),
                         f->opset, f->out.c_str(), outputs.c_str());
            return 0;
          }};
}

}  // namespace ae::cli
