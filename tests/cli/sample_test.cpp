// The variational model through the real binary: ae train --variational, the kind in the
// summary and the training record, ae sample to NPY (seeded, in the data's units) and PNG,
// the refusals (a plain model, a bad output name, too many pictures), ONNX export of the
// mean path, and --sparsity in the training record.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>

#include "ae/data.hpp"
#include "ae/model_file.hpp"
#include "ae/random.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

using test::read_text;

using CliRun = test::AeRun;

class Sample : public test::TempDirTest {
 protected:
  CliRun ae(const std::string& args) const { return test::run_ae(args, dir_ / "stderr.txt"); }
  // 300 rows of 8 columns on a 2-D surface, in units of about 100.
  std::string write_table(const std::string& name) const {
    std::ofstream out(path(name));
    Rng rng(3);
    out << "a,b,c,d,e,f,g,h\n";
    for (int i = 0; i < 300; ++i) {
      const double u = rng.uniform(0, 1), v = rng.uniform(0, 1);
      for (int c = 0; c < 8; ++c) out << 100 * std::sin(u * (c + 1) + v) << (c < 7 ? ',' : '\n');
    }
    return path(name);
  }
};

TEST_F(Sample, VariationalModelTrainsSamplesAndKnowsItsKind) {
  const std::string table = write_table("t.csv");
  const std::string model = path("vae.safetensors");
  const CliRun train = ae("train --data " + table + " --variational --beta 0.5 --epochs 3 --threads 1 --quiet --out " + model);
  ASSERT_EQ(train.code, 0) << train.err;
  const CliRun summary = ae("summary " + model);
  ASSERT_EQ(summary.code, 0) << summary.err;
  EXPECT_NE(summary.out.find("variational autoencoder"), std::string::npos) << summary.out;
  EXPECT_NE(summary.out.find("variational, beta 0.5"), std::string::npos) << summary.out;

  ASSERT_EQ(ae("sample " + model + " --n 7 --seed 3 --out " + path("a.npy")).code, 0);
  ASSERT_EQ(ae("sample " + model + " --n 7 --seed 3 --out " + path("b.npy")).code, 0);
  ASSERT_EQ(ae("sample " + model + " --n 7 --seed 4 --out " + path("c.npy")).code, 0);
  const Dataset a = load_data(path("a.npy")), b = load_data(path("b.npy")), c = load_data(path("c.npy"));
  EXPECT_EQ(a.rows, 7u);
  EXPECT_EQ(a.cols, 8u);
  EXPECT_EQ(read_text(path("a.npy")), read_text(path("b.npy")));
  EXPECT_NE(read_text(path("a.npy")), read_text(path("c.npy")));
  // Rows come back in the data's units (z-scored in training), not the model's.
  float largest = 0;
  for (std::size_t i = 0; i < a.rows * a.cols; ++i) largest = std::max(largest, std::abs(a.values[i]));
  EXPECT_GT(largest, 5.0f);

  ASSERT_EQ(ae("sample " + model + " --n 10 --out " + path("s.png")).code, 0);
  EXPECT_EQ(read_text(path("s.png")).substr(1, 3), "PNG");
  // encode gives K = 2 values per row (the mean).
  const CliRun z = ae("encode " + model + " --data " + table);
  ASSERT_EQ(z.code, 0) << z.err;
  EXPECT_EQ(z.out.substr(0, z.out.find('\n')), "z0,z1");
  // The ONNX export computes the mean path.
  EXPECT_EQ(ae("export " + model + " --out " + path("m.onnx")).code, 0);
}

TEST_F(Sample, RefusalsAreUsageErrorsAndWriteNothing) {
  const std::string table = write_table("t.csv");
  const std::string plain = path("plain.safetensors"), vae = path("vae.safetensors");
  ASSERT_EQ(ae("train --data " + table + " --sparsity 0.01 --epochs 2 --threads 1 --quiet --out " + plain).code, 0);
  EXPECT_NE(ae("summary " + plain).out.find("sparsity 0.01"), std::string::npos);
  const CliRun refused = ae("sample " + plain + " --n 3 --out " + path("x.npy"));
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("--variational"), std::string::npos) << refused.err;
  EXPECT_FALSE(std::ifstream(path("x.npy")).good());
  ASSERT_EQ(ae("train --data " + table + " --variational --epochs 1 --threads 1 --quiet --out " + vae).code, 0);
  EXPECT_EQ(ae("sample " + vae + " --n 3 --out " + path("x.csv")).code, 2);
  EXPECT_EQ(ae("sample " + vae + " --n 401 --out " + path("x.png")).code, 2);
  EXPECT_EQ(ae("sample " + vae + " --n 0 --out " + path("x.npy")).code, 2);
  EXPECT_EQ(ae("sample " + path("missing.safetensors") + " --n 3 --out " + path("x.npy")).code, 66);
  // A variational model's embedding layer must be linear; sparsity is for plain models.
  EXPECT_EQ(ae("train --data " + table + " --variational --layers 4:relu,2:sigmoid,4:relu,8:linear --epochs 1 --quiet --out " +
               path("y.safetensors")).code, 2);
  EXPECT_EQ(ae("train --data " + table + " --variational --sparsity 0.1 --epochs 1 --quiet --out " + path("y.safetensors")).code, 2);
  EXPECT_FALSE(std::ifstream(path("y.safetensors")).good());
}

}  // namespace
}  // namespace ae
