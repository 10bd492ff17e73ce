// File: client/internal/loop_thread.h
//
// LoopThread: an io_context run by a thread of its own, for the clients that
// own their event loop (HostClient and PipelineClient made without a loop,
// Client, LBClient). Start() starts the thread; the loop does not run out of
// work until it is ended, one of two ways, from any thread but the loop's:
//
//   Stop(close)   `close` runs on the loop, then what it queued, then the loop
//                 stops: an operation that cannot be cut short (a name
//                 resolution in Asio's resolver thread) is not waited for.
//                 RunQueued() then runs, on the calling thread, what was still
//                 queued, for an owner whose objects must see their
//                 completions.
//   Drain(close)  `close` runs on the loop, which then runs until no work is
//                 left (`close` must end every operation).
//
// Either joins the thread before it returns. The destructor stops a loop
// still running (nothing more runs on it) and joins its thread. Not thread-safe
// itself: one owner starts and ends it.

#ifndef BRISK_CLIENT_INTERNAL_LOOP_THREAD_H_
#define BRISK_CLIENT_INTERNAL_LOOP_THREAD_H_

#include <optional>
#include <thread>

#include "absl/functional/any_invocable.h"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"

namespace brisk::client::client_internal {

class LoopThread {
 public:
  LoopThread();
  ~LoopThread();
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;

  // The loop (concurrency hint 1), usable before Start().
  boost::asio::io_context& io() { return io_; }
  // A thread starts running io(). Once.
  void Start();
  // Whether the thread was started and not ended yet.
  bool running() const { return thread_.joinable(); }

  // See the file comment. `close` may be empty; neither does anything when
  // the thread is not running.
  void Stop(absl::AnyInvocable<void()> close);
  void Drain(absl::AnyInvocable<void()> close);
  // After Stop(): the completions still queued run on the calling thread.
  void RunQueued();

 private:
  // Stop (`stop`) or Drain.
  void End(absl::AnyInvocable<void()> close, bool stop);

  boost::asio::io_context io_{1};
  std::optional<
      boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      work_;
  std::thread thread_;
};

}  // namespace brisk::client::client_internal

#endif  // BRISK_CLIENT_INTERNAL_LOOP_THREAD_H_
