// History CSV: the one writer and the one reader of `epoch,loss,val_loss,seconds,lr`.
#include "ae/history.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cmath>
#include <limits>
#include <sstream>
#include <vector>

#include "ae/atomic_file.hpp"
#include "ae/data.hpp"
#include "ae/error.hpp"

namespace ae {

void write_history_csv(const std::string& path, const History& history) {
  std::ostringstream out;
  out.precision(9);
  out << "epoch,loss,val_loss,seconds,lr\n";
  for (const auto& e : history.epochs) {
    out << e.epoch << ',' << e.loss << ',';
    if (std::isfinite(e.val_loss)) out << e.val_loss;
    out << ',' << e.seconds << ',' << e.lr << '\n';
  }
  write_file_atomic(path, out.str());
}

namespace {

std::vector<std::string_view> split_cells(std::string_view line) {
  std::vector<std::string_view> cells;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    std::string_view cell = line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t')) cell.remove_prefix(1);
    while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t')) cell.remove_suffix(1);
    if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"') cell = cell.substr(1, cell.size() - 2);
    cells.push_back(cell);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return cells;
}

}  // namespace

History parse_history_csv(std::string_view text, const std::string& source) {
  History out;
  std::size_t line_no = 0, loss_col = 0, val_col = 0, epoch_col = 0, seconds_col = 0, lr_col = 0;
  bool header = false, has_val = false, has_epoch = false, has_seconds = false, has_lr = false;
  std::size_t need = 0;  // cells a row must have
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    const auto cells = split_cells(line);
    const std::string where = source + ": line " + std::to_string(line_no);
    if (!header) {
      header = true;
      bool has_loss = false;
      for (std::size_t i = 0; i < cells.size(); ++i) {
        if (cells[i] == "loss") has_loss = true, loss_col = i;
        if (cells[i] == "val_loss") has_val = true, val_col = i;
        if (cells[i] == "epoch") has_epoch = true, epoch_col = i;
        if (cells[i] == "seconds") has_seconds = true, seconds_col = i;
        if (cells[i] == "lr") has_lr = true, lr_col = i;
      }
      if (!has_loss) {
        throw Error(ErrorKind::bad_data, where + ": no 'loss' column in the header; expected a history CSV "
                                                 "(epoch,loss,val_loss,seconds,lr) as training writes");
      }
      need = std::max(loss_col, has_val ? val_col : 0) + 1;
      continue;
    }
    if (cells.size() < need) {
      throw Error(ErrorKind::bad_data, where + ": " + std::to_string(cells.size()) + " cells, expected at least " +
                                           std::to_string(need));
    }
    const auto number = [&](std::string_view cell, const char* column) {
      if (cell.empty() || cell == "nan" || cell == "NaN") return std::numeric_limits<double>::quiet_NaN();
      double v = 0;
      const auto [ptr, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
      if (ec != std::errc() || ptr != cell.data() + cell.size()) {
        throw Error(ErrorKind::bad_data, where + ": " + column + " '" + std::string(cell) + "' is not a number");
      }
      return v;
    };
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const auto optional = [&](bool has, std::size_t col, const char* column) {
      return has && col < cells.size() ? number(cells[col], column) : nan;
    };
    EpochRecord e;
    const double epoch = optional(has_epoch, epoch_col, "epoch");
    e.epoch = epoch >= 1 && epoch < 1e15 ? static_cast<std::size_t>(epoch) : out.epochs.size() + 1;
    e.loss = number(cells[loss_col], "loss");
    e.val_loss = optional(has_val, val_col, "val_loss");
    e.seconds = optional(has_seconds, seconds_col, "seconds");
    e.lr = optional(has_lr, lr_col, "lr");
    out.epochs.push_back(e);
  }
  if (!header) throw Error(ErrorKind::bad_data, source + ": empty file; expected a history CSV");
  if (out.epochs.empty()) throw Error(ErrorKind::bad_data, source + ": no epochs (only a header row)");
  return out;
}

History read_history_csv(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(path);
  return parse_history_csv(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path);
}

std::vector<double> history_column(const History& history, double EpochRecord::*field) {
  std::vector<double> out;
  out.reserve(history.epochs.size());
  for (const EpochRecord& e : history.epochs) out.push_back(e.*field);
  return out;
}

}  // namespace ae
