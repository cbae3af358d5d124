// A small fixed pool that runs one function on every thread index and waits for all of them.
// Workers spin briefly, then sleep on an atomic wait, so back-to-back steps stay cheap
// without burning a core while idle. Not reentrant: one run() at a time.
#pragma once
#include <atomic>
#include <cstddef>
#include <functional>
#include <string_view>
#include <thread>
#include <vector>

namespace ae {

class ThreadPool {
 public:
  explicit ThreadPool(std::size_t threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  std::size_t size() const { return size_; }
  // Calls fn(t) for every t in [0, size()); the calling thread runs t = 0. Returns when all
  // calls have returned. An exception from any call is rethrown here (the first one).
  void run(const std::function<void(std::size_t)>& fn);

 private:
  void worker(std::size_t t);

  std::size_t size_;
  std::vector<std::thread> threads_;
  const std::function<void(std::size_t)>* job_ = nullptr;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::size_t> pending_{0};
  std::atomic<bool> stop_{false};
  std::exception_ptr error_;
  std::atomic<bool> failed_{false};
};

// The CPUs a CFS bandwidth limit grants, rounded up: `quota` microseconds of CPU time per
// `period`; 0 when there is no limit (quota <= 0, as cgroup v1's -1) or the period is bad.
std::size_t cpus_of_quota(long long quota, long long period);
// The same from a cgroup v2 cpu.max file's text, "QUOTA PERIOD" or "max PERIOD".
std::size_t cpus_of_cpu_max(std::string_view text);

// Rows [begin, end) of slice t when n rows are split into `parts` contiguous slices.
inline std::size_t slice_begin(std::size_t n, std::size_t parts, std::size_t t) { return n * t / parts; }

}  // namespace ae
