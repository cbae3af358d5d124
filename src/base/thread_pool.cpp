// ThreadPool, and the default thread count (the cores this process may run on, within its
// cgroup's CPU limit).
#include "base/thread_pool.hpp"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <optional>
#include <string>

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

// The first line of a small text file ("" when it cannot be read).
std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// The integer `text` starts with, if it starts with one.
std::optional<long long> integer_of(std::string_view text) {
  long long value = 0;
  if (std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc()) return std::nullopt;
  return value;
}

// Whether the comma-separated controller list of a /proc/self/cgroup line names `name`.
bool lists_controller(std::string_view list, std::string_view name) {
  for (std::size_t at = 0; at <= list.size();) {
    const std::size_t comma = std::min(list.find(',', at), list.size());
    if (list.substr(at, comma - at) == name) return true;
    at = comma + 1;
  }
  return false;
}

// The smallest limit over a cgroup and its ancestors, `read(dir)` giving one folder's (0:
// none) for dir = PATH, its parents, ..., "/".
template <class Read>
std::size_t smallest_up_the_tree(std::string dir, Read read) {
  std::size_t limit = 0;
  for (;; dir = dir.substr(0, std::max<std::size_t>(dir.rfind('/'), 1))) {
    const std::size_t cpus = read(dir == "/" ? std::string() : dir);
    if (cpus != 0 && (limit == 0 || cpus < limit)) limit = cpus;
    if (dir == "/") return limit;
  }
}

// The CPU time this process's cgroup may use, in CPUs (0: no limit found): the smallest
// limit of its cgroup and the cgroup's ancestors, from /proc/self/cgroup's paths. cgroup v2:
// cpu.max; v1: the cpu controller's quota and period. A container started with `--cpus 2`
// (docker, a Kubernetes CPU limit) gets such a limit and sees every CPU of the host.
std::size_t cgroup_cpu_limit() {
  std::ifstream cgroups("/proc/self/cgroup");
  std::string line, v2_path, v1_path;
  while (std::getline(cgroups, line)) {
    const std::size_t first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos || line[second + 1] != '/') continue;
    const std::string_view controllers = std::string_view(line).substr(first + 1, second - first - 1);
    if (line.starts_with("0::")) v2_path = line.substr(second + 1);
    if (lists_controller(controllers, "cpu")) v1_path = line.substr(second + 1);
  }
  if (!v1_path.empty()) {
    return smallest_up_the_tree(v1_path, [](const std::string& dir) -> std::size_t {
      const auto quota = integer_of(first_line("/sys/fs/cgroup/cpu" + dir + "/cpu.cfs_quota_us"));
      const auto period = integer_of(first_line("/sys/fs/cgroup/cpu" + dir + "/cpu.cfs_period_us"));
      return quota && period ? cpus_of_quota(*quota, *period) : 0;
    });
  }
  if (v2_path.empty()) return 0;
  return smallest_up_the_tree(v2_path, [](const std::string& dir) {
    return cpus_of_cpu_max(first_line("/sys/fs/cgroup" + dir + "/cpu.max"));
  });
}

}  // namespace

std::size_t cpus_of_quota(long long quota, long long period) {
  if (quota <= 0 || period <= 0) return 0;
  return static_cast<std::size_t>((quota + period - 1) / period);
}

std::size_t cpus_of_cpu_max(std::string_view text) {
  const std::size_t space = text.find(' ');
  if (space == std::string_view::npos) return 0;
  const auto quota = integer_of(text.substr(0, space)), period = integer_of(text.substr(space + 1));
  return quota && period ? cpus_of_quota(*quota, *period) : 0;  // "max PERIOD": no limit
}

std::size_t resolve_threads(std::size_t requested) {
  if (requested != 0) return std::min(requested, kMaxThreads);
  // The CPUs the process may run on (taskset, a container's cpuset), not every CPU the
  // machine has, and no more than its cgroup's CPU time allows: more threads than that would
  // share cores (or be throttled) and wait on each other.
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  std::size_t cpus = 0;
  if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) cpus = static_cast<std::size_t>(CPU_COUNT(&allowed));
  if (cpus == 0) cpus = std::thread::hardware_concurrency();
  static const std::size_t limit = cgroup_cpu_limit();
  if (limit != 0) cpus = std::min(cpus, limit);
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
