// `ae export` end to end: the outputs each part and flag gives, read back from the file, and
// the bad inputs of docs/errors.md's "ae export" table, each with its exit code, one line on
// stderr and the folder left as it was. Running the files is tests/onnx/'s work.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "ae/model_file.hpp"
#include "ae/random.hpp"
#include "../io/onnx_reader.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

namespace fs = std::filesystem;

using CliRun = test::ErrRun;
using test::run_ae_in;

class Export : public test::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    fs::create_directories(dir_ / "out");
    std::ofstream table(dir_ / "t.csv");
    table << "a,b,c,d\n";
    for (int i = 0; i < 10; ++i) table << i * 0.1 << ',' << 1 - i * 0.1 << ',' << (i % 3) * 0.5 << ",0.25\n";
    table.close();
    ASSERT_EQ(run_ae_in(dir_, "train --data t.csv --layers 3:tanh,2:sigmoid,4:sigmoid --epochs 2 --quiet --out m.safetensors").code, 0);
    // A model saved without score statistics.
    Autoencoder model(make_architecture(4, parse_layers("2:tanh,4:sigmoid")));
    Rng rng(1);
    model.initialize(Init::glorot_uniform, rng);
    save_model(path("nostats.safetensors"), model, ModelInfo{});
    fs::copy_file(path("m.safetensors"), path("m.onnx"));
  }

  test::Exported exported(const std::string& name) const { return test::read_export(test::read_text(dir_ / name)); }
  static std::map<std::string, std::string> metadata(const test::Exported& e) {
    return {e.metadata.begin(), e.metadata.end()};
  }
};

TEST_F(Export, DefaultIsTheFullModelWithReconstructionEmbeddingAndTheDefaultScore) {
  ASSERT_EQ(run_ae_in(dir_, "export m.safetensors --out out/m.onnx").code, 0);
  const test::Exported e = exported("out/m.onnx");
  EXPECT_EQ(e.inputs, std::vector<std::string>{"input"});
  EXPECT_EQ(e.outputs, (std::vector<std::string>{"reconstruction", "embedding", "score"}));
  const auto meta = metadata(e);
  EXPECT_EQ(meta.at("ae.score"), "zsae");
  EXPECT_EQ(meta.at("ae.score_threshold_rule"), "contamination=0.01");
  EXPECT_GT(std::stod(meta.at("ae.score_threshold")), 0.0);
  EXPECT_EQ(meta.at("ae.architecture"), "3:tanh,2:sigmoid,4:sigmoid");
}

TEST_F(Export, PartsAndOutputsChooseTheGraph) {
  ASSERT_EQ(run_ae_in(dir_, "export m.safetensors --part encoder --out out/e.onnx").code, 0);
  EXPECT_EQ(exported("out/e.onnx").outputs, std::vector<std::string>{"embedding"});
  ASSERT_EQ(run_ae_in(dir_, "export m.safetensors --part decoder --opset 13 --out out/d.onnx").code, 0);
  const test::Exported d = exported("out/d.onnx");
  EXPECT_EQ(d.inputs, std::vector<std::string>{"embedding"});
  EXPECT_EQ(d.outputs, std::vector<std::string>{"reconstruction"});
  EXPECT_EQ(d.opset, 13u);
  ASSERT_EQ(run_ae_in(dir_, "export m.safetensors --outputs score,embedding --score max --out out/s.onnx").code, 0);
  const test::Exported s = exported("out/s.onnx");
  EXPECT_EQ(s.outputs, (std::vector<std::string>{"embedding", "score"}));
  EXPECT_EQ(metadata(s).at("ae.score"), "max");
}

TEST_F(Export, ModelWithoutScoreStatisticsIsExportedWithoutTheStandardisedScore) {
  const CliRun run = run_ae_in(dir_, "export nostats.safetensors --out out/n.onnx");
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.err.find("without the score output"), std::string::npos) << run.err;
  EXPECT_EQ(exported("out/n.onnx").outputs, (std::vector<std::string>{"reconstruction", "embedding"}));
  // Scores that need no statistics are still there when asked for.
  ASSERT_EQ(run_ae_in(dir_, "export nostats.safetensors --outputs score --score sse --out out/sse.onnx").code, 0);
  EXPECT_EQ(exported("out/sse.onnx").outputs, std::vector<std::string>{"score"});
}

// docs/errors.md, table "ae export", row by row.
struct Row {
  const char* name;
  const char* args;
  int code;
};
const Row kRows[] = {
    {"--out without .onnx", "export m.safetensors --out out/m.txt", 2},
    {"--opset below 13", "export m.safetensors --opset 12 --out out/m.onnx", 2},
    {"--opset above 17", "export m.safetensors --opset 18 --out out/m.onnx", 2},
    {"unknown --part", "export m.safetensors --part middle --out out/m.onnx", 2},
    {"unknown output", "export m.safetensors --outputs latent --out out/m.onnx", 2},
    {"output the part lacks", "export m.safetensors --part encoder --outputs reconstruction --out out/m.onnx", 2},
    {"--score without a score output", "export m.safetensors --part decoder --score sse --out out/m.onnx", 2},
    {"unknown --score", "export m.safetensors --score hinge --out out/m.onnx", 2},
    {"standardised score without statistics", "export nostats.safetensors --outputs score --out out/m.onnx", 2},
    {"--out is the model", "export m.onnx --out m.onnx", 2},
    {"model missing", "export nope.safetensors --out out/m.onnx", 66},
    {"model not a model", "export t.csv --out out/m.onnx", 65},
    {"--out in a missing folder", "export m.safetensors --out missing/m.onnx", 73},
};

TEST_F(Export, BadInputsExitWithTheirCodeOneLineAndNoFile) {
  for (const Row& row : kRows) {
    const auto before = test::read_text(dir_ / "m.onnx");
    const CliRun run = run_ae_in(dir_, row.args);
    EXPECT_EQ(run.code, row.code) << row.name << ": " << run.err;
    EXPECT_TRUE(run.err.starts_with("ae: ") && run.err.find('\n') == run.err.size() - 1) << row.name << ": " << run.err;
    EXPECT_TRUE(fs::is_empty(dir_ / "out")) << row.name;
    EXPECT_FALSE(fs::exists(dir_ / "missing")) << row.name;
    EXPECT_EQ(test::read_text(dir_ / "m.onnx"), before) << row.name;
  }
}

}  // namespace
}  // namespace ae
