// The compiled module's pieces shared between its files: a loaded or trained model with its
// parsed score calibration, and the registration of the training function.
#pragma once
#include <pybind11/pybind11.h>

#include <string>
#include <utility>

#include "ae/model_file.hpp"
#include "ae/score.hpp"

namespace aepy {

namespace py = pybind11;

struct PyModel {
  PyModel(ae::Model m, const std::string& source)
      : model(std::move(m)), calibration(ae::ScoreCalibration::from_json(model.info.score, source)) {}

  ae::Model model;
  ae::ScoreCalibration calibration;  // model.info.score, read once
};

// Adds train() to the module (train.cpp).
void add_train(py::module_& m);

}  // namespace aepy
