// GradientExchange: the arenas and per-slice values of a data-parallel step, moved between
// ranks and added in slice order.
#include "train/data_parallel.hpp"

#include "ae/error.hpp"
#include "base/thread_pool.hpp"
#include "kernels/optimizer_kernels.hpp"

namespace ae {

GradientExchange::GradientExchange(Ranks& ranks, SliceShare share, std::size_t params)
    : ranks_(ranks), share_(share), params_(params) {
  const std::size_t n = share_.ranks;
  owned_.resize(n + 1);
  for (std::size_t r = 0; r <= n; ++r) owned_[r] = block_begin(share_.first(r));
  const std::size_t local = share_.local();
  const std::size_t mine = owned_[share_.rank + 1] - owned_[share_.rank];
  send_at_.resize(n + 1);
  recv_at_.resize(n + 1);
  for (std::size_t r = 0; r <= n; ++r) {
    send_at_[r] = local * owned_[r];
    recv_at_[r] = share_.first(r) * mine;
  }
  send_.assign(local * params_, 0.0f);
  recv_.assign(share_.slices * mine, 0.0f);
  values_.resize(n * (share_.threads + 1));
  mine_.resize(share_.threads + 1);
  rows_at_.resize(n + 1);
}

std::size_t GradientExchange::block_begin(std::size_t g) const { return slice_begin(params_, share_.slices, g); }

void GradientExchange::exchange(std::span<float* const> arenas) {
  if (arenas.size() != share_.local()) throw Error(ErrorKind::internal, "gradient exchange: one arena per local slice");
  // For each destination d: its blocks of arena 0, then of arena 1, ...
  for (std::size_t d = 0; d < share_.ranks; ++d) {
    const std::size_t b0 = owned_[d], width = owned_[d + 1] - b0;
    for (std::size_t t = 0; t < arenas.size(); ++t) {
      std::copy(arenas[t] + b0, arenas[t] + b0 + width, send_.begin() + static_cast<std::ptrdiff_t>(send_at_[d] + t * width));
    }
  }
  ranks_.all_to_all(send_, send_at_, recv_, recv_at_);
}

void GradientExchange::sum_block(std::size_t g, float* grads) {
  const std::size_t own = owned_[share_.rank], width = owned_[share_.rank + 1] - own;
  const std::size_t b0 = block_begin(g), n = block_begin(g + 1) - b0;
  float* first = recv_.data() + (b0 - own);
  std::copy(first, first + n, grads + b0);
  for (std::size_t k = 1; k < share_.slices; ++k) kernels::add_to(grads + b0, first + k * width, n);
}

void GradientExchange::share(std::span<float> arena) { ranks_.all_gather_blocks(arena, owned_); }

double GradientExchange::sum_slices(std::span<const double> local, int stop, int& largest_stop) {
  const std::size_t per = share_.threads + 1;
  std::fill(mine_.begin(), mine_.end(), 0.0);
  std::copy(local.begin(), local.end(), mine_.begin());
  mine_[per - 1] = stop;
  ranks_.all_gather(mine_, values_);
  double sum = 0;
  for (std::size_t g = 0; g < share_.slices; ++g) sum += values_[(g / share_.threads) * per + g % share_.threads];
  largest_stop = 0;
  for (std::size_t r = 0; r < share_.ranks; ++r) largest_stop = std::max(largest_stop, static_cast<int>(values_[r * per + per - 1]));
  return sum;
}

int GradientExchange::largest(int stop) {
  std::vector<double> all(share_.ranks);
  const double mine = stop;
  ranks_.all_gather({&mine, 1}, all);
  return static_cast<int>(*std::max_element(all.begin(), all.end()));
}

void GradientExchange::share_rows(std::span<float> rows, std::size_t count) {
  for (std::size_t r = 0; r <= share_.ranks; ++r) rows_at_[r] = slice_begin(count, share_.slices, share_.first(r));
  ranks_.all_gather_blocks(rows.first(count), rows_at_);
}

}  // namespace ae
