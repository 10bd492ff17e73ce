// base::Mutex and MutexLock: a held lock excludes others until its scope
// ends, across threads.

#include "base/mutex.h"

#include <thread>

#include "gtest/gtest.h"

namespace brisk::base {
namespace {

TEST(MutexTest, MutexLockHoldsForItsScope) {
  Mutex mu;
  {
    MutexLock lock(&mu);
    bool other_got_it = true;
    std::thread t([&] {
      other_got_it = mu.TryLock();
      if (other_got_it) {
        mu.Unlock();
      }
    });
    t.join();
    EXPECT_FALSE(other_got_it);
  }
  EXPECT_TRUE(mu.TryLock());
  mu.Unlock();
}

TEST(MutexTest, CountsFromTwoThreadsAddUp) {
  Mutex mu;
  int count = 0;
  auto add = [&] {
    for (int i = 0; i < 100000; ++i) {
      MutexLock lock(&mu);
      ++count;
    }
  };
  std::thread a(add);
  std::thread b(add);
  a.join();
  b.join();
  EXPECT_EQ(count, 200000);
}

}  // namespace
}  // namespace brisk::base
