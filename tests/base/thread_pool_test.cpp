// The default thread count follows the process's CPU affinity and its cgroup's CPU limit.
#include <gtest/gtest.h>
#include <sched.h>

#include "ae/parallel.hpp"
#include "base/thread_pool.hpp"

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

// A CPU limit of the machine's cgroup, if any, can only lower the counts checked here.
TEST(Threads, DefaultCountIsTheCpusThisProcessMayRunOn) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  ASSERT_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
  EXPECT_LE(resolve_threads(0), std::min<std::size_t>(CPU_COUNT(&allowed), kMaxThreads));
  EXPECT_GE(resolve_threads(0), 1u);
  {
    AffinityGuard one(1);
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(resolve_threads(0), 1u);
    EXPECT_EQ(resolve_threads(3), 3u);  // an explicit count is kept
  }
  if (CPU_COUNT(&allowed) >= 2) {
    AffinityGuard two(2);
    ASSERT_TRUE(two.ok());
    EXPECT_LE(resolve_threads(0), 2u);
  }
  EXPECT_EQ(resolve_threads(1000), kMaxThreads);
}

TEST(Threads, ACgroupCpuLimitIsItsQuotaOverItsPeriodRoundedUp) {
  EXPECT_EQ(cpus_of_quota(200000, 100000), 2u);
  EXPECT_EQ(cpus_of_quota(150000, 100000), 2u);
  EXPECT_EQ(cpus_of_quota(50000, 100000), 1u);
  EXPECT_EQ(cpus_of_quota(1, 100000), 1u);
  EXPECT_EQ(cpus_of_quota(-1, 100000), 0u);  // cgroup v1: no limit
  EXPECT_EQ(cpus_of_quota(100000, 0), 0u);
  EXPECT_EQ(cpus_of_cpu_max("400000 100000"), 4u);
  EXPECT_EQ(cpus_of_cpu_max("250000 100000"), 3u);
  EXPECT_EQ(cpus_of_cpu_max("max 100000"), 0u);  // cgroup v2: no limit
  EXPECT_EQ(cpus_of_cpu_max(""), 0u);
  EXPECT_EQ(cpus_of_cpu_max("400000"), 0u);
  EXPECT_EQ(cpus_of_cpu_max("x 100000"), 0u);
}

}  // namespace
}  // namespace ae
