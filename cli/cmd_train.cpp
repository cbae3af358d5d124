// ae train: train an autoencoder on a data file and write the model, history and checkpoints.
// Owns the process's SIGINT/SIGTERM/SIGHUP handling while training: the first signal asks the
// trainer to stop after the current batch and save a checkpoint, a second one exits at once.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "ae/atomic_file.hpp"
#include "ae/checkpoint.hpp"
#include "ae/error.hpp"
#include "ae/score.hpp"
#include "ae/training_run.hpp"
#include "common.hpp"
#include "mpi_session.hpp"

namespace ae::cli {
namespace {

// The signal that asked training to stop (0: none). Lock-free, so safe to set in a handler.
std::atomic<int> stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_stop_signal(int sig) {
  // A second signal: leave now, with no temporary file of a write in progress left behind.
  if (stop_signal.load() != 0) {
    remove_temporary_files_then([](int code) { std::_Exit(code); }, 128 + sig);
    return;
  }
  stop_signal.store(sig);
}

// SIGINT, SIGTERM and SIGHUP go to on_stop_signal while this object lives; the previous
// handlers come back afterwards.
class StopSignals {
 public:
  StopSignals() {
    stop_signal.store(0);
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &action, &old_int_);
    ::sigaction(SIGTERM, &action, &old_term_);
    ::sigaction(SIGHUP, &action, &old_hup_);
  }
  ~StopSignals() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
    ::sigaction(SIGHUP, &old_hup_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
  struct sigaction old_hup_ {};
};

std::string shell_quote(const std::string& arg) {
  const bool plain = !arg.empty() && arg.find_first_not_of(
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=,+-@%") == std::string::npos;
  if (plain) return arg;
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// This process's command line with `--resume CHECKPOINT` in place of any earlier --resume.
std::string resume_command(const std::string& checkpoint) {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  for (std::size_t begin = 0; begin < raw.size();) {
    const std::size_t end = std::min(raw.find('\0', begin), raw.size());
    args.push_back(raw.substr(begin, end - begin));
    begin = end + 1;
  }
  if (args.empty()) return "ae train ... --resume " + shell_quote(checkpoint);
  std::string out;
  if (const Ranks* ranks = training_ranks()) out = "mpirun -np " + std::to_string(ranks->size()) + " ";
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--resume") {
      ++i;
      continue;
    }
    if (args[i].rfind("--resume=", 0) == 0) continue;
    out += shell_quote(args[i]) + " ";
  }
  return out + "--resume " + shell_quote(checkpoint);
}

// Progress, plus Keras's line when ReduceLROnPlateau has lowered the learning rate.
TrainObserver train_observer(bool quiet, Trainer& trainer, double lr) {
  TrainObserver progress = progress_printer(quiet);
  auto last_lr = std::make_shared<double>(lr);
  return [progress, last_lr, quiet, &trainer](const TrainEvent& e) {
    if (e.kind == TrainEvent::Kind::epoch_begin && !quiet) {
      const double now = trainer.optimizer().config().lr;
      if (now != *last_lr) {
        std::fprintf(stderr, "Epoch %zu: ReduceLROnPlateau reducing learning rate to %g.\n", e.epoch - 1, now);
        *last_lr = now;
      }
    }
    progress(e);
  };
}

}  // namespace

Command add_train(CLI::App& root) {
  struct Flags {
    std::string data, val, out;
    std::optional<std::string> layers;
    std::string scale = "auto";
    std::optional<double> val_split;
    std::optional<std::size_t> bottleneck;
    TrainFlags train;
    std::string checkpoint, resume;
    std::size_t checkpoint_every = 1;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* app = root.add_subcommand("train", "Train an autoencoder on IDX, NPY or CSV data");
  app->add_option("--data", f->data, "Training data (IDX[.gz], NPY or CSV)")->required();
  app->add_option("--val", f->val, "Validation data, same width");
  app->add_option("--val-split", f->val_split, "Hold out this fraction of the training rows (seeded) for validation");
  app->add_option("--layers", f->layers,
                  "Layer spec; the last width must equal the data width (default: from the width D, K = D/4 up to 32: "
                  "2K:relu,K:linear,2K:relu,D:sigmoid or D:linear)");
  app->add_option("--scale", f->scale,
                  "Input scaling fitted on the training rows and stored in the model: auto (bytes / 255 for byte data, "
                  "else robust), none, standard (z-score), minmax or robust (median and interdecile range)")->capture_default_str();
  app->add_option("--bottleneck", f->bottleneck, "1-based index of the embedding layer (default: the narrowest)");
  app->add_option("--out", f->out, "Write the trained model (.safetensors)");
  add_train_flags(*app, f->train);
  app->add_option("--checkpoint", f->checkpoint,
                  "Write a checkpoint (.safetensors) every --checkpoint-every epochs, after the last, and on Ctrl-C");
  app->add_option("--checkpoint-every", f->checkpoint_every, "Epochs between checkpoints")
      ->capture_default_str()->check(positive_whole());
  app->add_option("--resume", f->resume,
                  "Continue from a checkpoint written with the same settings and data; --epochs stays the total");
  return {app, [f, app]() {
            // A write past `ulimit -f` then fails with EFBIG (exit 74) instead of killing ae.
            std::signal(SIGXFSZ, SIG_IGN);
            TrainConfig config = make_train_config(f->train);
            if (app->count("--checkpoint-every") > 0 && f->checkpoint.empty()) {
              throw Error(ErrorKind::usage, "--checkpoint-every needs --checkpoint PATH");
            }
            std::optional<std::size_t> bottleneck;
            if (f->bottleneck) {
              if (*f->bottleneck == 0) throw Error(ErrorKind::usage, "--bottleneck counts from 1");
              bottleneck = *f->bottleneck - 1;
            }
            RunSettings settings;
            settings.scaling = parse_scaling(f->scale);
            if (f->layers) settings.layers = parse_layers(*f->layers);
            settings.bottleneck = bottleneck;
            settings.kind = f->train.variational ? ModelKind::variational : ModelKind::plain;
            settings.init = parse_init(f->train.init);
            settings.seed = f->train.seed;
            settings.val_split = f->val_split.value_or(0.0);
            if (f->val_split && *f->val_split == 0) throw Error(ErrorKind::usage, "--val-split must be between 0 and 1 (exclusive)");
            if (!f->resume.empty() && !std::filesystem::exists(f->resume)) {
              throw Error(ErrorKind::missing_input, f->resume + ": checkpoint not found (--resume); nothing was trained");
            }
            if (f->out.empty()) std::fprintf(stderr, "ae: note: no --out: the trained model will not be saved\n");
            config.checkpoint.path = !f->checkpoint.empty() ? f->checkpoint
                                     : !f->out.empty()      ? f->out + ".checkpoint"
                                                            : std::string("ae-interrupted.checkpoint");
            config.checkpoint.every = f->checkpoint.empty() ? 0 : f->checkpoint_every;
            config.stop = &stop_signal;
            // Under mpirun: every rank trains its share of each batch; rank 0 writes.
            config.ranks = training_ranks();
            settings.config = config;
            settings.default_epochs = !f->train.epochs;
            std::optional<Dataset> val;
            // uint8 NPY and IDX files are mapped, not read: data larger than memory trains.
            if (!f->val.empty()) val = map_data(f->val);
            TrainingRun run(map_data(f->data), std::move(val), std::move(settings));
            for (const std::string& warning : run.warnings()) std::fprintf(stderr, "ae: warning: %s\n", warning.c_str());
            Trainer& trainer = run.trainer();
            if (!f->resume.empty()) trainer.resume_from(load_checkpoint(f->resume), f->resume);
            const Architecture& arch = run.model().architecture();
            if (!f->train.quiet) {
              if (run.default_layers_used()) std::fprintf(stderr, "layers (default for %zu columns): %s\n", arch.input, arch.spec().c_str());
              std::fprintf(stderr, "scaling: %s\n", scaling_text(run.normalizer()).c_str());
              std::fputs(summary(arch).c_str(), stderr);
            }

            History history;
            {
              StopSignals signals;
              try {
                history = run.fit(train_observer(f->train.quiet, trainer, config.optimizer.lr));
              } catch (const Error& e) {
                if (e.kind() != ErrorKind::interrupted) throw;
                std::fprintf(stderr, "ae: to resume, run: %s\n", resume_command(config.checkpoint.path).c_str());
                // The signal that stopped this rank or, under mpirun, the one the ranks agreed on.
                const int sig = trainer.stop_request() != 0 ? trainer.stop_request() : stop_signal.load();
                if (sig == SIGTERM) throw Error(ErrorKind::terminated, e.what());
                if (sig == SIGHUP) throw Error(ErrorKind::hung_up, e.what());
                throw;
              }
            }
            const TrainState& state = trainer.state();
            if (!this_rank_writes()) return 0;
            if (!f->train.quiet) {
              if (state.stopped) std::fprintf(stderr, "Epoch %zu: early stopping\n", state.epoch);
              if (config.early_stopping.restore_best && !state.best_weights.empty()) {
                std::fprintf(stderr, "Restoring model weights from the end of the best epoch: %zu.\n", state.best_epoch);
              }
            }
            if (history.epochs.empty()) {
              throw Error(ErrorKind::usage, "--epochs " + std::to_string(trainer.config().epochs) + " ends before the first complete epoch");
            }
            const EpochRecord& last = history.epochs.back();
            std::printf("loss %.6g\n", last.loss);
            if (std::isfinite(last.val_loss)) std::printf("val_loss %.6g\n", last.val_loss);
            if (!f->train.history.empty()) write_history_csv(f->train.history, history);
            if (!f->out.empty()) {
              Model model = run.finish(history);
              const VariationalScoring variational{trainer.config().loss, trainer.config().beta};
              model.info.score = calibrate(model.autoencoder, run.train(), {}, trainer.local_threads(), &variational).to_json();
              save_model(f->out, model.autoencoder, model.info);
            }
            return 0;
          }};
}

}  // namespace ae::cli
