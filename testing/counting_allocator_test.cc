#include "testing/counting_allocator.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace brisk::testing {
namespace {

TEST(AllocationCounterTest, CountsAllocationsOfThisThread) {
  AllocationCounter count;
  auto p = std::make_unique<std::string>(100, 'x');  // the string and its chars
  EXPECT_EQ(count.allocations(), 2u);
  EXPECT_GE(count.bytes(), 100u);
}

TEST(AllocationCounterTest, ZeroWhenNothingAllocates) {
  std::vector<int> v;
  v.reserve(16);
  AllocationCounter count;
  for (int i = 0; i < 16; ++i) {
    v.push_back(i);
  }
  EXPECT_EQ(count.allocations(), 0u);
}

TEST(AllocationCounterTest, IgnoresOtherThreads) {
  AllocationCounter count;
  uint64_t before_thread =
      count.allocations();  // std::thread allocates its state
  std::thread t([] {
    std::vector<std::unique_ptr<int>> v;
    for (int i = 0; i < 100; ++i) {
      v.push_back(std::make_unique<int>(i));
    }
  });
  t.join();
  EXPECT_LT(count.allocations() - before_thread, 10u);
}

}  // namespace
}  // namespace brisk::testing
