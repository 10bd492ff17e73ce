// File: server/internal/loop.h
//
// The server's moving parts, shared by server.cc and request_ctx.cc. Not a
// public header: include server/server.h.
//
// Ownership of a connection (Conn) is always with exactly one of: the idle
// wait (a pending async_wait callback), a worker serving it, or the
// lingering-close drain. Timers never free a Conn: the tick cancels its
// pending operation and the owner's completion closes it.

#ifndef BRISK_SERVER_INTERNAL_LOOP_H_
#define BRISK_SERVER_INTERNAL_LOOP_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/asio/any_completion_handler.hpp"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/basic_socket_acceptor.hpp"
#include "boost/asio/basic_stream_socket.hpp"
#include "boost/asio/basic_waitable_timer.hpp"
#include "boost/asio/cancellation_signal.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/intrusive/list.hpp"

#include "base/mutex.h"
#include "bytes/byte_buffer.h"
#include "http/body_reader.h"
#include "loop/ticker.h"
#include "server/hijacked.h"
#include "server/internal/response_writer.h"
#include "server/options.h"
#include "server/request_ctx.h"
#include "server/server.h"
#include "tls/context.h"
#include "tls/engine.h"
#include "workerpool/blocking_pool.h"
#include "workerpool/concurrency_limit.h"
#include "workerpool/worker_pool.h"

namespace brisk::server::server_internal {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Acceptor = asio::basic_socket_acceptor<tcp, Executor>;
using Timer =
    asio::basic_waitable_timer<std::chrono::steady_clock,
                               asio::wait_traits<std::chrono::steady_clock>,
                               Executor>;

class Loop;

// Monotonic nanoseconds from the coarse clock (a few ns; ~4 ms resolution,
// fine for timeouts of 10 ms and up).
int64_t CoarseNowNs();
// `d` in nanoseconds; 0 (no limit) when infinite.
int64_t ToNs(absl::Duration d);

// co_await's completion token: the results as a tuple, errors never thrown.
inline constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// A stats counter written by one loop thread and read by any: a relaxed
// load and store, no read-modify-write on the hot path.
struct Counter {
  std::atomic<uint64_t> v{0};
  void Inc(uint64_t n = 1) {
    v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  uint64_t Get() const { return v.load(std::memory_order_relaxed); }
};

// Which deadline list a connection is on (Loop::fresh_, idle_, rewait_,
// timed_), if any.
enum class Where : uint8_t { kNone, kFresh, kIdle, kRewait, kTimed };

struct Conn {
  Conn(Loop* l, Socket s, const tcp::endpoint& r, uint64_t i)
      : socket(std::move(s)), remote(r), loop(l), id(i) {}

  Socket socket;
  tcp::endpoint remote;
  Loop* loop;
  // The TLS connection over the socket (ServerOptions::tls), or null. While
  // a worker serves the connection it reads from the Session's tls_in and
  // writes to its tls_out; idle, it holds only its keys (a TLS 1.3
  // connection, brisk's record layer) or OpenSSL's state (TLS 1.2).
  std::unique_ptr<tls::Engine> tls;
  // Links of the deadline list it is on (Where) and of the
  // all-connections list (Boost.Intrusive: no allocation, O(1) unlink).
  boost::intrusive::list_member_hook<> deadline_hook;
  boost::intrusive::list_member_hook<> all_hook;
  int64_t deadline = 0;
  int64_t idle_deadline = 0;  // of its last idle wait (WaitIdle)
  uint64_t id;
  uint64_t requests = 0;
  Where where = Where::kNone;
  struct Session* session = nullptr;  // the worker's, while one serves it
  // Set once a handler took the connection over (RequestCtx::Hijack): its
  // Task owns it from then on, and no deadline list holds it.
  struct HijackState* hijack = nullptr;
  bool timed_out = false;
  bool ip_counted = false;
};

// A deadline list (a Conn is on at most one) and the list of all of a loop's
// connections.
using ConnList = boost::intrusive::list<
    Conn,
    boost::intrusive::member_hook<Conn, boost::intrusive::list_member_hook<>,
                                  &Conn::deadline_hook>,
    boost::intrusive::constant_time_size<false>>;
using AllConns = boost::intrusive::list<
    Conn,
    boost::intrusive::member_hook<Conn, boost::intrusive::list_member_hook<>,
                                  &Conn::all_hook>,
    boost::intrusive::constant_time_size<false>>;

// One direction's call on a hijacked connection (a Read or a Write): its
// deadline on the loop's tick (Loop::hijack_waits_) and the signal that
// interrupts its socket wait, with the reason.
struct HijackWait {
  enum class Why : uint8_t { kNone, kTimeout, kShutdown, kClosed };
  boost::intrusive::list_member_hook<> hook;
  int64_t deadline = 0;
  bool busy = false;  // a call is pending
  bool tracked = false;
  Why why = Why::kNone;
  asio::cancellation_signal signal;
};
using HijackWaits = boost::intrusive::list<
    HijackWait,
    boost::intrusive::member_hook<
        HijackWait, boost::intrusive::list_member_hook<>, &HijackWait::hook>,
    boost::intrusive::constant_time_size<false>>;

// A hijacked connection's state, owned by the coroutine that runs the hijack
// handler's Task (Loop::RunHijacked) and freed after the Conn closes.
struct HijackState {
  HijackState(Loop* l, Conn* c) : loop(l), conn(c), handle(this) {}

  Loop* loop;
  Conn* conn;
  Hijacked handle;
  // Bytes read beyond the request, given out first; freed once given.
  bytes::ByteBuffer leftover;
  size_t leftover_pos = 0;
  // TLS: a Write's records on their way to the socket.
  bytes::ByteBuffer tls_out;
  HijackWait read, write;
  bool read_full = false;       // the last read filled its room
  bool notice_pending = false;  // the shutdown notice awaits the next Read
  bool shutting_down = false;
  bool closed = false;
  bool hard_closed = false;  // by Shutdown's deadline
};

// Server-wide state shared by the loops.
struct Shared {
  Shared(const ServerOptions& o, const Handler& h);

  const ServerOptions& options;
  const Handler& handler;
  // The server's PerLoop objects, closed on each loop once it has drained.
  const std::vector<std::unique_ptr<PerLoopBase>>* per_loop = nullptr;
  workerpool::ConcurrencyLimit limit;
  std::atomic<int64_t> open_connections{0};
  std::atomic<uint64_t> next_conn_id{1};
  std::unique_ptr<workerpool::BlockingPool> blocking;
  ResponseWriter writer;

  // The TLS context new connections use (ServerOptions::tls, replaced by
  // Server::SetTls).
  mutable base::Mutex tls_mu;
  std::shared_ptr<const tls::Context> tls ABSL_GUARDED_BY(tls_mu);
  std::shared_ptr<const tls::Context> Tls() const;

  // Per-IP connection counts (only with max_conns_per_ip).
  base::Mutex ip_mu;
  absl::flat_hash_map<std::array<uint8_t, 16>, int> per_ip
      ABSL_GUARDED_BY(ip_mu);

  void Log(std::string_view line) const;
};

// One worker's warm state: buffers and the request context. A keep-alive
// connection holds none of it between requests.
struct Session {
  explicit Session(Loop* l);

  Loop* loop;
  Conn* conn = nullptr;
  bytes::ByteBuffer in;  // received bytes; [pos, size) not yet used
  size_t pos = 0;
  bytes::ByteBuffer body_in;  // body bytes read after the header's buffer
  bytes::ByteBuffer out;      // responses waiting for one write
  // TLS: out encrypted, waiting for the socket (the bytes on the wire).
  bytes::ByteBuffer tls_out;
  // TLS: ciphertext read from the socket, lent to the engine while this
  // worker serves the connection (so an idle connection holds none).
  bytes::ByteBuffer tls_in;
  // The last socket read filled what it was given: more may be waiting.
  bool read_full = false;
  RequestCtx ctx;
  http::BodyReader body;

  // Detached requests: commands posted by the DetachedCtx, in order. At
  // most one write is outstanding (write_busy), so two flags are a queue:
  // a pending write is served before a pending finish. All are reset with
  // the request.
  enum class Cmd : uint8_t { kWrite, kFinish };
  bool write_pending = false;
  bool finish_pending = false;
  bool abandoned = false;  // the handle was destroyed without Finish()
  std::optional<asio::any_completion_handler<void()>> waiter;
  std::string_view write_data;
  absl::AnyInvocable<void(absl::Status)> write_done;
  bool write_busy = false;

  // The response being streamed (DetachedCtx::StreamWrite or the Task's
  // StreamWrite); reset with the request.
  struct Stream {
    bool head = false;       // the request is HEAD: no body goes out
    bool keep = false;       // keep-alive after this response
    bool streaming = false;  // the head went out
    bool chunked = false;
    bool body_allowed = false;  // not HEAD, 204 or 304
    bool refused = false;       // the head was unsafe: a 500 went instead
    bool gone = false;          // a write failed: the client is gone
    uint64_t streamed = 0;      // body bytes written so far (filtered)
    bool filtered = false;      // a middleware filters the streamed body
    // For Middleware::OnDone: the status written (0: none yet) and whether
    // the whole response was.
    int status = 0;
    bool complete = false;
    // The response is a hijack's (RequestCtx::Hijack, its conditions met):
    // the connection goes to the hijack handler once it is sent.
    bool hijack = false;
  } stream;
  // RequestCtx::Hijack's handler; reset with the request.
  HijackHandler hijack;
  // A filtered stream's pieces between middleware (server/middleware.h).
  bytes::ByteBuffer filter_a;
  bytes::ByteBuffer filter_b;

  // A coroutine handler (RequestCtx::Continue), run inline by the worker
  // after the handler returns. `cancel` is bound to the wait of each of
  // brisk's awaitables (one at a time); `call_cancel` is the slot users hand
  // to a client call. Both fire together when the client leaves (seen by
  // `peer_watch`, a readability wait with its own cancellation, armed at
  // the first wait) or a Shutdown deadline passes.
  enum class Cancel : uint8_t { kNone, kClientGone, kShutdown, kTimeout };
  std::optional<asio::awaitable<void>> task;
  bool task_running = false;
  Cancel cancel_reason = Cancel::kNone;
  asio::cancellation_signal cancel;
  asio::cancellation_signal call_cancel;
  asio::cancellation_signal peer_watch;
  bool watching = false;
  bool watch_stop = false;
  std::optional<asio::any_completion_handler<void()>> watch_waiter;
  Timer timer;  // RequestCtx::Sleep
  // RequestCtx::SetHandlerTimeout: the task's time (0: none), its timer,
  // and the request's number, so a late expiry of an earlier request's
  // timer touches nothing.
  int64_t handler_timeout_ns = 0;
  Timer deadline;
  uint64_t generation = 0;

  // The request body as the handler reads it (RequestCtx::ReadBodyPiece).
  // A streamed body (stream_request_body) is decoded from body_in at
  // body_pos a piece at a time into the request's body buffer.
  bool body_streamed = false;        // still arriving when the handler ran
  bool body_prefix_pending = false;  // body_prefix holds bytes not yet given
  // What was decoded before the handler ran: out of request().body(), so a
  // plain handler never mistakes a part for the whole.
  bytes::ByteBuffer body_prefix;
  bool body_given = false;        // a buffered body was given whole
  bool body_failed = false;       // a streamed read failed: close after
  bool continue_pending = false;  // 100 Continue goes at the first read
  size_t body_pos = 0;
  int64_t body_deadline = 0;  // stream_read_timeout; 0: none

  // Called on the loop thread: records `c` and resumes the waiting worker.
  void Deliver(Cmd c);
  // Posts Deliver() to the loop (any thread).
  void Post(Cmd c);
  // Empties body_prefix, freeing it when large (up to max_request_body_bytes).
  void DropBodyPrefix();
};

// OK for kNone; the status a cancelled co_await returns otherwise.
absl::Status CancelStatus(Session::Cancel why);

class Loop {
 public:
  Loop(Shared& shared, int index);
  ~Loop();

  absl::Status Bind(const tcp::endpoint& ep, int shared_fd);
  uint16_t port() const;
  int native_listen_fd() { return acceptor_.native_handle(); }
  // Thread body: accepts and runs until shut down and drained.
  void Run();
  // Posted from Server::Shutdown.
  void BeginShutdown();
  void HardClose();

  asio::io_context& io() { return io_; }
  Shared& shared() { return shared_; }
  int index() const { return index_; }

  // Stats.
  Counter accepted, requests, parse_errors, timeouts, refused, refused_per_ip,
      handler_exceptions, hard_closed, unsafe_responses, accept_errors,
      tls_handshakes, tls_resumed, tls_failures, bytes_read, bytes_written,
      hijacked, hijack_ended;
  // Timeouts by phase (ServerStats::Timeouts' order) and parse errors by
  // kind; TimedOut counts both totals and phases.
  enum class Phase : uint8_t {
    kHeader,
    kBody,
    kIdle,
    kWrite,
    kTlsHandshake,
    kHandler,
    kCount
  };
  std::array<Counter, static_cast<size_t>(Phase::kCount)> timeouts_by_phase;
  std::array<Counter, http::kParseErrorCount> parse_errors_by_kind;
  void TimedOut(Phase p) {
    timeouts.Inc();
    timeouts_by_phase[static_cast<size_t>(p)].Inc();
  }
  // The worker pool's counts (any thread).
  workerpool::WorkerPoolStats worker_stats() const { return pool_.stats(); }

 private:
  friend struct Session;
  friend class brisk::server::RequestCtx;
  friend class brisk::server::DetachedCtx;
  friend class brisk::server::Hijacked;

  void Accept();
  void OnAccept(const boost::system::error_code& ec, Socket socket);
  // Hands a readable connection to a worker (or refuses with 503).
  void Dispatch(Conn* c);
  // Waits for readability holding nothing but the socket, until the
  // header (fresh) or idle timeout from now — or, with `same_wait`, until
  // the deadline of the wait it was woken from.
  void WaitIdle(Conn* c, bool fresh, bool same_wait = false);
  void OnReadable(Conn* c, const boost::system::error_code& ec);
  // Writes a canned error response (no worker) and lingers.
  void Refuse(Conn* c, int status, std::string_view detail);
  // Shuts the write side and drains input until EOF or linger_timeout.
  void Linger(Conn* c);
  void Drain(Conn* c);
  void CloseConn(Conn* c);
  ConnList* ListFor(Where where);
  void Track(Conn* c, Where where, int64_t deadline);
  void Untrack(Conn* c);
  // A hijacked connection's call waits until `deadline` (0: no limit).
  void TrackWait(HijackWait& w, int64_t deadline);
  void UntrackWait(HijackWait& w);
  // Expires what passed its deadline (every tick while anything is timed).
  void Tick();
  void Notify(Conn* c, ConnState s);
  // Shutting down and nothing left to serve: closes this loop's PerLoop
  // objects (once), so their own waits do not keep the loop running.
  void Drained();
  bool drained_ = false;
  bool stopping() const { return stopping_; }

  // The worker's job: serve `c` until it goes idle or closes.
  asio::awaitable<void> Serve(Session& s, Conn* c);
  // What reading a request's body came to.
  enum class BodyOutcome : uint8_t {
    kReady,     // serve the request (its body read, or to be streamed)
    kAnswered,  // an error was answered; the connection is the linger's
    kGone,      // the client left or a write failed: close
  };
  // Reads the body of the request whose header ends at s.pos, or decides
  // that it streams (stream_request_body). `spilled`: bytes after the
  // header's buffer went to s.body_in (they become s.in after the request).
  asio::awaitable<BodyOutcome> ReadBody(Session& s, Conn* c, bool& spilled);
  // Starts the request and calls the plain handler (unless it runs on the
  // BlockingPool); it may leave a task (Continue) or a detached handle.
  void CallHandler(Session& s, bool head, bool keep);
  // Appends the response to s.out once the handler, its task and its handle
  // are done. Returns whether the connection stays open; `linger`: it
  // closes with a lingering close (a streamed body left unread).
  bool FinishResponse(Session& s, bool coroutine, bool& linger);
  // TLS: completes the handshake (tls_handshake_timeout).
  enum class HandshakeOutcome : uint8_t {
    kDone,
    kFailed,    // failed, timed out or the client left: close
    kAnswered,  // plain HTTP came: a 400 went in clear; the linger's now
  };
  asio::awaitable<HandshakeOutcome> Handshake(Session& s, Conn* c);
  // Reads what the socket has now into `buf` without waiting (plaintext on
  // a TLS connection: ciphertext is read and decrypted until some comes
  // out). Returns the bytes added; ec would_block when none are there yet,
  // eof or another error when the connection is over.
  // `full`: the read filled the room it had (more may be waiting).
  size_t ReadNow(Conn* c, bytes::ByteBuffer& buf, size_t want, bool& full,
                 boost::system::error_code& ec);
  // Reads at least one byte (up to `want`, read_buffer_bytes by default)
  // into `buf`; false on EOF, error or the deadline (c->timed_out).
  asio::awaitable<bool> ReadMore(Session& s, Conn* c, bytes::ByteBuffer& buf,
                                 int64_t deadline, size_t want = 0,
                                 asio::cancellation_slot cancel = {});
  // Writes s.out: at once when the socket takes it all, else waiting (each
  // wait bounded by send_timeout). false when the client is gone; s.out is
  // empty after it either way.
  asio::awaitable<bool> Flush(Session& s, Conn* c);
  asio::awaitable<bool> FlushSlow(Session& s, Conn* c, size_t written);
  // now + progress_ns, capped at `whole`; 0 (no deadline) when both are 0.
  int64_t NextDeadline(int64_t progress_ns, int64_t whole);
  asio::awaitable<void> ServeDetached(Session& s, Conn* c);
  // After a hijack's response was appended: sends it, hands the connection
  // and the bytes read beyond the request to `handler`'s Task (spawned on
  // this loop) and returns the worker.
  asio::awaitable<void> BeginHijack(Session& s, Conn* c, HijackHandler handler);
  asio::awaitable<void> RunHijacked(std::unique_ptr<HijackState> h,
                                    HijackHandler handler);
  // Hijacked's calls (server/hijacked.h).
  // Without `buf`: waits until readable only (Hijacked::WaitReadable).
  asio::awaitable<absl::Status> HijackRead(HijackState& h,
                                           bytes::ByteBuffer* buf, size_t max,
                                           absl::Duration timeout);
  asio::awaitable<absl::Status> HijackWrite(
      HijackState& h, std::span<const std::string_view> parts,
      absl::Duration timeout);
  void HijackClose(HijackState& h);
  // Waits until `w`'s direction of `h` is ready (until `deadline` when not
  // 0); the status that ends its call otherwise.
  asio::awaitable<absl::Status> WaitHijacked(HijackState& h, HijackWait& w,
                                             int64_t deadline);
  // One read of at most `max` bytes into `buf` on a plain connection,
  // waiting for them (until `deadline` when not 0) with `buf`'s room held.
  asio::awaitable<absl::Status> ReadHijacked(HijackState& h,
                                             bytes::ByteBuffer& buf, size_t max,
                                             int64_t deadline);
  // After a wait of `w`'s direction: why its call cannot go on (closed,
  // timed out, shut down), or OK.
  static absl::Status WaitEnd(const HijackState& h, const HijackWait& w);
  // Why a hijacked call cannot go on (closed, shut down), as its status.
  static absl::Status HijackClosedStatus(const HijackState& h);
  // Runs s.task to its end (the client-gone watch around it).
  asio::awaitable<void> RunTask(Session& s, Conn* c);
  void WatchPeer(Session& s, Conn* c);
  // Starts the peer watch for a running task unless on or not wanted.
  void EnsureWatch(Session& s, Conn* c);
  // The bytes that go on the wire next: s.out, or on a TLS connection
  // s.tls_out with s.out encrypted onto its end (null if that failed).
  bytes::ByteBuffer* Wire(Session& s, Conn* c);
  // TLS: queues close_notify after what s.out holds (before a close).
  void CloseNotify(Session& s, Conn* c);
  // TLS, the connection about to close: sends what the socket takes now of
  // what TLS still has to say (close_notify answering the client's, an
  // alert), and detaches the engine from the session.
  void EndTls(Session& s, Conn* c);
  // Parks a served connection on its idle wait (TLS: its output sent and
  // its engine trimmed first, or closed if the socket does not take it or
  // the client's input ended); `same_wait` as for WaitIdle.
  void Park(Session& s, Conn* c, bool fresh, bool same_wait = false);
  // Writes what of s.out the socket takes now (never waits).
  void FlushNow(Session& s, Conn* c);
  // Before a task's first wait: flushes earlier pipelined answers and
  // watches the client.
  asio::awaitable<void> BeforeWait(Session& s, Conn* c);
  // Stops the peer watch, if on, and waits until its wait completed.
  asio::awaitable<void> StopWatch(Session& s);
  asio::awaitable<absl::StatusOr<std::string_view>> ReadBodyPiece(Session& s,
                                                                  Conn* c);
  void OnPeerEvent(Session& s, Conn* c, const boost::system::error_code& ec);
  // Interrupts a running task's pending co_await.
  void CancelTask(Session& s, Session::Cancel why);
  // One streamed piece of s.ctx's response (the head first).
  asio::awaitable<absl::Status> WriteStreamed(Session& s, Conn* c,
                                              std::string_view data);
  // Appends the end of s.ctx's response (whole, or the end of a stream).
  void EndResponse(Session& s);
  // The middleware hooks of s.ctx (server/middleware.h), last registered
  // first. OnResponse; OnStreamStart (true when one filters); a piece
  // through every filter (a view of the result, valid until the next
  // call); OnDone, then the hooks are cleared.
  void ResponseHooks(Session& s);
  bool StreamStartHooks(Session& s);
  std::string_view FilterStream(Session& s, std::string_view data, bool last);
  void DoneHooks(Session& s);
  asio::awaitable<void> AnswerError(Session& s, Conn* c, int status,
                                    http::ParseError pe,
                                    std::string_view detail);
  asio::awaitable<void> RunBlocking(Session& s);
  // Writes s.out without blocking; true when all of it left.
  bool TryFlush(Session& s, Conn* c, size_t& written, bool& failed);
  // AppendResponse through the writer, counting what it refused.
  void AppendChecked(http::Response& resp, bool head, bool& keep_alive,
                     int request_minor, bytes::ByteBuffer& out);
  void FillError(http::Response& resp, int status, http::ParseError pe,
                 std::string_view detail);
  void ResetRequest(Session& s);
  void HandlerThrew(RequestCtx& ctx, std::string_view what);

  Shared& shared_;
  const ServerOptions& options_;
  int index_;
  asio::io_context io_{1};
  Acceptor acceptor_;
  brisk::loop::Ticker tick_;  // Tick(), while anything has a deadline
  Timer accept_backoff_;
  workerpool::WorkerPool<Conn*, Session> pool_;
  ConnList fresh_;  // accepted, no byte yet: header_read_timeout
  ConnList idle_;   // keep-alive: idle_timeout
  // Idle waits resumed with their earlier deadline (bytes that were not a
  // request woke them): any order.
  ConnList rewait_;
  ConnList timed_;            // serving or lingering with a deadline: any order
  HijackWaits hijack_waits_;  // hijacked calls with a deadline: any order
  AllConns all_;
  tcp::endpoint peer_;
  int64_t last_accept_log_ns_ = 0;  // rate limit of the accept-failure line
  uint64_t accept_errors_unlogged_ = 0;
  bool stopping_ = false;
  int64_t header_timeout_ns_, idle_timeout_ns_, linger_ns_;
  int64_t read_timeout_ns_, write_timeout_ns_;      // 0: none
  int64_t body_read_timeout_ns_, send_timeout_ns_;  // no progress; 0: none
  int64_t stream_read_timeout_ns_;                  // 0: none
  int64_t tls_handshake_ns_;
  http::Response scratch_response_;
  bytes::ByteBuffer scratch_out_;
  bytes::ByteBuffer scratch_tls_;
  std::array<char, 4096> drain_buf_;
};

}  // namespace brisk::server::server_internal

#endif  // BRISK_SERVER_INTERNAL_LOOP_H_
