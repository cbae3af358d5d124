// How many threads ae uses to train and to run whole data sets through a model. Each batch is
// split into that many row slices, each slice runs single-threaded GEMMs, and gradients are
// summed in a fixed order: the same thread count gives bit-identical results. The count is a
// setting passed by value (TrainConfig::threads, the inference functions' `threads`), never
// process-wide state.
#pragma once
#include <cstddef>

namespace ae {

constexpr std::size_t kMaxThreads = 64;

// `requested` capped at kMaxThreads; 0 means the CPUs this process may run on (its affinity
// mask: taskset, a container's cpuset), within its cgroup's CPU limit (a CFS quota, rounded
// up), capped too.
std::size_t resolve_threads(std::size_t requested);

}  // namespace ae
