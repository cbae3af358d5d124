// Pools by thread count, kept while the process lives (a handful of sizes at most).
#include "core/pool.hpp"

#include <map>
#include <memory>
#include <mutex>

#include "ae/parallel.hpp"
#include "kernels/kernels.hpp"

namespace ae {

ThreadPool& pool_for(std::size_t threads) {
  static std::mutex mutex;
  static std::map<std::size_t, std::unique_ptr<ThreadPool>> pools;
  const std::size_t n = resolve_threads(threads);
  std::lock_guard lock(mutex);
  auto& pool = pools[n];
  if (!pool) {
    kernels::gemm_single_threaded();
    pool = std::make_unique<ThreadPool>(n);
  }
  return *pool;
}

}  // namespace ae
