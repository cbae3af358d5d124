// What a cache line costs to move between two cores: the round trip of a flag that two
// threads, pinned to two CPUs, hand back and forth, and the rate at which one core reads
// 4 MB that the other core has just written, against the rate at which it reads 4 MB it has
// just written itself (one float a 64-byte line, so the rate counts lines). Training on
// several threads moves its parameters and gradient arenas between the cores every step,
// so these two numbers bound how far a second thread can help on a given host.
// Build and run: g++ -O2 -pthread bench/core_to_core.cpp -o /tmp/core_to_core && /tmp/core_to_core [cpu_a cpu_b]
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

bool pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Nanoseconds for the flag to go from cpu a (the calling thread's) to cpu b and back, over
// `trips` round trips.
double round_trip_ns(int b, int trips) {
  alignas(64) std::atomic<int> flag{0};
  std::thread other([&] {
    pin(b);
    for (int i = 0; i < trips; ++i) {
      while (flag.load(std::memory_order_acquire) != 2 * i + 1) {
      }
      flag.store(2 * i + 2, std::memory_order_release);
    }
  });
  const auto start = Clock::now();
  for (int i = 0; i < trips; ++i) {
    flag.store(2 * i + 1, std::memory_order_release);
    while (flag.load(std::memory_order_acquire) != 2 * i + 2) {
    }
  }
  const double s = seconds_since(start);
  other.join();
  return s * 1e9 / trips;
}

// Sums one float of every line of buf; returns the seconds it took.
double read_lines(const std::vector<float>& buf, volatile float& sink) {
  const auto start = Clock::now();
  float sum = 0;
  for (std::size_t i = 0; i < buf.size(); i += 16) sum += buf[i];
  sink = sum;
  return seconds_since(start);
}

}  // namespace

int main(int argc, char** argv) {
  const int a = argc > 2 ? std::atoi(argv[1]) : 0, b = argc > 2 ? std::atoi(argv[2]) : 1;
  // Pinning to b first, then to a, checks both CPUs can be used; the main thread stays on a.
  if (a == b || !pin(b) || !pin(a)) {
    std::fprintf(stderr, "core_to_core: cannot run on cpu %d and cpu %d (two distinct CPUs of this machine)\n", a, b);
    return 1;
  }
  std::vector<double> trips;
  for (int r = 0; r < 5; ++r) trips.push_back(round_trip_ns(b, 100000));
  std::vector<float> buf(std::size_t{1} << 20);  // 4 MB
  volatile float sink = 0;
  double theirs = 0, mine = 0;
  constexpr int kRounds = 20;
  for (int r = 0; r < kRounds; ++r) {
    std::thread writer([&] {
      pin(b);
      for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<float>(i + r);
    });
    writer.join();
    theirs += read_lines(buf, sink);
    for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<float>(i) - r;
    mine += read_lines(buf, sink);
  }
  std::printf("cpu %d <-> cpu %d: round trip of a line", a, b);
  for (double t : trips) std::printf(" %.0f", t);
  std::printf(" ns\n");
  const double bytes = kRounds * 4.0 * static_cast<double>(buf.size());
  std::printf("reading 4 MB written by cpu %d: %.1f GB/s; written by cpu %d itself: %.1f GB/s\n", b,
              bytes / theirs / 1e9, a, bytes / mine / 1e9);
}
