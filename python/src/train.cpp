// ae._ae.train: the estimator's fit. Settings arrive as a dict keyed by the library's setting
// names (the Python keyword table maps keywords onto them), one reader per name below. Training
// runs without the GIL; every 100 ms (and at each epoch's start and end) the observer takes
// the GIL back briefly to run Python's signal handlers and the progress callback. A Python
// exception there (KeyboardInterrupt from Ctrl-C, or one the callback raised) sets the
// trainer's stop flag: the current batch finishes, and the exception is raised from train().
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ae/error.hpp"
#include "ae/trainer.hpp"
#include "ae/training_run.hpp"
#include "arrays.hpp"
#include "model.hpp"

namespace aepy {
namespace {

using ae::Error;
using ae::ErrorKind;

struct TrainSettings {
  ae::RunSettings run;
  std::optional<double> lr;               // unset: the optimiser's Keras default
};

[[noreturn]] void bad(const std::string& setting, const std::string& problem) {
  throw Error(ErrorKind::usage, setting + " " + problem, setting);
}

std::uint64_t whole(py::handle v, const std::string& setting, std::uint64_t least) {
  if (!py::isinstance<py::int_>(v) || py::isinstance<py::bool_>(v)) bad(setting, "must be a whole number");
  const py::int_ n = py::reinterpret_borrow<py::int_>(v);
  if (n < py::int_(least)) bad(setting, "must be at least " + std::to_string(least));
  return n.cast<std::uint64_t>();
}

double number(py::handle v, const std::string& setting) {
  if (py::isinstance<py::bool_>(v) || !(py::isinstance<py::int_>(v) || py::isinstance<py::float_>(v))) {
    bad(setting, "must be a number");
  }
  return v.cast<double>();
}

bool flag(py::handle v, const std::string& setting) {
  if (!py::isinstance<py::bool_>(v)) bad(setting, "must be True or False");
  return v.cast<bool>();
}

std::string text(py::handle v, const std::string& setting) {
  if (!py::isinstance<py::str>(v)) bad(setting, "must be a string");
  return v.cast<std::string>();
}

// None means "off" for the callbacks' patience.
std::size_t patience(py::handle v, const std::string& setting) {
  return v.is_none() ? 0 : whole(v, setting, 1);
}

using Reader = void (*)(TrainSettings&, py::handle);
constexpr std::pair<std::string_view, Reader> kSettings[] = {
    {"layers", [](TrainSettings& s, py::handle v) { if (!v.is_none()) s.run.layers = ae::parse_layers(text(v, "layers")); }},
    {"bottleneck", [](TrainSettings& s, py::handle v) { if (!v.is_none()) s.run.bottleneck = whole(v, "bottleneck", 0); }},
    {"scaling", [](TrainSettings& s, py::handle v) { s.run.scaling = ae::parse_scaling(text(v, "scaling")); }},
    {"val_split", [](TrainSettings& s, py::handle v) { if (!v.is_none()) s.run.val_split = number(v, "val_split"); }},
    {"epochs", [](TrainSettings& s, py::handle v) {
       s.run.default_epochs = v.is_none();
       if (!v.is_none()) s.run.config.epochs = whole(v, "epochs", 1);
     }},
    {"batch", [](TrainSettings& s, py::handle v) { s.run.config.batch = whole(v, "batch", 1); }},
    {"loss", [](TrainSettings& s, py::handle v) { s.run.config.loss = ae::parse_loss(text(v, "loss")); }},
    {"optimizer", [](TrainSettings& s, py::handle v) { s.run.config.optimizer.kind = ae::parse_optimizer(text(v, "optimizer")); }},
    {"lr", [](TrainSettings& s, py::handle v) { if (!v.is_none()) s.lr = number(v, "lr"); }},
    {"momentum", [](TrainSettings& s, py::handle v) { s.run.config.optimizer.momentum = number(v, "momentum"); }},
    {"nesterov", [](TrainSettings& s, py::handle v) { s.run.config.optimizer.nesterov = flag(v, "nesterov"); }},
    {"weight_decay", [](TrainSettings& s, py::handle v) { s.run.config.optimizer.weight_decay = number(v, "weight_decay"); }},
    {"dropout", [](TrainSettings& s, py::handle v) { s.run.config.dropout = number(v, "dropout"); }},
    {"noise", [](TrainSettings& s, py::handle v) { s.run.config.noise = number(v, "noise"); }},
    {"noise_kind", [](TrainSettings& s, py::handle v) { s.run.config.noise_kind = ae::parse_noise_kind(text(v, "noise_kind")); }},
    {"sparsity", [](TrainSettings& s, py::handle v) { s.run.config.sparsity = number(v, "sparsity"); }},
    {"kind", [](TrainSettings& s, py::handle v) { s.run.kind = flag(v, "kind") ? ae::ModelKind::variational : ae::ModelKind::plain; }},
    {"beta", [](TrainSettings& s, py::handle v) { s.run.config.beta = number(v, "beta"); }},
    {"init", [](TrainSettings& s, py::handle v) { s.run.init = ae::parse_init(text(v, "init")); }},
    {"shuffle", [](TrainSettings& s, py::handle v) { s.run.config.shuffle = flag(v, "shuffle"); }},
    {"seed", [](TrainSettings& s, py::handle v) { s.run.seed = whole(v, "seed", 0); }},
    {"threads", [](TrainSettings& s, py::handle v) { s.run.config.threads = whole(v, "threads", 0); }},
    {"precision", [](TrainSettings& s, py::handle v) { s.run.config.precision = ae::parse_precision(text(v, "precision")); }},
    {"early_stopping.patience", [](TrainSettings& s, py::handle v) { s.run.config.early_stopping.patience = patience(v, "early_stopping.patience"); }},
    {"early_stopping.restore_best", [](TrainSettings& s, py::handle v) { s.run.config.early_stopping.restore_best = flag(v, "early_stopping.restore_best"); }},
    {"reduce_lr.patience", [](TrainSettings& s, py::handle v) { s.run.config.reduce_lr.patience = patience(v, "reduce_lr.patience"); }},
    {"reduce_lr.factor", [](TrainSettings& s, py::handle v) { s.run.config.reduce_lr.factor = number(v, "reduce_lr.factor"); }},
    {"trim", [](TrainSettings& s, py::handle v) { s.run.config.trim = number(v, "trim"); }},
    {"checkpoint.path", [](TrainSettings& s, py::handle v) { if (!v.is_none()) s.run.config.checkpoint.path = text(v, "checkpoint.path"); }},
    {"checkpoint.every", [](TrainSettings& s, py::handle v) { s.run.config.checkpoint.every = whole(v, "checkpoint.every", 0); }},
};

TrainSettings read_settings(const py::dict& settings) {
  TrainSettings s;
  for (const auto& [key, value] : settings) {
    const std::string name = py::str(key);
    bool known = false;
    for (const auto& [setting, read] : kSettings) {
      if (setting != name) continue;
      read(s, value);
      known = true;
    }
    if (!known) throw Error(ErrorKind::internal, "train: unknown setting '" + name + "'");
  }
  s.run.config.optimizer.lr = s.lr.value_or(ae::default_lr(s.run.config.optimizer.kind));
  ae::check_train_config(s.run.config);
  return s;
}

// The trainer's observer: polls Python's signals and calls the progress callback with the GIL
// held briefly; a Python exception stops training (see the file comment).
class Poller {
 public:
  Poller(py::object progress, std::atomic<int>& stop) : progress_(std::move(progress)), stop_(stop) {}

  void operator()(const ae::TrainEvent& e) {
    if (error_) return;
    using Kind = ae::TrainEvent::Kind;
    const auto now = Clock::now();
    if (e.kind == Kind::batch_end && e.batch != e.batches && now - last_ < kInterval) return;
    last_ = now;
    py::gil_scoped_acquire acquire;
    try {
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      // Collapse findings (`ae train` prints them even with --quiet) become UserWarnings.
      if (e.kind == Kind::warning) {
        if (PyErr_WarnEx(PyExc_UserWarning, e.message.c_str(), 1) != 0) throw py::error_already_set();
        return;
      }
      if (progress_.is_none()) return;
      const char* kind = e.kind == Kind::epoch_begin ? "epoch_begin" : e.kind == Kind::batch_end ? "batch_end" : "epoch_end";
      const double nan = std::numeric_limits<double>::quiet_NaN();
      const ae::EpochRecord* r = e.record;
      progress_(kind, e.epoch, e.epochs, e.batch, e.batches, r ? r->loss : e.running_loss,
                r ? r->seconds : e.seconds, r ? r->val_loss : nan, r ? r->lr : nan);
    } catch (py::error_already_set& err) {
      error_ = std::move(err);
      stop_.store(1);
    }
  }
  bool failed() const { return error_.has_value(); }
  // Raises the stored exception; the GIL must be held.
  [[noreturn]] void rethrow() { throw std::move(*error_); }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kInterval{100};
  py::object progress_;
  std::atomic<int>& stop_;
  std::optional<py::error_already_set> error_;
  Clock::time_point last_{};
};

void warn(const std::vector<std::string>& warnings) {
  for (const std::string& w : warnings) {
    if (PyErr_WarnEx(PyExc_UserWarning, w.c_str(), 2) != 0) throw py::error_already_set();
  }
}

py::tuple train(const py::array& x, const py::object& validation, const py::dict& settings,
                const py::object& progress) {
  TrainSettings s = read_settings(settings);
  ae::Dataset data = dataset_from(x, "X");
  std::optional<ae::Dataset> val;
  if (!validation.is_none()) val = dataset_from(validation.cast<py::array>(), "validation_data");

  std::atomic<int> stop{0};
  s.run.config.stop = &stop;
  Poller poller(progress, stop);
  std::optional<ae::TrainingRun> run;
  {
    py::gil_scoped_release release;
    std::lock_guard lock(library_mutex());
    run.emplace(std::move(data), std::move(val), std::move(s.run));
  }
  warn(run->warnings());

  // The same steps, record and checkpoint identity as `ae train` with these settings.
  ae::History history;
  std::optional<ae::Model> model;
  {
    py::gil_scoped_release release;
    std::lock_guard lock(library_mutex());
    try {
      history = run->fit(std::ref(poller));
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::interrupted || !poller.failed()) throw;
    }
    if (!poller.failed()) {
      model.emplace(run->finish(history));
      const ae::TrainConfig& config = run->trainer().config();
      const ae::VariationalScoring variational{config.loss, config.beta};
      model->info.score = ae::calibrate(model->autoencoder, run->train(), {}, config.threads, &variational).to_json();
    }
  }
  if (poller.failed()) poller.rethrow();

  py::list rows;
  for (const ae::EpochRecord& r : history.epochs) rows.append(py::make_tuple(r.epoch, r.loss, r.val_loss, r.seconds, r.lr));
  auto trained = std::make_unique<PyModel>(std::move(*model), "trained model");
  return py::make_tuple(py::cast(std::move(trained)), rows);
}

}  // namespace

void add_train(py::module_& m) {
  m.def("train", &train, py::arg("x"), py::arg("validation"), py::arg("settings"), py::arg("progress"),
        "Trains a model on x (2-D uint8 or float32, C-ordered) with settings keyed by the library's "
        "setting names; progress(event, epoch, epochs, batch, batches, loss, seconds, val_loss, lr) "
        "is called with the GIL held. Returns (Model, [(epoch, loss, val_loss, seconds, lr), ...]).");
}

}  // namespace aepy
