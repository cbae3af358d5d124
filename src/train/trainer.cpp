// The training loop: shuffle, gather a batch, forward, loss gradient, backward, step; at each
// epoch's end validation, callbacks and checkpoints. Buffers are sized once before the first
// epoch; nothing is allocated per batch.
#include "ae/trainer.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <thread>

#include "ae/checkpoint.hpp"
#include "ae/data_hash.hpp"
#include "ae/error.hpp"
#include "ae/inference.hpp"
#include "ae/parallel.hpp"
#include "ae/random.hpp"
#include "ae/ranks.hpp"
#include "core/pool.hpp"
#include "kernels/kernels.hpp"
#include "kernels/optimizer_kernels.hpp"
#include "train/callbacks.hpp"
#include "train/data_parallel.hpp"

namespace ae {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One wait of a spin loop: a pause, and after a while a yield (more threads than cores).
void spin_pause(std::size_t spins) {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
  if (spins >= 4096) std::this_thread::yield();
}

bool all_finite(std::span<const float> v) {
  return std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); });
}

// "lr 0.001 (checkpoint) vs 0.01 (this run)" for every key on which two configs differ.
std::string config_differences(const json& saved, const json& now) {
  std::string out;
  const auto add = [&out](const std::string& text) { out += (out.empty() ? "" : "; ") + text; };
  for (const auto& [key, value] : now.items()) {
    const auto it = saved.find(key);
    if (it == saved.end()) add(key + " not in the checkpoint");
    else if (*it != value) add(key + " " + it->dump() + " (checkpoint) vs " + value.dump() + " (this run)");
  }
  for (const auto& [key, value] : saved.items()) {
    if (!now.contains(key)) add(key + " " + value.dump() + " (checkpoint) not set in this run");
  }
  return out;
}

}  // namespace

std::size_t trimmed_rows(std::span<const float> row_loss, double fraction, std::span<std::uint8_t> zero_weight,
                         std::vector<std::size_t>& order) {
  if (row_loss.size() != zero_weight.size()) throw Error(ErrorKind::usage, "trimmed_rows: sizes differ");
  if (!(fraction >= 0 && fraction <= 0.5)) throw Error(ErrorKind::usage, "trim must be in [0, 0.5]", "trim");
  const std::size_t n = row_loss.size();
  const auto cut = static_cast<std::size_t>(std::floor(fraction * static_cast<double>(n)));
  std::fill(zero_weight.begin(), zero_weight.end(), std::uint8_t{0});
  if (cut == 0) return 0;
  order.resize(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  const auto larger = [&](std::size_t a, std::size_t b) {
    const float x = row_loss[a], y = row_loss[b];
    if (std::isnan(x) != std::isnan(y)) return std::isnan(x);
    if (x != y && !std::isnan(x)) return x > y;
    return a < b;
  };
  std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(cut - 1), order.end(), larger);
  for (std::size_t i = 0; i < cut; ++i) zero_weight[order[i]] = 1;
  return cut;
}

std::size_t default_epochs(std::size_t rows, std::size_t batch) {
  batch = std::max<std::size_t>(batch, 1);
  const std::size_t batches = std::max<std::size_t>(1, (rows + batch - 1) / batch);
  return std::min(kMaxEpochs, std::max<std::size_t>(10, (kDefaultSteps + batches - 1) / batches));
}

void check_train_config(const TrainConfig& config) {
  const auto bad = [](const std::string& setting, const std::string& problem) {
    throw Error(ErrorKind::usage, setting + " " + problem, setting);
  };
  if (config.epochs == 0) bad("epochs", "must be at least 1");
  if (config.epochs > kMaxEpochs) bad("epochs", "must be at most " + std::to_string(kMaxEpochs));
  if (config.batch == 0) bad("batch", "must be at least 1");
  if (!(config.trim >= 0 && config.trim <= 0.5)) bad("trim", "must be in [0, 0.5] (a share of each batch's rows)");
  const OptimizerConfig& o = config.optimizer;
  if (!(o.lr > 0) || !std::isfinite(o.lr)) bad("lr", "must be a positive number");
  if (!(o.momentum >= 0 && o.momentum < 1)) bad("momentum", "must be in [0, 1)");
  if (!(o.weight_decay >= 0) || !std::isfinite(o.weight_decay)) bad("weight_decay", "must be 0 or a positive number");
  if (!(config.dropout >= 0 && config.dropout < 1)) bad("dropout", "must be in [0, 1)");
  if (!(config.noise >= 0) || !std::isfinite(config.noise)) bad("noise", "must be 0 or a positive number");
  if (config.noise_kind == NoiseKind::mask && !(config.noise < 1)) bad("noise", "must be in [0, 1) for mask noise (the fraction of inputs set to 0)");
  if (!(config.sparsity >= 0) || !std::isfinite(config.sparsity)) bad("sparsity", "must be 0 or a positive number");
  if (!(config.beta >= 0) || !std::isfinite(config.beta)) bad("beta", "must be 0 or a positive number");
  if (config.early_stopping.restore_best && config.early_stopping.patience == 0) {
    bad("early_stopping.restore_best", "needs early stopping (a patience of at least 1 epoch)");
  }
  if (!(config.reduce_lr.factor > 0 && config.reduce_lr.factor < 1)) {
    bad("reduce_lr.factor", "must be between 0 and 1 (exclusive)");
  }
  if (config.checkpoint.every > 0 && config.checkpoint.path.empty()) {
    bad("checkpoint.every", "(" + std::to_string(config.checkpoint.every) + " epochs) needs a checkpoint path");
  }
}

Trainer::Trainer(Autoencoder& model, TrainConfig config, Rng& rng)
    : model_(model), config_(std::move(config)), rng_(rng),
      optimizer_(config_.optimizer, model.parameters().size()) {
  config_.threads = resolve_threads(config_.threads);
  check_train_config(config_);
  local_threads_ = config_.threads;
  if (config_.ranks != nullptr && config_.ranks->size() > 1) {
    // The slices of a batch are numbered over all ranks, so every rank needs the same count.
    std::vector<double> all(config_.ranks->size());
    const double mine = static_cast<double>(local_threads_);
    config_.ranks->all_gather({&mine, 1}, all);
    if (std::any_of(all.begin(), all.end(), [&](double t) { return t != mine; })) {
      std::string counts;
      for (double t : all) counts += (counts.empty() ? "" : ", ") + std::to_string(static_cast<std::size_t>(t));
      throw Error(ErrorKind::usage, "threads differ between the ranks (" + counts + " in rank order): give every rank the same count", "threads");
    }
    config_.threads = local_threads_ * config_.ranks->size();
  }
  if (config_.sparsity > 0 && model_.architecture().variational()) {
    throw Error(ErrorKind::usage, "sparsity is for plain models (a variational model's KL term already regularises its embedding)", "sparsity");
  }
  model_.set_precision(config_.precision);
  std::vector<std::pair<std::size_t, std::size_t>> weights;
  for (std::size_t l = 0; l < model_.layer_count(); ++l) weights.emplace_back(model_.offset(l), model_.offset(l) + model_.weight_size(l));
  optimizer_.set_decayed(std::move(weights));
}

Trainer::~Trainer() = default;

std::size_t Trainer::ranks() const { return config_.ranks != nullptr ? config_.ranks->size() : 1; }
std::size_t Trainer::rank() const { return config_.ranks != nullptr ? config_.ranks->rank() : 0; }

double Trainer::evaluate(const Dataset& data) {
  check_width(model_, data);
  if (data.rows == 0) return 0.0;
  const auto errors = per_sample_errors(model_, data, config_.loss, local_threads_);
  // With trim, the floor(trim x rows) largest reconstruction losses of the whole set are left
  // out, as in a training batch; the embedding terms stay a mean over every row.
  std::vector<std::uint8_t> left_out(errors.size(), 0);
  std::size_t cut = 0;
  if (config_.trim > 0) {
    std::vector<std::size_t> scratch;
    cut = trimmed_rows(errors, config_.trim, left_out, scratch);
  }
  double total = 0;
  for (std::size_t r = 0; r < errors.size(); ++r) {
    if (!left_out[r]) total += errors[r];
  }
  // The embedding terms as in training (a variational model at its mean, without sampling).
  const double term_weight = model_.architecture().variational() ? config_.beta / per_sample_divisor(config_.loss, data.cols) : config_.sparsity;
  double terms = 0;
  if (term_weight > 0) {
    for (float e : per_sample_embedding_terms(model_, data, local_threads_)) terms += term_weight * e;
  }
  // per_sample_errors gives sse per row and the mean over features for mse and bce, so the
  // mean over rows is the loss in every case.
  if (cut == 0) return (total + terms) / static_cast<double>(data.rows);
  return total / static_cast<double>(data.rows - cut) + terms / static_cast<double>(data.rows);
}

std::string Trainer::config_json() const {
  json j;
  try {
    j = json::parse(config_.checkpoint.extra);
  } catch (const json::exception&) {
  }
  if (!j.is_object()) throw Error(ErrorKind::usage, "checkpoint settings are not a JSON object");
  const Architecture& arch = model_.architecture();
  const OptimizerConfig& o = config_.optimizer;
  const EarlyStopping& es = config_.early_stopping;
  const ReduceLrOnPlateau& rl = config_.reduce_lr;
  j["spec"] = arch.spec();
  j["input"] = arch.input;
  j["bottleneck"] = arch.bottleneck;
  j["loss"] = std::string(loss_name(config_.loss));
  j["optimizer"] = std::string(optimizer_name(o.kind));
  j["lr"] = o.lr;
  j["beta1"] = o.beta1;
  j["beta2"] = o.beta2;
  j["epsilon"] = o.epsilon;
  j["momentum"] = o.momentum;
  j["nesterov"] = o.nesterov;
  j["rho"] = o.rho;
  // Regularisers only when on, so checkpoints from before they existed still resume.
  if (o.weight_decay != 0) j["weight_decay"] = o.weight_decay;
  if (config_.dropout != 0) j["dropout"] = config_.dropout;
  if (config_.noise != 0) {
    j["noise"] = config_.noise;
    j["noise_kind"] = std::string(noise_kind_name(config_.noise_kind));
  }
  if (config_.sparsity != 0) j["sparsity"] = config_.sparsity;
  if (arch.variational()) {
    j["kind"] = std::string(model_kind_name(arch.kind));
    j["beta"] = config_.beta;
  }
  j["batch"] = config_.batch;
  j["shuffle"] = config_.shuffle;
  j["threads"] = config_.threads;
  if (config_.precision != Precision::fp32) j["precision"] = std::string(precision_name(config_.precision));
  j["early_stop"] = es.patience;
  j["early_stop_min_delta"] = es.min_delta;
  j["restore_best"] = es.restore_best;
  j["reduce_lr"] = rl.patience;
  j["reduce_lr_factor"] = rl.factor;
  j["reduce_lr_min_delta"] = rl.min_delta;
  j["reduce_lr_cooldown"] = rl.cooldown;
  j["reduce_lr_min_lr"] = rl.min_lr;
  // Only when set, so that checkpoints written before the setting existed still resume.
  if (config_.trim > 0) j["trim"] = config_.trim;
  return j.dump();
}

void Trainer::resume_from(Checkpoint checkpoint, std::string path) {
  pending_ = std::make_unique<Checkpoint>(std::move(checkpoint));
  pending_path_ = std::move(path);
}

// Checks the pending checkpoint against this run, then loads weights, optimiser state,
// generator and shuffle order from it.
void Trainer::apply_checkpoint(const Dataset& train, const Dataset* validation, std::uint64_t data_hash,
                               std::vector<std::size_t>& order) {
  const Checkpoint& c = *pending_;
  const std::string& path = pending_path_;
  const std::string differences = config_differences(json::parse(c.config), json::parse(config_json()));
  if (!differences.empty()) {
    throw Error(ErrorKind::bad_data, path + ": checkpoint does not match this run: " + differences +
                                         " (use the checkpoint's settings, or train afresh without it)");
  }
  if (c.model.parameters().size() != model_.parameters().size() ||
      c.model.architecture().spec() != model_.architecture().spec()) {
    throw Error(ErrorKind::bad_data, path + ": checkpoint is for layers " + c.model.architecture().spec() +
                                         ", this run has " + model_.architecture().spec());
  }
  if (c.state.epoch > config_.epochs) {
    throw Error(ErrorKind::usage, path + ": the checkpoint has run " + std::to_string(c.state.epoch) +
                                      " epochs, more than epochs " + std::to_string(config_.epochs) +
                                      " (the total, not the epochs still to run)", "epochs");
  }
  if (c.data_hash != data_hash) {
    throw Error(ErrorKind::bad_data, path + ": checkpoint was written while training on other data (" +
                                         train.source + (validation != nullptr ? " or " + validation->source : "") +
                                         " differs from that run's rows)");
  }
  const std::size_t P = model_.parameters().size();
  const bool moments_fit = (c.m.size() == optimizer_.first_moment().size() || c.m.empty()) &&
                           (c.v.size() == optimizer_.second_moment().size() || c.v.empty());
  const std::size_t batch = std::min(config_.batch, train.rows);
  const std::size_t batches = (train.rows + batch - 1) / batch;
  if (!moments_fit || c.state.batch > batches || c.state.seen > train.rows ||
      (!c.state.best_weights.empty() && c.state.best_weights.size() != P)) {
    throw Error(ErrorKind::bad_data, path + ": checkpoint's optimizer or progress does not fit this run");
  }
  // Shuffles permute the previous order in place, so replay them to rebuild this epoch's.
  const TrainState& s = c.state;
  Rng replay;
  replay.set_state(s.rng_start);
  const std::size_t shuffles = config_.shuffle ? s.epoch + (s.batch > 0 ? 1 : 0) : 0;
  for (std::size_t k = 0; k < shuffles; ++k) replay.shuffle(order);
  if (replay.state() != s.rng) {
    throw Error(ErrorKind::bad_data, path + ": checkpoint's generator state does not follow from its " +
                                         std::to_string(shuffles) + " shuffles (file edited?)");
  }
  std::copy(c.model.parameters().begin(), c.model.parameters().end(), model_.parameters().begin());
  if (!c.m.empty()) optimizer_.first_moment() = c.m;
  if (!c.v.empty()) optimizer_.second_moment() = c.v;
  optimizer_.set_steps(c.steps);
  optimizer_.set_lr(c.lr);
  rng_.set_state(s.rng);
  state_ = s;
  data_hash_ = c.data_hash;
  pending_.reset();
}

void Trainer::share_optimizer_state() {
  if (!exchange_) return;
  const std::size_t P = model_.parameters().size();
  for (std::vector<float>* moment : {&optimizer_.first_moment(), &optimizer_.second_moment()}) {
    if (moment->size() == P) exchange_->share(*moment);
  }
}

void Trainer::save_checkpoint_now() {
  share_optimizer_state();  // each rank has updated its own blocks of the moments
  if (rank() != 0) return;
  Checkpoint c(model_);
  c.steps = optimizer_.steps();
  c.lr = optimizer_.config().lr;
  c.m = optimizer_.first_moment();
  c.v = optimizer_.second_moment();
  c.state = state_;
  c.config = config_json();
  c.data_hash = data_hash_;
  save_checkpoint(config_.checkpoint.path, c);
}

void Trainer::stop_now(std::size_t epoch, std::size_t batch) {
  state_.rng = rng_.state();
  const std::string where = batch > 0 ? "at epoch " + std::to_string(epoch) + ", batch " + std::to_string(batch)
                                      : "after epoch " + std::to_string(epoch);
  if (config_.checkpoint.path.empty()) {
    throw Error(ErrorKind::interrupted, "training stopped " + where + "; no checkpoint path, nothing saved");
  }
  save_checkpoint_now();
  throw Error(ErrorKind::interrupted, "training stopped " + where + "; checkpoint written to " + config_.checkpoint.path);
}

void Trainer::end_epoch_callbacks(const EpochRecord& record, bool has_validation) {
  const double monitor = has_validation ? record.val_loss : record.loss;
  optimizer_.set_lr(plateau_update(config_.reduce_lr, state_, monitor, optimizer_.config().lr));
  early_stopping_update(config_.early_stopping, state_, record.epoch, monitor, model_.parameters());
}

History Trainer::fit(const Dataset& train, const Dataset* validation, const TrainObserver& observer) {
  (void)check_training_data(model_, config_, train, validation);
  // Batches gather shuffled rows; passes over the data after training read them in order.
  struct Access {
    const Dataset& data;
    explicit Access(const Dataset& d) : data(d) { advise_row_access(data, RowAccess::shuffled); }
    ~Access() { advise_row_access(data, RowAccess::sequential); }
  } access(train);
  const std::size_t batch = std::min(config_.batch, train.rows);
  const std::size_t batches = (train.rows + batch - 1) / batch;
  const std::size_t D = train.cols;
  std::vector<std::size_t> order(train.rows);
  std::iota(order.begin(), order.end(), 0);
  // One pass over the rows, for the checkpoints and for the ranks to compare what they read.
  const bool hashed = pending_ || !config_.checkpoint.path.empty() || ranks() > 1;
  const std::uint64_t data_hash = hashed ? training_data_hash(train, validation) : 0;
  if (pending_) {
    apply_checkpoint(train, validation, data_hash, order);
  } else {
    state_ = TrainState{};
    state_.rng_start = state_.rng = rng_.state();
    if (!config_.checkpoint.path.empty()) data_hash_ = data_hash;
  }

  // Each thread takes a contiguous slice of every batch, with its own workspace, input and
  // gradient buffers and gradient arena; thread 0's arena is the model's own. With several
  // ranks the slices are numbered over all of them (data_parallel.hpp): this process computes
  // `threads` of them, from slice first_slice on.
  ThreadPool& pool = pool_for(local_threads_);
  const std::size_t P = model_.parameters().size();
  const SliceShare share{ranks(), rank(), local_threads_, std::min(config_.threads, batch)};
  const std::size_t threads = share.local(), first_slice = share.first(share.rank);
  const std::size_t slice_rows = (batch + share.slices - 1) / share.slices;
  exchange_.reset();
  if (share.ranks > 1) {
    exchange_ = std::make_unique<GradientExchange>(*config_.ranks, share, P);
    std::vector<double> hashes(share.ranks);
    const double mine = static_cast<double>(data_hash >> 11);  // exact in a double
    config_.ranks->all_gather({&mine, 1}, hashes);
    if (std::any_of(hashes.begin(), hashes.end(), [&](double h) { return h != mine; })) {
      throw Error(ErrorKind::bad_data, train.source + ": the ranks read different training or validation rows (each rank must read the same files)");
    }
  }
  std::vector<double> slice_loss(threads);
  std::vector<float*> arenas(threads);
  struct Slice {
    Workspace<float> ws;
    AlignedVector<float> x, dy, grads;
    AlignedVector<float> clean;  // the rows before noise (the target), with input noise only
    double loss = 0;
    ConstMatrixView y, target;  // reconstruction and target, kept between the two passes of trimming
  };
  std::vector<Slice> slices(threads);
  const auto slice_rows_of = [&](std::size_t count, std::size_t t) {
    return std::pair{slice_begin(count, share.slices, first_slice + t), slice_begin(count, share.slices, first_slice + t + 1)};
  };
  // Trimming: each row's loss, which rows get zero weight, and scratch, for one batch.
  const bool trimming = config_.trim > 0;
  std::vector<float> row_loss(trimming ? batch : 0);
  std::vector<std::uint8_t> zero_weight(trimming ? batch : 0);
  std::vector<std::size_t> by_loss;
  by_loss.reserve(trimming ? batch : 0);
  // Dropout after the hidden layers but the embedding (and not after the output).
  std::vector<std::size_t> dropped;
  for (std::size_t l = 0; config_.dropout > 0 && l + 1 < model_.layer_count(); ++l) {
    if (l != model_.architecture().bottleneck) dropped.push_back(l);
  }
  const std::uint64_t dropout_seed = state_.rng_start[0] ^ (state_.rng_start[1] << 1);
  constexpr std::uint64_t kNoiseLayer = ~std::uint64_t{0};  // input noise's key, beside the layers'
  constexpr std::uint64_t kLatentLayer = ~std::uint64_t{1};  // the reparameterisation noise's
  const bool variational = model_.architecture().variational();
  const std::size_t K = model_.architecture().embedding_width();
  for (std::size_t t = 0; t < threads; ++t) {
    slices[t].x.assign(slice_rows * D, 0.0f);
    slices[t].dy.assign(slice_rows * D, 0.0f);
    if (config_.noise > 0) slices[t].clean.assign(slice_rows * D, 0.0f);
    if (t > 0) slices[t].grads.assign(P, 0.0f);
    arenas[t] = t == 0 ? model_.gradients().data() : slices[t].grads.data();
    slices[t].ws.masks.resize(model_.layer_count());
    for (std::size_t l : dropped) slices[t].ws.masks[l].assign(slice_rows * model_.architecture().layers[l].width, 0.0f);
    if (variational) slices[t].ws.latent_noise.assign(slice_rows * K, 0.0f);
  }
  model_.zero_gradients();
  // Without ranks, the update overlaps the backward passes: the parameters are updated in
  // chunks, the last layer's first, and a thread that has finished its backward pass takes
  // a chunk as soon as every thread has written that chunk's layer. Each chunk has a home
  // thread (the chunks dealt in turn), which takes its own ready chunks first, so that a
  // chunk's moments and parameters stay in one core's cache from step to step; a thread with
  // none of its own ready takes another's (so a thread the machine slowed leaves the other
  // updating instead of waiting). Each chunk sums the arenas in slice order, so the result
  // is the same whichever thread takes it. No chunk is updated unless the batch's loss is
  // finite; a thread that fails abandons the step.
  const bool overlap = !exchange_;
  struct UpdateChunk {
    std::size_t begin, end, layer;
  };
  std::vector<UpdateChunk> chunks;
  constexpr std::size_t kUpdateChunk = 16384;  // parameters: 64 KB of each arena
  for (std::size_t l = model_.layer_count(); l-- > 0;) {
    const std::size_t begin = model_.offset(l), end = l + 1 < model_.layer_count() ? model_.offset(l + 1) : P;
    const std::size_t pieces = (end - begin + kUpdateChunk - 1) / kUpdateChunk;
    for (std::size_t i = 0; i < pieces; ++i) {
      chunks.push_back({slice_begin(end - begin, pieces, i) + begin, slice_begin(end - begin, pieces, i + 1) + begin, l});
    }
  }
  std::vector<std::atomic<std::size_t>> written(model_.layer_count());  // threads done with layer l
  std::vector<std::atomic<bool>> taken(chunks.size());
  std::atomic<bool> abandon{false};
  const std::function<void(std::size_t)> layer_written = [&](std::size_t l) { written[l].fetch_add(1, std::memory_order_release); };
  // The next chunk for thread t: one of its own (chunk c is thread c % threads's) whose layer
  // every thread has written, else another thread's that is ready; chunks.size() when none is
  // ready yet, and `left` says whether any is still to take.
  const auto claim = [&](std::size_t t, bool& left) {
    left = false;
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t c = 0; c < chunks.size(); ++c) {
        if (taken[c].load(std::memory_order_relaxed)) continue;
        left = true;
        if ((pass == 0 && c % threads != t) || written[chunks[c].layer].load(std::memory_order_acquire) < threads) continue;
        if (!taken[c].exchange(true, std::memory_order_acq_rel)) return c;
      }
    }
    return chunks.size();
  };
  const auto update_chunks = [&](std::size_t t) {
    bool checked = false;
    for (std::size_t spins = 0;;) {
      if (abandon.load(std::memory_order_relaxed)) return;
      bool left = false;
      const std::size_t c = claim(t, left);
      if (c == chunks.size()) {
        if (!left) return;
        spin_pause(spins++);
        continue;
      }
      spins = 0;
      const UpdateChunk& chunk = chunks[c];
      if (!checked) {
        // Every slice's loss is in: each is set before its thread's backward pass starts.
        double loss = 0;
        for (const Slice& s : slices) loss += s.loss;
        if (!std::isfinite(loss)) return abandon.store(true);
        checked = true;
      }
      float* g = model_.gradients().data();
      for (std::size_t k = 1; k + 1 < threads; ++k) kernels::add_to(g + chunk.begin, arenas[k] + chunk.begin, chunk.end - chunk.begin);
      optimizer_.update(model_.parameters(), model_.gradients(), chunk.begin, chunk.end, threads > 1 ? arenas[threads - 1] : nullptr);
    }
  };
  // Runs a thread's backward job for a step, then (overlapping) its share of the update.
  const auto backward_job = [&](std::size_t t, auto&& job) {
    try {
      job();
    } catch (...) {
      abandon.store(true);
      throw;
    }
    if (overlap) update_chunks(t);
  };
  const auto backward = [&](std::size_t t, Slice& s, MatrixView dyv) {
    model_.backward_consuming(dyv, s.ws, t == 0 ? model_.gradients() : std::span<float>(s.grads), nullptr,
                              overlap ? &layer_written : nullptr);
  };
  const auto notify = [&](const TrainEvent& event) {
    if (observer) observer(event);
  };
  const auto stop_value = [&] { return config_.stop != nullptr ? config_.stop->load() : 0; };
  // The stop flag's value, the largest over the ranks: the same on every rank.
  const auto stop_agreed = [&] { return stop_request_ = exchange_ ? exchange_->largest(stop_value()) : stop_value(); };
  stop_request_ = 0;
  const auto check_weights = [&](std::size_t epoch) {
    if (!all_finite(model_.parameters())) {
      throw Error(ErrorKind::diverged, "training diverged: weights are NaN or Inf after epoch " +
                                           std::to_string(epoch) + " (try a lower lr)", "lr");
    }
  };
  const bool checkpoints = config_.checkpoint.every > 0;
  std::optional<Diagnostician> diagnostician;
  if (config_.diagnose && rank() == 0) diagnostician.emplace(train, validation, config_.loss);
  diagnosis_.reset();
  // The most findings reported so far (mean row, dead units, stuck units): a warning is sent
  // when an epoch finds more of any kind.
  std::array<std::size_t, 3> reported{0, 0, 0};

  for (std::size_t epoch = state_.epoch + 1; epoch <= config_.epochs && !state_.stopped; ++epoch) {
    if (state_.batch == 0) {
      if (config_.shuffle) rng_.shuffle(order);
      state_.loss_sum = 0;
      state_.seen = 0;
      state_.seconds = 0;
    }
    notify({TrainEvent::Kind::epoch_begin, epoch, config_.epochs, state_.batch, batches, 0, 0, nullptr, {}});
    const auto start = Clock::now();
    const double earlier = state_.seconds;
    for (std::size_t b = state_.batch; b < batches; ++b) {
      const std::size_t first = b * batch;
      const std::uint64_t step = optimizer_.steps();  // this step's noise and dropout key
      const std::size_t count = std::min(batch, train.rows - first);
      // The slice's rows with this step's dropout masks and input noise (a copy of the clean
      // rows is the target); returns the target.
      const auto prepare = [&](Slice& s, std::size_t r0, std::size_t r1) {
        // Byte rows (every order entry is below train.rows) go through the prefetching kernel,
        // built for each ISA; Dataset::gather_rows (data/, which cannot use kernels/) is built
        // for the baseline alone.
        if (train.byte_data) {
          kernels::gather_bytes_to_float(train.byte_rows(), D, order.data() + first + r0, r1 - r0, s.x.data());
        } else {
          train.gather_rows({order.data() + first + r0, r1 - r0}, s.x.data());
        }
        // The embedding terms' weights per row of this batch (their values are means over it).
        s.ws.activity_l1 = static_cast<float>(config_.sparsity / static_cast<double>(count));
        s.ws.kl_weight = static_cast<float>(config_.beta / (per_sample_divisor(config_.loss, D) * static_cast<double>(count)));
        if (variational) {
          std::fill(s.ws.latent_noise.begin(), s.ws.latent_noise.end(), 0.0f);
          kernels::input_noise(s.ws.latent_noise.data(), r1 - r0, K, kernels::dropout_key(dropout_seed, step, kLatentLayer),
                               r0, 1.0, false);
        }
        for (std::size_t l : dropped) {
          kernels::dropout_mask(s.ws.masks[l].data(), r1 - r0, model_.architecture().layers[l].width,
                                kernels::dropout_key(dropout_seed, step, l), r0, config_.dropout);
        }
        if (config_.noise == 0) return ConstMatrixView{s.x.data(), r1 - r0, D};
        std::copy(s.x.begin(), s.x.begin() + static_cast<std::ptrdiff_t>((r1 - r0) * D), s.clean.begin());
        kernels::input_noise(s.x.data(), r1 - r0, D, kernels::dropout_key(dropout_seed, step, kNoiseLayer), r0,
                             config_.noise, config_.noise_kind == NoiseKind::mask);
        return ConstMatrixView{s.clean.data(), r1 - r0, D};
      };
      // A slice without rows runs no backward pass, which would have written its arena.
      const auto clear_arena = [&](std::size_t t) {
        std::fill(arenas[t], arenas[t] + P, 0.0f);
        if (overlap) {
          for (std::size_t l = 0; l < written.size(); ++l) layer_written(l);
        }
      };
      if (overlap) {
        for (auto& w : written) w.store(0, std::memory_order_relaxed);
        for (std::size_t c = 0; c < chunks.size(); ++c) taken[c].store(false, std::memory_order_relaxed);
        abandon.store(false, std::memory_order_relaxed);
        optimizer_.begin_step();
      }
      if (!trimming) {
        pool.run([&](std::size_t t) {
          if (t >= threads) return;
          backward_job(t, [&] {
            Slice& s = slices[t];
            s.loss = 0;
            const auto [r0, r1] = slice_rows_of(count, t);
            if (r0 == r1) return clear_arena(t);
            const ConstMatrixView target = prepare(s, r0, r1);
            const ConstMatrixView xv{s.x.data(), r1 - r0, D};
            const MatrixView dyv{s.dy.data(), r1 - r0, D};
            s.loss = loss_gradient<float>(config_.loss, model_.forward(xv, 0, model_.layer_count(), s.ws), target, dyv, count);
            s.loss += s.ws.penalty;
            backward(t, s, dyv);
          });
        });
      } else {
        // Two passes: every row's loss first, then, once the batch's largest are known, the
        // gradient of the mean over the other rows (the trimmed rows' dy set to zero).
        pool.run([&](std::size_t t) {
          if (t >= threads) return;
          Slice& s = slices[t];
          const auto [r0, r1] = slice_rows_of(count, t);
          if (r0 == r1) return;
          s.target = prepare(s, r0, r1);
          const ConstMatrixView xv{s.x.data(), r1 - r0, D};
          s.y = model_.forward(xv, 0, model_.layer_count(), s.ws);
          loss_per_sample<float>(config_.loss, s.y, s.target, row_loss.data() + r0);
        });
        if (exchange_) exchange_->share_rows(row_loss, count);
        const std::size_t kept = count - trimmed_rows({row_loss.data(), count}, config_.trim,
                                                      {zero_weight.data(), count}, by_loss);
        pool.run([&](std::size_t t) {
          if (t >= threads) return;
          backward_job(t, [&] {
            Slice& s = slices[t];
            s.loss = 0;
            const auto [r0, r1] = slice_rows_of(count, t);
            if (r0 == r1) return clear_arena(t);
            const MatrixView dyv{s.dy.data(), r1 - r0, D};
            loss_gradient<float>(config_.loss, s.y, s.target, dyv, kept);
            double sum = 0;
            for (std::size_t r = r0; r < r1; ++r) {
              if (zero_weight[r]) {
                std::fill(dyv.row(r - r0), dyv.row(r - r0) + D, 0.0f);
              } else {
                sum += row_loss[r];
              }
            }
            s.loss = sum / static_cast<double>(kept) + s.ws.penalty;
            backward(t, s, dyv);
          });
        });
      }
      double loss = 0;
      if (exchange_) {
        for (std::size_t t = 0; t < threads; ++t) slice_loss[t] = slices[t].loss;
        loss = exchange_->sum_slices(slice_loss, stop_value(), stop_request_);
      } else {
        for (const Slice& s : slices) loss += s.loss;
      }
      if (!std::isfinite(loss)) {
        // Leave the arenas clean for whoever looks at the model next.
        for (Slice& s : slices) std::fill(s.grads.begin(), s.grads.end(), 0.0f);
        model_.zero_gradients();
        throw Error(ErrorKind::diverged, "training diverged: loss is " + std::to_string(loss) +
                                             " at epoch " + std::to_string(epoch) + ", batch " +
                                             std::to_string(b + 1) + " (try a lower lr)", "lr");
      }
      // With several ranks, each sums the arenas of its slices' blocks in slice order and
      // updates those blocks, then they share the parameters. The backward passes write the
      // arenas, so none is zeroed.
      if (exchange_) {
        optimizer_.begin_step();
        exchange_->exchange(arenas);
        pool.run([&](std::size_t t) {
          if (t >= threads) return;
          const std::size_t g = first_slice + t;
          exchange_->sum_block(g, model_.gradients().data());
          optimizer_.update(model_.parameters(), model_.gradients(), exchange_->block_begin(g), exchange_->block_begin(g + 1));
        });
        exchange_->share(model_.parameters());
      }
      state_.loss_sum += loss * static_cast<double>(count);
      state_.seen += count;
      state_.batch = b + 1;
      state_.seconds = earlier + seconds_since(start);
      notify({TrainEvent::Kind::batch_end, epoch, config_.epochs, b + 1, batches,
              state_.loss_sum / static_cast<double>(state_.seen), state_.seconds, nullptr, {}});
      // Alone: a stop asked by now. With ranks: the one they agreed on with this batch's losses.
      if (!exchange_) stop_request_ = stop_value();
      if (stop_request_ != 0) {
        check_weights(epoch);
        stop_now(epoch, b + 1);
      }
    }
    check_weights(epoch);
    EpochRecord record;
    record.epoch = epoch;
    record.seconds = state_.seconds;
    record.loss = state_.loss_sum / static_cast<double>(state_.seen);
    record.val_loss = validation != nullptr ? evaluate(*validation)
                                            : std::numeric_limits<double>::quiet_NaN();
    record.lr = optimizer_.config().lr;
    state_.history.epochs.push_back(record);
    state_.epoch = epoch;
    state_.batch = 0;
    state_.loss_sum = 0;
    state_.seen = 0;
    state_.seconds = 0;
    state_.rng = rng_.state();
    notify({TrainEvent::Kind::epoch_end, epoch, config_.epochs, batches, batches, record.loss,
            record.seconds, &state_.history.epochs.back(), {}});
    if (diagnostician) {
      diagnosis_ = diagnostician->run(model_, epoch, local_threads_);
      const std::array<std::size_t, 3> found{diagnosis_->mean_predictor ? 1u : 0u, diagnosis_->count(UnitState::dead),
                                             diagnosis_->count(UnitState::stuck)};
      bool more = false;
      for (std::size_t i = 0; i < found.size(); ++i) {
        more = more || found[i] > reported[i];
        reported[i] = std::max(reported[i], found[i]);
      }
      if (more) {
        for (std::string& line : diagnosis_->findings()) {
          notify({TrainEvent::Kind::warning, epoch, config_.epochs, batches, batches, record.loss, record.seconds, nullptr, std::move(line)});
        }
      }
    }
    end_epoch_callbacks(record, validation != nullptr);
    const bool last = epoch == config_.epochs || state_.stopped;
    if (checkpoints && (epoch % config_.checkpoint.every == 0 || last)) save_checkpoint_now();
    if (!last && stop_agreed()) stop_now(epoch, 0);
  }
  model_.zero_gradients();  // the last step's sum is of no use after training
  share_optimizer_state();
  check_weights(state_.epoch);
  if (config_.early_stopping.restore_best && !state_.best_weights.empty()) {
    std::copy(state_.best_weights.begin(), state_.best_weights.end(), model_.parameters().begin());
    if (diagnostician) diagnosis_ = diagnostician->run(model_, state_.best_epoch, local_threads_);
  }
  return state_.history;
}

}  // namespace ae
