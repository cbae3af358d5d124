// ae score --score elbo | recprob through the real binary: the training statistics saved by
// ae train (on the training rows, max-train flags none and fpr=0.1 a tenth), recprob's seeded
// draws, and the refusals (a plain model, no draws, a per-feature form).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <utility>

#include "ae/data.hpp"
#include "ae/random.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

using test::read_text;

class VariationalScoreCli : public test::TempDirTest {
 protected:
  int ae(const std::string& args) const {
    return test::run_command(std::string(AE_BINARY) + " " + args + " 2>" + path("stderr.txt")).code;
  }
  // 200 rows of 6 columns on a 2-D surface.
  std::string write_table(const std::string& name) const {
    std::ofstream out(path(name));
    Rng rng(5);
    out << "a,b,c,d,e,f\n";
    for (int i = 0; i < 200; ++i) {
      const double u = rng.uniform(0, 1), v = rng.uniform(0, 1);
      for (int c = 0; c < 6; ++c) out << std::sin(u * (c + 1) + v) << (c < 5 ? ',' : '\n');
    }
    return path(name);
  }
};

TEST_F(VariationalScoreCli, ScoresCalibratedAtTrainingAndSeededDraws) {
  const std::string table = write_table("t.csv");
  const std::string vae = path("vae.safetensors");
  ASSERT_EQ(ae("train --data " + table + " --variational --beta 0.5 --epochs 3 --threads 1 --quiet --out " + vae), 0)
      << read_text(path("stderr.txt"));
  for (const std::string kind : {"elbo", "recprob"}) {
    for (const auto& [threshold, share] : {std::pair{"max-train", 0.0}, std::pair{"fpr=0.1", 0.1}}) {
      const std::string out = path(kind + ".npy");
      ASSERT_EQ(ae("score " + vae + " --data " + table + " --score " + kind + " --threshold " + threshold + " --out " + out), 0)
          << read_text(path("stderr.txt"));
      const Dataset table_out = load_data(out);
      ASSERT_EQ(table_out.rows, 200u);
      float flagged = 0;
      for (std::size_t i = 0; i < table_out.rows; ++i) {
        EXPECT_TRUE(std::isfinite(table_out.at(i, 1)) && table_out.at(i, 1) > 0) << kind << " row " << i;
        EXPECT_TRUE(table_out.at(i, 5) >= 0 && table_out.at(i, 5) <= 1) << kind << " row " << i;
        flagged += table_out.at(i, 4);
      }
      // The training rows score as at training (recprob: the same default draws), so the
      // thresholds from the saved statistics flag the share of them they promise.
      EXPECT_NEAR(flagged, share * 200, 1) << kind << " " << threshold;
    }
  }
  const std::string args = "score " + vae + " --data " + table + " --score recprob --samples 3 ";
  ASSERT_EQ(ae(args + "--seed 1 --out " + path("a.npy")), 0);
  ASSERT_EQ(ae(args + "--seed 1 --out " + path("b.npy")), 0);
  ASSERT_EQ(ae(args + "--seed 2 --out " + path("c.npy")), 0);
  EXPECT_EQ(read_text(path("a.npy")), read_text(path("b.npy")));
  EXPECT_NE(read_text(path("a.npy")), read_text(path("c.npy")));
}

TEST_F(VariationalScoreCli, RefusalsAreUsageErrorsAndWriteNothing) {
  const std::string table = write_table("t.csv");
  const std::string plain = path("plain.safetensors"), vae = path("vae.safetensors");
  ASSERT_EQ(ae("train --data " + table + " --epochs 1 --threads 1 --quiet --out " + plain), 0);
  ASSERT_EQ(ae("train --data " + table + " --variational --epochs 1 --threads 1 --quiet --out " + vae), 0);
  EXPECT_EQ(ae("score " + plain + " --data " + table + " --score elbo --out " + path("x.npy")), 2);
  EXPECT_NE(read_text(path("stderr.txt")).find("variational"), std::string::npos);
  EXPECT_EQ(ae("score " + plain + " --data " + table + " --score recprob --fit " + table + " --out " + path("x.npy")), 2);
  EXPECT_EQ(ae("score " + vae + " --data " + table + " --score recprob --samples 0 --out " + path("x.npy")), 2);
  EXPECT_EQ(ae("score " + vae + " --data " + table + " --score elbo --per-feature " + path("p.npy") + " --out " + path("x.npy")), 2);
  EXPECT_FALSE(std::ifstream(path("x.npy")).good());
  EXPECT_FALSE(std::ifstream(path("p.npy")).good());
}

}  // namespace
}  // namespace ae
