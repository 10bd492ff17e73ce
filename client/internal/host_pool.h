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
#include "client/options.h"
#include "http/body_reader.h"
#include "http/message.h"
#include "http/response_header.h"
#include "loop/ticker.h"

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
  asio::awaitable<absl::Status> Exchange(http::Request& req,
                                         http::Response& resp,
                                         absl::Time deadline,
                                         asio::cancellation_slot cancel,
                                         const BodySink* sink);
  // Loop thread: closes everything; waiting and later calls get kClosed.
  void Close();
  // Starts watching the submission eventfd (loop thread or before run).
  void Start();

  HostClientStats stats() const;

 private:
  using Clock = std::chrono::steady_clock;

  // How an attempt's response ended (kNone: whole).
  enum class End {
    kNone,
    kTimeout,  // the deadline passed, or the caller cancelled
    kClosed,   // the connection ended first
    kParse,    // perr says why (kBodyTooLarge: over the limit)
    kTooManyInterim,
    kSink,  // the sink refused a piece (sink_status)
    kTls,
  };
  // What Exchange does after a step.
  enum class Next {
    kGoOn,   // the next step
    kRetry,  // a new attempt, on a fresh connection (this one is closed)
    kDone,   // the call's result is set; the connection is given back
  };
  // One attempt of a call on one connection: what Exchange's steps share.
  struct Attempt {
    CallCtx* cc = nullptr;
    Clock::time_point call_deadline;
    int number = 0;          // 1 for the first
    Conn* conn = nullptr;    // set by TakeConn
    bool reused = false;     // an idle (or handed-over) connection
    size_t start = 0;        // where the final response begins in conn->in
    size_t head_size = 0;    // the final head's bytes
    bool got_any = false;    // response bytes arrived
    bool truncated = false;  // https: ended without close_notify
    End end = End::kNone;
    http::ParseError perr = http::ParseError::kNone;
    absl::Status sink_status;
    bool keep = false;  // the connection may be reused
  };

  // Exchange's steps, in order.
  // The call's deadline on the loop's clock (max(): none).
  static Clock::time_point CallDeadline(absl::Time deadline);
  // The fields the options add to every request (User-Agent, name case).
  void PrepareRequest(http::RequestHeader& h) const;
  // Lets the caller's `cancel` interrupt the call.
  void BindCancel(CallCtx* cc, asio::cancellation_slot& cancel);
  // A connection for the attempt: idle, handed over, or newly dialed.
  asio::awaitable<absl::Status> TakeConn(Attempt& a);
  // Writes the request; kRetry or kDone (with `result`) when it failed.
  asio::awaitable<Next> Send(http::Request& req, Attempt& a,
                             absl::Status& result);
  // Reads up to the final head, skipping 1xx ones; a.end says how it ended
  // (kRetry: the connection closed before a byte, and the call may retry).
  asio::awaitable<Next> ReadHead(const http::Request& req, Attempt& a);
  // Reads the body into resp (or the sink); decides a.keep.
  asio::awaitable<void> ReadBody(const http::Request& req, http::Response& resp,
                                 const BodySink* sink, Attempt& a);
  // The call's status for how the attempt ended.
  absl::Status Outcome(const Attempt& a);
  // Keeps the TLS session and gives the connection back (or closes it).
  void Finish(Attempt& a);

  // What the steps share.
  // Whether a failed attempt may be sent again on a fresh connection: on a
  // reused one, within max_idempotent_call_attempts, when that is safe.
  bool MayRetry(const Attempt& a, const http::Request& req,
                bool wrote_any) const;
  // Closes the attempt's connection for the next attempt.
  void Retry(Attempt& a);
  const std::string& AddrOf(const Attempt& a) const;
  // How a read that returned `ec` ended the response: kTimeout (the call
  // was interrupted), kTls (TLS failed), or kNone (`ec` tells the rest).
  End AfterRead(const Attempt& a, const boost::system::error_code& ec);
  // Hands the body bytes in c->piece to `sink`; false once it refused.
  static bool Deliver(Conn* c, const BodySink* sink, absl::Status& sink_status);
  // Whether `c` may carry another request after this whole response
  // (lowering its idle limit to the server's Keep-Alive hint).
  bool Reusable(const http::Request& req, http::BodyFraming framing,
                bool all_read, Conn* c) const;

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
  loop::Ticker cleaner_;  // idle connections, while any
  loop::Ticker tick_;     // call deadlines, while any
  CallList timed_;        // calls with a deadline
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
