// `ae train` reliability, end to end on the real binary: resume gives the uninterrupted run's
// weights, mismatched or missing checkpoints are refused, callbacks, bad flags and data,
// the NaN guard, and SIGINT / SIGTERM during training (checkpoint, exit 130 / 143, resume).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ae/random.hpp"
#include "ae/safetensors.hpp"
#include "../test_support.hpp"


namespace ae {
namespace {

namespace fs = std::filesystem;
using test::read_text;
using Clock = std::chrono::steady_clock;

const std::string kSpec = "4:tanh,2:sigmoid,4:tanh,6:sigmoid";


class TrainReliability : public test::TempDirTest {
 protected:

  // Runs `ae ARGS` in the test folder, stdout and stderr to files; returns the exit code.
  int ae(const std::string& args) const {
    const std::string command = "cd '" + dir_.string() + "' && " + AE_BINARY + " " + args +
                                " >stdout.txt 2>stderr.txt";
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::string err() const { return read_text(dir_ / "stderr.txt"); }

  // rows x cols of values in [0, 1] near a 2-D plane, no header.
  std::string write_csv(const std::string& name, std::size_t rows, std::size_t cols, std::uint64_t seed) const {
    Rng rng(seed);
    std::ofstream out(path(name));
    char buf[32];
    for (std::size_t r = 0; r < rows; ++r) {
      const double u = rng.uniform_double(), v = rng.uniform_double();
      for (std::size_t c = 0; c < cols; ++c) {
        const double x = c % 3 == 0 ? u : c % 3 == 1 ? v : 0.5 * (u + v) + 0.05 * rng.uniform_double();
        std::snprintf(buf, sizeof buf, "%s%.5f", c == 0 ? "" : ",", x);
        out << buf;
      }
      out << '\n';
    }
    return name;
  }

  // The tensors of a safetensors file (names, shapes and value bits); metadata left out
  // because model files record training seconds.
  std::vector<std::pair<std::string, std::string>> tensor_bytes(const std::string& name) const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const Tensor& t : read_safetensors(path(name)).tensors) {
      std::string key = t.name;
      for (std::size_t d : t.shape) key += ":" + std::to_string(d);
      out.emplace_back(key, std::string(reinterpret_cast<const char*>(t.values.data()), t.values.size() * sizeof(float)));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string metadata(const std::string& name, const std::string& key) const {
    return read_safetensors(path(name)).metadata.at(key);
  }

  // Starts `ae ARGS` in the test folder without waiting; stdout and stderr go to files.
  pid_t spawn(const std::vector<std::string>& args) const { return test::spawn_ae(dir_, args); }

  // Starts a long training run on 20000 x 50 rows, waits until it has finished an epoch and
  // run for about a second, sends `sig`, and returns the exit code.
  int train_then_signal(int sig, const std::vector<std::string>& extra) const {
    write_csv("big.csv", 20000, 50, 9);
    std::vector<std::string> args = {"train", "--data", "big.csv", "--layers", "32:relu,8:sigmoid,32:relu,50:sigmoid",
                                      "--epochs", "100000", "--threads", "2", "--seed", "3"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto start = Clock::now();
    const pid_t pid = spawn(args);
    if (pid < 0) return -1;
    while (Clock::now() - start < std::chrono::seconds(8) &&
           (err().find("Epoch 1/") == std::string::npos || Clock::now() - start < std::chrono::seconds(1))) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid, sig);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -100 - WTERMSIG(status);
  }

  // Resumes `checkpoint` up to the end of the epoch it stopped in; with `compare`, also trains
  // the same epochs straight and expects identical weights.
  void resume_to_epoch_end(const std::string& checkpoint, const std::string& extra, bool compare) {
    const std::size_t epochs = std::stoul(metadata(checkpoint, "epoch")) + 1;
    const std::string common = "--data big.csv --layers 32:relu,8:sigmoid,32:relu,50:sigmoid --threads 2 --seed 3 --quiet --epochs " +
                               std::to_string(epochs);
    ASSERT_EQ(ae("train " + common + " " + extra + " --resume " + checkpoint + " --out resumed.safetensors"), 0) << err();
    if (!compare) return;
    ASSERT_EQ(ae("train " + common + " --out straight.safetensors"), 0) << err();
    EXPECT_EQ(tensor_bytes("resumed.safetensors"), tensor_bytes("straight.safetensors"));
  }

};

TEST_F(TrainReliability, TwoEpochsPlusResumeToFourGivesTheStraightRunsWeights) {
  write_csv("d.csv", 300, 6, 1);
  const std::string common = "--data d.csv --layers " + kSpec + " --threads 2 --seed 4 --batch 16 --quiet";
  ASSERT_EQ(ae("train " + common + " --epochs 4 --out a.safetensors --history a.csv"), 0) << err();
  ASSERT_EQ(ae("train " + common + " --epochs 2 --checkpoint ck.safetensors"), 0) << err();
  EXPECT_EQ(metadata("ck.safetensors", "epoch"), "2");
  EXPECT_EQ(metadata("ck.safetensors", "format"), "ae-checkpoint");
  ASSERT_EQ(ae("train " + common + " --epochs 4 --resume ck.safetensors --checkpoint ck.safetensors --out b.safetensors --history b.csv"), 0) << err();
  EXPECT_EQ(tensor_bytes("a.safetensors"), tensor_bytes("b.safetensors"));
  EXPECT_EQ(metadata("ck.safetensors", "epoch"), "4");
  // The resumed history holds all four epochs with the same losses.
  std::string a = read_text(dir_ / "a.csv"), b = read_text(dir_ / "b.csv");
  const auto losses = [](const std::string& csv) {
    std::vector<std::string> out;
    std::istringstream in(csv);
    std::string line;
    while (std::getline(in, line)) out.push_back(line.substr(0, line.find(',', line.find(',') + 1)));
    return out;
  };
  EXPECT_EQ(losses(a), losses(b));
  EXPECT_EQ(losses(b).size(), 5u);
}

TEST_F(TrainReliability, MismatchedCheckpointsAre65AndAMissingOneIs66) {
  write_csv("d.csv", 300, 6, 1);
  write_csv("other.csv", 300, 6, 2);
  const std::string common = " --threads 2 --seed 4 --quiet --epochs 3 --resume ck.safetensors";
  ASSERT_EQ(ae("train --data d.csv --layers " + kSpec + " --threads 2 --seed 4 --quiet --epochs 1 --checkpoint ck.safetensors"), 0) << err();
  EXPECT_EQ(ae("train --data other.csv --layers " + kSpec + common), 65);
  EXPECT_NE(err().find("ck.safetensors"), std::string::npos) << err();
  EXPECT_EQ(ae("train --data d.csv --layers 5:tanh,2:sigmoid,4:tanh,6:sigmoid" + common), 65);
  EXPECT_NE(err().find("spec"), std::string::npos) << err();
  EXPECT_EQ(ae("train --data d.csv --layers " + kSpec + common + " --lr 0.01"), 65);
  EXPECT_NE(err().find("lr 0.001 (checkpoint) vs 0.01 (this run)"), std::string::npos) << err();
  EXPECT_EQ(ae("train --data d.csv --layers " + kSpec + common + " --val other.csv"), 65);
  EXPECT_EQ(ae("train --data d.csv --layers " + kSpec + " --quiet --resume missing.safetensors"), 66);
  EXPECT_NE(err().find("missing.safetensors"), std::string::npos) << err();
  EXPECT_EQ(ae("train --data d.csv --layers " + kSpec + " --seed 4 --threads 2 --quiet --epochs 3 --resume d.csv"), 65);
  // The refused runs wrote nothing new.
  EXPECT_EQ(metadata("ck.safetensors", "epoch"), "1");
}

TEST_F(TrainReliability, EarlyStopWithRestoreBestEndsWithTheBestEpochsWeights) {
  // Training rows near 0.2, validation rows near 0.8: val_loss rises every epoch.
  {
    std::ofstream t(path("low.csv")), v(path("high.csv"));
    Rng rng(2);
    for (int r = 0; r < 200; ++r) t << 0.2 + 0.05 * rng.uniform_double() << ',' << 0.2 + 0.05 * rng.uniform_double() << ",0.21,0.22\n";
    for (int r = 0; r < 40; ++r) v << 0.8 + 0.05 * rng.uniform_double() << ',' << 0.8 + 0.05 * rng.uniform_double() << ",0.81,0.82\n";
  }
  const std::string common = "train --data low.csv --val high.csv --layers 3:tanh,4:sigmoid --lr 0.01 --batch 20 --threads 2 --quiet "
                             "--scale none --init glorot_uniform ";
  ASSERT_EQ(ae(common + "--epochs 1 --out best.safetensors"), 0) << err();
  ASSERT_EQ(ae(common + "--epochs 30 --early-stop 3 --restore-best --out stopped.safetensors --history h.csv"), 0) << err();
  EXPECT_EQ(tensor_bytes("best.safetensors"), tensor_bytes("stopped.safetensors"));
  const std::string h = read_text(dir_ / "h.csv");
  EXPECT_EQ(std::count(h.begin(), h.end(), '\n'), 5) << h;  // header + epochs 1..4
  ASSERT_EQ(ae(common + "--epochs 30 --early-stop 3 --out last.safetensors"), 0) << err();
  EXPECT_NE(tensor_bytes("best.safetensors"), tensor_bytes("last.safetensors"));

  // ReduceLROnPlateau: lr column drops by 10x after 2 epochs without improvement.
  ASSERT_EQ(ae(common + "--epochs 4 --reduce-lr 2 --history lr.csv"), 0) << err();
  std::istringstream rows(read_text(dir_ / "lr.csv"));
  std::string line;
  std::vector<std::string> lrs;
  std::getline(rows, line);
  while (std::getline(rows, line)) lrs.push_back(line.substr(line.rfind(',') + 1));
  EXPECT_EQ(lrs, (std::vector<std::string>{"0.01", "0.01", "0.01", "0.001"}));
}

TEST_F(TrainReliability, BadFlagsAre2AndBadDataIs65Or2) {
  write_csv("d.csv", 50, 6, 1);
  const std::string common = "train --data d.csv --layers " + kSpec + " --quiet ";
  for (const char* flags : {"--epochs 0", "--epochs -1", "--batch 0", "--batch -5", "--lr 0", "--lr -0.1",
                            "--checkpoint c.st --checkpoint-every 0", "--checkpoint c.st --checkpoint-every -2",
                            "--checkpoint-every 2", "--early-stop 0", "--early-stop -1", "--reduce-lr 0",
                            "--reduce-lr 2 --reduce-lr-factor 1", "--restore-best"}) {
    EXPECT_EQ(ae(common + flags), 2) << flags;
    const std::string flag = std::string(flags).substr(0, std::string(flags).find(' '));
    EXPECT_NE(err().find(flag.substr(0, 8)), std::string::npos) << flags << ": " << err();
  }
  { std::ofstream(path("empty.csv")) << "a,b,c,d,e,f\n"; }
  EXPECT_EQ(ae("train --data empty.csv --layers " + kSpec + " --quiet"), 65);
  write_csv("narrow.csv", 10, 5, 1);
  EXPECT_EQ(ae(common + "--val narrow.csv"), 2);
  // Warnings only: a constant column, values over 1 under sigmoid, a batch over the rows.
  {
    std::ofstream out(path("odd.csv"));
    for (int r = 0; r < 20; ++r) out << r * 0.1 << ",0.5,0.2,0.3," << r % 2 << ",0.1\n";
  }
  // --quiet silences progress, never warnings (issue 14).
  for (const char* quiet : {" --quiet", ""}) {
    EXPECT_EQ(ae("train --data odd.csv --layers " + kSpec + " --scale none --epochs 1 --batch 64" + quiet), 0) << err();
    const std::string e = err();
    EXPECT_NE(e.find("4 of 6 columns are constant"), std::string::npos) << e;
    EXPECT_NE(e.find("sigmoid"), std::string::npos) << e;
    EXPECT_NE(e.find("batch size 64"), std::string::npos) << e;
    EXPECT_NE(e.find("will not be saved"), std::string::npos) << e;
    EXPECT_EQ(e.find("Epoch 1/1") == std::string::npos, *quiet != 0) << e;
  }
}

TEST_F(TrainReliability, DivergenceExits3LeavesTheCheckpointAndWritesNoModel) {
  write_csv("d.csv", 300, 6, 1);
  ASSERT_EQ(ae("train --data d.csv --layers " + kSpec + " --quiet --epochs 2 --checkpoint ck.safetensors"), 0) << err();
  const std::string before = read_text(dir_ / "ck.safetensors");
  EXPECT_EQ(ae("train --data d.csv --layers 6:linear,6:linear --loss sse --optimizer sgd --lr 1e30 --quiet --epochs 3 "
               "--checkpoint ck.safetensors --out m.safetensors"), 3);
  EXPECT_NE(err().find("epoch 1"), std::string::npos) << err();
  EXPECT_EQ(read_text(dir_ / "ck.safetensors"), before);
  EXPECT_FALSE(fs::exists(path("m.safetensors")));
}

TEST_F(TrainReliability, SigintSavesACheckpointExits130AndTheResumeMatchesTheStraightRun) {
  const int code = train_then_signal(SIGINT, {"--out", "model.safetensors"});
  ASSERT_EQ(code, 130) << err();
  const std::string e = err();
  EXPECT_NE(e.find("--resume model.safetensors.checkpoint"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(path("model.safetensors")));
  ASSERT_TRUE(fs::exists(path("model.safetensors.checkpoint")));
  EXPECT_NE(metadata("model.safetensors.checkpoint", "batch"), "");
  resume_to_epoch_end("model.safetensors.checkpoint", "", true);
}

TEST_F(TrainReliability, SigtermSavesTheNamedCheckpointAndExits143) {
  const int code = train_then_signal(SIGTERM, {"--checkpoint", "ck.safetensors", "--checkpoint-every", "5"});
  ASSERT_EQ(code, 143) << err();
  EXPECT_NE(err().find("--resume ck.safetensors"), std::string::npos) << err();
  EXPECT_EQ(metadata("ck.safetensors", "format"), "ae-checkpoint");
  resume_to_epoch_end("ck.safetensors", "--checkpoint ck.safetensors --checkpoint-every 5", false);
}

}  // namespace
}  // namespace ae
