// Reconstruction losses. y is the model's output, x the target, both (B, D).
//   sse: sum over features of (y - x)^2, averaged over the batch
//   mse: mean over features and batch of (y - x)^2
//   bce: mean over features and batch of -(x log p + (1 - x) log(1 - p)), p = y clipped to
//        [1e-7, 1 - 1e-7] as Keras does; the gradient is zero where the clip is active.
#pragma once
#include <array>
#include <cstddef>
#include <string_view>

#include "ae/matrix.hpp"
#include "ae/names.hpp"

namespace ae {

enum class Loss { sse, mse, bce };

inline constexpr std::array<NameEntry<Loss>, 3> kLossNames{{
    {Loss::sse, "sse"}, {Loss::mse, "mse"}, {Loss::bce, "bce"}}};
inline Loss parse_loss(std::string_view name) { return parse_name(kLossNames, name, "loss"); }
inline std::string_view loss_name(Loss loss) { return name_of(kLossNames, loss); }

// What loss_per_sample divides a row's summed terms by: 1 for sse, D for mse and bce.
inline double per_sample_divisor(Loss loss, std::size_t D) {
  return loss == Loss::sse ? 1.0 : static_cast<double>(D);
}

// The batch loss. Accumulates in double.
template <class T>
double loss_value(Loss loss, BasicMatrixView<const T> y, BasicMatrixView<const T> x);
// The batch loss, and dy (B, D) = d loss / d y (overwritten). When the rows are one slice of
// a larger batch, batch_rows is that batch's size: the mean is taken over it, so the slices'
// values and gradients add up to the whole batch's. 0 means y.rows.
template <class T>
double loss_gradient(Loss loss, BasicMatrixView<const T> y, BasicMatrixView<const T> x,
                     BasicMatrixView<T> dy, std::size_t batch_rows = 0);
// Per-sample error (B values) in the loss's own per-sample form: sse sums over features,
// mse and bce average over them. Scoring reuses it.
template <class T>
void loss_per_sample(Loss loss, BasicMatrixView<const T> y, BasicMatrixView<const T> x, T* out);

}  // namespace ae
