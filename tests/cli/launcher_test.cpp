// ae started by an MPI launcher (mpirun -np N): it runs as one process only, so it refuses
// (exit 2, no files) instead of doing the whole work N times over.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "ae/data.hpp"
#include "ae/random.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

class Launcher : public test::TempDirTest {
 protected:
  int run(const std::string& line) const {
    return test::run_command("cd " + dir_.string() + " && " + line + " >/dev/null 2>>stderr.txt").code;
  }
  std::string train() const {
    return std::string(AE_BINARY) + " train --data x.npy --layers 2:linear,4:linear --epochs 1 --out m.safetensors --quiet";
  }
  void SetUp() override {
    TempDirTest::SetUp();
    Rng rng(1);
    Matrix x(40, 4);
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform_float();
    write_npy(path("x.npy"), x.view());
  }
};

TEST_F(Launcher, SeveralProcessesAreRefused) {
  EXPECT_EQ(run("OMPI_COMM_WORLD_SIZE=2 " + train()), 2);
  EXPECT_EQ(run("PMI_SIZE=3 " + train()), 2);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "m.safetensors"));
  EXPECT_EQ(run("OMPI_COMM_WORLD_SIZE=1 " + train()), 0) << test::read_text(dir_ / "stderr.txt");
  EXPECT_TRUE(std::filesystem::exists(dir_ / "m.safetensors"));
}

TEST_F(Launcher, UnderMpirun) {
  if (!std::filesystem::exists("/usr/bin/mpirun")) GTEST_SKIP() << "no mpirun (openmpi-bin)";
  const std::string mpirun =
      "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 60 mpirun --oversubscribe -np 2 ";
  EXPECT_EQ(run(mpirun + train()), 2) << test::read_text(dir_ / "stderr.txt");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "m.safetensors"));
}

}  // namespace
}  // namespace ae
