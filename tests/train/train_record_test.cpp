// TrainRecord: filled from a run's settings and history, with the thread count the run used.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "ae/parallel.hpp"
#include "ae/train_record.hpp"

namespace ae {
namespace {

TEST(TrainRecord, KeepsTheResolvedThreadCountAndTheRunsEnd) {
  const Architecture arch = make_architecture(4, parse_layers("3:relu,2:linear,3:relu,4:linear"));
  TrainConfig config;
  config.batch = 16;
  config.loss = Loss::sse;
  config.optimizer.lr = 0.01;
  Dataset data;
  data.source = "t.csv";
  data.rows = 40;
  data.cols = 4;
  History history;
  history.epochs.push_back({1, 2.0, 3.0, 0.5, 0.01});
  history.epochs.push_back({2, 1.0, std::nan(""), 0.25, 0.01});

  const TrainRecord r = make_train_record(arch, config, 7, Init::he_uniform, data, history);
  EXPECT_EQ(r.threads, resolve_threads(0));
  EXPECT_GE(r.threads, 1u);
  EXPECT_EQ(r.epochs, 2u);
  EXPECT_DOUBLE_EQ(r.seconds, 0.75);

  const nlohmann::json j = nlohmann::json::parse(r.to_json());
  EXPECT_EQ(j.at("threads").get<std::size_t>(), resolve_threads(0));
  EXPECT_EQ(j.at("spec"), "3:relu,2:linear,3:relu,4:linear");
  EXPECT_EQ(j.at("loss"), "sse");
  EXPECT_EQ(j.at("init"), "he_uniform");
  EXPECT_EQ(j.at("seed"), 7);
  EXPECT_EQ(j.at("rows"), 40);
  EXPECT_DOUBLE_EQ(j.at("final_loss").get<double>(), 1.0);
  EXPECT_FALSE(j.contains("final_val_loss"));  // the last epoch had no validation

  config.threads = 3;
  EXPECT_EQ(make_train_record(arch, config, 7, Init::he_uniform, data, history).threads, 3u);
}

}  // namespace
}  // namespace ae
