#include "workerpool/worker_pool.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "gtest/gtest.h"

namespace brisk::workerpool {
namespace {

using namespace std::chrono_literals;

struct State {
  static inline std::atomic<int> live{0};
  static inline std::atomic<int> next_id{0};
  State() : id(next_id++) { ++live; }
  ~State() { --live; }
  int id;
  int jobs = 0;
};

// A job: a value and, optionally, a gate that holds the worker until opened.
struct Job {
  int value = 0;
  std::shared_ptr<asio::steady_timer> gate;
};

asio::awaitable<void> Hold(const Job& job) {
  if (job.gate) {
    auto [ec] =
        co_await job.gate->async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;
  }
}

class WorkerPoolTest : public ::testing::Test {
 protected:
  void SetUp() override { State::live = 0; }

  std::shared_ptr<asio::steady_timer> Gate() {
    auto t = std::make_shared<asio::steady_timer>(io_);
    t->expires_at(asio::steady_timer::time_point::max());
    return t;
  }
  // Runs handlers until nothing is ready.
  void Drain() {
    io_.restart();
    io_.poll();
  }

  asio::io_context io_;
  std::vector<std::pair<int, int>> served_;  // (job value, state id)
};

using Pool = WorkerPool<Job, State>;

Pool::Handler Recorder(std::vector<std::pair<int, int>>& served) {
  return [&served](State& s, Job job) -> asio::awaitable<void> {
    ++s.jobs;
    served.emplace_back(job.value, s.id);
    co_await Hold(job);
  };
}

TEST_F(WorkerPoolTest, WarmWorkerIsReusedAndKeepsItsState) {
  ConcurrencyLimit limit(10);
  Pool pool(io_.get_executor(), limit, Recorder(served_));
  for (int i = 0; i < 100; ++i) {
    Job j{i, nullptr};
    ASSERT_TRUE(pool.Serve(j));
    Drain();
  }
  EXPECT_EQ(pool.states_created(), 1u);
  EXPECT_EQ(pool.workers(), 1u);
  EXPECT_EQ(pool.idle_workers(), 1u);
  EXPECT_EQ(served_.size(), 100u);
  bool stopped = false;
  pool.Stop([&] { stopped = true; });
  Drain();
  EXPECT_TRUE(stopped);
  EXPECT_EQ(State::live.load(), 0);
}

TEST_F(WorkerPoolTest, MostRecentlyIdleWorkerGetsTheNextJob) {
  ConcurrencyLimit limit(10);
  Pool pool(io_.get_executor(), limit, Recorder(served_));
  std::vector<std::shared_ptr<asio::steady_timer>> gates;
  for (int i = 0; i < 3; ++i) {
    gates.push_back(Gate());
    Job j{i, gates.back()};
    ASSERT_TRUE(pool.Serve(j));
  }
  Drain();
  ASSERT_EQ(pool.workers(), 3u);
  // Finish in order 0, 2, 1: worker of job 1 is the most recently idle.
  for (int i : {0, 2, 1}) {
    gates[static_cast<size_t>(i)]->cancel();
    Drain();
  }
  ASSERT_EQ(pool.idle_workers(), 3u);
  int state_of_job1 = served_[1].second;
  int state_of_job2 = served_[2].second;
  Job next{10, nullptr};
  ASSERT_TRUE(pool.Serve(next));
  Drain();
  EXPECT_EQ(served_.back().second, state_of_job1);
  Job after{11, nullptr};
  ASSERT_TRUE(pool.Serve(after));
  Drain();
  EXPECT_EQ(served_.back().second, state_of_job1) << "LIFO: same worker again";
  (void)state_of_job2;
  pool.Stop(nullptr);
  Drain();
}

TEST_F(WorkerPoolTest, RefusesAtTheLimitAndServesAgainAfterwards) {
  ConcurrencyLimit limit(2);
  Pool pool(io_.get_executor(), limit, Recorder(served_));
  auto g1 = Gate(), g2 = Gate();
  Job a{1, g1}, b{2, g2}, c{3, nullptr};
  ASSERT_TRUE(pool.Serve(a));
  ASSERT_TRUE(pool.Serve(b));
  Drain();
  EXPECT_EQ(limit.in_flight(), 2);
  EXPECT_FALSE(pool.Serve(c));
  EXPECT_EQ(c.value, 3) << "a refused job stays with the caller";
  g1->cancel();
  Drain();
  EXPECT_TRUE(pool.Serve(c));
  Drain();
  EXPECT_EQ(served_.back().first, 3);
  g2->cancel();
  Drain();
  EXPECT_EQ(limit.in_flight(), 0);
  pool.Stop(nullptr);
  Drain();
}

TEST_F(WorkerPoolTest, ExpirySweepsOnlyIdleWorkers) {
  ConcurrencyLimit limit(10);
  Pool pool(io_.get_executor(), limit, Recorder(served_), nullptr,
            {.max_idle_worker_duration = absl::Milliseconds(20)});
  auto busy_gate = Gate();
  Job busy{0, busy_gate};
  Job quick{1, nullptr};
  ASSERT_TRUE(pool.Serve(busy));
  ASSERT_TRUE(pool.Serve(quick));
  Drain();
  ASSERT_EQ(pool.workers(), 2u);
  ASSERT_EQ(pool.idle_workers(), 1u);
  // Bounded wait for the sweep (runs every 20 ms).
  for (int i = 0; i < 500 && pool.workers() > 1; ++i) {
    io_.restart();
    io_.run_for(5ms);
  }
  EXPECT_EQ(pool.workers(), 1u);
  EXPECT_EQ(pool.idle_workers(), 0u);
  EXPECT_EQ(State::live.load(), 1) << "the expired worker's state is freed";
  busy_gate->cancel();
  Drain();
  bool stopped = false;
  pool.Stop([&] { stopped = true; });
  Drain();
  EXPECT_TRUE(stopped);
  EXPECT_EQ(State::live.load(), 0);
}

TEST_F(WorkerPoolTest, StopLetsBusyWorkersFinishThenCompletes) {
  ConcurrencyLimit limit(10);
  Pool pool(io_.get_executor(), limit, Recorder(served_));
  auto gate = Gate();
  Job busy{1, gate}, idle{2, nullptr};
  ASSERT_TRUE(pool.Serve(busy));
  ASSERT_TRUE(pool.Serve(idle));
  Drain();
  ASSERT_EQ(pool.idle_workers(), 1u);
  bool stopped = false;
  pool.Stop([&] { stopped = true; });
  Drain();
  EXPECT_EQ(pool.workers(), 1u) << "the idle worker exits at once";
  EXPECT_FALSE(stopped);
  Job late{3, nullptr};
  EXPECT_FALSE(pool.Serve(late)) << "no new jobs while stopping";
  gate->cancel();
  Drain();
  EXPECT_TRUE(stopped);
  EXPECT_EQ(pool.workers(), 0u);
  EXPECT_EQ(State::live.load(), 0);
  EXPECT_EQ(limit.in_flight(), 0);
}

TEST_F(WorkerPoolTest, AsyncStop) {
  ConcurrencyLimit limit(10);
  Pool pool(io_.get_executor(), limit, Recorder(served_));
  Job j{1, nullptr};
  ASSERT_TRUE(pool.Serve(j));
  Drain();
  bool done = false;
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        co_await pool.AsyncStop();
        done = true;
      },
      asio::detached);
  Drain();
  EXPECT_TRUE(done);
  EXPECT_EQ(pool.workers(), 0u);
}

TEST_F(WorkerPoolTest, HandlerExceptionIsCountedAndTheWorkerGoesOn) {
  ConcurrencyLimit limit(10);
  Pool pool(io_.get_executor(), limit,
            [](State& s, Job job) -> asio::awaitable<void> {
              ++s.jobs;
              if (job.value < 0) {
                throw std::runtime_error("boom");
              }
              co_return;
            });
  Job bad{-1, nullptr}, good{1, nullptr};
  ASSERT_TRUE(pool.Serve(bad));
  Drain();
  ASSERT_TRUE(pool.Serve(good));
  Drain();
  EXPECT_EQ(pool.handler_exceptions(), 1u);
  EXPECT_EQ(pool.states_created(), 1u);
  EXPECT_EQ(limit.in_flight(), 0);
  pool.Stop(nullptr);
  Drain();
}

TEST(WorkerPoolShardsTest, SeveralShardsOnSeveralThreadsShareOneLimit) {
  constexpr int kShards = 2;
  constexpr int kJobsPerShard = 2000;
  ConcurrencyLimit limit(8);
  std::atomic<int> served{0};
  std::atomic<int> max_seen{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int s = 0; s < kShards; ++s) {
    threads.emplace_back([&] {
      asio::io_context io;
      WorkerPool<Job, State> pool(
          io.get_executor(), limit, [&](State&, Job) -> asio::awaitable<void> {
            int now = static_cast<int>(limit.in_flight());
            int prev = max_seen.load();
            while (now > prev && !max_seen.compare_exchange_weak(prev, now)) {
            }
            ++served;
            co_return;
          });
      int submitted = 0;
      while (submitted < kJobsPerShard) {
        Job j{submitted, nullptr};
        if (pool.Serve(j)) {
          ++submitted;
        } else {
          ++refused;
        }
        if (submitted % 4 == 0) {
          io.restart();
          io.poll();
        }
      }
      pool.Stop(nullptr);
      io.restart();
      io.run();
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(served.load(), kShards * kJobsPerShard);
  EXPECT_LE(max_seen.load(), 8);
  EXPECT_EQ(limit.in_flight(), 0);
}

}  // namespace
}  // namespace brisk::workerpool
