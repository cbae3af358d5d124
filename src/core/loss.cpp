// Loss values, gradients and per-sample errors (see loss.hpp for the formulas): shape checks
// and scaling here, the loops in kernels/loss_kernels.cpp.
#include "ae/loss.hpp"

#include <string>

#include "ae/error.hpp"
#include "kernels/kernels.hpp"

namespace ae {
namespace {

// The loss summed over one sample's D values.
template <class T>
double sample_term(Loss loss, const T* y, const T* x, std::size_t D) {
  return loss == Loss::bce ? kernels::bce_sum(y, x, D) : kernels::squared_error_sum(y, x, D);
}

template <class T>
void check_shapes(BasicMatrixView<const T> y, BasicMatrixView<const T> x) {
  if (y.rows != x.rows || y.cols != x.cols) {
    throw Error(ErrorKind::internal, "loss: output and target shapes differ");
  }
}

}  // namespace

template <class T>
void loss_per_sample(Loss loss, BasicMatrixView<const T> y, BasicMatrixView<const T> x, T* out) {
  check_shapes(y, x);
  const double scale = loss == Loss::sse ? 1.0 : 1.0 / static_cast<double>(y.cols);
  for (std::size_t r = 0; r < y.rows; ++r) {
    out[r] = static_cast<T>(sample_term(loss, y.row(r), x.row(r), y.cols) * scale);
  }
}

template <class T>
double loss_value(Loss loss, BasicMatrixView<const T> y, BasicMatrixView<const T> x) {
  check_shapes(y, x);
  if (y.rows == 0) return 0.0;
  double total = 0;
  for (std::size_t r = 0; r < y.rows; ++r) total += sample_term(loss, y.row(r), x.row(r), y.cols);
  const double per = loss == Loss::sse ? 1.0 : static_cast<double>(y.cols);
  return total / (static_cast<double>(y.rows) * per);
}

template <class T>
double loss_gradient(Loss loss, BasicMatrixView<const T> y, BasicMatrixView<const T> x,
                     BasicMatrixView<T> dy, std::size_t batch_rows) {
  check_shapes(y, x);
  const std::size_t B = batch_rows == 0 ? y.rows : batch_rows, D = y.cols;
  if (y.rows == 0) return 0.0;
  const double per_sample = loss == Loss::sse ? 1.0 : static_cast<double>(D);
  const T scale = static_cast<T>(1.0 / (static_cast<double>(B) * per_sample));
  const double total = loss == Loss::bce
                           ? kernels::bce_gradient(y.data, x.data, dy.data, y.rows * D, scale)
                           : kernels::squared_error_gradient(y.data, x.data, dy.data, y.rows, D, T(2) * scale);
  return total * static_cast<double>(scale);
}

#define AE_INSTANTIATE(T)                                                                      \
  template double loss_value<T>(Loss, BasicMatrixView<const T>, BasicMatrixView<const T>);     \
  template double loss_gradient<T>(Loss, BasicMatrixView<const T>, BasicMatrixView<const T>,   \
                                   BasicMatrixView<T>, std::size_t);                           \
  template void loss_per_sample<T>(Loss, BasicMatrixView<const T>, BasicMatrixView<const T>, T*);
AE_INSTANTIATE(float)
AE_INSTANTIATE(double)
#undef AE_INSTANTIATE

}  // namespace ae
