// File: server/server.h
//
// Server: fasthttp's Server on Asio. One event loop per thread, each with its
// own SO_REUSEPORT acceptor and its own WorkerPool shard, so the per-request
// path takes no lock.
//
//   - A keep-alive connection waiting for its next request holds no worker
//     and no buffer: it waits for readability (a zero-byte wait), then takes
//     a warm worker (buffers, RequestCtx) from the loop's pool.
//   - Pipelined requests are answered in order; the responses to every
//     request already in the buffer leave in one write.
//   - Limits answer for themselves: over `concurrency` or `max_connections`
//     503, over `max_conns_per_ip` 429, parse errors 400/413/414/431/501/505,
//     a slow header 408, a throwing handler 500. Error responses end with a
//     lingering close (write side shut, input drained briefly) so the client
//     reads the status instead of a reset.
//   - Shutdown() stops accepting, closes idle connections at once, lets
//     in-flight requests finish with `Connection: close` and returns when
//     drained; with a deadline it hard-closes what remains then.
//
// Thread-safety: Listen/Start/Shutdown/Wait from one controlling thread (not
// from a handler); stats() from any thread. The handler runs on the loop
// thread of its connection (or a blocking-pool thread, see ServerOptions).
//
// Example:
//   Server server({.threads = 2}, [](RequestCtx& ctx) { ctx.SetBody("hi"); });
//   if (absl::Status s = server.Listen("127.0.0.1:8080"); !s.ok()) ...
//   server.Start();
//   ...
//   server.Shutdown(absl::Seconds(5));

#ifndef BRISK_SERVER_SERVER_H_
#define BRISK_SERVER_SERVER_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/asio/io_context.hpp"

#include "http/parse_error.h"
#include "server/options.h"
#include "server/request_ctx.h"

namespace brisk::server {

// Called on several loop threads at once, hence const. Move-only: it may
// own what it captures (a unique_ptr, a DetachedCtx).
using Handler = absl::AnyInvocable<void(RequestCtx&) const>;

// A Handler running the coroutine handler `f` (a callable taking
// RequestCtx& and returning Task) for each request; see request_ctx.h.
// The Handler keeps `f`, so a lambda's captures live as long as the server.
//   Server server({}, Coroutine([](RequestCtx& ctx) -> Task {
//     absl::Status s = co_await ctx.Sleep(absl::Milliseconds(200));
//     if (s.ok()) {
//       ctx.SetBody("late hello");
//     }
//   }));
template <typename F>
Handler Coroutine(F f) {
  return [f = std::move(f)](RequestCtx& ctx) { ctx.Continue(f(ctx)); };
}

namespace server_internal {
class Loop;
struct Shared;
struct Done;
}  // namespace server_internal

// What Server keeps of a PerLoop<T> (see below).
class PerLoopBase {
 public:
  virtual ~PerLoopBase() = default;
  // On loop `loop`'s thread, once it has drained at Shutdown.
  virtual void CloseOn(int loop) = 0;
};

// One T per server loop — typically a client::HostClient for a backend, so a
// coroutine handler's calls run on its own loop with no thread hop. Made by
// `make` on a loop's thread at that loop's first Get(), closed by `close`
// on the same thread once the loop has drained at Shutdown (so the T's own
// waits, a client's idle connections, do not keep it running), destroyed
// with the Server. `make` and `close` run on several loops at once.
//   auto& backends = server.MakePerLoop<client::HostClient>(
//       [](boost::asio::io_context& loop) {
//         return std::make_unique<client::HostClient>(options, loop);
//       },
//       [](client::HostClient& c) { c.Close(); });
//   ... inside a coroutine handler:
//   absl::Status s = co_await backends.Get(ctx).AsyncDo(req, resp, deadline,
//                                                        ctx.cancellation_slot());
template <typename T>
class PerLoop : public PerLoopBase {
 public:
  using Make =
      absl::AnyInvocable<std::unique_ptr<T>(boost::asio::io_context&) const>;
  using Close = absl::AnyInvocable<void(T&) const>;

  PerLoop(int loops, Make make, Close close)
      : objects_(static_cast<size_t>(loops)),
        make_(std::move(make)),
        close_(std::move(close)) {}

  // The T of the loop serving `ctx` (in a handler, on its loop thread).
  T& Get(const RequestCtx& ctx) {
    std::unique_ptr<T>& t = objects_[static_cast<size_t>(ctx.loop_index())];
    if (!t) {
      t = make_(ctx.loop_context());
    }
    return *t;
  }
  void CloseOn(int loop) override {
    std::unique_ptr<T>& t = objects_[static_cast<size_t>(loop)];
    if (t && close_) {
      close_(*t);
    }
  }

 private:
  std::vector<std::unique_ptr<T>> objects_;  // one slot per loop
  Make make_;
  Close close_;
};

// Totals since Start(), summed over the loops. Approximate while running.
struct ServerStats {
  uint64_t accepted = 0;          // connections accepted
  uint64_t open_connections = 0;  // open now (idle ones included)
  uint64_t requests = 0;          // requests answered by the handler
  uint64_t parse_errors = 0;      // 4xx/5xx answered for bad input
  // 408s, idle/read/write expiries and handler timeouts (503); by phase
  // below.
  uint64_t timeouts = 0;
  struct Timeouts {
    uint64_t header = 0;         // a request's header too slow (408)
    uint64_t body = 0;           // a request's body too slow (408)
    uint64_t idle = 0;           // no request on a connection in time
    uint64_t write = 0;          // the client too slow to take a response
    uint64_t tls_handshake = 0;  // a TLS handshake too slow
    uint64_t handler = 0;        // a coroutine handler past its time (503)
  } timeouts_by_phase;
  // parse_errors by ParseError (http/parse_error.h), indexed by its value.
  std::array<uint64_t, http::kParseErrorCount> parse_errors_by_kind{};
  uint64_t refused = 0;         // 503 (concurrency, max_connections)
  uint64_t refused_per_ip = 0;  // 429
  uint64_t handler_exceptions = 0;
  uint64_t hard_closed = 0;  // closed by a Shutdown deadline
  // Connections a handler took over (RequestCtx::Hijack), and those of them
  // open now (also in open_connections).
  uint64_t hijacked = 0;
  uint64_t hijacked_open = 0;
  // Responses a handler left unsafe (CR/LF in a field, a 1xx status, ...):
  // answered 500 instead (http/wire.h).
  uint64_t unsafe_responses = 0;
  uint64_t accept_errors = 0;  // accept() failures (out of descriptors, ...)
  // TLS (ServerOptions::tls): handshakes completed, and connections that
  // ended in a failed or timed-out handshake or a TLS error later.
  uint64_t tls_handshakes = 0;
  uint64_t tls_resumed = 0;  // of the handshakes, those that resumed a session
  uint64_t tls_failures = 0;
  // Bytes read from and written to the sockets (TLS: on the wire).
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  // Workers (a warm state each, workerpool/worker_pool.h): serving a
  // connection now — its active connections —, idle, made, and freed after
  // max_idle_worker_duration. Open connections not being served are idle.
  uint64_t workers_busy = 0;
  uint64_t workers_idle = 0;
  uint64_t workers_created = 0;
  uint64_t workers_expired = 0;
};

// What Shutdown() did.
struct ShutdownReport {
  bool drained = true;       // every connection ended before the deadline
  uint64_t hard_closed = 0;  // connections closed at the deadline
};

class Server {
 public:
  // `options` must pass Validate() (Listen() reports it otherwise).
  Server(ServerOptions options, Handler handler);
  // Shuts down (no deadline) if still running.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds `addr` ("127.0.0.1:8080", "[::1]:0", ":8080" for all IPv4
  // interfaces) on every loop. Port 0 picks one (see port()).
  [[nodiscard]] absl::Status Listen(std::string_view addr);
  // The bound port (after Listen).
  uint16_t port() const { return port_; }

  // Runs the loops on their threads; returns at once.
  void Start();
  // Blocks until Shutdown() completes (from another thread or a signal
  // watcher).
  void Wait();

  // See the file comment. Infinite: wait for every in-flight request.
  ShutdownReport Shutdown(absl::Duration timeout = absl::InfiniteDuration());

  ServerStats stats() const;
  const ServerOptions& options() const { return options_; }

  // Replaces the TLS context (a new certificate, say) for the connections
  // accepted from now on; open ones keep theirs. From the controlling
  // thread before Listen(), from any thread after it; only on a server made
  // with ServerOptions::tls. InvalidArgument
  // for a null or client context, FailedPrecondition for a cleartext server.
  [[nodiscard]] absl::Status SetTls(std::shared_ptr<const tls::Context> tls);

  // See PerLoop. Before Start(); the PerLoop lives as long as the Server.
  template <typename T>
  PerLoop<T>& MakePerLoop(typename PerLoop<T>::Make make,
                          typename PerLoop<T>::Close close = nullptr) {
    auto p = std::make_unique<PerLoop<T>>(EffectiveThreads(options_),
                                          std::move(make), std::move(close));
    PerLoop<T>& ref = *p;
    per_loop_.push_back(std::move(p));
    return ref;
  }

 private:
  ServerOptions options_;
  Handler handler_;
  std::unique_ptr<server_internal::Shared> shared_;
  std::vector<std::unique_ptr<server_internal::Loop>> loops_;
  // After loops_: destroyed first, while the loops' io_contexts exist.
  std::vector<std::unique_ptr<PerLoopBase>> per_loop_;
  std::vector<std::thread> threads_;
  std::unique_ptr<server_internal::Done> done_;
  uint16_t port_ = 0;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace brisk::server

#endif  // BRISK_SERVER_SERVER_H_
