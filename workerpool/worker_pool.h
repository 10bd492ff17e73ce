// File: workerpool/worker_pool.h
//
// WorkerPool is fasthttp's workerPool on Asio: jobs (for a server, a
// connection that is ready to be read) go to long-lived worker coroutines that
// keep their per-worker State (buffers, a request context) warm across jobs,
// instead of a fresh coroutine and fresh state per job.
//
//   - Serve(job) hands the job to the most recently idle worker (LIFO keeps
//     its state hot in the CPU caches), starts a new worker when none is idle,
//     and refuses (returns false, the job untouched) when the shared
//     ConcurrencyLimit is reached or the pool is stopping: the caller decides
//     what to answer (the server sends 503).
//   - Workers idle longer than max_idle_worker_duration exit and free their
//     State; a timer sweeps them (every max_idle_worker_duration), never the
//     job path.
//   - Stop(): idle workers exit at once, busy ones finish their job and exit;
//     the callback (or AsyncStop()) completes when all have exited.
//
// One shard per io_context: Serve(), Stop() and the accessors must be called
// on that io_context's thread. The handler runs there too; a handler that
// blocks should use BlockingPool. An exception escaping the handler is caught,
// counted (handler_exceptions()) and the worker goes on.
//
// Example:
//   ConcurrencyLimit limit(1024);
//   WorkerPool<tcp::socket, ConnState> pool(
//       io.get_executor(), limit,
//       [](ConnState& s, tcp::socket sock) -> asio::awaitable<void> {
//         co_await ServeConnection(s, std::move(sock));
//       });
//   if (!pool.Serve(sock)) Refuse(sock);

#ifndef BRISK_WORKERPOOL_WORKER_POOL_H_
#define BRISK_WORKERPOOL_WORKER_POOL_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "boost/asio/any_completion_handler.hpp"
#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/async_result.hpp"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"

#include "workerpool/concurrency_limit.h"

namespace brisk::workerpool {

namespace asio = boost::asio;

// A pool's workers, readable from any thread (approximate while running).
struct WorkerPoolStats {
  uint64_t busy = 0;     // serving a job
  uint64_t idle = 0;     // waiting for one, state kept warm
  uint64_t created = 0;  // workers (and states) made so far
  uint64_t expired = 0;  // idle longer than max_idle_worker_duration, freed
};

struct WorkerPoolOptions {
  // Idle time after which a worker exits and frees its state (fasthttp:
  // MaxIdleWorkerDuration, 10 s).
  absl::Duration max_idle_worker_duration = absl::Seconds(10);
};

template <typename Job, typename State>
class WorkerPool {
 public:
  using Handler = std::function<asio::awaitable<void>(State&, Job)>;
  using StateFactory = std::function<std::unique_ptr<State>()>;

  WorkerPool(asio::any_io_executor executor, ConcurrencyLimit& limit,
             Handler handler, StateFactory factory = nullptr,
             WorkerPoolOptions options = {});
  // Stop() must have completed (or no worker ever started).
  ~WorkerPool() = default;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // See the file comment. On refusal `job` is left to the caller.
  bool Serve(Job& job);

  // Stops the pool; `on_stopped` is posted once every worker has exited.
  void Stop(std::function<void()> on_stopped);
  asio::awaitable<void> AsyncStop();

  size_t workers() const { return workers_; }
  size_t idle_workers() const { return idle_.size(); }
  bool stopping() const { return stopping_; }
  uint64_t handler_exceptions() const { return handler_exceptions_; }
  // States created so far (a warm pool creates none per job).
  uint64_t states_created() const { return states_created_; }
  // From any thread.
  WorkerPoolStats stats() const {
    return {busy_.load(std::memory_order_relaxed),
            idle_count_.load(std::memory_order_relaxed),
            created_.load(std::memory_order_relaxed),
            expired_.load(std::memory_order_relaxed)};
  }

 private:
  struct Worker {
    std::unique_ptr<State> state;
    std::optional<asio::any_completion_handler<void(std::optional<Job>)>>
        waiter;
    std::chrono::steady_clock::time_point idle_since;
  };

  static StateFactory DefaultFactory() {
    if constexpr (std::is_default_constructible_v<State>) {
      return [] { return std::make_unique<State>(); };
    } else {
      return nullptr;  // a factory is required
    }
  }
  asio::awaitable<void> Run(std::unique_ptr<Worker> w, Job job);
  asio::awaitable<std::optional<Job>> NextJob(Worker* w);
  void Wake(Worker* w, std::optional<Job> job);
  void ArmSweep();
  void Sweep();
  void MaybeStopped();

  asio::any_io_executor executor_;
  ConcurrencyLimit& limit_;
  Handler handler_;
  StateFactory factory_;
  WorkerPoolOptions options_;
  std::vector<Worker*> idle_;  // back() is the most recently idle
  size_t workers_ = 0;
  bool stopping_ = false;
  std::function<void()> on_stopped_;
  asio::steady_timer sweep_;
  bool sweep_armed_ = false;
  uint64_t handler_exceptions_ = 0;
  uint64_t states_created_ = 0;
  // stats(): written on the pool's thread only, read from any.
  static void Add(std::atomic<uint64_t>& a, int64_t d) {
    a.store(a.load(std::memory_order_relaxed) + static_cast<uint64_t>(d),
            std::memory_order_relaxed);
  }
  std::atomic<uint64_t> busy_{0};
  std::atomic<uint64_t> idle_count_{0};
  std::atomic<uint64_t> created_{0};
  std::atomic<uint64_t> expired_{0};
};

// Implementation details follow.

template <typename Job, typename State>
WorkerPool<Job, State>::WorkerPool(asio::any_io_executor executor,
                                   ConcurrencyLimit& limit, Handler handler,
                                   StateFactory factory,
                                   WorkerPoolOptions options)
    : executor_(executor),
      limit_(limit),
      handler_(std::move(handler)),
      factory_(factory ? std::move(factory) : DefaultFactory()),
      options_(options),
      sweep_(executor) {}

template <typename Job, typename State>
bool WorkerPool<Job, State>::Serve(Job& job) {
  if (stopping_ || !limit_.TryAcquire()) {
    return false;
  }
  Add(busy_, 1);
  if (!idle_.empty()) {
    Worker* w = idle_.back();
    idle_.pop_back();
    Add(idle_count_, -1);
    Wake(w, std::optional<Job>(std::move(job)));
    return true;
  }
  auto w = std::make_unique<Worker>();
  w->state = factory_();
  ++states_created_;
  Add(created_, 1);
  ++workers_;
  asio::co_spawn(executor_, Run(std::move(w), std::move(job)), asio::detached);
  return true;
}

template <typename Job, typename State>
void WorkerPool<Job, State>::Wake(Worker* w, std::optional<Job> job) {
  auto handler = std::move(*w->waiter);
  w->waiter.reset();
  asio::post(executor_, [h = std::move(handler), j = std::move(job)]() mutable {
    std::move(h)(std::move(j));
  });
}

template <typename Job, typename State>
asio::awaitable<std::optional<Job>> WorkerPool<Job, State>::NextJob(Worker* w) {
  return asio::async_initiate<decltype(asio::use_awaitable),
                              void(std::optional<Job>)>(
      [w](auto handler) { w->waiter.emplace(std::move(handler)); },
      asio::use_awaitable);
}

template <typename Job, typename State>
asio::awaitable<void> WorkerPool<Job, State>::Run(std::unique_ptr<Worker> w,
                                                  Job job) {
  for (;;) {
    try {
      co_await handler_(*w->state, std::move(job));
    } catch (...) {
      ++handler_exceptions_;
    }
    limit_.Release();
    Add(busy_, -1);
    if (stopping_) {
      break;
    }
    w->idle_since = std::chrono::steady_clock::now();
    idle_.push_back(w.get());
    Add(idle_count_, 1);
    ArmSweep();
    std::optional<Job> next = co_await NextJob(w.get());
    if (!next) {
      break;  // expired or stopping
    }
    job = std::move(*next);
  }
  w.reset();  // frees the state
  --workers_;
  MaybeStopped();
}

template <typename Job, typename State>
void WorkerPool<Job, State>::ArmSweep() {
  if (sweep_armed_ || stopping_) {
    return;
  }
  sweep_armed_ = true;
  sweep_.expires_after(
      absl::ToChronoNanoseconds(options_.max_idle_worker_duration));
  sweep_.async_wait([this](const boost::system::error_code& ec) {
    sweep_armed_ = false;
    if (!ec && !stopping_) {
      Sweep();
    }
  });
}

template <typename Job, typename State>
void WorkerPool<Job, State>::Sweep() {
  // idle_ is ordered oldest first: expire from the front.
  const auto cutoff =
      std::chrono::steady_clock::now() -
      absl::ToChronoNanoseconds(options_.max_idle_worker_duration);
  size_t expired = 0;
  while (expired < idle_.size() && idle_[expired]->idle_since <= cutoff) {
    ++expired;
  }
  for (size_t i = 0; i < expired; ++i) {
    Wake(idle_[i], std::nullopt);
  }
  Add(expired_, static_cast<int64_t>(expired));
  Add(idle_count_, -static_cast<int64_t>(expired));
  idle_.erase(idle_.begin(), idle_.begin() + static_cast<ptrdiff_t>(expired));
  if (!idle_.empty()) {
    ArmSweep();
  }
}

template <typename Job, typename State>
void WorkerPool<Job, State>::Stop(std::function<void()> on_stopped) {
  stopping_ = true;
  on_stopped_ = std::move(on_stopped);
  sweep_.cancel();
  for (Worker* w : idle_) {
    Wake(w, std::nullopt);
  }
  Add(idle_count_, -static_cast<int64_t>(idle_.size()));
  idle_.clear();
  MaybeStopped();
}

template <typename Job, typename State>
void WorkerPool<Job, State>::MaybeStopped() {
  if (stopping_ && workers_ == 0 && on_stopped_) {
    asio::post(executor_, std::move(on_stopped_));
    on_stopped_ = nullptr;
  }
}

template <typename Job, typename State>
asio::awaitable<void> WorkerPool<Job, State>::AsyncStop() {
  return asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [this](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        Stop([shared] { std::move (*shared)(); });
      },
      asio::use_awaitable);
}

}  // namespace brisk::workerpool

#endif  // BRISK_WORKERPOOL_WORKER_POOL_H_
