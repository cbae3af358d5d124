// The training loop: shuffle, gather a batch, forward, loss gradient, backward, step.
// Buffers are sized once before the first epoch; nothing is allocated per batch.
#include "ae/trainer.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>

#include "ae/atomic_file.hpp"
#include "ae/error.hpp"
#include "ae/inference.hpp"
#include "ae/random.hpp"

namespace ae {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

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

Trainer::Trainer(Autoencoder& model, TrainConfig config, Rng& rng)
    : model_(model), config_(config), rng_(rng),
      optimizer_(config.optimizer, model.parameters().size()) {
  if (config_.epochs == 0) throw Error(ErrorKind::usage, "--epochs must be at least 1");
  if (config_.batch == 0) throw Error(ErrorKind::usage, "--batch must be at least 1");
}

double Trainer::evaluate(const Dataset& data) {
  check_width(model_, data);
  Matrix x(std::min(kInferenceChunk, data.rows), data.cols);
  double total = 0;
  for (std::size_t first = 0; first < data.rows; first += kInferenceChunk) {
    const std::size_t count = std::min(kInferenceChunk, data.rows - first);
    data.copy_rows(first, count, x.data());
    const ConstMatrixView xv{x.data(), count, data.cols};
    total += loss_value<float>(config_.loss, model_.forward(xv), xv) * static_cast<double>(count);
  }
  return data.rows == 0 ? 0.0 : total / static_cast<double>(data.rows);
}

History Trainer::fit(const Dataset& train, const Dataset* validation, const TrainObserver& observer) {
  check_width(model_, train);
  if (validation != nullptr) check_width(model_, *validation);
  if (train.rows == 0) throw Error(ErrorKind::bad_data, train.source + ": no rows to train on");
  const std::size_t batch = std::min(config_.batch, train.rows);
  const std::size_t batches = (train.rows + batch - 1) / batch;
  std::vector<std::size_t> order(train.rows);
  std::iota(order.begin(), order.end(), 0);
  Matrix x(batch, train.cols), dy(batch, train.cols);
  History history;
  const auto notify = [&](const TrainEvent& event) {
    if (observer) observer(event);
  };

  for (std::size_t epoch = 1; epoch <= config_.epochs; ++epoch) {
    if (config_.shuffle) rng_.shuffle(order);
    notify({TrainEvent::Kind::epoch_begin, epoch, config_.epochs, 0, batches, 0, 0, nullptr});
    const auto start = Clock::now();
    double loss_sum = 0;
    std::size_t seen = 0;
    for (std::size_t b = 0; b < batches; ++b) {
      const std::size_t first = b * batch;
      const std::size_t count = std::min(batch, train.rows - first);
      train.gather_rows({order.data() + first, count}, x.data());
      const ConstMatrixView xv{x.data(), count, train.cols};
      const MatrixView dyv{dy.data(), count, train.cols};
      const double loss = loss_gradient<float>(config_.loss, model_.forward(xv), xv, dyv);
      if (!std::isfinite(loss)) {
        throw Error(ErrorKind::diverged, "training diverged: loss is " + std::to_string(loss) +
                                             " at epoch " + std::to_string(epoch) + ", batch " +
                                             std::to_string(b + 1) + " (try a lower --lr)");
      }
      model_.backward(dyv);
      optimizer_.step(model_.parameters(), model_.gradients());
      loss_sum += loss * static_cast<double>(count);
      seen += count;
      notify({TrainEvent::Kind::batch_end, epoch, config_.epochs, b + 1, batches,
              loss_sum / static_cast<double>(seen), seconds_since(start), nullptr});
    }
    EpochRecord record;
    record.epoch = epoch;
    record.seconds = seconds_since(start);
    record.loss = loss_sum / static_cast<double>(seen);
    record.val_loss = validation != nullptr ? evaluate(*validation)
                                            : std::numeric_limits<double>::quiet_NaN();
    record.lr = optimizer_.config().lr;
    history.epochs.push_back(record);
    notify({TrainEvent::Kind::epoch_end, epoch, config_.epochs, batches, batches, record.loss,
            record.seconds, &history.epochs.back()});
  }
  return history;
}

}  // namespace ae
