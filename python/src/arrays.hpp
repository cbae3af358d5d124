// numpy arrays in and out of the library. In: a 2-D C-ordered uint8 or float32 array becomes a
// Dataset with one copy (the Python layer converts every other dtype and layout first); uint8
// rows are byte data, read as value / 255 as the CLI reads IDX and u8 NPY files. Out: library
// results become arrays that own the result's storage, without a copy. Not the place for
// settings or models.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "ae/data.hpp"
#include "ae/matrix.hpp"

namespace aepy {

namespace py = pybind11;

// The rows of `x` (called `name` in messages). Throws ae::Error(usage) for another dtype, a
// shape that is not 2-D, a non-C-ordered array or no columns, and ae::Error(bad_data) naming
// the row and column of a NaN or Inf. Call with the GIL held; the copy runs without it.
ae::Dataset dataset_from(const py::array& x, const std::string& name);

// Float rows of `z` (2-D C-ordered float32, checked as dataset_from does) as a view into it;
// valid while `z` lives.
ae::ConstMatrixView matrix_view_of(const py::array& z, const std::string& name);

// Arrays owning the library's buffers (rows x cols float32; n float32; a data set as uint8 or
// float32 rows).
py::array_t<float> to_numpy(ae::Matrix&& m);
py::array_t<float> to_numpy(std::vector<float>&& v);
py::array to_numpy(ae::Dataset&& d);

// The library's pools and workspaces are not reentrant: every call into it holds this lock.
// Take it only after releasing the GIL, so a thread waiting for it never holds the GIL that the
// holder's progress callback needs.
std::mutex& library_mutex();

}  // namespace aepy
