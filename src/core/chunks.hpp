// The chunked pass over a data set that inference and scoring share: kInferenceChunk rows at
// a time, on the pool of the caller's thread count, each thread with its own input buffer and
// its own State (default-constructed once per thread, reused for every chunk it takes).
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>

#include "ae/data.hpp"
#include "ae/inference.hpp"
#include "ae/matrix.hpp"
#include "core/pool.hpp"

namespace ae {

// How many kInferenceChunk-row chunks `rows` rows make, the last maybe shorter.
inline std::size_t chunk_count(std::size_t rows) { return (rows + kInferenceChunk - 1) / kInferenceChunk; }

// Calls fn(first, count, x, state) for each chunk of rows [begin, end) of `data`, the chunks
// starting at begin, begin + kInferenceChunk, ...; first is the chunk's row in `data`, x
// holds its rows as float. Each thread takes the next chunk nobody has taken, so a thread
// slowed down by something else on the machine does fewer. A chunk's results must not
// depend on which thread computes it, and fn must write only what belongs to its own chunk.
template <class State, class Fn>
void for_each_chunk_in(const Dataset& data, std::size_t begin, std::size_t end, std::size_t threads, Fn fn) {
  ThreadPool& pool = pool_for(threads);
  const std::size_t chunks = chunk_count(end - begin);
  std::atomic<std::size_t> next{0};
  pool.run([&](std::size_t t) {
    if (t >= chunks) return;
    AlignedVector<float> x(std::min(kInferenceChunk, end - begin) * data.cols);
    State state;
    for (std::size_t c; (c = next.fetch_add(1, std::memory_order_relaxed)) < chunks;) {
      const std::size_t first = begin + c * kInferenceChunk;
      const std::size_t count = std::min(kInferenceChunk, end - first);
      data.copy_rows(first, count, x.data());
      fn(first, count, ConstMatrixView{x.data(), count, data.cols}, state);
    }
  });
}

// The same over every row of `data`.
template <class State, class Fn>
void for_each_chunk(const Dataset& data, std::size_t threads, Fn fn) {
  for_each_chunk_in<State>(data, 0, data.rows, threads, fn);
}

}  // namespace ae
