// Loss values, gradients and per-sample errors (see loss.hpp for the formulas).
#include "ae/loss.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "ae/error.hpp"

namespace ae {
namespace {

constexpr double kBceClip = 1e-7;

template <class T>
double sample_term(Loss loss, const T* y, const T* x, std::size_t D) {
  double sum = 0;
  if (loss == Loss::bce) {
    for (std::size_t j = 0; j < D; ++j) {
      const double p = std::clamp(static_cast<double>(y[j]), kBceClip, 1.0 - kBceClip);
      const double t = x[j];
      sum -= t * std::log(p) + (1.0 - t) * std::log1p(-p);
    }
  } else {
    for (std::size_t j = 0; j < D; ++j) {
      const double r = static_cast<double>(y[j]) - static_cast<double>(x[j]);
      sum += r * r;
    }
  }
  return sum;
}

template <class T>
void check_shapes(BasicMatrixView<const T> y, BasicMatrixView<const T> x) {
  if (y.rows != x.rows || y.cols != x.cols) {
    throw Error(ErrorKind::internal, "loss: output and target shapes differ");
  }
}

}  // namespace

Loss parse_loss(std::string_view name) {
  if (name == "sse") return Loss::sse;
  if (name == "mse") return Loss::mse;
  if (name == "bce") return Loss::bce;
  throw Error(ErrorKind::usage, "unknown loss '" + std::string(name) + "' (known: sse, mse, bce)");
}

std::string_view loss_name(Loss loss) {
  switch (loss) {
    case Loss::sse: return "sse";
    case Loss::mse: return "mse";
    case Loss::bce: return "bce";
  }
  return "?";
}

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
  const std::size_t n = y.rows * D;
  double total = 0;
  if (loss == Loss::bce) {
    for (std::size_t i = 0; i < n; ++i) {
      const double p = std::clamp(static_cast<double>(y.data[i]), kBceClip, 1.0 - kBceClip);
      const double t = x.data[i];
      total -= t * std::log(p) + (1.0 - t) * std::log1p(-p);
      const bool clipped = y.data[i] < T(kBceClip) || y.data[i] > T(1.0 - kBceClip);
      dy.data[i] = clipped ? T(0) : static_cast<T>((p - t) / (p * (1.0 - p))) * scale;
    }
  } else {
    // Per row, kLanes partial sums in T that the compiler keeps in vector registers, added up
    // in double; only the reported loss depends on this order, not the gradient.
    constexpr std::size_t kLanes = 16;
    const T two_scale = T(2) * scale;
    for (std::size_t row = 0; row < y.rows; ++row) {
      const T* yr = y.data + row * D;
      const T* xr = x.data + row * D;
      T* dr = dy.data + row * D;
      T acc[kLanes] = {};
      std::size_t j = 0;
      for (; j + kLanes <= D; j += kLanes) {
        for (std::size_t k = 0; k < kLanes; ++k) {
          const T r = yr[j + k] - xr[j + k];
          dr[j + k] = two_scale * r;
          acc[k] += r * r;
        }
      }
      for (; j < D; ++j) {
        const T r = yr[j] - xr[j];
        dr[j] = two_scale * r;
        total += static_cast<double>(r) * static_cast<double>(r);
      }
      for (std::size_t k = 0; k < kLanes; ++k) total += static_cast<double>(acc[k]);
    }
  }
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
