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
#include "core/thread_pool.hpp"
#include "kernels/optimizer_kernels.hpp"

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
  if (data.rows == 0) return 0.0;
  const auto errors = per_sample_errors(model_, data, config_.loss);
  double total = 0;
  for (float e : errors) total += e;
  // per_sample_errors gives sse per row and the mean over features for mse and bce, so the
  // mean over rows is the loss in every case.
  return total / static_cast<double>(data.rows);
}

History Trainer::fit(const Dataset& train, const Dataset* validation, const TrainObserver& observer) {
  check_width(model_, train);
  if (validation != nullptr) check_width(model_, *validation);
  if (train.rows == 0) throw Error(ErrorKind::bad_data, train.source + ": no rows to train on");
  const std::size_t batch = std::min(config_.batch, train.rows);
  const std::size_t batches = (train.rows + batch - 1) / batch;
  const std::size_t D = train.cols;
  std::vector<std::size_t> order(train.rows);
  std::iota(order.begin(), order.end(), 0);

  // Each thread takes a contiguous slice of every batch, with its own workspace, input and
  // gradient buffers and gradient arena; thread 0's arena is the model's own.
  ThreadPool& pool = ThreadPool::shared();
  const std::size_t threads = std::min(pool.size(), batch);
  const std::size_t slice_rows = (batch + threads - 1) / threads;
  const std::size_t P = model_.parameters().size();
  struct Slice {
    Workspace<float> ws;
    AlignedVector<float> x, dy, grads;
    double loss = 0;
  };
  std::vector<Slice> slices(threads);
  for (std::size_t t = 0; t < threads; ++t) {
    slices[t].x.assign(slice_rows * D, 0.0f);
    slices[t].dy.assign(slice_rows * D, 0.0f);
    if (t > 0) slices[t].grads.assign(P, 0.0f);
  }
  model_.zero_gradients();
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
      pool.run([&](std::size_t t) {
        if (t >= threads) return;
        Slice& s = slices[t];
        s.loss = 0;
        const std::size_t r0 = slice_begin(count, threads, t), r1 = slice_begin(count, threads, t + 1);
        if (r0 == r1) return;
        train.gather_rows({order.data() + first + r0, r1 - r0}, s.x.data());
        const ConstMatrixView xv{s.x.data(), r1 - r0, D};
        const MatrixView dyv{s.dy.data(), r1 - r0, D};
        s.loss = loss_gradient<float>(config_.loss, model_.forward(xv, 0, model_.layer_count(), s.ws), xv, dyv, count);
        model_.backward(dyv, s.ws, t == 0 ? model_.gradients() : std::span<float>(s.grads));
      });
      double loss = 0;
      for (const Slice& s : slices) loss += s.loss;
      if (!std::isfinite(loss)) {
        throw Error(ErrorKind::diverged, "training diverged: loss is " + std::to_string(loss) +
                                             " at epoch " + std::to_string(epoch) + ", batch " +
                                             std::to_string(b + 1) + " (try a lower --lr)");
      }
      // Sum the arenas into the model's in thread order, then update, each thread over its
      // own range of parameters.
      optimizer_.begin_step();
      pool.run([&](std::size_t t) {
        if (t >= threads) return;
        const std::size_t p0 = slice_begin(P, threads, t), p1 = slice_begin(P, threads, t + 1);
        float* g = model_.gradients().data();
        for (std::size_t k = 1; k < threads; ++k) kernels::add_and_zero(g + p0, slices[k].grads.data() + p0, p1 - p0);
        optimizer_.update(model_.parameters(), model_.gradients(), p0, p1);
      });
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
