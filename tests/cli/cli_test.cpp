// End-to-end runs of the real `ae` binary: exit codes, stdout and the files it writes.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "ae/data.hpp"
#include "ae/model_file.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

namespace fs = std::filesystem;
using test::read_text;

struct RunResult {
  int code = -1;
  std::string out;  // stdout
};

// Runs `ae ARGS` with stderr discarded; returns the exit code and stdout.
RunResult ae_run(const std::string& args) {
  const test::CommandRun run = test::run_command(std::string(AE_BINARY) + " " + args + " 2>/dev/null");
  return {run.code, run.out};
}


class Cli : public test::TempDirTest {
 protected:

  // A 200 x 6 CSV whose rows lie near a 2-D plane, with a header row.
  std::string write_table() const {
    std::ofstream out(path("table.csv"));
    out << "a,b,c,d,e,f\n";
    for (int i = 0; i < 200; ++i) {
      const double u = (i % 20) / 20.0, v = (i / 20) / 10.0;
      out << u << ',' << v << ',' << (u + v) / 2 << ',' << u * 0.3 << ',' << 1 - v << ',' << 0.5 << '\n';
    }
    return path("table.csv");
  }

};

TEST_F(Cli, SummaryOfTheSeedSpecReports210520Parameters) {
  const RunResult run = ae_run("summary --layers 128:relu,32:relu,8:sigmoid,32:relu,128:relu,784:sigmoid --input 784");
  EXPECT_EQ(run.code, 0);
  EXPECT_NE(run.out.find("Total params: 210,520"), std::string::npos) << run.out;
}

TEST_F(Cli, BadSpecsAndFlagsExitWithUsageError) {
  EXPECT_EQ(ae_run("summary --layers 128:relu,8:swish,784:sigmoid --input 784").code, 2);
  EXPECT_EQ(ae_run("summary --layers 128:relu,8:relu,700:sigmoid --input 784").code, 2);
  EXPECT_EQ(ae_run("summary --layers 12x --input 784").code, 2);
  EXPECT_EQ(ae_run("summary").code, 2);
  EXPECT_EQ(ae_run("frobnicate").code, 2);
  EXPECT_EQ(ae_run("").code, 2);
  const std::string table = write_table();
  EXPECT_EQ(ae_run("train --data " + table + " --layers 2:relu,6:sigmoid --epochs 0").code, 2);
  EXPECT_EQ(ae_run("train --data " + table + " --layers 2:relu,6:sigmoid --batch 0").code, 2);
  EXPECT_EQ(ae_run("train --data " + table + " --layers 2:relu,6:sigmoid --lr -1").code, 2);
  EXPECT_EQ(ae_run("train --data " + table + " --layers 2:relu,6:sigmoid --loss hinge").code, 2);
  EXPECT_EQ(ae_run("train --data " + table + " --layers 2:relu,5:sigmoid").code, 2);
  EXPECT_EQ(ae_run("--help").code, 0);
}

TEST_F(Cli, MissingAndBrokenInputsExitWith66And65) {
  EXPECT_EQ(ae_run("train --data " + path("nope.csv") + " --layers 2:relu,6:sigmoid").code, 66);
  std::ofstream(path("ragged.csv")) << "1,2,3\n4,5\n";
  EXPECT_EQ(ae_run("train --data " + path("ragged.csv") + " --layers 2:relu,3:sigmoid").code, 65);
  std::ofstream(path("nan.csv")) << "1,2\nnan,3\n";
  EXPECT_EQ(ae_run("train --data " + path("nan.csv") + " --layers 1:relu,2:sigmoid").code, 65);
  std::ofstream(path("model.safetensors")) << "not a model at all";
  EXPECT_EQ(ae_run("summary " + path("model.safetensors")).code, 65);
  EXPECT_EQ(ae_run("summary " + path("absent.safetensors")).code, 66);
}

TEST_F(Cli, TrainWritesModelAndHistoryThenEveryCommandUsesTheModel) {
  const std::string table = write_table();
  const std::string model = path("m.safetensors"), history = path("h.csv");
  const RunResult train = ae_run("train --data " + table + " --val " + table +
                           " --layers 8:tanh,2:sigmoid,8:tanh,6:linear --epochs 5 --batch 16 --lr 0.01 --seed 3 --quiet"
                           " --history " + history + " --out " + model);
  ASSERT_EQ(train.code, 0);
  EXPECT_NE(train.out.find("val_loss"), std::string::npos);
  ASSERT_TRUE(fs::exists(model));
  const std::string hist = read_text(history);
  EXPECT_EQ(hist.rfind("epoch,loss,val_loss,seconds,lr\n", 0), 0u) << hist;
  EXPECT_EQ(std::count(hist.begin(), hist.end(), '\n'), 6);

  const RunResult sum = ae_run("summary " + model);
  EXPECT_EQ(sum.code, 0);
  EXPECT_NE(sum.out.find("Total params: 152"), std::string::npos) << sum.out;  // 56 + 18 + 24 + 54

  ASSERT_EQ(ae_run("encode " + model + " --data " + table + " --out " + path("z.npy")).code, 0);
  const Dataset z = load_data(path("z.npy"));
  EXPECT_EQ(z.rows, 200u);
  EXPECT_EQ(z.cols, 2u);
  ASSERT_EQ(ae_run("decode " + model + " --data " + path("z.npy") + " --out " + path("x.csv")).code, 0);
  ASSERT_EQ(ae_run("reconstruct " + model + " --data " + table + " --out " + path("r.csv")).code, 0);
  const Matrix decoded = load_data(path("x.csv")).to_matrix();
  const Matrix rebuilt = load_data(path("r.csv")).to_matrix();
  ASSERT_EQ(decoded.rows(), 200u);
  ASSERT_EQ(decoded.cols(), 6u);
  for (std::size_t i = 0; i < decoded.size(); ++i) EXPECT_NEAR(decoded.values()[i], rebuilt.values()[i], 1e-5f);

  const RunResult csv = ae_run("encode " + model + " --data " + table);
  EXPECT_EQ(csv.code, 0);
  EXPECT_EQ(csv.out.rfind("z0,z1\n", 0), 0u);
  // Standard output carries the same text as a CSV file, and a failed write is exit 74
  // (issue: stdout write errors were ignored), not 0 with the output lost.
  ASSERT_EQ(ae_run("encode " + model + " --data " + table + " --out " + path("z.csv")).code, 0);
  EXPECT_EQ(csv.out, read_text(path("z.csv")));
  EXPECT_EQ(ae_run("encode " + model + " --data " + table + " > /dev/full").code, 74);
  EXPECT_EQ(ae_run("summary " + model + " > /dev/full").code, 74);
  // --outlier-class without --labels is a usage error, not silently ignored.
  EXPECT_EQ(ae_run("score " + model + " --data " + table + " --outlier-class 1").code, 2);
  EXPECT_EQ(ae_run("encode " + model + " --data " + table + " --out " + path("z.txt")).code, 2);

  ASSERT_EQ(ae_run("show " + model + " --data " + table + " --index 0,5,199 --out " + path("g.png")).code, 0);
  EXPECT_EQ(read_text(path("g.png")).substr(1, 3), "PNG");
  ASSERT_EQ(ae_run("show " + model + " --data " + table + " --worst 3 --out " + path("w.png")).code, 0);
  EXPECT_EQ(ae_run("show " + model + " --data " + table + " --index 200 --out " + path("bad.png")).code, 2);
  EXPECT_FALSE(fs::exists(path("bad.png")));
  EXPECT_EQ(ae_run("show " + model + " --data " + table + " --out " + path("bad.png")).code, 2);
}

TEST_F(Cli, TrainingIsDeterministicForOneSeed) {
  const std::string table = write_table();
  for (const char* name : {"a.safetensors", "b.safetensors"}) {
    ASSERT_EQ(ae_run("train --data " + table + " --layers 4:relu,2:sigmoid,4:relu,6:sigmoid --epochs 3 --batch 7"
                     " --seed 11 --threads 1 --quiet --out " + path(name)).code, 0);
  }
  ASSERT_EQ(ae_run("train --data " + table + " --layers 4:relu,2:sigmoid,4:relu,6:sigmoid --epochs 3 --batch 7"
                   " --seed 12 --threads 1 --quiet --out " + path("c.safetensors")).code, 0);
  const Model a = load_model(path("a.safetensors")), b = load_model(path("b.safetensors")),
              c = load_model(path("c.safetensors"));
  const auto pa = a.autoencoder.parameters(), pb = b.autoencoder.parameters(), pc = c.autoencoder.parameters();
  EXPECT_TRUE(std::equal(pa.begin(), pa.end(), pb.begin(), pb.end()));
  EXPECT_FALSE(std::equal(pa.begin(), pa.end(), pc.begin(), pc.end()));
}

TEST_F(Cli, SpiralDemoBeatsPca) {
  const RunResult run = ae_run("demo spiral --quiet");
  ASSERT_EQ(run.code, 0);
  const auto value_after = [&](const std::string& key) {
    const auto at = run.out.find(key);
    return at == std::string::npos ? -1.0 : std::stod(run.out.substr(at + key.size()));
  };
  const double ae_mse = value_after("autoencoder reconstruction MSE");
  const double pca_mse = value_after("PCA (1 component) MSE");
  ASSERT_GT(ae_mse, 0.0) << run.out;
  EXPECT_LT(ae_mse * 5, pca_mse) << run.out;
}

// Rows near a line in 6-D plus six rows far off it: `ae score` must rank those six first and
// report perfect metrics; thresholds, output formats and bad inputs behave as documented.
TEST_F(Cli, ScoreFindsTheKnownOutliers) {
  {
    std::ofstream data(path("mixed.csv")), truth(path("truth.csv"));
    data << "a,b,c,d,e,f\n";
    truth << "outlier\n";
    for (int i = 0; i < 306; ++i) {
      const bool outlier = i % 51 == 50;
      const double t = (i % 50) / 50.0, wiggle = ((i * 37) % 11 - 5) * 0.002;
      if (outlier) {
        data << "0.9,0.1,0.9,0.1,0.9,0.1\n";
      } else {
        data << t << ',' << 0.5 * t + wiggle << ',' << 1 - t << ',' << 0.3 + 0.2 * t << ',' << t * 0.8 - wiggle
             << ',' << 0.5 << '\n';
      }
      truth << (outlier ? 1 : 0) << '\n';
    }
  }
  const std::string model = path("m.safetensors");
  ASSERT_EQ(ae_run("train --data " + path("mixed.csv") + " --layers 16:tanh,1:linear,16:tanh,6:linear"
                   " --epochs 60 --batch 16 --lr 0.01 --seed 1 --threads 1 --quiet --out " + model).code, 0);
  const RunResult run = ae_run("score " + model + " --data " + path("mixed.csv") + " --labels " + path("truth.csv") +
                               " --baseline pca --threshold value=1e30 --out " + path("s.csv"));
  ASSERT_EQ(run.code, 0);
  EXPECT_NE(run.out.find("autoencoder  ROC-AUC 1.0000"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("pca (k=1)"), std::string::npos) << run.out;
  std::istringstream rows(read_text(path("s.csv")));
  std::string line;
  std::getline(rows, line);
  EXPECT_EQ(line, "index,score,rank,percentile,flag,p_value");
  int top_outliers = 0, flagged = 0;
  while (std::getline(rows, line)) {
    std::istringstream cells(line);
    std::string index, score, rank, percentile, flag;
    std::getline(cells, index, ',');
    std::getline(cells, score, ',');
    std::getline(cells, rank, ',');
    std::getline(cells, percentile, ',');
    std::getline(cells, flag, ',');
    if (std::stod(rank) <= 6 && std::stoi(index) % 51 == 50) ++top_outliers;
    flagged += std::stoi(flag);
  }
  EXPECT_EQ(top_outliers, 6);
  EXPECT_EQ(flagged, 0);  // nothing scores above 1e30
  // The default threshold flags about 1% of rows like the training data; max-train none of them.
  ASSERT_EQ(ae_run("score " + model + " --data " + path("mixed.csv") + " --threshold max-train --out " + path("s.npy")).code, 0);
  const Matrix table = load_data(path("s.npy")).to_matrix();
  ASSERT_EQ(table.cols(), 6u);
  float flags = 0;
  for (std::size_t r = 0; r < table.rows(); ++r) flags += table(r, 4);
  EXPECT_EQ(flags, 0.0f);
  std::ofstream(path("short.csv")) << "0\n1\n";
  EXPECT_EQ(ae_run("score " + model + " --data " + path("mixed.csv") + " --labels " + path("short.csv")).code, 65);
  EXPECT_EQ(ae_run("score " + model + " --data " + path("mixed.csv") + " --threshold sigma=-1").code, 2);
  EXPECT_EQ(ae_run("score " + model + " --data " + path("mixed.csv") + " --score hinge").code, 2);

  // A model saved before dual existed (no dual, zsae_ic or data_min): the default falls back
  // to zsae, an explicit --score dual is refused.
  Model before_dual = load_model(model);
  nlohmann::json cal = nlohmann::json::parse(before_dual.info.score);
  cal["train_stats"].erase("dual");
  cal["train_stats"].erase("zsae_ic");
  cal.erase("data_min");
  before_dual.info.score = cal.dump();
  save_model(path("before_dual.safetensors"), before_dual.autoencoder, before_dual.info);
  const std::string mixed_to = " --data " + path("mixed.csv") + " --out ";
  ASSERT_EQ(ae_run("score " + path("before_dual.safetensors") + mixed_to + path("d0.csv")).code, 0);
  ASSERT_EQ(ae_run("score " + path("before_dual.safetensors") + mixed_to + path("d1.csv") + " --score zsae").code, 0);
  EXPECT_EQ(read_text(path("d0.csv")), read_text(path("d1.csv")));
  EXPECT_EQ(ae_run("score " + path("before_dual.safetensors") + mixed_to + path("d2.csv") + " --score dual").code, 2);

  // A model saved before zsae existed (its statistics lack zsae): the default falls back to
  // zsse, an explicit --score zsae is refused, and the plots still draw.
  Model old = before_dual;
  cal["train_stats"].erase("zsae");
  cal.erase("zsae_eps_factor");
  old.info.score = cal.dump();
  const std::string old_model = path("old.safetensors");
  save_model(old_model, old.autoencoder, old.info);
  const std::string on_mixed = " --data " + path("mixed.csv") + " --out ";
  ASSERT_EQ(ae_run("score " + old_model + on_mixed + path("default.csv")).code, 0);
  ASSERT_EQ(ae_run("score " + old_model + on_mixed + path("zsse.csv") + " --score zsse").code, 0);
  EXPECT_EQ(read_text(path("default.csv")), read_text(path("zsse.csv")));
  EXPECT_EQ(ae_run("score " + old_model + on_mixed + path("zsae.csv") + " --score zsae").code, 2);
  EXPECT_EQ(ae_run("plot scores " + old_model + on_mixed + path("old.png")).code, 0);
  EXPECT_TRUE(fs::exists(path("old.png")));
}

// The reference experiment on the real data for two epochs (scripts/fetch-data first).
TEST_F(Cli, MnistDemoTwoEpochsWritesEverythingAndRanksTheInjectedImage) {
  const std::string data_dir = std::string(AE_SOURCE_DIR) + "/data";
  ASSERT_TRUE(fs::exists(data_dir + "/mnist/train-images-idx3-ubyte"))
      << "MNIST missing: run scripts/fetch-data";
  const RunResult run = ae_run("demo --epochs 2 --quiet --data-dir " + data_dir + " --out " + path("demo"));
  ASSERT_EQ(run.code, 0) << run.out;
  for (const char* name : {"model.safetensors", "history.csv", "test21.png", "worst.png", "report.html"}) {
    EXPECT_TRUE(fs::exists(dir_ / "demo" / name)) << name;
  }
  const auto rank_at = run.out.find("injected image rank by SSE: ");
  ASSERT_NE(rank_at, std::string::npos) << run.out;
  const std::size_t rank = std::stoul(run.out.substr(rank_at + 28));
  EXPECT_GE(rank, 1u);
  EXPECT_NE(run.out.find(" of 60001"), std::string::npos);
  // val_loss fell from epoch 1 to epoch 2.
  std::istringstream hist(read_text(dir_ / "demo" / "history.csv"));
  std::string header, e1, e2;
  std::getline(hist, header);
  std::getline(hist, e1);
  std::getline(hist, e2);
  const auto val = [](const std::string& row) {
    std::istringstream s(row);
    std::string cell;
    for (int i = 0; i < 3; ++i) std::getline(s, cell, ',');
    return std::stod(cell);
  };
  EXPECT_LT(val(e2), val(e1));
  const Model model = load_model((dir_ / "demo" / "model.safetensors").string());
  EXPECT_EQ(model.autoencoder.architecture().parameter_count(), 210520u);
  EXPECT_EQ(ae_run("demo --epochs 1 --data-dir " + path("nowhere")).code, 66);
}

}  // namespace
}  // namespace ae
