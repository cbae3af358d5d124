// Collapse diagnostics on a fixed probe of rows: the model's loss against the mean row's,
// and the spread of every embedding unit.
#include "ae/diagnosis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include <nlohmann/json.hpp>

#include "ae/inference.hpp"

namespace ae {
namespace {

constexpr std::string_view kStateNames[] = {"ok", "dead", "stuck"};

// Evenly spaced rows of d, at most kProbeRows of them (all rows when fewer).
Dataset probe_of(const Dataset& d) {
  if (d.rows <= kProbeRows) return take(d, 0, d.rows);
  std::vector<std::size_t> rows(kProbeRows);
  for (std::size_t i = 0; i < kProbeRows; ++i) rows[i] = i * d.rows / kProbeRows;
  return select(d, rows);
}

std::string unit_list(const Diagnosis& d, UnitState s) {
  std::string out;
  for (std::size_t k = 0; k < d.units.size(); ++k) {
    if (d.units[k].state != s) continue;
    out += (out.empty() ? "" : ", ") + std::to_string(k + 1);
  }
  return out;
}

// sum[c] += row[c] for the D columns (separate arrays: the loop vectorises).
void add_row(const float* __restrict row, std::size_t D, double* __restrict sum) {
  for (std::size_t c = 0; c < D; ++c) sum[c] += row[c];
}

// Adds each column's sum and sum of squares over the rows of m, less `shift` (a value near the
// column's mean, so that the variance below does not cancel).
void add_moments(ConstMatrixView m, const std::vector<double>& shift, double* sum, double* sum_sq) {
  for (std::size_t r = 0; r < m.rows; ++r) {
    const float* row = m.row(r);
    for (std::size_t j = 0; j < m.cols; ++j) {
      const double v = row[j] - shift[j];
      sum[j] += v;
      sum_sq[j] += v * v;
    }
  }
}

// The columns' variances over n rows, summed, from their (shifted) sums and sums of squares.
double summed_variance(const std::vector<double>& sum, const std::vector<double>& sum_sq, std::size_t n) {
  if (n == 0) return 0.0;
  const double rows = static_cast<double>(n);
  double total = 0;
  for (std::size_t j = 0; j < sum.size(); ++j) total += std::max(0.0, sum_sq[j] / rows - (sum[j] / rows) * (sum[j] / rows));
  return total;
}

}  // namespace

std::size_t Diagnosis::count(UnitState s) const {
  return static_cast<std::size_t>(std::count_if(units.begin(), units.end(), [s](const UnitStats& u) { return u.state == s; }));
}

std::vector<std::string> Diagnosis::findings() const {
  std::vector<std::string> out;
  char buf[320];
  if (mean_predictor) {
    std::snprintf(buf, sizeof buf,
                  "after epoch %zu the model predicts the mean row (loss %.4g, the mean row's %.4g on %zu rows; its outputs' variance "
                  "%.2g of the rows'): training has collapsed; try init auto or he_uniform, a lower lr, another seed or a "
                  "linear bottleneck", epoch, loss, mean_loss, probe_rows, output_spread);
    out.push_back(buf);
  }
  const std::size_t K = units.size();
  if (const std::size_t n = count(UnitState::dead); n > 0) {
    std::snprintf(buf, sizeof buf, "after epoch %zu, %zu of %zu embedding units are dead (always 0: unit %s); "
                  "try a linear or leaky_relu bottleneck or a lower lr", epoch, n, K, unit_list(*this, UnitState::dead).c_str());
    out.push_back(buf);
  }
  if (const std::size_t n = count(UnitState::stuck); n > 0) {
    std::snprintf(buf, sizeof buf, "after epoch %zu, %zu of %zu embedding units are stuck (std < %g over %zu rows: unit %s), "
                  "so they carry no information; try a linear bottleneck, init auto or a lower lr",
                  epoch, n, K, kStuckStd, probe_rows, unit_list(*this, UnitState::stuck).c_str());
    out.push_back(buf);
  }
  return out;
}

std::string Diagnosis::to_json() const {
  nlohmann::json units_json = nlohmann::json::array();
  for (const UnitStats& u : units) {
    units_json.push_back({{"mean", u.mean}, {"std", u.std}, {"state", kStateNames[static_cast<int>(u.state)]}});
  }
  return nlohmann::json{{"epoch", epoch}, {"probe_rows", probe_rows}, {"loss", loss}, {"mean_loss", mean_loss},
                        {"output_spread", output_spread}, {"mean_predictor", mean_predictor}, {"units", units_json}}
      .dump();
}

Diagnostician::Diagnostician(const Dataset& train, const Dataset* validation, Loss loss)
    : probe_(probe_of(validation != nullptr && validation->rows > 0 ? *validation : train)), loss_(loss) {
  const std::size_t N = train.rows, D = train.cols;
  // A few rows at a time: the probe as floats, and the mean row repeated, would be two
  // copies of the probe (12.8 MB for 2048 MNIST rows) at the peak of a training run.
  constexpr std::size_t kRows = 64;
  const std::size_t block = std::min(kRows, probe_.rows);
  // The mean row, each column summed in row order from rows copied as floats a block at a time.
  std::vector<double> mean(D, 0.0);
  {
    Matrix rows(std::min(kRows, N), D);
    for (std::size_t first = 0; first < N; first += kRows) {
      const std::size_t count = std::min(kRows, N - first);
      train.copy_rows(first, count, rows.row(0));
      for (std::size_t r = 0; r < count; ++r) add_row(rows.row(r), D, mean.data());
    }
  }
  for (double& m : mean) m /= static_cast<double>(std::max<std::size_t>(N, 1));
  Matrix x(block, D), y(block, D);
  for (std::size_t r = 0; r < block; ++r) {
    for (std::size_t c = 0; c < D; ++c) y(r, c) = static_cast<float>(mean[c]);
  }
  // One pass over the probe: each row's loss against the mean row, and the rows' moments
  // about the mean row (near their own mean, so their variance does not cancel).
  std::vector<float> per_row(probe_.rows);
  std::vector<double> sum(D, 0.0), sum_sq(D, 0.0);
  for (std::size_t first = 0; first < probe_.rows; first += block) {
    const std::size_t count = std::min(block, probe_.rows - first);
    probe_.copy_rows(first, count, x.row(0));
    const ConstMatrixView rows = std::as_const(x).view().rows_range(0, count);
    loss_per_sample<float>(loss_, std::as_const(y).view().rows_range(0, count), rows, per_row.data() + first);
    add_moments(rows, mean, sum.data(), sum_sq.data());
  }
  double total = 0;
  for (float e : per_row) total += e;
  mean_loss_ = probe_.rows > 0 ? total / static_cast<double>(probe_.rows) : 0.0;
  probe_spread_ = summed_variance(sum, sum_sq, probe_.rows);
  mean_row_ = std::move(mean);
}

Diagnosis Diagnostician::run(Autoencoder& model, std::size_t epoch, std::size_t threads) const {
  Diagnosis d;
  d.epoch = epoch;
  d.probe_rows = probe_.rows;
  d.mean_loss = mean_loss_;
  if (probe_.rows == 0) return d;
  // Per chunk (the chunks run concurrently): the rows' losses and the outputs' moments.
  const std::size_t D = probe_.cols, chunks = (probe_.rows + kInferenceChunk - 1) / kInferenceChunk;
  std::vector<float> per_row(probe_.rows);
  std::vector<double> sums(chunks * D, 0.0), squares(chunks * D, 0.0);
  for_each_reconstruction(model, probe_, [&](std::size_t first, ConstMatrixView x, ConstMatrixView y) {
    loss_per_sample<float>(loss_, y, x, per_row.data() + first);
    const std::size_t c = first / kInferenceChunk;
    add_moments(y, mean_row_, sums.data() + c * D, squares.data() + c * D);
  }, threads);
  double total = 0;
  for (float e : per_row) total += e;
  d.loss = total / static_cast<double>(probe_.rows);
  std::vector<double> column_sum(D, 0.0), column_sq(D, 0.0);
  for (std::size_t c = 0; c < chunks; ++c) {
    for (std::size_t j = 0; j < D; ++j) {
      column_sum[j] += sums[c * D + j];
      column_sq[j] += squares[c * D + j];
    }
  }
  d.output_spread = probe_spread_ > 0 ? summed_variance(column_sum, column_sq, probe_.rows) / probe_spread_ : 0.0;
  // Within 1% either way: a model far worse than the mean row has not collapsed, it has not
  // learnt yet.
  d.mean_predictor = mean_loss_ > 0 && std::abs(d.loss - mean_loss_) <= kMeanTolerance * mean_loss_ &&
                     d.output_spread < kMeanSpread;

  const Matrix z = encode_all(model, probe_, threads);
  const Architecture& arch = model.architecture();
  const Activation act = arch.layers[arch.bottleneck].activation;
  const bool can_die = act == Activation::relu;
  d.units.resize(z.cols());
  for (std::size_t k = 0; k < z.cols(); ++k) {
    double sum = 0, peak = 0;
    for (std::size_t r = 0; r < z.rows(); ++r) {
      sum += z(r, k);
      peak = std::max(peak, std::abs(static_cast<double>(z(r, k))));
    }
    const double mean = sum / static_cast<double>(z.rows());
    double var = 0;
    for (std::size_t r = 0; r < z.rows(); ++r) var += (z(r, k) - mean) * (z(r, k) - mean);
    UnitStats& u = d.units[k];
    u.mean = mean;
    u.std = std::sqrt(var / static_cast<double>(z.rows()));
    if (can_die && peak == 0) u.state = UnitState::dead;
    else if (z.rows() > 1 && u.std < kStuckStd) u.state = UnitState::stuck;
  }
  return d;
}

}  // namespace ae
