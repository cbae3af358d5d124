// A user's own table through the real binary (issue 14): scaling fitted, stored and applied
// by every command, default layers, reconstructions in the input's units, --val-split, old
// models without scaling, and collapse warnings that --quiet keeps.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "ae/data.hpp"
#include "ae/model_file.hpp"
#include "ae/random.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

namespace fs = std::filesystem;
using test::read_text;

using CliRun = test::AeRun;

class OwnData : public test::TempDirTest {
 protected:
  CliRun ae(const std::string& args) const { return test::run_ae(args, dir_ / "stderr.txt"); }
  // Rows on a 2-D surface in 6 columns whose scales run from 1e-3 to 1e4, plus an offset.
  std::string write_table(const std::string& name, int rows, std::uint64_t seed) const {
    std::ofstream out(path(name));
    Rng rng(seed);
    out << "a,b,c,d,e,f\n";
    for (int i = 0; i < rows; ++i) {
      const double u = rng.uniform(0, 1), v = rng.uniform(0, 1);
      out << 1e-3 * u << ',' << 1e4 * v + 5e4 << ',' << (u + v) << ',' << -30 * u * v << ',' << 7 * (1 - v) << ','
          << 0.1 * u + 200 << '\n';
    }
    return path(name);
  }
};

TEST_F(OwnData, DefaultFlagsScaleTheTableAndEveryCommandUsesTheStoredScaling) {
  const std::string table = write_table("t.csv", 400, 1), fresh = write_table("new.csv", 50, 2);
  const CliRun train = ae("train --data " + table + " --epochs 100 --lr 0.005 --threads 1 --out " + path("m.safetensors"));
  ASSERT_EQ(train.code, 0) << train.err;
  EXPECT_NE(train.err.find("layers (default for 6 columns): 4:relu,2:linear,4:relu,6:linear"), std::string::npos) << train.err;
  EXPECT_NE(train.err.find("scaling: median and interdecile range"), std::string::npos) << train.err;
  const Model m = load_model(path("m.safetensors"));
  ASSERT_EQ(m.info.normalizer.kind, Normalizer::robust);
  EXPECT_NEAR(m.info.normalizer.center[1], 55000, 1000);  // the median of column b, as read
  EXPECT_GT(m.info.normalizer.scale[1], 1000);

  // Reconstructions come back in the table's units: every column's mean within a fraction of
  // its spread (the 5e4-offset column included), the error within it.
  ASSERT_EQ(ae("reconstruct " + path("m.safetensors") + " --data " + fresh + " --out " + path("r.csv")).code, 0);
  const Dataset in = load_data(fresh), out = load_data(path("r.csv"));
  ASSERT_EQ(out.rows, 50u);
  for (std::size_t c = 0; c < 6; ++c) {
    double err = 0, mean_in = 0, mean_out = 0;
    for (std::size_t r = 0; r < 50; ++r) {
      err += std::abs(in.at(r, c) - out.at(r, c));
      mean_in += in.at(r, c) / 50.0;
      mean_out += out.at(r, c) / 50.0;
    }
    EXPECT_LT(std::abs(mean_in - mean_out), 0.25 * m.info.normalizer.scale[c]) << "column " << c;
    EXPECT_LT(err / 50, m.info.normalizer.scale[c]) << "column " << c;
  }
  // New rows are scored with the stored scaling: scores of the same order as the training rows'.
  const CliRun score = ae("score " + path("m.safetensors") + " --data " + fresh);
  ASSERT_EQ(score.code, 0) << score.err;
  EXPECT_NE(score.out.find("index,score,rank,percentile,flag"), std::string::npos);
  // The summary shows the scaling and the training record.
  const CliRun summary = ae("summary " + path("m.safetensors"));
  EXPECT_NE(summary.out.find("scaling: median and interdecile range"), std::string::npos) << summary.out;
  EXPECT_NE(summary.out.find("trained 100 epochs"), std::string::npos) << summary.out;
  EXPECT_NE(summary.out.find("1 threads"), std::string::npos) << summary.out;
  EXPECT_NE(summary.out.find("embedding units"), std::string::npos) << summary.out;
}

TEST_F(OwnData, EachScalingIsStoredAndNoneLeavesTheValuesAsRead) {
  const std::string table = write_table("t.csv", 100, 3);
  for (const char* scale : {"none", "standard", "minmax", "robust"}) {
    const std::string model = path(std::string(scale) + ".safetensors");
    ASSERT_EQ(ae("train --data " + table + " --scale " + scale + " --epochs 2 --quiet --out " + model).code, 0) << scale;
    const Model m = load_model(model);
    const std::string expected = std::string(scale) == "none" ? "identity" : scale;
    EXPECT_EQ(std::string(name_of(kNormalizerNames, m.info.normalizer.kind)), expected);
    EXPECT_EQ(m.info.normalizer.per_column(), std::string(scale) != "none");
  }
  EXPECT_EQ(ae("train --data " + table + " --scale quantile --epochs 1").code, 2);
}

TEST_F(OwnData, AModelWithoutScalingStillWorks) {
  // What older versions wrote: normalizer {"kind": "identity"}.
  const std::string table = write_table("t.csv", 60, 4);
  ASSERT_EQ(ae("train --data " + table + " --scale none --layers 3:tanh,6:linear --epochs 2 --quiet --out " + path("old.safetensors")).code, 0);
  const std::string bytes = read_text(path("old.safetensors"));
  EXPECT_NE(bytes.find("{\\\"kind\\\":\\\"identity\\\"}"), std::string::npos);
  EXPECT_EQ(ae("reconstruct " + path("old.safetensors") + " --data " + table + " --out " + path("r.npy")).code, 0);
  EXPECT_EQ(ae("score " + path("old.safetensors") + " --data " + table + " --out " + path("s.csv")).code, 0);
}

TEST_F(OwnData, ValSplitIsSeededAndExclusiveWithVal) {
  const std::string table = write_table("t.csv", 200, 5);
  const std::string common = "train --data " + table + " --val-split 0.2 --epochs 3 --threads 2 --quiet --history ";
  ASSERT_EQ(ae(common + path("a.csv") + " --seed 1").code, 0);
  ASSERT_EQ(ae(common + path("b.csv") + " --seed 1").code, 0);
  ASSERT_EQ(ae(common + path("c.csv") + " --seed 2").code, 0);
  const auto val_losses = [](const std::string& csv) {
    std::string out;
    std::istringstream in(csv);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      const auto a = line.find(','), b = line.find(',', a + 1), c = line.find(',', b + 1);
      out += line.substr(b + 1, c - b - 1) + ";";
    }
    return out;
  };
  const std::string a = val_losses(read_text(path("a.csv")));
  EXPECT_EQ(a, val_losses(read_text(path("b.csv"))));
  EXPECT_NE(a, val_losses(read_text(path("c.csv"))));
  EXPECT_EQ(a.find(";;"), std::string::npos) << a;  // every epoch has a val_loss
  EXPECT_EQ(ae("train --data " + table + " --val-split 0.2 --val " + table + " --epochs 1 --quiet").code, 2);
  EXPECT_EQ(ae("train --data " + table + " --val-split 1.5 --epochs 1 --quiet").code, 2);
  EXPECT_NE(ae("train --data " + table + " --val-split 0 --epochs 1 --quiet").err.find("--val-split"), std::string::npos);
}

TEST_F(OwnData, ThePcaBaselineIsFittedOnTheTrainingRows) {
  const std::string table = write_table("t.csv", 200, 6), fresh = write_table("new.csv", 40, 7);
  std::ofstream labels(path("labels.csv"));
  for (int i = 0; i < 40; ++i) labels << (i < 4 ? 1 : 0) << '\n';
  labels.close();
  ASSERT_EQ(ae("train --data " + table + " --epochs 2 --quiet --out " + path("m.safetensors")).code, 0);
  const std::string score = "score " + path("m.safetensors") + " --data " + fresh + " --labels " + path("labels.csv") + " --baseline pca";
  // The recorded training file is used (with a note) while it holds the same rows.
  CliRun run = ae(score);
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.err.find("PCA baseline fitted on " + table), std::string::npos) << run.err;
  // Changed since: refused rather than fitted on the scored rows; --fit names the rows.
  write_table("t.csv", 200, 8);
  run = ae(score);
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.err.find("--fit"), std::string::npos) << run.err;
  EXPECT_EQ(ae(score + " --fit " + path("new.csv")).code, 0);
}

// Keras's initialiser on the seed model collapses to the mean digit on the 10,000 MNIST test
// images within two epochs; the warning is printed with --quiet too.
TEST_F(OwnData, ACollapseIsAnnouncedEvenWhenQuiet) {
  const std::string images = std::string(AE_SOURCE_DIR) + "/data/mnist/t10k-images-idx3-ubyte";
  ASSERT_TRUE(fs::exists(images)) << "MNIST missing: run scripts/fetch-data";
  const CliRun run = ae("train --data " + images + " --layers 128:relu,32:relu,8:sigmoid,32:relu,128:relu,784:sigmoid"
                     " --batch 256 --epochs 2 --init glorot_uniform --seed 1 --threads 2 --trim 0 --quiet --out " + path("m.safetensors"));
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.err.find("the model predicts the mean row"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("Epoch 1/2"), std::string::npos) << run.err;
  const auto record = nlohmann::json::parse(load_model(path("m.safetensors")).info.training);
  EXPECT_TRUE(record["diagnosis"]["mean_predictor"].get<bool>());
  EXPECT_EQ(record["diagnosis"]["units"].size(), 8u);
  EXPECT_NE(ae("summary " + path("m.safetensors")).out.find("PREDICTS THE MEAN ROW"), std::string::npos);
}

}  // namespace
}  // namespace ae
