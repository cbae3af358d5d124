// The thread pools the model's passes run on: one per thread count, built on first use, with
// BLAS set to run each GEMM on its calling thread (ae's threads split the rows instead).
// Holds no setting: the count is always the caller's.
#pragma once
#include <cstddef>

#include "base/thread_pool.hpp"

namespace ae {

// The pool of resolve_threads(threads) threads. Not reentrant, as ThreadPool::run.
ThreadPool& pool_for(std::size_t threads);

}  // namespace ae
