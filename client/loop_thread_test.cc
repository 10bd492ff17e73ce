#include "client/internal/loop_thread.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "gtest/gtest.h"

namespace brisk::client::client_internal {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

TEST(LoopThreadTest, RunsOnItsOwnThreadUntilStopped) {
  LoopThread loop;
  EXPECT_FALSE(loop.running());
  loop.Start();
  EXPECT_TRUE(loop.running());
  // With nothing to do it keeps running: work posted later still runs.
  std::this_thread::sleep_for(milliseconds(20));
  std::atomic<bool> ran{false};
  std::thread::id where;
  asio::post(loop.io(), [&] {
    where = std::this_thread::get_id();
    ran = true;
  });
  for (int i = 0; i < 1000 && !ran; ++i) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  EXPECT_TRUE(ran);
  std::thread::id closed_on;
  loop.Stop([&] { closed_on = std::this_thread::get_id(); });
  EXPECT_FALSE(loop.running());
  EXPECT_NE(where, std::this_thread::get_id());
  EXPECT_EQ(closed_on, where);  // `close` ran on the loop's thread
}

// Stop: what `close` queued runs, then the loop stops without waiting for
// an operation still pending; what was queued after that is left for
// RunQueued, on the caller's thread.
TEST(LoopThreadTest, StopRunsWhatCloseQueuedAndLeavesTheRest) {
  LoopThread loop;
  loop.Start();
  asio::steady_timer pending(loop.io(), std::chrono::hours(1));
  pending.async_wait([](const boost::system::error_code&) {});
  bool queued_ran = false;
  bool next_ran = false;
  std::thread::id next_on;
  // (Waiting for the hour-long timer would hang the test past its limit.)
  loop.Stop([&] {
    asio::post(loop.io(), [&] {
      queued_ran = true;
      asio::post(loop.io(), [&] {
        next_ran = true;
        next_on = std::this_thread::get_id();
      });
    });
  });
  EXPECT_TRUE(queued_ran);
  EXPECT_FALSE(next_ran);
  loop.RunQueued();
  EXPECT_TRUE(next_ran);
  EXPECT_EQ(next_on, std::this_thread::get_id());
  pending.cancel();
  loop.RunQueued();
}

// Drain: the loop runs until no work is left, however long that takes.
TEST(LoopThreadTest, DrainWaitsForEveryOperation) {
  LoopThread loop;
  loop.Start();
  bool fired = false;
  bool chained = false;
  asio::steady_timer timer(loop.io(), milliseconds(50));
  loop.Drain([&] {
    timer.async_wait([&](const boost::system::error_code& ec) {
      fired = !ec;
      asio::post(loop.io(), [&] { chained = true; });
    });
  });
  EXPECT_TRUE(fired);
  EXPECT_TRUE(chained);
  EXPECT_FALSE(loop.running());
}

TEST(LoopThreadTest, DestroyedRunningOrNeverStarted) {
  { LoopThread never; }
  std::atomic<int> runs{0};
  {
    LoopThread running;
    running.Start();
    asio::post(running.io(), [&] { ++runs; });
  }  // stopped and joined, not left hanging
  EXPECT_LE(runs.load(), 1);
  LoopThread stopped;
  stopped.Start();
  stopped.Stop(nullptr);
  stopped.Stop(nullptr);  // a second end does nothing
  stopped.Drain(nullptr);
  EXPECT_FALSE(stopped.running());
}

}  // namespace
}  // namespace brisk::client::client_internal
