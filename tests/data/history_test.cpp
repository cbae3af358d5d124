// History CSV: what training writes reads back field for field; other files are refused.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "../test_support.hpp"
#include "ae/error.hpp"
#include "ae/history.hpp"

namespace ae {
namespace {

class HistoryFile : public test::TempDirTest {};

TEST_F(HistoryFile, WhatIsWrittenReadsBack) {
  History h;
  h.epochs.push_back({1, 0.5, 0.75, 1.25, 1e-3});
  h.epochs.push_back({2, 0.125, std::nan(""), 0.5, 1e-4});
  const std::string file = path("h.csv");
  write_history_csv(file, h);
  const History back = read_history_csv(file);
  ASSERT_EQ(back.epochs.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(back.epochs[i].epoch, h.epochs[i].epoch);
    EXPECT_DOUBLE_EQ(back.epochs[i].loss, h.epochs[i].loss);
    EXPECT_DOUBLE_EQ(back.epochs[i].seconds, h.epochs[i].seconds);
    EXPECT_DOUBLE_EQ(back.epochs[i].lr, h.epochs[i].lr);
  }
  EXPECT_DOUBLE_EQ(back.epochs[0].val_loss, 0.75);
  EXPECT_TRUE(std::isnan(back.epochs[1].val_loss));
  EXPECT_EQ(history_column(back, &EpochRecord::loss), (std::vector<double>{0.5, 0.125}));
}

TEST(HistoryCsv, ReadsTheTrainersFormatWithAndWithoutValidation) {
  const History h = parse_history_csv("epoch,loss,val_loss,seconds,lr\n1,0.5,0.6,1.2,0.001\n2,0.25,,1.1,0.001\n", "h.csv");
  ASSERT_EQ(h.epochs.size(), 2u);
  EXPECT_DOUBLE_EQ(h.epochs[0].loss, 0.5);
  EXPECT_DOUBLE_EQ(h.epochs[1].loss, 0.25);
  EXPECT_DOUBLE_EQ(h.epochs[0].val_loss, 0.6);
  EXPECT_TRUE(std::isnan(h.epochs[1].val_loss));
  EXPECT_EQ(h.epochs[1].epoch, 2u);
  EXPECT_DOUBLE_EQ(h.epochs[0].seconds, 1.2);
  EXPECT_DOUBLE_EQ(h.epochs[1].lr, 0.001);
}

TEST(HistoryCsv, FindsColumnsByNameAndToleratesCrlfAndBlankLines) {
  const History h = parse_history_csv("\"loss\",epoch\r\n0.75,1\r\n\r\n0.5,2\r\n", "h.csv");
  ASSERT_EQ(h.epochs.size(), 2u);
  EXPECT_DOUBLE_EQ(h.epochs[1].loss, 0.5);
  EXPECT_TRUE(std::isnan(h.epochs[0].val_loss));
  EXPECT_TRUE(std::isnan(h.epochs[0].lr));
}

TEST(HistoryCsv, RejectsWhatIsNotAHistory) {
  for (const char* text : {"", "a,b\n1,2\n", "epoch,loss\n", "epoch,loss\n1,abc\n", "epoch,loss,val_loss\n1,0.5\n"}) {
    try {
      parse_history_csv(text, "bad.csv");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::bad_data) << text;
      EXPECT_NE(std::string(e.what()).find("bad.csv"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace ae
