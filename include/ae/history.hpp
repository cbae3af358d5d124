// The per-epoch record of a training run and its CSV form, `epoch,loss,val_loss,seconds,lr`:
// written by training, read back by plots and reports. One writer, one reader.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ae {

struct EpochRecord {
  std::size_t epoch = 0;  // 1-based
  double loss = 0;        // mean training loss over the epoch's samples (with trim, of each batch's kept rows)
  double val_loss = 0;    // NaN without validation data; with trim, the trimmed mean (Trainer::evaluate)
  double seconds = 0;     // wall time of the epoch's training steps
  double lr = 0;
};

struct History {
  std::vector<EpochRecord> epochs;
};

// Writes `epoch,loss,val_loss,seconds,lr` and one row per epoch (val_loss empty when absent),
// atomically.
void write_history_csv(const std::string& path, const History& history);

// Reads that form back. Columns are found by their header names, so extra or reordered
// columns are fine; only `loss` is required. An empty cell or "nan" is NaN (val_loss without
// validation data; seconds and lr when their column is missing); a missing epoch column
// numbers the rows from 1. Throws Error(bad_data) naming `source` and the line for a missing
// header or loss column, a cell that is not a number, a short row, or no rows at all.
History parse_history_csv(std::string_view text, const std::string& source);
// The same from a file; Error(missing_input) when it cannot be read.
History read_history_csv(const std::string& path);

// One field of every epoch, e.g. history_column(h, &EpochRecord::val_loss).
std::vector<double> history_column(const History& history, double EpochRecord::*field);

}  // namespace ae
