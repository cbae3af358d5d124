// Data-parallel training's bookkeeping: which of a batch's row slices and which part of the
// parameter arena each rank owns, and the exchanges that put the slices' results together in
// slice order, the order in which one process adds its threads' results. So N ranks of T
// threads give the bytes of one process with N x T threads. It moves and adds arenas; the
// forward and backward passes stay in the trainer.
#pragma once
#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "ae/ranks.hpp"

namespace ae {

// A batch is cut into `slices` row slices, numbered over all ranks: rank r computes slices
// [first(r), first(r + 1)), at most `threads` of them, one per thread of its pool.
struct SliceShare {
  std::size_t ranks = 1, rank = 0;
  std::size_t threads = 1;  // each rank's pool
  std::size_t slices = 1;   // min(ranks x threads, batch rows)
  std::size_t first(std::size_t r) const { return std::min(slices, r * threads); }
  std::size_t local() const { return first(rank + 1) - first(rank); }
};

class GradientExchange {
 public:
  // `params`: the parameter arena's length.
  GradientExchange(Ranks& ranks, SliceShare share, std::size_t params);

  // Slice g's block of the parameter arena: one process's thread g sums and updates the
  // same block. This rank's blocks are those of its own slices.
  std::size_t block_begin(std::size_t g) const;
  // Sends every rank its blocks of this rank's gradient arenas (one per local slice, in slice
  // order); receives every slice's arena over this rank's blocks.
  void exchange(std::span<float* const> arenas);
  // After exchange(): grads over slice g's block (g one of this rank's slices) = the sum of
  // all slices' arenas, added in slice order.
  void sum_block(std::size_t g, float* grads);
  // Every rank's blocks of `arena` to every rank: the parameters after this rank updated its
  // blocks, the optimiser moments before a checkpoint.
  void share(std::span<float> arena);
  // The per-slice values of the whole batch summed in slice order (`local`: this rank's, one
  // per local slice), and the largest `stop` any rank passed.
  double sum_slices(std::span<const double> local, int stop, int& largest_stop);
  // The largest `stop` any rank passed.
  int largest(int stop);
  // Every rank's rows of one batch's per-row values: rows [0, count) cut into the slices as
  // the trainer cuts them; each rank holds its slices' rows.
  void share_rows(std::span<float> rows, std::size_t count);

 private:
  Ranks& ranks_;
  SliceShare share_;
  std::size_t params_;
  std::vector<std::size_t> owned_;             // ranks + 1 offsets: rank r's blocks in the arena
  std::vector<std::size_t> send_at_, recv_at_;  // all_to_all's offsets
  std::vector<float> send_, recv_;
  std::vector<double> values_, mine_;  // every rank's slice values and stop; this rank's
  std::vector<std::size_t> rows_at_;
};

}  // namespace ae
