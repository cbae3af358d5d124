// How many threads ae uses to train and to run whole data sets through a model. Each batch is
// split into that many row slices, each slice runs single-threaded GEMMs, and gradients are
// summed in a fixed order: the same thread count gives bit-identical results.
#pragma once
#include <cstddef>

namespace ae {

// 0 restores the default: the machine's hardware concurrency (at most 64).
void set_thread_count(std::size_t n);
std::size_t thread_count();

}  // namespace ae
