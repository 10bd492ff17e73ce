// File: workerpool/blocking_pool.h
//
// BlockingPool: a bounded thread pool for work that blocks (a database call,
// a file read) and must not stall an event loop. Work runs on one of
// `threads` threads; its completion is posted back to the executor the caller
// names (the submitting io_context), so the caller's code never runs on a
// pool thread.
//
//   - The queue holds at most `max_queue` waiting items; Submit() beyond it is
//     refused at once (false / ResourceExhausted) instead of queueing without
//     bound.
//   - Shutdown() (and the destructor) refuses new work, finishes what is
//     queued and joins the threads.
//
// Thread-safe. Pool threads post completions to the caller's executor: shut
// the pool down (or destroy it) before that io_context goes away.
//
// Example (in a coroutine on the server's loop):
//   absl::StatusOr<Row> row = co_await blocking.Run([&] { return db.Get(k); });
//   if (!row.ok()) { /* 503: pool full */ }

#ifndef BRISK_WORKERPOOL_BLOCKING_POOL_H_
#define BRISK_WORKERPOOL_BLOCKING_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/associated_executor.hpp"
#include "boost/asio/async_result.hpp"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/this_coro.hpp"
#include "boost/asio/use_awaitable.hpp"

#include "base/mutex.h"

namespace brisk::workerpool {

namespace asio = boost::asio;

struct BlockingPoolOptions {
  size_t threads = 4;
  size_t max_queue = 1024;
};

class BlockingPool {
 public:
  explicit BlockingPool(const BlockingPoolOptions& options = {});
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  // Runs `work` on a pool thread, then posts `done` to `executor`. Returns
  // false, running nothing, when the queue is full or the pool shut down.
  [[nodiscard]] bool Submit(absl::AnyInvocable<void()> work,
                            asio::any_io_executor executor,
                            absl::AnyInvocable<void()> done);

  // Awaitable form: the result of `f()` on a pool thread, resumed on the
  // calling coroutine's executor. ResourceExhausted when the queue is full,
  // Unavailable after Shutdown(), Internal if `f` threw.
  template <typename F>
  asio::awaitable<absl::StatusOr<std::invoke_result_t<F>>> Run(F f);

  void Shutdown();
  size_t queued() const;

 private:
  void Loop();

  const BlockingPoolOptions options_;
  mutable base::Mutex mu_;
  std::condition_variable_any cv_;
  std::deque<absl::AnyInvocable<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

// Implementation details follow.

template <typename F>
asio::awaitable<absl::StatusOr<std::invoke_result_t<F>>> BlockingPool::Run(
    F f) {
  using R = std::invoke_result_t<F>;
  static_assert(!std::is_void_v<R>, "return a value (or absl::Status)");
  using Result = absl::StatusOr<R>;
  auto executor = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable),
                                          void(Result)>(
      [this, executor, f = std::move(f)](auto handler) mutable {
        // The handler and the result travel together to the pool thread and
        // back to the loop.
        struct Op {
          decltype(handler) h;
          std::optional<Result> result;
        };
        auto op = std::make_shared<Op>(Op{std::move(handler), std::nullopt});
        bool ok = Submit(
            [op, f = std::move(f)]() mutable {
              try {
                op->result.emplace(f());
              } catch (const std::exception& e) {
                op->result.emplace(absl::InternalError(e.what()));
              } catch (...) {
                op->result.emplace(absl::InternalError("unknown exception"));
              }
            },
            executor, [op] { std::move(op->h)(std::move(*op->result)); });
        if (!ok) {
          asio::post(executor, [op] {
            std::move(op->h)(
                Result(absl::ResourceExhaustedError("blocking pool full")));
          });
        }
      },
      asio::use_awaitable);
}

}  // namespace brisk::workerpool

#endif  // BRISK_WORKERPOOL_BLOCKING_POOL_H_
