#include "bytes/byte_buffer_pool.h"

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

#include "testing/counting_allocator.h"

namespace brisk::bytes {
namespace {

ByteBuffer Filled(size_t n) {
  ByteBuffer b;
  b.Resize(n);
  return b;
}

TEST(ByteBufferPoolTest, ClassOf) {
  EXPECT_EQ(ByteBufferPool::ClassOf(0), 0);
  EXPECT_EQ(ByteBufferPool::ClassOf(64), 0);
  EXPECT_EQ(ByteBufferPool::ClassOf(65), 1);
  EXPECT_EQ(ByteBufferPool::ClassOf(128), 1);
  EXPECT_EQ(ByteBufferPool::ClassOf(4096), 6);
  EXPECT_EQ(ByteBufferPool::ClassOf(size_t{32} << 20),
            ByteBufferPool::kClasses - 1);
  EXPECT_EQ(ByteBufferPool::ClassOf(size_t{1} << 40),
            ByteBufferPool::kClasses - 1);
}

TEST(ByteBufferPoolTest, GetReturnsEmptyBufferAndReusesLifo) {
  ByteBufferPool pool;
  ByteBuffer a = pool.Get();
  a.Append("first");
  const char* a_storage = a.data();
  pool.Put(std::move(a));
  EXPECT_EQ(pool.idle(), 1u);
  ByteBuffer b = pool.Get();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.data(), a_storage);  // the same storage, reset
  EXPECT_EQ(pool.idle(), 0u);
}

TEST(ByteBufferPoolTest, SteadyStateGetPutDoesNotAllocate) {
  ByteBufferPool pool;
  pool.Put(Filled(4096));
  testing::AllocationCounter count;
  for (int i = 0; i < 1000; ++i) {
    ByteBuffer b = pool.Get();
    b.Resize(4096);
    pool.Put(std::move(b));
  }
  EXPECT_EQ(count.allocations(), 0u);
}

TEST(ByteBufferPoolTest, CalibrationLearnsDefaultAndMaxSize) {
  ByteBufferPool pool(ByteBufferPoolOptions{.calibrate_calls = 100});
  EXPECT_EQ(pool.default_size(), 0u);
  EXPECT_EQ(pool.max_size(), 0u);
  for (int i = 0; i < 101; ++i) {
    pool.Put(Filled(3000));  // class 4 KiB
  }
  EXPECT_EQ(pool.default_size(), 4096u);
  EXPECT_EQ(pool.max_size(), 4096u);
  // A new buffer starts at the learnt size.
  ByteBufferPool fresh(ByteBufferPoolOptions{.calibrate_calls = 10});
  for (int i = 0; i < 11; ++i) {
    fresh.Put(Filled(1000));
  }
  while (fresh.idle() > 0) {
    (void)fresh.Get();
  }
  EXPECT_GE(fresh.Get().capacity(), 1024u);
}

TEST(ByteBufferPoolTest, CalibrationDropsAnOutlierPooledBeforeIt) {
  ByteBufferPool pool(ByteBufferPoolOptions{.calibrate_calls = 100});
  pool.Put(
      Filled(size_t{10} << 20));  // one 10 MiB outlier, pooled (no limit yet)
  EXPECT_GE(pool.idle_bytes(), size_t{10} << 20);
  for (int i = 0; i < 101; ++i) {
    ByteBuffer b = pool.Get();  // may be the outlier: put back a small one
    b.Release();
    b.Resize(4000);
    pool.Put(std::move(b));
  }
  EXPECT_EQ(pool.max_size(), 4096u);
  EXPECT_LT(pool.idle_bytes(), size_t{1} << 20) << "the 10 MiB buffer is freed";
  while (pool.idle() > 0) {
    EXPECT_LE(pool.Get().capacity(), 4096u);
  }
}

TEST(ByteBufferPoolTest, BufferLargerThanMaxSizeIsNotPooled) {
  ByteBufferPool pool(ByteBufferPoolOptions{.calibrate_calls = 50});
  for (int i = 0; i < 51; ++i) {
    pool.Put(Filled(100));
  }
  ASSERT_EQ(pool.max_size(), 128u);
  while (pool.idle() > 0) {
    (void)pool.Get();
  }
  pool.Put(Filled(size_t{10} << 20));
  EXPECT_EQ(pool.idle(), 0u);
  pool.Put(Filled(100));
  EXPECT_EQ(pool.idle(), 1u);
}

TEST(ByteBufferPoolTest, PercentileKeepsTheCommonSizesOnly) {
  ByteBufferPool pool(ByteBufferPoolOptions{.calibrate_calls = 1000});
  // 97% at 1 KiB, 3% at 64 KiB: 64 KiB is outside the 95th percentile.
  for (int i = 0; i < 30; ++i) {
    pool.Put(Filled(60000));
  }
  for (int i = 0; i < 1001; ++i) {
    pool.Put(Filled(1000));
  }
  EXPECT_EQ(pool.default_size(), 1024u);
  EXPECT_EQ(pool.max_size(), 1024u);
}

TEST(ByteBufferPoolTest, MaxIdleBoundsThePool) {
  ByteBufferPool pool(ByteBufferPoolOptions{.max_idle = 3});
  for (int i = 0; i < 10; ++i) {
    pool.Put(Filled(10));
  }
  EXPECT_EQ(pool.idle(), 3u);
}

TEST(ByteBufferPoolTest, ConcurrentGetPut) {
  ByteBufferPool pool(ByteBufferPoolOptions{.calibrate_calls = 500});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&pool, t] {
      for (int i = 0; i < 5000; ++i) {
        ByteBuffer b = pool.Get();
        ASSERT_TRUE(b.empty());
        b.Append(std::string(static_cast<size_t>(64 * (t + 1)), 'a' + t));
        ASSERT_EQ(b.view()[0], 'a' + t);
        pool.Put(std::move(b));
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_LE(pool.idle(), 4u);
  EXPECT_GT(pool.max_size(), 0u);
}

TEST(ByteBufferPoolTest, DefaultIsOneInstance) {
  EXPECT_EQ(&ByteBufferPool::Default(), &ByteBufferPool::Default());
}

}  // namespace
}  // namespace brisk::bytes
