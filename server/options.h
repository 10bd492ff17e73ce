// File: server/options.h
//
// ServerOptions: every knob of brisk's Server, with its default and
// fasthttp's next to it where they differ. A plain struct: designated
// initializers make call sites read like configuration.
//
//   brisk::server::ServerOptions opts{.name = "api", .threads = 4};
//   if (absl::Status s = Validate(opts); !s.ok()) { ... }

#ifndef BRISK_SERVER_OPTIONS_H_
#define BRISK_SERVER_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/asio/ip/tcp.hpp"

#include "http/message.h"
#include "http/parse_error.h"
#include "tls/context.h"

namespace brisk::server {

// The states a connection goes through, for ServerOptions::on_conn_state.
enum class ConnState : uint8_t {
  kNew,       // accepted (and admitted by the limits)
  kActive,    // a request is being read or answered
  kIdle,      // keep-alive: waiting for the next request, holding no worker
  kHijacked,  // taken over by a handler (RequestCtx::Hijack): no more HTTP
  kClosed,    // closed; reported exactly once per kNew
};
std::string_view ToString(ConnState s);

// What an error response is about, for ServerOptions::error_handler.
struct ErrorInfo {
  int status = 400;  // 400, 408, 413, 414, 431, 500, 501, 503, 505, 429
  http::ParseError parse_error = http::ParseError::kNone;  // if a parse error
  std::string_view detail;  // short English reason (what the default sends)
};

struct ServerOptions {
  // Server header value; empty sends none. fasthttp: "fasthttp".
  std::string name = "brisk";
  // Requests being served at once across all threads; over it: 503 and
  // close. fasthttp: 256 * 1024, but counting connections.
  int64_t concurrency = 256 * 1024;
  // Open connections, idle ones included; over it: 503 and close.
  // fasthttp: no separate cap.
  int64_t max_connections = 1'000'000;
  // Event loops (one io_context, acceptor and worker shard each); 0 means
  // one per core. fasthttp: GOMAXPROCS goroutine scheduling.
  int threads = 0;
  // Per-read buffer borrowed from the pool while a request is read.
  // fasthttp: 4096, which is also its header limit.
  size_t read_buffer_bytes = 4096;
  // Request line plus header fields; over it: 431. Separate from the buffer
  // size (fasthttp ties them: ReadBufferSize).
  size_t max_header_bytes = 16 * 1024;
  // Request-target length; over it: 414. fasthttp: bounded by the buffer.
  size_t max_uri_bytes = 8 * 1024;
  // Time to receive a whole header once its first byte arrived (slowloris);
  // over it: 408 and close. fasthttp: none (only ReadTimeout).
  absl::Duration header_read_timeout = absl::Seconds(10);
  // Longest wait for more bytes of a request body (no progress); over it:
  // 408 and close. nginx: client_body_timeout, 60 s; fasthttp and Go: none.
  absl::Duration body_read_timeout = absl::Seconds(60);
  // Time to read a whole body once its header is complete, so a body
  // dripped a byte at a time ends too (4 MiB in 5 min is 14 KB/s); over it:
  // 408 and close. Infinite means none. fasthttp: ReadTimeout, unlimited.
  absl::Duration read_timeout = absl::Minutes(5);
  // Longest wait for the client to take more of a response (no progress);
  // over it the connection closes. nginx: send_timeout, 60 s; fasthttp and
  // Go: none.
  absl::Duration send_timeout = absl::Seconds(60);
  // Time to write a whole response; infinite means none (send_timeout still
  // ends a stalled reader). fasthttp: WriteTimeout, unlimited.
  absl::Duration write_timeout = absl::InfiniteDuration();
  // Keep-alive idle time before the server closes; announced to clients as
  // `Keep-Alive: timeout=N` so they never reuse a closing connection.
  // fasthttp: IdleTimeout = ReadTimeout (unlimited), no hint.
  absl::Duration idle_timeout = absl::Seconds(60);
  // Largest request body; over it: 413 (fasthttp: 4 MiB, answered 400).
  uint64_t max_request_body_bytes = 4 * 1024 * 1024;
  // fasthttp's StreamRequestBody. When true, a body larger than
  // max_request_body_bytes (by its Content-Length, or a chunked body from
  // the chunk that passes it) is not buffered: the handler runs once that
  // is known and reads the body in a coroutine with ctx.ReadBodyPiece(), a
  // piece at a time with back-pressure (request_ctx.h). A plain handler
  // never sees a part as the whole: it gets an empty body and
  // body_streamed() (and should answer 413); a body left unread closes the
  // connection (lingering) after the response. Smaller bodies are buffered
  // as always. Turn it on when the handlers that may get large bodies are
  // coroutines, or check body_streamed(): a plain handler still runs.
  bool stream_request_body = false;
  // Largest streamed body; over it ReadBodyPiece() fails with OutOfRange.
  // 0 means no limit. fasthttp: MaxRequestBodySize applies to streams too.
  uint64_t max_streamed_body_bytes = uint64_t{64} << 30;  // 64 GiB
  // Time to read a whole streamed body (body_read_timeout still bounds each
  // wait for more bytes); over it ReadBodyPiece() fails with
  // DeadlineExceeded. fasthttp: ReadTimeout.
  absl::Duration stream_read_timeout = absl::Hours(1);
  // Connections per client IP; over it: 429 and close. 0 means no limit
  // (as fasthttp).
  int max_conns_per_ip = 0;
  // Requests per connection before `Connection: close`; 0 means no limit
  // (as fasthttp).
  int max_requests_per_conn = 0;
  bool disable_keepalive = false;
  bool tcp_nodelay = true;
  // TCP keep-alive probes on accepted sockets (fasthttp: off).
  bool tcp_keepalive = false;
  // SO_REUSEPORT: one acceptor per loop on the same port (fasthttp: only
  // with its prefork/reuseport helpers).
  bool reuseport = true;
  // Idle time after which a worker frees its warm state (as fasthttp).
  absl::Duration max_idle_worker_duration = absl::Seconds(10);
  // Time a refused or failed connection is drained after the error response
  // is written, so the client reads it (lingering close).
  absl::Duration linger_timeout = absl::Seconds(1);
  // HTTPS: every accepted connection speaks TLS with this context (from
  // tls::Context::MakeServer: certificate chain and key, optional client
  // CAs for mutual TLS; TLS 1.2 and 1.3, ALPN http/1.1). Null: cleartext.
  // Server::SetTls() replaces it while running (certificate reload).
  std::shared_ptr<const tls::Context> tls = nullptr;
  // Time to finish a TLS handshake once its first byte arrived; over it the
  // connection closes (a slow handshake is slowloris too). nginx:
  // ssl_handshake_timeout, 60 s; Go: bounded by ReadHeaderTimeout.
  absl::Duration tls_handshake_timeout = absl::Seconds(10);

  // Run the handler on a BlockingPool thread instead of the event loop, for
  // handlers that block (fasthttp has none: Go's scheduler hides blocking).
  // A full pool queue answers 503.
  bool blocking_handler = false;
  size_t blocking_threads = 16;
  size_t blocking_queue = 1024;

  // Called on the connection's loop thread at each state change; must not
  // block. Empty: no calls (and no cost).
  std::function<void(uint64_t conn_id, const boost::asio::ip::tcp::endpoint&,
                     ConnState)>
      on_conn_state = nullptr;
  // Receives one line per notable event (handler exception, accept failure,
  // shutdown report). Empty: lines go to stderr. Called from loop threads.
  std::function<void(std::string_view line)> logger = nullptr;
  // Fills the response the server sends for an error it answers itself
  // (parse errors, limits, timeouts, handler exceptions). The response comes
  // with the status set and a text/plain body of `detail`; the handler may
  // replace the body and add fields. Connection handling is the server's.
  std::function<void(const ErrorInfo&, http::Response&)> error_handler =
      nullptr;
};

// InvalidArgument naming the first field that cannot work (negative limits,
// buffers too small to hold a request line, a header limit below the read
// buffer's minimum); OK otherwise.
[[nodiscard]] absl::Status Validate(const ServerOptions& options);

// `threads` resolved: the configured value, or the number of cores.
int EffectiveThreads(const ServerOptions& options);

}  // namespace brisk::server

#endif  // BRISK_SERVER_OPTIONS_H_
