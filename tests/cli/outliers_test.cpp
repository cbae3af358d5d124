// Outlier commands through the real binary (issue 15): p-values from the stored training
// grid and the fpr=Q threshold in `ae score`; `ae explain` on rows with known outlying columns;
// `ae train --trim`, alone and with early stopping on the trimmed validation loss.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ae/data.hpp"
#include "ae/model_file.hpp"
#include "ae/random.hpp"
#include "ae/score.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

using test::read_text;

using CliRun = test::AeRun;

// Rows of a CSV text with a header, as strings per cell.
std::vector<std::vector<std::string>> csv_cells(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> cells;
    std::istringstream in(line);
    std::string cell;
    while (std::getline(in, cell, ',')) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

class Outliers : public test::TempDirTest {
 protected:
  CliRun ae(const std::string& args) const { return test::run_ae(args, dir_ / "stderr.txt"); }
  // 400 rows on a 2-D surface in 8 columns, then 8 rows off it: rows 400..403 have columns
  // 2 and 5 pushed far out, rows 404..407 column 7 alone. Returns the CSV path; clean.csv
  // holds the first 400 rows.
  std::string write_mixed() const {
    std::ofstream out(path("mixed.csv")), clean(path("clean.csv"));
    out << "f0,f1,f2,f3,f4,f5,f6,f7\n";
    clean << "f0,f1,f2,f3,f4,f5,f6,f7\n";
    Rng rng(5);
    for (int i = 0; i < 408; ++i) {
      const double u = rng.uniform(0, 1), v = rng.uniform(0, 1);
      std::array<double, 8> x{u, v, u + v, u - v, 0.5 * u, 2 * v, 0.3 * u + 0.2, 0.7 * v};
      if (i >= 400 && i < 404) {
        x[2] += 4;
        x[5] -= 6;
      } else if (i >= 404) {
        x[7] += 3;
      }
      std::ostringstream row;
      for (std::size_t j = 0; j < x.size(); ++j) row << (j ? "," : "") << x[j];
      out << row.str() << '\n';
      if (i < 400) clean << row.str() << '\n';
    }
    return path("mixed.csv");
  }
  std::string train(const std::string& data) const {
    const std::string model = path("m.safetensors");
    EXPECT_EQ(ae("train --data " + data + " --layers 16:tanh,2:linear,16:tanh,8:linear --epochs 40 --batch 16"
                  " --lr 0.01 --seed 3 --threads 1 --quiet --out " + model).code, 0);
    return model;
  }
};

// The p_value column is the model's stored grid read at each row's score; fpr=Q flags exactly
// the rows whose p-value is below Q; other columns keep their order.
TEST_F(Outliers, ScorePValuesComeFromTheStoredGrid) {
  const std::string data = write_mixed(), model = train(path("clean.csv"));
  const CliRun run = ae("score " + model + " --data " + data + " --threshold fpr=0.05");
  ASSERT_EQ(run.code, 0);
  const auto rows = csv_cells(run.out);
  ASSERT_EQ(rows.size(), 409u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"index", "score", "rank", "percentile", "flag", "p_value"}));
  const Model m = load_model(model);
  const ScoreStats stats = ScoreCalibration::from_json(m.info.score, model).train_stats.at(kDefaultScore);
  std::size_t flagged = 0, low = 0;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    ASSERT_EQ(rows[r].size(), 6u);
    const double score = static_cast<float>(std::stod(rows[r][1])), p = std::stod(rows[r][5]);
    EXPECT_NEAR(p, static_cast<float>(stats.p_value(score)), 1e-8) << r;
    EXPECT_EQ(rows[r][4] == "1", p < 0.05) << r;
    flagged += rows[r][4] == "1";
    low += r > 400 && p < 0.01;
  }
  // About 5% of the training rows, and the eight rows off the surface among the lowest p-values.
  EXPECT_GT(flagged, 10u);
  EXPECT_LT(flagged, 35u);
  EXPECT_EQ(low, 8u);
  EXPECT_EQ(ae("score " + model + " --data " + data + " --threshold fpr=1").code, 2);
  EXPECT_EQ(ae("score " + model + " --data " + data + " --threshold fpr=0").code, 2);
}

// ae explain on rows whose outlying columns are known: rows 400..403 (columns 2 and 5 moved)
// name those two first, rows 404..407 (column 7) name column 7 first; values come back in
// data units; bad rows and counts are usage errors.
TEST_F(Outliers, ExplainNamesTheFeaturesThatWereMoved) {
  const std::string data = write_mixed(), model = train(path("clean.csv"));
  const CliRun run = ae("explain " + model + " --data " + data + " --top 2 --threshold fpr=0.002 --out " + path("why.csv"));
  ASSERT_EQ(run.code, 0);
  EXPECT_TRUE(run.out.empty());
  const auto rows = csv_cells(read_text(path("why.csv")));
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0], (std::vector<std::string>{"row", "rank", "score", "p_value", "feature", "value", "reconstruction",
                                               "term", "share"}));
  std::map<int, std::vector<int>> features;  // row -> its features, largest first
  for (std::size_t r = 1; r < rows.size(); ++r) {
    ASSERT_EQ(rows[r].size(), 9u);
    const int row = std::stoi(rows[r][0]), feature = std::stoi(rows[r][4]);
    features[row].push_back(feature);
    const double share = std::stod(rows[r][8]);
    EXPECT_GT(share, 0.0);
    EXPECT_LE(share, 1.0);
    if (row == 400 && feature == 5) {
      // Written as 2 v - 6 in data units: far below anything the surface holds (>= 0).
      EXPECT_LT(std::stod(rows[r][5]), -4.0);
      EXPECT_GT(std::stod(rows[r][6]), std::stod(rows[r][5]) + 3);
    }
  }
  // The eight moved rows are flagged at a 0.2% false-positive rate, and rank 1 to 8.
  for (int row = 400; row < 408; ++row) {
    ASSERT_EQ(features[row].size(), 2u) << row;
    if (row < 404) {
      EXPECT_EQ(std::set<int>(features[row].begin(), features[row].end()), (std::set<int>{2, 5})) << row;
    } else {
      EXPECT_EQ(features[row][0], 7) << row;
    }
  }
  EXPECT_LE(features.size(), 12u);
  // Chosen rows, in the order given, on stdout; the top-1 share of an inlier is below 1.
  const CliRun chosen = ae("explain " + model + " --data " + data + " --rows 405,3 --top 1");
  ASSERT_EQ(chosen.code, 0);
  const auto lines = csv_cells(chosen.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1][0], "405");
  EXPECT_EQ(lines[1][4], "7");
  EXPECT_EQ(lines[2][0], "3");
  EXPECT_EQ(ae("explain " + model + " --data " + data + " --rows 408").code, 2);
  EXPECT_EQ(ae("explain " + model + " --data " + data + " --rows 1,,2").code, 2);
  EXPECT_EQ(ae("explain " + model + " --data " + data + " --rows -1").code, 2);
  EXPECT_EQ(ae("explain " + model + " --data " + data + " --top 0").code, 2);
  EXPECT_EQ(ae("explain " + model + " --data " + data + " --out " + path("why.npy")).code, 2);
  EXPECT_EQ(ae("explain " + model + " --data " + data + " --threshold fpr=1").code, 2);
  EXPECT_EQ(ae("explain " + model + " --data " + path("absent.csv")).code, 66);
  EXPECT_EQ(ae("explain " + path("absent.safetensors") + " --data " + data).code, 66);
}

// 8 x 8 byte images as IDX: a bright horizontal bar on one of rows 2..5 (seeded); the last
// four images also have a bright 2 x 2 square in the top left corner (pixels 0, 1, 8, 9).
// `count` images; the clean ones are those before count - 4.
std::string write_bar_images(const std::string& file, int count) {
  std::ofstream out(file, std::ios::binary);
  const unsigned char head[16] = {0, 0, 8, 3, 0, 0, static_cast<unsigned char>(count >> 8), static_cast<unsigned char>(count & 255),
                                  0, 0, 0, 8, 0, 0, 0, 8};
  out.write(reinterpret_cast<const char*>(head), 16);
  Rng rng(11);
  for (int i = 0; i < count; ++i) {
    std::array<unsigned char, 64> px{};
    const std::size_t bar = 2 + rng.below(4);
    for (std::size_t c = 0; c < 8; ++c) px[bar * 8 + c] = static_cast<unsigned char>(180 + rng.below(60));
    if (i >= count - 4) px[0] = px[1] = px[8] = px[9] = 250;
    out.write(reinterpret_cast<const char*>(px.data()), 64);
  }
  return file;
}

// ae explain on images: the corner square is what the terms of the outlying rows point at
// (dual, the complexity-corrected default candidate), and --map draws the rows as a PNG;
// --map must name a .png.
TEST_F(Outliers, ExplainMapsTheErrorOfImageRows) {
  const std::string clean = write_bar_images(path("clean-idx3-ubyte"), 296);
  const std::string mixed = write_bar_images(path("mixed-idx3-ubyte"), 300);
  const std::string model = path("img.safetensors");
  ASSERT_EQ(ae("train --data " + clean + " --epochs 30 --seed 1 --threads 1 --quiet --out " + model).code, 0);
  const CliRun run = ae("explain " + model + " --data " + mixed + " --score dual --rows 296,299 --top 4 --map " +
                        path("why.png"));
  ASSERT_EQ(run.code, 0);
  const auto rows = csv_cells(run.out);
  ASSERT_EQ(rows.size(), 9u);
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const int feature = std::stoi(rows[r][4]);
    EXPECT_TRUE(feature == 0 || feature == 1 || feature == 8 || feature == 9) << "row " << rows[r][0] << ": " << feature;
  }
  const std::string png = read_text(path("why.png"));
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  EXPECT_EQ(ae("explain " + model + " --data " + mixed + " --rows 296 --map " + path("why.csv")).code, 2);
}

// --trim trains deterministically, is stored in the training record, and is checked.
TEST_F(Outliers, TrimTrainsDeterministicallyAndIsRecorded) {
  const std::string data = write_mixed();
  const std::string flags = "train --data " + data + " --layers 16:tanh,2:linear,16:tanh,8:linear --epochs 3 --batch 32"
                            " --seed 3 --threads 2 --quiet --trim 0.05 --out ";
  ASSERT_EQ(ae(flags + path("a.safetensors")).code, 0);
  ASSERT_EQ(ae(flags + path("b.safetensors")).code, 0);
  // The same weights, bit for bit (the files differ in the recorded seconds).
  const auto weights = [&](const std::string& name) {
    Model model = load_model(path(name));
    const auto p = model.autoencoder.parameters();
    return std::vector<float>(p.begin(), p.end());
  };
  EXPECT_TRUE(weights("a.safetensors") == weights("b.safetensors"));
  const Model m = load_model(path("a.safetensors"));
  EXPECT_EQ(nlohmann::json::parse(m.info.training).at("trim").get<double>(), 0.05);
  ASSERT_EQ(ae("train --data " + data + " --layers 16:tanh,2:linear,16:tanh,8:linear --epochs 3 --batch 32"
                " --seed 3 --threads 2 --quiet --trim 0 --out " + path("c.safetensors")).code, 0);
  EXPECT_FALSE(weights("a.safetensors") == weights("c.safetensors"));
  EXPECT_FALSE(nlohmann::json::parse(load_model(path("c.safetensors")).info.training).contains("trim"));
  // The default is 0.1.
  ASSERT_EQ(ae("train --data " + data + " --layers 16:tanh,2:linear,16:tanh,8:linear --epochs 3 --batch 32"
                " --seed 3 --threads 2 --quiet --out " + path("e.safetensors")).code, 0);
  EXPECT_EQ(nlohmann::json::parse(load_model(path("e.safetensors")).info.training).at("trim").get<double>(), 0.1);
  EXPECT_EQ(ae("train --data " + data + " --epochs 1 --trim 0.6 --out " + path("d.safetensors")).code, 2);
  EXPECT_EQ(ae("train --data " + data + " --epochs 1 --trim -1 --out " + path("d.safetensors")).code, 2);
}

// Without --epochs a small table trains for enough epochs to make 250 optimiser steps,
// counted over the rows left after --val-split; --epochs overrides it.
TEST_F(Outliers, DefaultEpochsGiveATableEnoughSteps) {
  const std::string data = write_mixed();
  const std::size_t rows = load_data(data).rows;
  const auto epochs_run = [&](const std::string& flags) {
    const CliRun run = ae("train --data " + data + " --layers 16:tanh,2:linear,16:tanh,8:linear --seed 3 --threads 2"
                          " --quiet --history " + path("h.csv") + " --out " + path("m.safetensors") + flags);
    EXPECT_EQ(run.code, 0) << run.out;
    const std::string history = read_text(path("h.csv"));
    return static_cast<std::size_t>(std::count(history.begin(), history.end(), '\n')) - 1;
  };
  const std::size_t batches = (rows + 31) / 32;
  ASSERT_LT(batches, 25u);  // so that the default is above 10 epochs
  EXPECT_EQ(epochs_run(""), (250 + batches - 1) / batches);
  EXPECT_EQ(nlohmann::json::parse(load_model(path("m.safetensors")).info.training).at("epochs").get<std::size_t>(),
            (250 + batches - 1) / batches);
  const std::size_t kept = rows - static_cast<std::size_t>(std::lround(0.5 * static_cast<double>(rows)));
  const std::size_t kept_batches = (kept + 31) / 32;
  EXPECT_NEAR(static_cast<double>(epochs_run(" --val-split 0.5")), static_cast<double>((250 + kept_batches - 1) / kept_batches), 1.0);
  EXPECT_EQ(epochs_run(" --epochs 4"), 4u);
  EXPECT_EQ(epochs_run(" --batch 1000"), 250u);
}

// Early stopping with --trim on the contaminated set: the run stops before its cap once the
// trimmed val_loss has not improved for 3 epochs, and --restore-best leaves the weights of
// the best epoch, which are those of a run of exactly that many epochs.
TEST_F(Outliers, TrimWithEarlyStoppingStopsAndRestoresTheBestEpoch) {
  const std::string data = write_mixed();
  const std::string flags = "train --data " + data + " --layers 16:tanh,2:linear,16:tanh,8:linear --batch 64"
                            " --lr 0.02 --seed 3 --threads 2 --quiet --trim 0.05 --val-split 0.2 ";
  const std::size_t cap = 300;
  ASSERT_EQ(ae(flags + "--epochs " + std::to_string(cap) + " --early-stop 3 --restore-best --history " +
               path("h.csv") + " --out " + path("stopped.safetensors")).code, 0);
  const auto rows = csv_cells(read_text(path("h.csv")));
  ASSERT_GT(rows.size(), 2u);
  const std::size_t epochs = rows.size() - 1;
  std::size_t best = 0;
  double best_val = INFINITY;
  for (std::size_t e = 1; e <= epochs; ++e) {
    const double v = std::stod(rows[e].at(2));
    if (v < best_val) {
      best_val = v;
      best = e;
    }
  }
  EXPECT_LT(epochs, cap);
  EXPECT_EQ(epochs, best + 3);  // stopped after 3 epochs without improving
  ASSERT_EQ(ae(flags + "--epochs " + std::to_string(best) + " --out " + path("best.safetensors")).code, 0);
  const auto weights = [&](const std::string& name) {
    Model model = load_model(path(name));
    const auto p = model.autoencoder.parameters();
    return std::vector<float>(p.begin(), p.end());
  };
  EXPECT_TRUE(weights("stopped.safetensors") == weights("best.safetensors"));
}

}  // namespace
}  // namespace ae
