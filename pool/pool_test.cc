#include "pool/pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

#include "testing/counting_allocator.h"

namespace brisk::pool {
namespace {

// Counts live instances so tests can see exactly what was freed.
struct Obj {
  static inline std::atomic<int> live{0};
  Obj() { live.fetch_add(1); }
  ~Obj() { live.fetch_sub(1); }
  void Reset() {
    value = 0;
    ++resets;
  }
  int value = 0;
  int resets = 0;
  char payload[256] = {};
};

class PoolTest : public ::testing::Test {
 protected:
  void SetUp() override { Obj::live = 0; }
  void TearDown() override { EXPECT_EQ(Obj::live.load(), 0) << "leaked"; }
};

TEST_F(PoolTest, ReusesTheReleasedObjectAfterResettingIt) {
  Pool<Obj> pool({.name = "single"});
  Obj* first;
  {
    auto h = pool.Acquire();
    ASSERT_TRUE(h);
    h->value = 42;
    first = h.get();
  }
  auto h = pool.Acquire();
  EXPECT_EQ(h.get(), first);
  EXPECT_EQ(h->value, 0);
  EXPECT_EQ(h->resets, 1);
  PoolStats s = pool.Stats();
  EXPECT_EQ(s.acquires, 2u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.idle, 0u);
}

TEST_F(PoolTest, CustomFactoryAndResetHook) {
  int made = 0, reset = 0;
  Pool<std::string> pool(
      {.name = "strings"},
      [&made] {
        ++made;
        return std::make_unique<std::string>("fresh");
      },
      [&reset](std::string& s) {
        ++reset;
        s.clear();
      });
  {
    auto h = pool.Acquire();
    EXPECT_EQ(*h, "fresh");
    *h = "used";
  }
  auto h = pool.Acquire();
  EXPECT_EQ(*h, "");
  EXPECT_EQ(made, 1);
  EXPECT_EQ(reset, 1);
}

TEST_F(PoolTest, LifoOrder) {
  Pool<Obj> pool;
  auto a = pool.Acquire();
  auto b = pool.Acquire();
  Obj* pa = a.get();
  Obj* pb = b.get();
  a.Reset();
  b.Reset();  // most recent
  auto c = pool.Acquire();
  EXPECT_EQ(c.get(), pb);
  auto d = pool.Acquire();
  EXPECT_EQ(d.get(), pa);
}

TEST_F(PoolTest, HandleMoves) {
  Pool<Obj> pool;
  auto a = pool.Acquire();
  Obj* p = a.get();
  auto b = std::move(a);
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(b.get(), p);
  Pool<Obj>::Handle c;
  EXPECT_FALSE(c);
  c = std::move(b);
  EXPECT_EQ(c.get(), p);
  EXPECT_EQ(pool.Stats().idle, 0u);
  c = pool.Acquire();  // the old object goes back
  EXPECT_EQ(pool.Stats().idle, 1u);
  EXPECT_NE(c.get(), p);
}

TEST_F(PoolTest, DetachAndReleaseByHand) {
  Pool<Obj> pool;
  Obj* raw = pool.Acquire().Detach();
  EXPECT_EQ(pool.Stats().idle, 0u);
  raw->value = 7;
  pool.Release(raw);
  EXPECT_EQ(pool.Stats().idle, 1u);
  EXPECT_EQ(pool.Acquire().get(), raw);
}

TEST_F(PoolTest, OverflowGoesToTheSharedStoreAndIsBounded) {
  Pool<Obj> pool({.thread_cache = 4, .max_shared = 10});
  std::vector<Pool<Obj>::Handle> held;
  for (int i = 0; i < 30; ++i) {
    held.push_back(pool.Acquire());
  }
  held.clear();  // 30 released: 4 cached at most, 10 shared at most
  PoolStats s = pool.Stats();
  EXPECT_LE(s.idle, 14u);
  EXPECT_GE(s.idle, 10u);
  EXPECT_EQ(s.freed, 30u - s.idle);
  EXPECT_EQ(Obj::live.load(), static_cast<int>(s.idle));
}

TEST_F(PoolTest, TrimFreesExactlyTheObjectsIdleForTwoRounds) {
  Pool<Obj> pool({.thread_cache = 8});
  {
    std::vector<Pool<Obj>::Handle> held;
    for (int i = 0; i < 5; ++i) {
      held.push_back(pool.Acquire());
    }
  }
  ASSERT_EQ(pool.Stats().idle, 5u);
  pool.Trim();  // round 1: all five become victims
  EXPECT_EQ(pool.Stats().idle, 5u);
  EXPECT_EQ(pool.Stats().freed, 0u);
  EXPECT_EQ(Obj::live.load(), 5);
  {
    auto used = pool.Acquire();  // one victim comes back into use
  }
  pool.Trim();  // round 2: the four unused victims go; the used one survives
  EXPECT_EQ(pool.Stats().freed, 4u);
  EXPECT_EQ(pool.Stats().idle, 1u);
  EXPECT_EQ(Obj::live.load(), 1);
  pool.Trim();  // round 3: nothing used it since round 2
  EXPECT_EQ(pool.Stats().freed, 5u);
  EXPECT_EQ(pool.Stats().idle, 0u);
  EXPECT_EQ(Obj::live.load(), 0);
}

TEST_F(PoolTest, OtherThreadsAgeTheirCachesAtTheirNextUse) {
  Pool<Obj> pool({.thread_cache = 8});
  std::mutex mu;
  std::condition_variable cv;
  int phase = 0;
  std::thread t([&] {
    {
      std::vector<Pool<Obj>::Handle> held;
      for (int i = 0; i < 3; ++i) {
        held.push_back(pool.Acquire());
      }
    }  // three idle in this thread's cache
    {
      std::unique_lock<std::mutex> lock(mu);
      phase = 1;
      cv.notify_all();
      cv.wait(lock, [&] { return phase == 2; });
    }
    auto h = pool.Acquire();  // ages the cache: two rounds old, freed
    std::unique_lock<std::mutex> lock(mu);
    phase = 3;
    cv.notify_all();
    cv.wait(lock, [&] { return phase == 4; });
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return phase == 1; });
  }
  pool.Trim();
  pool.Trim();
  EXPECT_EQ(pool.Stats().idle, 3u);  // still in the sleeping thread's cache
  EXPECT_EQ(pool.Stats().freed, 0u);
  {
    std::unique_lock<std::mutex> lock(mu);
    phase = 2;
    cv.notify_all();
    cv.wait(lock, [&] { return phase == 3; });
  }
  EXPECT_EQ(pool.Stats().freed, 3u);
  EXPECT_EQ(pool.Stats().misses, 4u);  // the aged cache could not serve it
  {
    std::unique_lock<std::mutex> lock(mu);
    phase = 4;
    cv.notify_all();
  }
  t.join();
  // The thread's handle went back at exit, through its cache to the shared
  // store: this thread reuses it.
  EXPECT_EQ(pool.Stats().idle, 1u);
  auto h = pool.Acquire();
  EXPECT_EQ(pool.Stats().misses, 4u);
}

TEST_F(PoolTest, ProducerConsumerAcrossThreads) {
  Pool<Obj> pool({.name = "pc", .thread_cache = 8});
  constexpr int kItems = 20000;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Obj*> queue;
  bool done = false;
  std::atomic<int> released{0};
  std::thread producer([&] {
    for (int i = 0; i < kItems; ++i) {
      // Keep at most 64 in flight, so the consumer's releases (spilling
      // from its cache of 8 to the shared store) are there to be reused
      // however the threads are scheduled.
      while (i - released.load() > 64) {
        std::this_thread::yield();
      }
      Obj* o = pool.Acquire().Detach();
      EXPECT_EQ(o->value, 0);
      o->value = i + 1;
      std::lock_guard<std::mutex> lock(mu);
      queue.push_back(o);
      cv.notify_one();
    }
    std::lock_guard<std::mutex> lock(mu);
    done = true;
    cv.notify_one();
  });
  std::thread consumer([&] {
    int expected = 1;
    for (;;) {
      Obj* o;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return !queue.empty() || done; });
        if (queue.empty()) {
          break;
        }
        o = queue.front();
        queue.pop_front();
      }
      EXPECT_EQ(o->value, expected++);
      pool.Release(o);  // released on another thread than acquired
      ++released;
    }
    EXPECT_EQ(expected, kItems + 1);
  });
  producer.join();
  consumer.join();
  PoolStats s = pool.Stats();
  EXPECT_EQ(s.acquires, static_cast<uint64_t>(kItems));
  EXPECT_EQ(s.hits + s.misses, s.acquires);
  EXPECT_GT(s.hits, 0u) << "released objects flowed back to the producer";
  EXPECT_EQ(Obj::live.load(), static_cast<int>(s.idle));
}

TEST_F(PoolTest, ManyThreadsStress) {
  Pool<Obj> pool({.thread_cache = 4, .max_shared = 64});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&pool, t] {
      std::vector<Pool<Obj>::Handle> held;
      for (int i = 0; i < 5000; ++i) {
        if ((i * (t + 3)) % 7 < 4 || held.empty()) {
          held.push_back(pool.Acquire());
          ASSERT_EQ(held.back()->value, 0);
          held.back()->value = t + 1;
        } else {
          held.pop_back();
        }
        if (i % 1000 == 0 && t == 0) {
          pool.Trim();
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  PoolStats s = pool.Stats();
  EXPECT_EQ(s.hits + s.misses, s.acquires);
  EXPECT_EQ(static_cast<uint64_t>(Obj::live.load()), s.idle);
  EXPECT_EQ(s.misses, s.freed + s.idle);
}

TEST_F(PoolTest, BackgroundTrimmerFreesIdleObjects) {
  Pool<Obj> pool({.trim_period = absl::Milliseconds(1)});
  {
    std::vector<Pool<Obj>::Handle> held;
    for (int i = 0; i < 3; ++i) {
      held.push_back(pool.Acquire());
    }
  }
  // The trimmer ages only shared and victim objects; this thread's cache ages
  // at its next use. Push the objects to the shared store by exiting a thread.
  std::thread([&pool] {
    std::vector<Pool<Obj>::Handle> held;
    for (int i = 0; i < 3; ++i) {
      held.push_back(pool.Acquire());
    }
  }).join();
  // Bounded wait: the trimmer runs every millisecond.
  for (int i = 0; i < 10000 && pool.Stats().freed < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_GE(pool.Stats().freed, 3u);
}

TEST_F(PoolTest, SteadyStateAllocatesNothing) {
  Pool<Obj> pool;
  { auto warm = pool.Acquire(); }
  testing::AllocationCounter count;
  for (int i = 0; i < 1000; ++i) {
    auto h = pool.Acquire();
    h->value = i;
  }
  EXPECT_EQ(count.allocations(), 0u);
}

TEST_F(PoolTest, DestroyingThePoolFreesOtherThreadsCaches) {
  auto pool = std::make_unique<Pool<Obj>>();
  std::thread([&pool] {
    std::vector<Pool<Obj>::Handle> held;
    for (int i = 0; i < 3; ++i) {
      held.push_back(pool->Acquire());
    }
  }).join();
  std::mutex mu;
  std::condition_variable cv;
  bool cached = false, destroyed = false;
  std::thread keeper([&] {
    { auto h = pool->Acquire(); }  // one object in this live thread's cache
    std::unique_lock<std::mutex> lock(mu);
    cached = true;
    cv.notify_all();
    cv.wait(lock, [&] { return destroyed; });
    // A new pool may reuse the index; this thread's stale node is replaced.
    Pool<Obj> next;
    auto h = next.Acquire();
    EXPECT_EQ(next.Stats().misses, 1u);
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return cached; });
  }
  EXPECT_EQ(Obj::live.load(), 3);
  pool.reset();
  EXPECT_EQ(Obj::live.load(), 0);
  {
    std::lock_guard<std::mutex> lock(mu);
    destroyed = true;
    cv.notify_all();
  }
  keeper.join();
}

#if !defined(NDEBUG) || BRISK_POOL_ASAN
// Checked builds (--config=dbg, --config=asan) make misuse loud.
using PoolDeathTest = PoolTest;

TEST_F(PoolDeathTest, DoubleReleaseAbortsNamingThePool) {
  Pool<Obj> pool({.name = "twice"});
  Obj* raw = pool.Acquire().Detach();
  pool.Release(raw);
  EXPECT_DEATH(pool.Release(raw), "pool 'twice'");
}
#endif

#if BRISK_POOL_ASAN
TEST_F(PoolDeathTest, UseAfterReleaseAbortsNamingThePool) {
  Pool<Obj> pool({.name = "request_ctx"});
  Obj* kept;
  {
    auto h = pool.Acquire();
    kept = h.get();  // the bug: a pointer that outlives the handle
  }
  EXPECT_DEATH(kept->value = 1,
               "use-after-poison(.|\n)*brisk::pool 'request_ctx': use after "
               "release");
}
#endif

}  // namespace
}  // namespace brisk::pool
