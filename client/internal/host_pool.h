// File: client/internal/host_pool.h
//
// The connection pool behind HostClient. Lives on one io_context; every
// member function runs on its thread except Submit().
//
// Lifetimes: a Conn is deleted only when no idle watch is pending on it (a
// closed watched connection is marked dead and freed by the watch's
// completion). CallCtx objects (deadline and queue links) are pooled and
// freed only with the HostPool.

#ifndef BRISK_CLIENT_INTERNAL_HOST_POOL_H_
#define BRISK_CLIENT_INTERNAL_HOST_POOL_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/asio/any_completion_handler.hpp"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/basic_stream_socket.hpp"
#include "boost/asio/cancellation_signal.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/intrusive/list.hpp"

#include "base/mutex.h"
#include "bytes/byte_buffer.h"
#include "client/errors.h"
#include "client/host_client.h"
#include "client/internal/stream.h"
#include "client/internal/submitter.h"
#include "client/internal/ticker.h"
#include "client/options.h"
#include "http/body_reader.h"
#include "http/message.h"
#include "http/response_header.h"

namespace brisk::client::client_internal {

// A pooled connection: its Stream (socket, TLS) and what an exchange on it
// needs.
struct Conn : Stream {
  explicit Conn(asio::io_context& io) : Stream(io) {}
  bytes::ByteBuffer in;
  bytes::ByteBuffer out;
  bytes::ByteBuffer piece;      // streamed body bytes on their way to a sink
  http::ResponseHeader header;  // parsed here, then copied to the response
  size_t addr = 0;              // index into options.addrs
  std::chrono::steady_clock::time_point created;
  std::chrono::steady_clock::time_point idle_deadline;
  std::chrono::steady_clock::duration idle_limit;
  uint64_t uses = 0;
  bool watch_pending = false;
  bool idle = false;
  bool dead = false;
  bool session_saved = false;  // https: its session kept for the next dial
};

// One call's state on the loop: pooled (see the file comment).
struct CallCtx {
  CallCtx() = default;
  // The deadline, when on the pool's deadline list (timer_armed).
  bool timer_armed = false;
  std::chrono::steady_clock::time_point armed_at;
  boost::intrusive::list_member_hook<> deadline_hook;
  // What the deadline must interrupt.
  Conn* conn = nullptr;  // dialing (resolve, connect, handshake) or in use
  bool waiting = false;
  bool fired = false;  // the armed deadline passed
  // FIFO wait queue link (waiting) and the grant.
  boost::intrusive::list_member_hook<> wait_hook;
  std::optional<asio::any_completion_handler<void()>> wake;
  Conn* granted_conn = nullptr;
  bool granted_slot = false;
  bool closed = false;     // the pool shut down while waiting
  bool in_use = false;     // a call owns it (not in the free list)
  bool cancelled = false;  // the caller's cancellation signal fired
};

using CallList = boost::intrusive::list<
    CallCtx,
    boost::intrusive::member_hook<CallCtx, boost::intrusive::list_member_hook<>,
                                  &CallCtx::deadline_hook>,
    boost::intrusive::constant_time_size<false>>;
using WaitQueue =
    boost::intrusive::list<CallCtx,
                           boost::intrusive::member_hook<
                               CallCtx, boost::intrusive::list_member_hook<>,
                               &CallCtx::wait_hook>>;  // constant-time size()

class HostPool {
 public:
  HostPool(const HostClientOptions& options, asio::io_context& io);
  ~HostPool();

  // Any thread: queues `call` for the loop (no allocation) and returns; the
  // loop sets call->result and call->done.
  void Submit(Call* call);
  // Loop thread: the exchange with retries.
  // `cancel`, if connected, interrupts the call like its deadline (with
  // kCancelled); the slot is cleared before the call completes.
  // `sink`, if set, receives the body piece by piece (on the loop thread)
  // instead of resp.body().
  asio::awaitable<absl::Status> Exchange(
      http::Request& req, http::Response& resp, absl::Time deadline,
      asio::cancellation_slot cancel = asio::cancellation_slot(),
      const BodySink* sink = nullptr);
  // Loop thread: closes everything; waiting and later calls get kClosed.
  void Close();
  // Starts watching the submission eventfd (loop thread or before run).
  void Start();

  HostClientStats stats() const;

 private:
  using Clock = std::chrono::steady_clock;
  enum class Io { kOk, kEof, kError, kFired };

  CallCtx* NewCtx();
  void FreeCtx(CallCtx* cc);
  // Sets the call's deadline to `at` (max(): none).
  void Arm(CallCtx* cc, Clock::time_point at);
  void Disarm(CallCtx* cc);
  // Interrupts the calls whose deadline passed.
  void Tick();
  // Whether the deadline fired or the caller cancelled (checked after each
  // suspension).
  bool Interrupted(CallCtx* cc);
  // Stops what the call is doing: leaves the queue or closes the socket.
  void Interrupt(CallCtx* cc);
  // kCancelled or kTimeout for an interrupted phase.
  absl::Status InterruptError(CallCtx* cc, Phase phase, int attempt,
                              const std::string& addr);

  // Acquire: an idle connection, a new slot, or a wait in the queue.
  Conn* TakeIdle();
  asio::awaitable<Conn*> Acquire(CallCtx* cc, Clock::time_point call_deadline,
                                 bool& reused, absl::Status& error);
  asio::awaitable<absl::Status> Dial(CallCtx* cc, Conn* c,
                                     Clock::time_point call_deadline);
  void Release(Conn* c, bool keep);
  void CloseConn(Conn* c);
  void GrantSlot();
  void Watch(Conn* c);
  void WatchReleased();
  void OnWatch(Conn* c, const boost::system::error_code& ec);
  // Closes the idle connections past their deadline.
  void Clean();
  void Unqueue(CallCtx* cc);
  // Takes `cc` off the wait queue and resumes it (posted).
  void WakeWaiter(CallCtx* cc);

  const HostClientOptions& options_;
  asio::io_context& io_;
  std::vector<std::string> hosts_;  // host part of each address
  std::vector<std::string> ports_;
  std::vector<uint16_t> port_numbers_;
  std::vector<std::string> host_fields_;  // Host header value per address
  // https: the latest resumable session per address (null: none yet).
  std::vector<std::shared_ptr<const tls::Session>> sessions_;
  size_t next_addr_ = 0;
  std::vector<Conn*> idle_;      // back() is the most recently used
  std::vector<Conn*> to_watch_;  // released, watch not armed yet
  bool watch_posted_ = false;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  int open_ = 0;
  WaitQueue waiters_;
  std::vector<std::unique_ptr<CallCtx>> ctx_store_;
  std::vector<CallCtx*> free_ctx_;
  Ticker cleaner_;  // idle connections, while any
  Ticker tick_;     // call deadlines, while any
  CallList timed_;  // calls with a deadline
  bool closed_ = false;
  // Blocking calls from other threads.
  Submitter submitter_;
  // Stats: written on the loop, read anywhere.
  std::atomic<uint64_t> dials_{0}, reuses_{0}, retries_{0}, evicted_{0},
      timeouts_{0}, open_stat_{0}, idle_stat_{0}, waiting_stat_{0},
      tls_handshakes_{0}, tls_resumed_{0};
};

}  // namespace brisk::client::client_internal

#endif  // BRISK_CLIENT_INTERNAL_HOST_POOL_H_
