#include "workerpool/blocking_pool.h"

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/io_context.hpp"
#include "gtest/gtest.h"

namespace brisk::workerpool {
namespace {

TEST(BlockingPoolTest, RunsOffTheLoopAndResumesOnIt) {
  asio::io_context io;  // outlives the pool, whose threads post to it
  BlockingPool pool({.threads = 2});
  std::thread::id loop_thread = std::this_thread::get_id();
  std::thread::id work_thread, resumed_thread;
  absl::StatusOr<int> result;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        result = co_await pool.Run([&] {
          work_thread = std::this_thread::get_id();
          return 42;
        });
        resumed_thread = std::this_thread::get_id();
      },
      asio::detached);
  io.run();
  pool.Shutdown();  // joins the pool threads before `io` goes away
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, 42);
  EXPECT_NE(work_thread, loop_thread);
  EXPECT_EQ(resumed_thread, loop_thread);
}

TEST(BlockingPoolTest, ExceptionBecomesInternal) {
  asio::io_context io;
  BlockingPool pool({.threads = 1});
  absl::StatusOr<int> result;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        result = co_await pool.Run(
            []() -> int { throw std::runtime_error("db down"); });
      },
      asio::detached);
  io.run();
  pool.Shutdown();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(result.status().message(), "db down");
}

TEST(BlockingPoolTest, FullQueueIsRefusedAtOnce) {
  asio::io_context io;
  BlockingPool pool({.threads = 1, .max_queue = 2});
  std::atomic<bool> release{false};
  std::atomic<int> started{0};
  auto blocker = [&] {
    ++started;
    while (!release.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };
  ASSERT_TRUE(pool.Submit(blocker, io.get_executor(), [] {}));
  // Bounded wait until the thread holds the first item.
  for (int i = 0; i < 5000 && started.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(started.load(), 1);
  EXPECT_TRUE(pool.Submit([] {}, io.get_executor(), [] {}));
  EXPECT_TRUE(pool.Submit([] {}, io.get_executor(), [] {}));
  EXPECT_FALSE(pool.Submit([] {}, io.get_executor(), [] {})) << "queue full";
  absl::StatusOr<int> result;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        result = co_await pool.Run([] { return 1; });
      },
      asio::detached);
  io.restart();
  io.poll();
  for (int i = 0;
       i < 100 && result.status().code() == absl::StatusCode::kUnknown; ++i) {
    io.restart();
    io.poll();
  }
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted);
  release = true;
  pool.Shutdown();
  io.restart();
  io.run();
  EXPECT_EQ(pool.queued(), 0u);
}

TEST(BlockingPoolTest, ShutdownFinishesQueuedWorkAndRefusesNew) {
  asio::io_context io;
  std::atomic<int> done{0};
  int completions = 0;
  {
    BlockingPool pool({.threads = 2, .max_queue = 100});
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(pool.Submit([&] { ++done; }, io.get_executor(),
                              [&] { ++completions; }));
    }
    pool.Shutdown();
    EXPECT_EQ(done.load(), 50);
    EXPECT_FALSE(pool.Submit([] {}, io.get_executor(), [] {}));
  }
  io.run();
  EXPECT_EQ(completions, 50);
}

}  // namespace
}  // namespace brisk::workerpool
