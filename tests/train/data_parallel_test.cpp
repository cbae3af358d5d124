// Data-parallel training over Ranks: N ranks of one thread give the bytes of one process with
// N threads (weights, history, optimiser moments), with trimming, dropout, validation, a
// batch smaller than the ranks, a stop on one rank, and mismatched ranks. The ranks here are
// threads of this process meeting at a barrier (ThreadRanks); the MPI ranks of the `ae` tool
// are tested end to end in tests/cli/mpi_test.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <cmath>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "ae/checkpoint.hpp"
#include "ae/error.hpp"
#include "ae/random.hpp"
#include "ae/ranks.hpp"
#include "ae/trainer.hpp"
#include "../test_support.hpp"

namespace ae {
namespace {

// What the ranks of one group share: a barrier and each rank's buffers of the collective in
// progress.
struct Group {
  explicit Group(std::size_t n) : barrier(static_cast<std::ptrdiff_t>(n)), data(n), offsets(n) {}
  std::barrier<> barrier;
  std::vector<const void*> data;
  std::vector<const std::size_t*> offsets;
};

class ThreadRanks : public Ranks {
 public:
  ThreadRanks(Group& group, std::size_t rank) : group_(group), rank_(rank) {}
  std::size_t rank() const override { return rank_; }
  std::size_t size() const override { return group_.data.size(); }
  void all_gather(std::span<const double> mine, std::span<double> all) override {
    publish(mine.data(), nullptr);
    for (std::size_t r = 0; r < size(); ++r) {
      const auto* from = static_cast<const double*>(group_.data[r]);
      std::copy(from, from + mine.size(), all.begin() + static_cast<std::ptrdiff_t>(r * mine.size()));
    }
    group_.barrier.arrive_and_wait();
  }
  void all_gather_blocks(std::span<float> data, std::span<const std::size_t> offsets) override {
    publish(data.data(), nullptr);
    for (std::size_t r = 0; r < size(); ++r) {
      if (r == rank_) continue;
      const auto* from = static_cast<const float*>(group_.data[r]);
      std::copy(from + offsets[r], from + offsets[r + 1], data.begin() + static_cast<std::ptrdiff_t>(offsets[r]));
    }
    group_.barrier.arrive_and_wait();
  }
  void all_to_all(std::span<const float> send, std::span<const std::size_t> send_offsets, std::span<float> recv,
                  std::span<const std::size_t> recv_offsets) override {
    // Each rank's send offsets travel with its buffer: rank s's part for this rank is
    // [send_offsets_s[rank], send_offsets_s[rank + 1]).
    publish(send.data(), send_offsets.data());
    for (std::size_t s = 0; s < size(); ++s) {
      const auto* from = static_cast<const float*>(group_.data[s]);
      const std::size_t* at = group_.offsets[s];
      ASSERT_EQ(at[rank_ + 1] - at[rank_], recv_offsets[s + 1] - recv_offsets[s]);
      std::copy(from + at[rank_], from + at[rank_ + 1], recv.begin() + static_cast<std::ptrdiff_t>(recv_offsets[s]));
    }
    group_.barrier.arrive_and_wait();
  }
 private:
  void publish(const void* data, const std::size_t* offsets) {
    group_.data[rank_] = data;
    group_.offsets[rank_] = offsets;
    group_.barrier.arrive_and_wait();
  }
  Group& group_;
  std::size_t rank_;
};

// 300 rows of 6 features on a 1-D curve, two of them noisy.
Dataset curve(std::uint64_t seed = 4) {
  Dataset d;
  d.rows = 300;
  d.cols = 6;
  d.source = "curve";
  Rng gen(seed);
  for (std::size_t r = 0; r < d.rows; ++r) {
    const double t = static_cast<double>(r) / 300.0;
    for (std::size_t c = 0; c < d.cols; ++c) {
      d.values.push_back(static_cast<float>(0.5 + 0.4 * std::sin(3 * t + static_cast<double>(c)) + (c < 2 ? 0.05 * gen.uniform_float() : 0)));
    }
  }
  return d;
}

struct Result {
  std::vector<float> params, m, v;
  std::vector<double> loss, val_loss;
  std::size_t config_threads = 0;
  std::string error;  // the Error's message when fit threw
};

constexpr const char* kCurveLayers = "10:tanh,2:sigmoid,10:tanh,6:sigmoid";

Result train_one(TrainConfig config, const Dataset& data, const Dataset* val, Ranks* ranks,
                 const std::function<void(Trainer&, const TrainEvent&)>& on_event = {},
                 const std::string& layers = kCurveLayers) {
  Autoencoder model(make_architecture(data.cols, parse_layers(layers)));
  Rng rng(11);
  model.initialize(Init::glorot_uniform, rng);
  config.ranks = ranks;
  Result out;
  try {
    Trainer trainer(model, config, rng);
    out.config_threads = trainer.config().threads;
    const History h = trainer.fit(data, val, [&](const TrainEvent& e) {
      if (on_event) on_event(trainer, e);
    });
    for (const EpochRecord& e : h.epochs) {
      out.loss.push_back(e.loss);
      out.val_loss.push_back(e.val_loss);
    }
    out.m = trainer.optimizer().first_moment();
    out.v = trainer.optimizer().second_moment();
  } catch (const Error& e) {
    out.error = e.what();
  }
  out.params.assign(model.parameters().begin(), model.parameters().end());
  return out;
}

// Runs train_one on n ranks, one thread each; returns each rank's result.
std::vector<Result> train_ranks(std::size_t n, const std::function<TrainConfig(std::size_t)>& config_of,
                                const std::function<const Dataset&(std::size_t)>& data_of, const Dataset* val,
                                const std::function<void(std::size_t, Trainer&, const TrainEvent&)>& on_event = {},
                                const std::string& layers = kCurveLayers) {
  Group group(n);
  std::vector<Result> results(n);
  std::vector<std::thread> threads;
  for (std::size_t r = 0; r < n; ++r) {
    threads.emplace_back([&, r] {
      ThreadRanks ranks(group, r);
      results[r] = train_one(config_of(r), data_of(r), val, &ranks, [&, r](Trainer& t, const TrainEvent& e) {
        if (on_event) on_event(r, t, e);
      }, layers);
    });
  }
  for (std::thread& t : threads) t.join();
  return results;
}

void expect_same(const Result& a, const Result& b, const std::string& what) {
  EXPECT_EQ(a.error, b.error) << what;
  EXPECT_EQ(a.params, b.params) << what;
  EXPECT_EQ(a.m, b.m) << what;
  EXPECT_EQ(a.v, b.v) << what;
  EXPECT_EQ(a.loss, b.loss) << what;
  for (std::size_t i = 0; i < a.val_loss.size() && i < b.val_loss.size(); ++i) {
    EXPECT_TRUE(a.val_loss[i] == b.val_loss[i] || (std::isnan(a.val_loss[i]) && std::isnan(b.val_loss[i]))) << what;
  }
}

TEST(DataParallel, RanksOfOneThreadGiveTheBytesOfOneProcessWithAsManyThreads) {
  const Dataset data = curve(), val = curve(9);
  for (const std::size_t n : {2u, 3u}) {
    TrainConfig config{.epochs = 3, .batch = 37, .threads = 1};
    config.diagnose = false;
    TrainConfig single = config;
    single.threads = n;
    const Result one = train_one(single, data, &val, nullptr);
    ASSERT_EQ(one.error, "");
    EXPECT_EQ(one.config_threads, n);
    const auto ranks = train_ranks(n, [&](std::size_t) { return config; }, [&](std::size_t) -> const Dataset& { return data; }, &val);
    for (std::size_t r = 0; r < n; ++r) {
      expect_same(ranks[r], one, std::to_string(n) + " ranks, rank " + std::to_string(r));
      EXPECT_EQ(ranks[r].config_threads, n);
    }
    // And not by accident: one thread alone trains other bytes.
    EXPECT_NE(train_one(config, data, &val, nullptr).params, one.params);
  }
}

TEST(DataParallel, ThreadsTakingEachOthersUpdateChunksGiveTheBytesOfRanks) {
  // Layers of 24,080 and 24,300 parameters: two update chunks each, dealt to the threads in
  // turn, so one process's threads update their own chunks and each other's while the
  // ranks update fixed blocks after an exchange. A chunk skipped or updated twice breaks the
  // equality.
  Dataset data;
  data.rows = 96;
  data.cols = 300;
  data.source = "wide";
  Rng gen(4);
  for (std::size_t i = 0; i < data.rows * data.cols; ++i) data.values.push_back(gen.uniform_float());
  const std::string layers = "80:relu,300:sigmoid";
  for (const std::size_t n : {2u, 3u}) {
    TrainConfig config{.epochs = 3, .batch = 32, .threads = 1};
    config.diagnose = false;
    TrainConfig single = config;
    single.threads = n;
    const Result one = train_one(single, data, nullptr, nullptr, {}, layers);
    ASSERT_EQ(one.error, "");
    const auto ranks = train_ranks(n, [&](std::size_t) { return config; }, [&](std::size_t) -> const Dataset& { return data; },
                                   nullptr, {}, layers);
    for (std::size_t r = 0; r < n; ++r) expect_same(ranks[r], one, std::to_string(n) + " ranks, rank " + std::to_string(r));
  }
}

TEST(DataParallel, TrimmingDropoutNoiseAndWeightDecayAlsoMatch) {
  const Dataset data = curve();
  TrainConfig config{.epochs = 2, .batch = 50, .dropout = 0.2, .noise = 0.05, .threads = 1, .trim = 0.2};
  config.optimizer.weight_decay = 1e-3;
  TrainConfig single = config;
  single.threads = 3;
  const Result one = train_one(single, data, nullptr, nullptr);
  ASSERT_EQ(one.error, "");
  const auto ranks = train_ranks(3, [&](std::size_t) { return config; }, [&](std::size_t) -> const Dataset& { return data; }, nullptr);
  for (std::size_t r = 0; r < 3; ++r) expect_same(ranks[r], one, "rank " + std::to_string(r));
}

TEST(DataParallel, ABatchWithFewerRowsThanRanksLeavesARankWithoutSlices) {
  const Dataset data = curve();
  TrainConfig config{.epochs = 1, .batch = 2, .threads = 1};
  TrainConfig single = config;
  single.threads = 3;
  const Result one = train_one(single, data, nullptr, nullptr);
  const auto ranks = train_ranks(3, [&](std::size_t) { return config; }, [&](std::size_t) -> const Dataset& { return data; }, nullptr);
  for (std::size_t r = 0; r < 3; ++r) expect_same(ranks[r], one, "rank " + std::to_string(r));
}

class DataParallelFiles : public test::TempDirTest {};

TEST_F(DataParallelFiles, AStopOnOneRankStopsAllAfterTheSameBatchAndRankZeroAloneWritesTheCheckpoint) {
  const Dataset data = curve();
  const std::string checkpoint = path("run.ckpt");
  std::vector<std::atomic<int>> stops(2);
  TrainConfig config{.epochs = 3, .batch = 40, .threads = 1};
  config.checkpoint.path = checkpoint;
  const auto ranks = train_ranks(
      2, [&](std::size_t r) { TrainConfig c = config; c.stop = &stops[r]; return c; },
      [&](std::size_t) -> const Dataset& { return data; }, nullptr,
      [&](std::size_t r, Trainer&, const TrainEvent& e) {
        // Rank 1 alone is asked to stop, during epoch 2.
        if (r == 1 && e.kind == TrainEvent::Kind::batch_end && e.epoch == 2 && e.batch == 3) stops[1].store(15);
      });
  // The ranks agree on stopping as they add up a batch's losses: a stop asked after batch 3's
  // exchange ends batch 4, on every rank.
  for (const Result& r : ranks) EXPECT_NE(r.error.find("training stopped at epoch 2, batch 4"), std::string::npos) << r.error;
  EXPECT_EQ(ranks[0].params, ranks[1].params);
  ASSERT_TRUE(std::filesystem::exists(checkpoint));
  // The checkpoint resumes in one process with two threads to the bytes of an uninterrupted run.
  TrainConfig single = config;
  single.threads = 2;
  single.checkpoint.path.clear();
  const Result whole = train_one(single, data, nullptr, nullptr);
  Autoencoder model(make_architecture(6, parse_layers("10:tanh,2:sigmoid,10:tanh,6:sigmoid")));
  Rng rng(11);
  model.initialize(Init::glorot_uniform, rng);
  single.checkpoint.path = checkpoint;
  Trainer trainer(model, single, rng);
  trainer.resume_from(load_checkpoint(checkpoint), checkpoint);
  trainer.fit(data);
  EXPECT_EQ(std::vector<float>(model.parameters().begin(), model.parameters().end()), whole.params);
}

TEST(DataParallel, RanksWithOtherThreadCountsOrOtherRowsAreRefused) {
  const Dataset data = curve(), other = curve(5);
  const auto threads = train_ranks(2, [&](std::size_t r) { return TrainConfig{.epochs = 1, .threads = r + 1}; },
                                   [&](std::size_t) -> const Dataset& { return data; }, nullptr);
  for (const Result& r : threads) EXPECT_NE(r.error.find("threads differ between the ranks"), std::string::npos) << r.error;
  const auto rows = train_ranks(2, [&](std::size_t) { return TrainConfig{.epochs = 1, .threads = 1}; },
                                [&](std::size_t r) -> const Dataset& { return r == 0 ? data : other; }, nullptr);
  for (const Result& r : rows) EXPECT_NE(r.error.find("the ranks read different"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace ae
