// ThreadPool, and the default thread count (the cores this process may run on).
#include "base/thread_pool.hpp"

#include <sched.h>

#include <algorithm>

#include "ae/parallel.hpp"

namespace ae {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
}

// Spin for a short while (a training step's gap between parallel regions), then sleep.
constexpr int kSpins = 20000;

}  // namespace

std::size_t resolve_threads(std::size_t requested) {
  if (requested != 0) return std::min(requested, kMaxThreads);
  // The CPUs the process may run on (taskset, a container's cpuset), not every CPU the
  // machine has: more threads than that would share cores and wait on each other.
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  std::size_t cpus = 0;
  if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) cpus = static_cast<std::size_t>(CPU_COUNT(&allowed));
  if (cpus == 0) cpus = std::thread::hardware_concurrency();
  return std::clamp<std::size_t>(cpus, 1, kMaxThreads);
}

ThreadPool::ThreadPool(std::size_t threads) : size_(std::max<std::size_t>(threads, 1)) {
  for (std::size_t t = 1; t < size_; ++t) threads_.emplace_back([this, t] { worker(t); });
}

ThreadPool::~ThreadPool() {
  stop_ = true;
  generation_.fetch_add(1);
  generation_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void ThreadPool::worker(std::size_t t) {
  std::uint64_t seen = 0;
  for (;;) {
    std::uint64_t now = generation_.load(std::memory_order_acquire);
    for (int i = 0; now == seen && i < kSpins; ++i) {
      cpu_relax();
      now = generation_.load(std::memory_order_acquire);
    }
    while (now == seen) {
      generation_.wait(seen, std::memory_order_acquire);
      now = generation_.load(std::memory_order_acquire);
    }
    seen = now;
    if (stop_) return;
    try {
      (*job_)(t);
    } catch (...) {
      if (!failed_.exchange(true)) error_ = std::current_exception();
    }
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
  }
}

void ThreadPool::run(const std::function<void(std::size_t)>& fn) {
  if (size_ == 1) {
    fn(0);
    return;
  }
  job_ = &fn;
  failed_ = false;
  error_ = nullptr;
  pending_.store(size_ - 1, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  generation_.notify_all();
  try {
    fn(0);
  } catch (...) {
    if (!failed_.exchange(true)) error_ = std::current_exception();
  }
  std::size_t left = pending_.load(std::memory_order_acquire);
  for (int i = 0; left != 0 && i < kSpins; ++i) {
    cpu_relax();
    left = pending_.load(std::memory_order_acquire);
  }
  while (left != 0) {
    pending_.wait(left, std::memory_order_acquire);
    left = pending_.load(std::memory_order_acquire);
  }
  job_ = nullptr;
  if (failed_) std::rethrow_exception(error_);
}

}  // namespace ae
