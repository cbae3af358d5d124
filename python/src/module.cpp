// The compiled module ae._ae: library errors as Python exceptions, the Model class (load,
// save, encode, decode, reconstruct, scores, thresholds) and the data readers. The estimator
// with scikit-learn's and PyOD's conventions is Python (ae/_estimator.py) over these.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <mutex>
#include <string>

#include "ae/data.hpp"
#include "ae/error.hpp"
#include "ae/inference.hpp"
#include "ae/model_file.hpp"
#include "ae/score.hpp"
#include "ae/train_record.hpp"
#include "arrays.hpp"
#include "model.hpp"

namespace aepy {
namespace {

using ae::Error;
using ae::ErrorKind;

// ValueError for bad input, OSError (FileNotFoundError when missing) for files,
// FloatingPointError when training diverged, KeyboardInterrupt when stopped. An error about a
// setting carries its library name as the exception's `setting` attribute.
void raise_error(const Error& e) {
  PyObject* type = PyExc_RuntimeError;
  switch (e.kind()) {
    case ErrorKind::usage:
    case ErrorKind::bad_data: type = PyExc_ValueError; break;
    case ErrorKind::missing_input: type = PyExc_FileNotFoundError; break;
    case ErrorKind::cannot_create:
    case ErrorKind::io: type = PyExc_OSError; break;
    case ErrorKind::diverged: type = PyExc_FloatingPointError; break;
    case ErrorKind::interrupted:
    case ErrorKind::terminated:
    case ErrorKind::hung_up: type = PyExc_KeyboardInterrupt; break;
    case ErrorKind::internal: type = PyExc_RuntimeError; break;
  }
  PyObject* exc = PyObject_CallFunction(type, "s", e.what());
  if (exc == nullptr) return;
  if (!e.setting().empty()) PyObject_SetAttrString(exc, "setting", py::str(e.setting()).ptr());
  PyErr_SetObject(type, exc);
  Py_DECREF(exc);
}

// The score kind called `name` and its training statistics; Error(usage) when the model has none.
ae::ScoreKind score_kind(const PyModel& p, const std::string& name) {
  const ae::ScoreKind kind = ae::parse_score(name);
  if (ae::variational_score(kind) && !p.model.autoencoder.architecture().variational()) {
    throw Error(ErrorKind::usage, "the " + name + " score needs a variational model; this one is plain", "score");
  }
  if (p.calibration.train_stats.count(kind) == 0) {
    throw Error(ErrorKind::usage, "the model has no training statistics for score " + name +
                                      " (bce needs data in [0, 1])", "score");
  }
  return kind;
}

// Runs fn(model) on X's rows, scaled by the model's normaliser, without the GIL, under the
// library lock.
template <class Fn>
auto with_rows(PyModel& p, const py::array& x, const std::string& name, Fn fn) {
  ae::Dataset data = dataset_from(x, name);
  py::gil_scoped_release release;
  std::lock_guard lock(library_mutex());
  ae::check_width(p.model.autoencoder, data);
  ae::normalize(data, p.model.info.normalizer);
  return fn(p.model.autoencoder, data);
}

}  // namespace
}  // namespace aepy

PYBIND11_MODULE(_ae, m) {
  using namespace aepy;
  namespace py = pybind11;
  using py::arg;
  m.doc() = "The compiled core of the ae package: models, training and scoring over libae.";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ae::Error& e) {
      raise_error(e);
    }
  });

  py::class_<PyModel>(m, "Model", "A trained autoencoder with its normaliser record and score statistics.")
      .def_static("load", [](const std::string& path) {
            std::optional<ae::Model> model;
            {
              py::gil_scoped_release release;
              model.emplace(ae::load_model(path));
            }
            return std::make_unique<PyModel>(std::move(*model), path);
          }, arg("path"), "Reads a model file (safetensors) written by `ae train` or Model.save.")
      .def("save", [](const PyModel& p, const std::string& path) {
            py::gil_scoped_release release;
            ae::save_model(path, p.model.autoencoder, p.model.info);
          }, arg("path"), "Writes the model file atomically (the format `ae` reads).")
      .def_property_readonly("layers", [](const PyModel& p) { return p.model.autoencoder.architecture().spec(); })
      .def_property_readonly("input_width", [](const PyModel& p) { return p.model.autoencoder.architecture().input; })
      .def_property_readonly("embedding_width", [](const PyModel& p) { return p.model.autoencoder.architecture().embedding_width(); })
      .def_property_readonly("bottleneck", [](const PyModel& p) { return p.model.autoencoder.architecture().bottleneck; })
      .def_property_readonly("kind", [](const PyModel& p) { return std::string(ae::model_kind_name(p.model.autoencoder.architecture().kind)); })
      .def_property_readonly("normalizer", [](const PyModel& p) { return std::string(ae::name_of(ae::kNormalizerNames, p.model.info.normalizer.kind)); })
      .def_property_readonly("training", [](const PyModel& p) { return p.model.info.training; },
                             "The training record (JSON text).")
      .def_property_readonly("score_statistics", [](const PyModel& p) { return p.model.info.score; },
                             "The score calibration fitted on the training rows (JSON text).")
      .def("summary", [](const PyModel& p) { return ae::summary(p.model.autoencoder.architecture()); })
      .def("weights", [](const PyModel& p) {
            const ae::Autoencoder& a = p.model.autoencoder;
            py::list out;
            for (std::size_t l = 0; l < a.layer_count(); ++l) {
              const auto O = static_cast<py::ssize_t>(a.architecture().layers[l].width);
              const auto I = static_cast<py::ssize_t>(a.architecture().in_width(l));
              out.append(py::make_tuple(py::array_t<float>({O, I}, a.weight(l)), py::array_t<float>({O}, a.bias(l))));
            }
            return out;
          }, "Copies of each layer's (weight [out, in], bias [out]).")
      .def("encode", [](PyModel& p, const py::array& x, std::size_t threads) {
            return to_numpy(with_rows(p, x, "X", [threads](ae::Autoencoder& a, const ae::Dataset& d) { return ae::encode_all(a, d, threads); }));
          }, arg("x"), arg("threads") = 0)
      .def("reconstruct", [](PyModel& p, const py::array& x, std::size_t threads) {
            return to_numpy(with_rows(p, x, "X", [&p, threads](ae::Autoencoder& a, const ae::Dataset& d) {
              ae::Matrix rows = ae::reconstruct_all(a, d, threads);
              ae::denormalize(rows.view(), p.model.info.normalizer);  // back to the input's units
              return rows;
            }));
          }, arg("x"), arg("threads") = 0)
      .def("decode", [](PyModel& p, const py::array& z) {
            const ae::ConstMatrixView view = matrix_view_of(z, "Z");
            const std::size_t K = p.model.autoencoder.architecture().embedding_width();
            if (view.cols != K) {
              throw Error(ErrorKind::usage, "Z: rows have " + std::to_string(view.cols) +
                                                " values but the model's embedding has " + std::to_string(K));
            }
            py::gil_scoped_release release;
            std::lock_guard lock(library_mutex());
            ae::Matrix rows = ae::decode_all(p.model.autoencoder, view);
            ae::denormalize(rows.view(), p.model.info.normalizer);
            return to_numpy(std::move(rows));
          }, arg("z"))
      .def("scores", [](PyModel& p, const py::array& x, const std::string& score, std::size_t threads) {
            const ae::ScoreKind kind = score_kind(p, score);
            return to_numpy(with_rows(p, x, "X", [&](ae::Autoencoder& a, const ae::Dataset& d) {
              // elbo and recprob: the loss and beta of training, recprob's default draws.
              const ae::TrainRecord record = ae::TrainRecord::from_json(p.model.info.training, "the model");
              const ae::VariationalScoring variational{record.loss, record.beta};
              return ae::compute_scores(a, d, kind, p.calibration, nullptr, threads, &variational);
            }));
          }, arg("x"), arg("score") = "zsae", arg("threads") = 0,
          "Per-row outlier scores (higher = more abnormal), as `ae score` computes them.")
      .def("threshold", [](const PyModel& p, const std::string& score, const std::string& rule) {
            const ae::ScoreKind kind = score_kind(p, score);
            return ae::threshold_value(ae::parse_threshold(rule), p.calibration.train_stats.at(kind));
          }, arg("score"), arg("rule"),
          "The score threshold of a rule such as 'contamination=0.01' or 'mad=5', from the training statistics.");

  m.def("load_data", [](const std::string& path) {
        std::optional<ae::Dataset> data;
        {
          py::gil_scoped_release release;
          data.emplace(ae::load_data(path));
        }
        return to_numpy(std::move(*data));
      }, arg("path"), "Reads IDX[.gz], NPY or CSV rows: uint8 for byte data (IDX, u8 NPY), float32 otherwise.");
  m.def("load_labels", [](const std::string& path) {
        std::vector<std::int64_t> labels;
        {
          py::gil_scoped_release release;
          labels = ae::load_labels(path);
        }
        return py::array_t<std::int64_t>(static_cast<py::ssize_t>(labels.size()), labels.data());
      }, arg("path"), "Reads integer labels (IDX, NPY or a one-column CSV).");
  m.def("score_names", [] { return ae::score_names(); });
  m.def("threshold_rule", [](const std::string& rule) { return ae::threshold_text(ae::parse_threshold(rule)); },
        arg("rule"), "Checks a threshold rule ('contamination=F', 'mad=K', ...) and returns its normal form.");
  add_train(m);
}
