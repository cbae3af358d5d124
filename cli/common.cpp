// Shared CLI pieces: training flags, progress display, model records.
#include "common.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string_view>
#include <unistd.h>
#include <utility>

#include "ae/data_hash.hpp"
#include "ae/data_stream.hpp"
#include "ae/inference.hpp"
#include "ae/error.hpp"
#include "ae/train_record.hpp"

namespace ae::cli {

const CLI::Validator& positive_whole() {
  static const CLI::Validator validator(
      [](std::string& text) -> std::string {
        std::size_t value = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || end != text.data() + text.size() || value == 0) {
          return "'" + text + "' is not a whole number of 1 or more";
        }
        return {};
      },
      "N>=1");
  return validator;
}

const CLI::Validator& whole_number() {
  static const CLI::Validator validator(
      [](std::string& text) -> std::string {
        std::uint64_t value = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || end != text.data() + text.size()) {
          return "'" + text + "' is not a whole number from 0 to 2^64-1";
        }
        return {};
      },
      "N>=0");
  return validator;
}

void add_train_flags(CLI::App& app, TrainFlags& f) {
  // Checked as text: CLI11 would wrap "-1" into a huge unsigned value.
  app.add_option("--epochs", f.epochs, "Training epochs (the total, also with --resume; default: at least 10, and enough for 250 optimiser steps)")->check(positive_whole());
  app.add_option("--batch", f.batch, "Mini-batch size (the last partial batch is kept)")->capture_default_str()->check(positive_whole());
  app.add_option("--lr", f.lr, "Learning rate (default: the optimiser's Keras default)");
  app.add_option("--loss", f.loss, "Loss: sse, mse or bce")->capture_default_str();
  app.add_option("--optimizer", f.optimizer, "Optimiser: adam, sgd or rmsprop")->capture_default_str();
  app.add_option("--momentum", f.momentum, "SGD momentum")->capture_default_str();
  app.add_flag("--nesterov", f.nesterov, "SGD with Nesterov momentum");
  app.add_option("--dropout", f.dropout, "Dropout rate in [0, 1) after each hidden layer but the embedding, in training only; 0: off")->capture_default_str();
  app.add_option("--noise", f.noise, "Noise on each training input, the target the clean row (denoising): the standard deviation (gaussian, in scaled units) or the fraction of inputs set to 0 (mask); 0: off")->capture_default_str();
  app.add_option("--noise-kind", f.noise_kind, "Input noise: gaussian or mask")->capture_default_str();
  app.add_option("--weight-decay", f.weight_decay, "Weight decay on weights, not biases: decoupled (AdamW) for adam and rmsprop, L2 for sgd; 0: off")->capture_default_str();
  app.add_option("--sparsity", f.sparsity, "L1 penalty on the embedding activations (sparse autoencoder), in the loss; 0: off")->capture_default_str();
  app.add_flag("--variational", f.variational, "A variational autoencoder: the embedding layer gives a mean and a log-variance, loss = reconstruction + beta x KL");
  app.add_option("--beta", f.beta, "With --variational: the weight of the KL term")->capture_default_str();
  app.add_option("--init", f.init, "Weight initialiser: auto (He for layers that read or give relu values, else Glorot), glorot_uniform, he_uniform, lecun_uniform")->capture_default_str();
  app.add_option("--seed", f.seed, "Random seed (weights and shuffling)")->capture_default_str()->check(whole_number());
  app.add_option("--threads", f.threads, "Threads (default: the cores this process may use); results are identical for the same count");
  add_precision_flag(app, f.precision);
  app.add_option("--history", f.history, "Write per-epoch history CSV (epoch,loss,val_loss,seconds,lr)");
  app.add_flag("--quiet", f.quiet, "No progress or warnings on stderr (errors still)");
  app.add_flag("--no-shuffle", f.no_shuffle, "Keep the data order in every epoch");
  app.add_option("--early-stop", f.early_stop,
                 "Stop after this many epochs without val_loss improving (loss without --val)");
  app.add_flag("--restore-best", f.restore_best, "With --early-stop: end with the best epoch's weights");
  app.add_option("--reduce-lr", f.reduce_lr,
                 "Multiply lr by --reduce-lr-factor after this many epochs without val_loss improving by 1e-4");
  app.add_option("--reduce-lr-factor", f.reduce_lr_factor, "Factor for --reduce-lr, in (0, 1)")->capture_default_str();
  app.add_option("--trim", f.trim,
                 "Robust training: give the share F of each batch's rows with the largest loss zero weight, in [0, 0.5] (0: off; the default 0.1 keeps a few outliers in the data from being learnt)")
      ->capture_default_str();
}

void add_precision_flag(CLI::App& app, std::string& precision) {
  app.add_option("--precision", precision,
                 "GEMM arithmetic: fp32, or bf16 (bf16 weights and activations, fp32 sums and master weights; needs a CPU with AVX-512 BF16 or AMX)")
      ->capture_default_str();
}

Precision checked_precision(const std::string& name) {
  const Precision p = parse_precision(name);
  require_precision(p);
  return p;
}

namespace {

// Library setting names and the flags that set them.
constexpr std::pair<std::string_view, std::string_view> kSettingFlags[] = {
    {"epochs", "--epochs"},
    {"batch", "--batch"},
    {"lr", "--lr"},
    {"momentum", "--momentum"},
    {"weight_decay", "--weight-decay"},
    {"dropout", "--dropout"},
    {"noise", "--noise"},
    {"sparsity", "--sparsity"},
    {"beta", "--beta"},
    {"early_stopping.restore_best", "--restore-best"},
    {"reduce_lr.factor", "--reduce-lr-factor"},
    {"checkpoint.every", "--checkpoint-every"},
    {"val_split", "--val-split"},
    {"trim", "--trim"},
    {"threads", "--threads"},
};

}  // namespace

std::string message_with_flags(const Error& error) {
  std::string text = error.what();
  const std::string& setting = error.setting();
  if (setting.empty()) return text;
  for (const auto& [name, flag] : kSettingFlags) {
    if (name != setting) continue;
    // Every whole-word occurrence: not inside a longer name.
    const auto word = [&text](std::size_t i) { return i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_' || text[i] == '.'); };
    for (std::size_t at = text.find(name); at != std::string::npos; at = text.find(name, at + 1)) {
      if ((at > 0 && word(at - 1)) || word(at + name.size())) continue;
      text.replace(at, name.size(), flag);
      at += flag.size() - 1;
    }
  }
  return text;
}

TrainConfig make_train_config(const TrainFlags& f) {
  if (f.threads < 0) throw Error(ErrorKind::usage, "--threads must be 0 (default) or more");
  TrainConfig config;
  config.epochs = f.epochs.value_or(10);  // none: default_epochs, once the rows are known
  config.batch = f.batch;
  config.loss = parse_loss(f.loss);
  config.optimizer.kind = parse_optimizer(f.optimizer);
  config.optimizer.lr = f.lr.value_or(default_lr(config.optimizer.kind));
  config.optimizer.momentum = f.momentum;
  config.optimizer.nesterov = f.nesterov;
  config.optimizer.weight_decay = f.weight_decay;
  config.dropout = f.dropout;
  config.noise = f.noise;
  config.noise_kind = parse_noise_kind(f.noise_kind);
  config.sparsity = f.sparsity;
  config.beta = f.beta;
  config.shuffle = !f.no_shuffle;
  config.threads = static_cast<std::size_t>(f.threads);
  config.precision = checked_precision(f.precision);
  (void)parse_init(f.init);
  if (f.early_stop) {
    if (*f.early_stop < 1) throw Error(ErrorKind::usage, "--early-stop must be at least 1 (epochs of patience)");
    config.early_stopping.patience = static_cast<std::size_t>(*f.early_stop);
  }
  config.early_stopping.restore_best = f.restore_best;
  if (f.reduce_lr) {
    if (*f.reduce_lr < 1) throw Error(ErrorKind::usage, "--reduce-lr must be at least 1 (epochs of patience)");
    config.reduce_lr.patience = static_cast<std::size_t>(*f.reduce_lr);
  }
  config.reduce_lr.factor = f.reduce_lr_factor;
  config.trim = f.trim;
  check_train_config(config);
  return config;
}

ScoreKind resolve_score(ScoreKind kind, bool chosen, const ScoreCalibration& cal, const std::string& model, bool quiet) {
  if (chosen || cal.train_stats.count(kind) != 0) return kind;
  // The defaults in order of age: dual, then zsae, then zsse.
  ScoreKind older = kind;
  for (ScoreKind k : {ScoreKind::zsae, ScoreKind::zsse}) {
    if (cal.train_stats.count(k) != 0) {
      older = k;
      break;
    }
  }
  if (older == kind) return kind;
  if (!quiet) {
    std::fprintf(stderr, "note: %s was saved before the %s score existed; scoring with %s (ae score --fit DATA refits)\n",
                 model.c_str(), std::string(score_name(kind)).c_str(), std::string(score_name(older)).c_str());
  }
  return older;
}

namespace {

std::string clock_text(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

}  // namespace

TrainObserver progress_printer(bool quiet) {
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  // Redraw at most ~20 times a second so the terminal is not the bottleneck.
  auto last_draw = std::make_shared<double>(-1.0);
  return [tty, last_draw, quiet](const TrainEvent& e) {
    if (e.kind == TrainEvent::Kind::warning) {
      std::fprintf(stderr, "ae: warning: %s\n", e.message.c_str());
      return;
    }
    if (quiet) return;
    switch (e.kind) {
      case TrainEvent::Kind::warning: break;
      case TrainEvent::Kind::epoch_begin:
        *last_draw = -1.0;
        if (tty) std::fprintf(stderr, "Epoch %zu/%zu\n", e.epoch, e.epochs);
        break;
      case TrainEvent::Kind::batch_end: {
        if (!tty) break;
        if (e.batch != e.batches && e.seconds - *last_draw < 0.05) break;
        *last_draw = e.seconds;
        constexpr int kWidth = 30;
        const int done = static_cast<int>(kWidth * e.batch / e.batches);
        std::string bar(static_cast<std::size_t>(done), '=');
        if (done < kWidth) bar += '>';
        bar.resize(kWidth, '.');
        const double eta = e.seconds / static_cast<double>(e.batch) * static_cast<double>(e.batches - e.batch);
        std::fprintf(stderr, "\r%zu/%zu [%s] - ETA %s - loss: %.4f ", e.batch, e.batches,
                     bar.c_str(), clock_text(eta).c_str(), e.running_loss);
        break;
      }
      case TrainEvent::Kind::epoch_end: {
        const EpochRecord& r = *e.record;
        char val[64] = "";
        if (std::isfinite(r.val_loss)) std::snprintf(val, sizeof val, " - val_loss: %.4f", r.val_loss);
        if (tty) {
          std::fprintf(stderr, "\r%zu/%zu [==============================] - %.2fs - loss: %.4f%s\n",
                       e.batches, e.batches, r.seconds, r.loss, val);
        } else {
          std::fprintf(stderr, "Epoch %zu/%zu - %zu steps - %.2fs - loss: %.4f%s\n", e.epoch,
                       e.epochs, e.batches, r.seconds, r.loss, val);
        }
        break;
      }
    }
  };
}

std::string training_record(const Architecture& arch, const TrainFlags& flags,
                            const TrainConfig& config, const Dataset& data, const History& history,
                            const Dataset* validation, const Diagnosis* diagnosis) {
  return make_train_record(arch, config, flags.seed, parse_init(flags.init), data, history, validation, diagnosis).to_json();
}

Dataset load_model_data(const std::string& path, const ModelInfo& info) {
  Dataset data = load_data(path);
  normalize(data, info.normalizer);
  return data;
}

std::size_t stream_block_rows() {
  const char* text = std::getenv("AE_STREAM_ROWS");
  if (text == nullptr || *text == '\0') return kStreamBlockRows;
  std::size_t rows = 0;
  const auto [end, ec] = std::from_chars(text, text + std::strlen(text), rows);
  if (ec != std::errc() || *end != '\0' || rows == 0) {
    throw Error(ErrorKind::usage, std::string("AE_STREAM_ROWS=") + text + ": expected a positive whole number of rows");
  }
  rows = std::min<std::size_t>(rows, std::size_t{1} << 40);
  return (rows + kInferenceChunk - 1) / kInferenceChunk * kInferenceChunk;
}

ModelInfo model_info_for(const Dataset& data, Normalization normalizer) {
  ModelInfo info;
  info.normalizer = std::move(normalizer);
  info.image_shape = data.image_shape;
  info.data_crc32 = data_crc32(data);
  return info;
}

}  // namespace ae::cli
