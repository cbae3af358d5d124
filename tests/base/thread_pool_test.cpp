// The default thread count follows the process's CPU affinity.
#include <gtest/gtest.h>
#include <sched.h>

#include "ae/parallel.hpp"

namespace ae {
namespace {

// Restricts the calling thread to the first `keep` CPUs it may use now; restores on exit.
class AffinityGuard {
 public:
  explicit AffinityGuard(int keep) {
    CPU_ZERO(&saved_);
    ok_ = sched_getaffinity(0, sizeof saved_, &saved_) == 0;
    cpu_set_t fewer;
    CPU_ZERO(&fewer);
    int kept = 0;
    for (int cpu = 0; ok_ && cpu < CPU_SETSIZE && kept < keep; ++cpu) {
      if (CPU_ISSET(cpu, &saved_)) {
        CPU_SET(cpu, &fewer);
        ++kept;
      }
    }
    ok_ = ok_ && kept == keep && sched_setaffinity(0, sizeof fewer, &fewer) == 0;
  }
  ~AffinityGuard() { sched_setaffinity(0, sizeof saved_, &saved_); }
  bool ok() const { return ok_; }

 private:
  cpu_set_t saved_;
  bool ok_ = false;
};

TEST(Threads, DefaultCountIsTheCpusThisProcessMayRunOn) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  ASSERT_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
  EXPECT_EQ(resolve_threads(0), std::min<std::size_t>(CPU_COUNT(&allowed), kMaxThreads));
  {
    AffinityGuard one(1);
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(resolve_threads(0), 1u);
    EXPECT_EQ(resolve_threads(3), 3u);  // an explicit count is kept
  }
  if (CPU_COUNT(&allowed) >= 2) {
    AffinityGuard two(2);
    ASSERT_TRUE(two.ok());
    EXPECT_EQ(resolve_threads(0), 2u);
  }
  EXPECT_EQ(resolve_threads(1000), kMaxThreads);
}

}  // namespace
}  // namespace ae
