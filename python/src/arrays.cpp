// numpy <-> Dataset and Matrix: checked copies in, buffer hand-over out.
#include "arrays.hpp"

#include <cmath>
#include <cstring>
#include <utility>

#include "ae/error.hpp"

namespace aepy {
namespace {

using ae::Error;
using ae::ErrorKind;

// Shape, layout and dtype checks shared by the readers; returns whether the rows are bytes.
bool check_rows(const py::array& x, const std::string& name) {
  if (x.ndim() != 2) {
    throw Error(ErrorKind::usage, name + ": expected a 2-D array (rows x features), got " +
                                      std::to_string(x.ndim()) + " dimensions");
  }
  if (x.shape(1) == 0) throw Error(ErrorKind::usage, name + ": the array has no columns");
  if (!(x.flags() & py::array::c_style)) throw Error(ErrorKind::usage, name + ": the array is not C-ordered");
  if (py::isinstance<py::array_t<std::uint8_t>>(x)) return true;
  if (py::isinstance<py::array_t<float>>(x)) return false;
  throw Error(ErrorKind::usage, name + ": expected uint8 or float32 values, got " +
                                    std::string(py::str(x.dtype())));
}

void check_finite(const float* v, std::size_t rows, std::size_t cols, const std::string& name) {
  for (std::size_t i = 0; i < rows * cols; ++i) {
    if (!std::isfinite(v[i])) {
      throw Error(ErrorKind::bad_data, name + ": row " + std::to_string(i / cols) + ", column " +
                                           std::to_string(i % cols) + " is " +
                                           (std::isnan(v[i]) ? "NaN" : "infinite") +
                                           " (every value must be finite)");
    }
  }
}

// An array of `shape` that owns `v`'s buffer (moved to the heap, freed with the array).
template <class T>
py::array_t<T> owning_array(std::vector<T>&& v, std::vector<py::ssize_t> shape) {
  auto* held = new std::vector<T>(std::move(v));
  py::capsule owner(held, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(std::move(shape), held->data(), owner);
}

}  // namespace

std::mutex& library_mutex() {
  static std::mutex mutex;
  return mutex;
}

ae::Dataset dataset_from(const py::array& x, const std::string& name) {
  const bool bytes = check_rows(x, name);
  ae::Dataset d;
  d.rows = static_cast<std::size_t>(x.shape(0));
  d.cols = static_cast<std::size_t>(x.shape(1));
  d.source = name;
  d.byte_data = bytes;
  const void* from = x.data();
  py::gil_scoped_release release;
  if (bytes) {
    const auto* b = static_cast<const std::uint8_t*>(from);
    d.bytes.assign(b, b + d.rows * d.cols);
  } else {
    const auto* f = static_cast<const float*>(from);
    check_finite(f, d.rows, d.cols, name);
    d.values.assign(f, f + d.rows * d.cols);
  }
  return d;
}

ae::ConstMatrixView matrix_view_of(const py::array& z, const std::string& name) {
  if (check_rows(z, name)) throw Error(ErrorKind::usage, name + ": expected float32 values, got uint8");
  const auto* f = static_cast<const float*>(z.data());
  const auto rows = static_cast<std::size_t>(z.shape(0)), cols = static_cast<std::size_t>(z.shape(1));
  check_finite(f, rows, cols, name);
  return {f, rows, cols};
}

py::array_t<float> to_numpy(ae::Matrix&& m) {
  const auto rows = static_cast<py::ssize_t>(m.rows()), cols = static_cast<py::ssize_t>(m.cols());
  return owning_array(std::move(m.values()), {rows, cols});
}

py::array_t<float> to_numpy(std::vector<float>&& v) {
  const auto n = static_cast<py::ssize_t>(v.size());
  return owning_array(std::move(v), {n});
}

py::array to_numpy(ae::Dataset&& d) {
  const auto rows = static_cast<py::ssize_t>(d.rows), cols = static_cast<py::ssize_t>(d.cols);
  if (d.byte_data) return owning_array(std::move(d.bytes), {rows, cols});
  return owning_array(std::move(d.values), {rows, cols});
}

}  // namespace aepy
