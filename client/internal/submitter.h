// File: client/internal/submitter.h
//
// Hands blocking calls from any thread to a client's event loop without
// allocating: the caller's Call (on its stack) joins an intrusive list under
// a mutex, an eventfd wakes the loop (once per batch), and the caller waits
// on an atomic (a futex) until the loop completes it.

#ifndef BRISK_CLIENT_INTERNAL_SUBMITTER_H_
#define BRISK_CLIENT_INTERNAL_SUBMITTER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/asio/any_completion_handler.hpp"
#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/cancellation_signal.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/posix/stream_descriptor.hpp"

#include "base/mutex.h"
#include "client/body_sink.h"
#include "http/message.h"

namespace brisk::client::client_internal {

// A blocking call on its way to the loop.
struct Call {
  http::Request* req = nullptr;
  http::Response* resp = nullptr;
  absl::Time deadline;
  const BodySink* sink = nullptr;
  absl::Status result;
  std::atomic<uint32_t> done{0};
  Call* next = nullptr;
  // Set for an awaiting coroutine (AsyncDo): Complete() posts it instead of
  // waking a blocked thread.
  std::optional<boost::asio::any_completion_handler<void()>> resume;
  boost::asio::any_io_executor resume_on;  // the coroutine's loop

  // An awaiting coroutine's cancellation, when it has one (`cancellable`):
  // Cancel() reaches the call's exchange through `cancel`, on the loop.
  // `holds` counts the call itself and each cancellation on its way to the
  // loop; whoever drops the last resumes the caller, so the Call outlives
  // every posted cancellation.
  bool cancellable = false;
  bool completed = false;  // loop thread only
  boost::asio::cancellation_signal cancel;
  std::atomic<int> holds{1};

  // Loop side: stores the result and wakes the caller.
  void Complete(absl::Status s);
  // Caller's thread, while it awaits: interrupts the call on `loop` (no
  // effect once it completed).
  void Cancel(boost::asio::io_context& loop);
  // Caller side: blocks until Complete().
  absl::Status Wait();

 private:
  void Release();
};

// Awaits `call` from a coroutine on any loop: `start` hands it to the
// client's loop (queued, or run at once when already there) and the
// coroutine resumes on its own executor with the call's result. `cancel`,
// when connected, interrupts the call across the loops (Call::Cancel on
// `loop`); then call.cancellable is set for `start`'s loop side to honour.
boost::asio::awaitable<absl::Status> AwaitCall(
    Call& call, boost::asio::io_context& loop,
    boost::asio::cancellation_slot cancel,
    absl::AnyInvocable<void(Call*)> start);

class Submitter {
 public:
  // `on_call` runs on the loop thread for each submitted call.
  Submitter(boost::asio::io_context& io, std::function<void(Call*)> on_call);
  ~Submitter();
  Submitter(const Submitter&) = delete;
  Submitter& operator=(const Submitter&) = delete;

  // Starts watching (call once, on the loop thread or before it runs).
  void Start();
  // Any thread. After Close(), completes `call` at once with the close
  // status.
  void Submit(Call* call);
  // Loop thread: stops watching and completes queued calls with `status`.
  void Close(absl::Status status);

 private:
  void Arm();
  void OnWake();

  boost::asio::io_context& io_;
  std::function<void(Call*)> on_call_;
  int fd_ = -1;
  boost::asio::posix::basic_stream_descriptor<
      boost::asio::io_context::executor_type>
      event_;
  base::Mutex mu_;
  Call* head_ ABSL_GUARDED_BY(mu_) = nullptr;
  Call* tail_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool wake_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status closed_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace brisk::client::client_internal

#endif  // BRISK_CLIENT_INTERNAL_SUBMITTER_H_
