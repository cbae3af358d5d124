// ae started by an MPI launcher (mpirun -np N). train and demo run data-parallel where ae was
// built with MPI: 2 ranks of 1 thread write the weights of one process with 2 threads, rank
// 0 alone writes, checkpoints resume, a signal stops every rank with a checkpoint and a
// failing rank ends them all, each in bounded time (`timeout` around every mpirun). Other
// commands, and every command of an ae built without MPI, refuse (exit 2, no files) instead
// of doing the whole work N times over.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "ae/data.hpp"
#include "ae/model_file.hpp"
#include "ae/random.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

constexpr bool kMpiBuilt = AE_MPI_BUILT;
const std::string kMpirun =
    "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout -k 5 60 mpirun --oversubscribe -np 2 ";

class Launcher : public test::TempDirTest {
 protected:
  int run(const std::string& line) const {
    return test::run_command("cd " + dir_.string() + " && " + line + " >/dev/null 2>>stderr.txt").code;
  }
  static std::string train(const std::string& rest) {
    return std::string(AE_BINARY) + " train --data x.npy --layers 6:tanh,2:linear,6:tanh,4:linear --batch 16 --quiet " + rest;
  }
  std::vector<float> weights(const std::string& name) const {
    const Model m = load_model(path(name));
    return {m.autoencoder.parameters().begin(), m.autoencoder.parameters().end()};
  }
  void SetUp() override {
    TempDirTest::SetUp();
    Rng rng(1);
    Matrix x(120, 4);
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform_float();
    write_npy(path("x.npy"), x.view());
  }
  static bool have_mpirun() { return std::filesystem::exists("/usr/bin/mpirun"); }
};

TEST_F(Launcher, CommandsThatRunAsOneProcessRefuseSeveral) {
  ASSERT_EQ(run(train("--epochs 1 --out m.safetensors")), 0) << test::read_text(dir_ / "stderr.txt");
  // The launcher's variables alone say "one of N" before any MPI starts.
  EXPECT_EQ(run("OMPI_COMM_WORLD_SIZE=2 " + std::string(AE_BINARY) + " score m.safetensors --data x.npy --out s.csv"), 2);
  EXPECT_EQ(run("PMI_SIZE=3 " + std::string(AE_BINARY) + " encode m.safetensors --data x.npy --out e.npy"), 2);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "s.csv"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "e.npy"));
  EXPECT_NE(test::read_text(dir_ / "stderr.txt").find("runs as one process"), std::string::npos);
  EXPECT_EQ(run("OMPI_COMM_WORLD_SIZE=1 " + std::string(AE_BINARY) + " score m.safetensors --data x.npy --out s.csv"), 0);
  if (!kMpiBuilt) {
    EXPECT_EQ(run("OMPI_COMM_WORLD_SIZE=2 " + train("--epochs 1 --out n.safetensors")), 2);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "n.safetensors"));
    EXPECT_NE(test::read_text(dir_ / "stderr.txt").find("built without MPI"), std::string::npos);
  }
}

TEST_F(Launcher, TwoRanksOfOneThreadWriteTheWeightsOfOneProcessWithTwo) {
  if (!have_mpirun()) GTEST_SKIP() << "no mpirun (openmpi-bin)";
  if (!kMpiBuilt) {
    EXPECT_EQ(run(kMpirun + train("--epochs 1 --out m.safetensors")), 2) << test::read_text(dir_ / "stderr.txt");
    EXPECT_FALSE(std::filesystem::exists(dir_ / "m.safetensors"));
    GTEST_SKIP() << "ae built without MPI (AE_MPI=OFF): checked the refusal only";
  }
  ASSERT_EQ(run(kMpirun + train("--epochs 3 --threads 1 --val-split 0.2 --out mpi.safetensors --history mpi.csv")), 0)
      << test::read_text(dir_ / "stderr.txt");
  ASSERT_EQ(run(train("--epochs 3 --threads 2 --val-split 0.2 --out one.safetensors --history one.csv")), 0);
  EXPECT_EQ(weights("mpi.safetensors"), weights("one.safetensors"));
  ASSERT_EQ(run(train("--epochs 3 --threads 1 --val-split 0.2 --out t1.safetensors")), 0);
  EXPECT_NE(weights("mpi.safetensors"), weights("t1.safetensors"));  // the thread count matters
  // The history's losses (its time column aside) and the record's thread count agree too.
  const auto losses = [&](const std::string& name) {
    std::string out;
    std::istringstream in(test::read_text(dir_ / name));
    for (std::string line; std::getline(in, line);) out += line.substr(0, line.find(',', line.find(',', line.find(',') + 1) + 1)) + "\n";
    return out;
  };
  EXPECT_EQ(losses("mpi.csv"), losses("one.csv"));
  EXPECT_NE(load_model(path("mpi.safetensors")).info.training.find("\"threads\":2"), std::string::npos);

  // A checkpoint written under mpirun resumes there, and in one process with two threads.
  ASSERT_EQ(run(kMpirun + train("--epochs 2 --threads 1 --checkpoint c.ckpt --out part.safetensors")), 0);
  std::filesystem::copy_file(path("c.ckpt"), path("d.ckpt"));
  ASSERT_EQ(run(kMpirun + train("--epochs 4 --threads 1 --checkpoint c.ckpt --resume c.ckpt --out resumed.safetensors")), 0)
      << test::read_text(dir_ / "stderr.txt");
  ASSERT_EQ(run(train("--epochs 4 --threads 2 --checkpoint d.ckpt --resume d.ckpt --out resumed1.safetensors")), 0);
  ASSERT_EQ(run(train("--epochs 4 --threads 2 --out whole.safetensors")), 0);
  EXPECT_EQ(weights("resumed.safetensors"), weights("whole.safetensors"));
  EXPECT_EQ(weights("resumed1.safetensors"), weights("whole.safetensors"));
}

TEST_F(Launcher, AFailingRankEndsEveryRankWithItsExitCode) {
  if (!have_mpirun() || !kMpiBuilt) GTEST_SKIP() << "needs mpirun and an ae built with MPI";
  // Rank 1 cannot read its data while rank 0 waits for it in the first exchange.
  const std::string ae = train("--epochs 50 --threads 1 --out m.safetensors");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(run(kMpirun + "sh -c 'if [ \"$OMPI_COMM_WORLD_RANK\" = 1 ]; then exec " + ae +
                " --val missing.npy; else exec " + ae + "; fi'"), 66);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(50));
  EXPECT_NE(test::read_text(dir_ / "stderr.txt").find("rank 1 of 2: missing.npy"), std::string::npos)
      << test::read_text(dir_ / "stderr.txt");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "m.safetensors"));
}

TEST_F(Launcher, ASignalToOneRankStopsEveryRankWithACheckpoint) {
  if (!have_mpirun() || !kMpiBuilt) GTEST_SKIP() << "needs mpirun and an ae built with MPI";
  Rng rng(2);
  Matrix x(20000, 16);
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform_float();
  write_npy(path("big.npy"), x.view());
  // Long enough to be stopped: rank 1 writes its pid, then trains for minutes.
  const std::string ae = std::string(AE_BINARY) + " train --data big.npy --epochs 100000 --threads 1 --quiet --checkpoint c.ckpt --out m.safetensors";
  const pid_t launcher = ::fork();
  ASSERT_GE(launcher, 0);
  if (launcher == 0) {
    const std::string line = "cd " + dir_.string() + " && " + kMpirun + "sh -c 'if [ \"$OMPI_COMM_WORLD_RANK\" = 1 ]; then echo $$ > rank1.pid; fi; exec " +
                             ae + "' >/dev/null 2>stderr.txt";
    ::execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  pid_t rank1 = 0;
  for (int i = 0; i < 300 && rank1 == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const std::string text = test::read_text(dir_ / "rank1.pid");
    if (!text.empty() && text.back() == '\n') rank1 = std::stoi(text);
  }
  ASSERT_GT(rank1, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // into training
  ::kill(rank1, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(launcher, &status, 0), launcher);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 143) << test::read_text(dir_ / "stderr.txt");
  const std::string err = test::read_text(dir_ / "stderr.txt");
  EXPECT_NE(err.find("checkpoint written to c.ckpt"), std::string::npos) << err;
  EXPECT_NE(err.find("mpirun -np 2 "), std::string::npos) << err;  // the resume command
  EXPECT_TRUE(std::filesystem::exists(dir_ / "c.ckpt"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "m.safetensors"));
}

}  // namespace
}  // namespace ae
