// --precision on train, encode and score: bf16 runs are bit-identical for the same seed and
// threads, close to fp32, recorded in the model's training record; a CPU without native
// bf16 (or one masked to look so, AE_CPU_MASK) is refused with exit 2 before any work.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ae/model_file.hpp"
#include "ae/precision.hpp"
#include "../cpu_support.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

struct AeRun {
  int code = -1;
  std::string out, err;
};

class PrecisionCli : public test::TempDirTest {
 protected:
  // `ae ARGS` under the environment assignments `env` (may be empty); stderr kept.
  AeRun ae(const std::string& args, const std::string& env = "") const {
    const test::CommandRun run =
        test::run_command(env + " " + AE_BINARY + " " + args + " 2>" + path("stderr.txt"));
    return {run.code, run.out, test::read_text(path("stderr.txt"))};
  }

  // 300 x 12 rows near a 3-D subspace, values in [0, 1].
  std::string write_table() const {
    std::ofstream out(path("table.csv"));
    for (int i = 0; i < 300; ++i) {
      const double u = (i % 10) / 10.0, v = (i / 10 % 10) / 10.0, w = (i / 100) / 3.0;
      for (int j = 0; j < 12; ++j) out << (j ? "," : "") << (u * (j % 3) + v * (j % 2) + w) / 3.0;
      out << '\n';
    }
    return path("table.csv");
  }

  std::string train(const std::string& precision, const std::string& name) const {
    const std::string model = path(name);
    const AeRun run = ae("train --data " + write_table() + " --layers 16:relu,3:linear,16:relu,12:sigmoid --epochs 3 "
                       "--batch 32 --threads 2 --seed 7 --quiet --precision " + precision + " --out " + model);
    EXPECT_EQ(run.code, 0) << run.err;
    return model;
  }
};

std::vector<double> numbers(const std::string& csv) {
  std::vector<double> v;
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');) v.push_back(std::stod(cell));
  }
  return v;
}

TEST_F(PrecisionCli, UnknownPrecisionAndMaskedCpuAreRefusedWithExit2) {
  const std::string table = write_table();
  const AeRun bad = ae("train --data " + table + " --layers 3:relu,12:sigmoid --precision fp16 --out " + path("m.safetensors"));
  EXPECT_EQ(bad.code, 2);
  const AeRun masked = ae("train --data " + table + " --layers 3:relu,12:sigmoid --precision bf16 --out " + path("m.safetensors"),
                        "AE_CPU_MASK=avx512_bf16,amx");
  EXPECT_EQ(masked.code, 2);
  EXPECT_NE(masked.err.find("bf16"), std::string::npos) << masked.err;
  EXPECT_EQ(std::count(masked.err.begin(), masked.err.end(), '\n'), 1) << masked.err;
  EXPECT_FALSE(std::filesystem::exists(path("m.safetensors")));
  // fp32 is never refused, masked or not.
  EXPECT_EQ(ae("train --data " + table + " --layers 3:relu,12:sigmoid --epochs 1 --quiet --out " + path("m.safetensors"),
                "AE_CPU_MASK=avx2,avx512,avx512_bf16,amx").code, 0);
  const std::string model = path("m.safetensors");
  EXPECT_EQ(ae("encode " + model + " --data " + table + " --precision bf16", "AE_CPU_MASK=avx512_bf16,amx").code, 2);
  EXPECT_EQ(ae("score " + model + " --data " + table + " --precision bf16", "AE_CPU_MASK=avx512_bf16,amx").code, 2);
}

TEST_F(PrecisionCli, Bf16TrainingIsDeterministicCloseToFp32AndRecorded) {
  AE_SKIP_WITHOUT_BF16();
  const std::string a = train("bf16", "a.safetensors"), b = train("bf16", "b.safetensors");
  const std::string f = train("fp32", "f.safetensors");
  const Model ma = load_model(a), mb = load_model(b), mf = load_model(f);
  const auto pa = ma.autoencoder.parameters(), pb = mb.autoencoder.parameters(), pf = mf.autoencoder.parameters();
  ASSERT_EQ(pa.size(), pb.size());
  EXPECT_TRUE(std::equal(pa.begin(), pa.end(), pb.begin()));
  EXPECT_FALSE(std::equal(pa.begin(), pa.end(), pf.begin()));  // bf16 rounding changes the weights
  double diff = 0, norm = 0;
  for (std::size_t i = 0; i < pa.size(); ++i) {
    diff += (pa[i] - pf[i]) * (pa[i] - pf[i]);
    norm += pf[i] * pf[i];
  }
  EXPECT_LT(std::sqrt(diff / norm), 0.05);
  const auto record = nlohmann::json::parse(ma.info.training);
  EXPECT_EQ(record.at("precision"), "bf16");
  EXPECT_EQ(nlohmann::json::parse(mf.info.training).at("precision"), "fp32");

  // Inference in bf16 is close to fp32 on the same model and the same from run to run.
  const std::string table = write_table();
  const AeRun e32 = ae("encode " + f + " --data " + table), e16 = ae("encode " + f + " --data " + table + " --precision bf16");
  const AeRun e16b = ae("encode " + f + " --data " + table + " --precision bf16");
  ASSERT_EQ(e32.code, 0);
  ASSERT_EQ(e16.code, 0) << e16.err;
  EXPECT_EQ(e16.out, e16b.out);
  const auto z32 = numbers(e32.out), z16 = numbers(e16.out);
  ASSERT_EQ(z32.size(), z16.size());
  double worst = 0;
  for (std::size_t i = 0; i < z32.size(); ++i) worst = std::max(worst, std::abs(z32[i] - z16[i]));
  EXPECT_GT(worst, 0.0);
  EXPECT_LT(worst, 0.05);
  EXPECT_EQ(ae("score " + f + " --data " + table + " --precision bf16 --out " + path("s.csv")).code, 0);
}

}  // namespace
}  // namespace ae
