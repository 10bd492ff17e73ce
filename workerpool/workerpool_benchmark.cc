// Benchmarks for //workerpool. Run: ./bazelw run
// //workerpool:workerpool_benchmark
//
// The cost of running one job on the event loop (same binary, same run):
//   BM_WarmWorker      WorkerPool::Serve to a warm worker whose 8 KiB state
//                      is already there
//   BM_FreshCoroutine  co_spawn of a new coroutine that allocates 8 KiB of
//                      fresh state for the job (a coroutine per connection)
// Both jobs touch their state the same way.

#include <chrono>
#include <cstring>
#include <memory>

#include "benchmark/benchmark.h"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"

#include "workerpool/worker_pool.h"

namespace brisk::workerpool {
namespace {

struct State8K {
  char bytes[8192];
};

void Touch(char* p) {
  p[0] = 1;
  p[4096] = 2;
  p[8191] = 3;
  benchmark::DoNotOptimize(p);
}

// The benchmark loop runs inside a driver coroutine on the io_context, which
// yields (one post) after each job so the job runs: no poll() syscalls in
// the measurement, only the hand-off and the job.
// `done` runs on the loop after the last iteration (it must let run()
// return, e.g. by stopping the pool and its sweep timer).
template <typename Body, typename Done>
void RunOnLoop(asio::io_context& io, benchmark::State& state, Body body,
               Done done) {
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (auto _ : state) {
          body();
          co_await asio::post(io, asio::use_awaitable);
        }
        done();
      },
      asio::detached);
  io.run();
}

void BM_WarmWorker(benchmark::State& state) {
  asio::io_context io;
  ConcurrencyLimit limit(1024);
  WorkerPool<int, State8K> pool(io.get_executor(), limit,
                                [](State8K& s, int) -> asio::awaitable<void> {
                                  Touch(s.bytes);
                                  co_return;
                                });
  RunOnLoop(
      io, state,
      [&] {
        int job = 1;
        if (!pool.Serve(job)) {
          state.SkipWithError("refused");
        }
      },
      [&] { pool.Stop(nullptr); });
  state.counters["states_created"] = static_cast<double>(pool.states_created());
}
BENCHMARK(BM_WarmWorker);

void BM_FreshCoroutine(benchmark::State& state) {
  asio::io_context io;
  RunOnLoop(
      io, state,
      [&] {
        asio::co_spawn(
            io,
            []() -> asio::awaitable<void> {
              auto s = std::make_unique_for_overwrite<State8K>();
              Touch(s->bytes);
              co_return;
            },
            asio::detached);
      },
      [] {});
}
BENCHMARK(BM_FreshCoroutine);

// The floor: the driver's own yield, no job at all (an io_context with a
// pending timer, as the pool's, so both pay the reactor's turn).
void BM_LoopFloor(benchmark::State& state) {
  asio::io_context io;
  asio::steady_timer timer(io);
  timer.expires_after(std::chrono::hours(1));
  timer.async_wait([](const boost::system::error_code&) {});
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        for (auto _ : state) {
          co_await asio::post(io, asio::use_awaitable);
        }
        timer.cancel();  // lets run() return
      },
      asio::detached);
  io.run();
}
BENCHMARK(BM_LoopFloor);

}  // namespace
}  // namespace brisk::workerpool
