// File: server/request_ctx.h
//
// RequestCtx is what a handler gets: the request, the response it fills, and
// facts about the connection. fasthttp's RequestCtx, with its lifetime made
// explicit:
//
//   - A RequestCtx& is valid only during the handler call. The server reuses
//     it (and the buffers its views point into) for the next request on a
//     warm worker. Touching it after the handler returned aborts with a
//     message naming the mistake, instead of reading another request's data.
//   - A handler that answers later calls Detach() and keeps the returned
//     DetachedCtx: the connection waits (the worker with it) until Finish(),
//     which may be called from any thread. A DetachedCtx destroyed without
//     Finish() answers 500 and the connection goes on.
//   - Views (request().header().method(), body(), ...) point into the
//     connection's read buffer: copy what must outlive the call.
//   - A handler that waits (a timer, a backend call, a slow client) is a
//     coroutine: `Task` (Asio's awaitable<void>), given to the server with
//     server::Coroutine(f) or, from a plain handler, with ctx.Continue(task).
//     It runs on the connection's loop thread after the plain handler
//     returns, with this RequestCtx live until it ends; then the response is
//     sent. Inside it, co_await Sleep(), StreamWrite() and client calls
//     (HostClient::AsyncDo with cancellation_slot()). When the client leaves
//     (EOF or reset on its connection, as Go's net/http sees it) or a
//     Shutdown deadline passes, the pending co_await completes at once with
//     cancelled()'s status: Unavailable "client gone" or Cancelled "server
//     shutting down", and nothing more is written: the connection closes
//     without the response (a stream without its last chunk), since none
//     of it could be honest. Half-closing after the request counts as
//     leaving. The watch starts at the task's first wait (earlier
//     pipelined answers are flushed then too) and stops for good once a
//     pipelined request is seen behind this one. brisk's awaitables never
//     throw.
//     With gcc 12 (Debian bookworm's), put a co_await's result in a variable
//     before testing it: `absl::Status s = co_await ctx.Sleep(d); if
//     (s.ok())`. gcc 12 miscompiles a co_await inside a condition such as
//     `if ((co_await ctx.Sleep(d)).ok())` (and inside ?:), and the program
//     crashes; clang is fine.
//
// Allocation: none per request once warm, unless the handler grows the
// response beyond what earlier requests used or stores user values.
//
// Example (the handler is given to the Server when it is constructed):
//   Server server(ServerOptions{}, [](RequestCtx& ctx) {
//     ctx.response().SetContentType("text/plain");
//     ctx.response().SetBody("Hello, World!");
//   });

#ifndef BRISK_SERVER_REQUEST_CTX_H_
#define BRISK_SERVER_REQUEST_CTX_H_

#include <any>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/cancellation_signal.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"

#include "http/message.h"
#include "server/hijacked.h"
#include "tls/engine.h"

namespace brisk::server {

namespace server_internal {
struct Session;
class Loop;
}  // namespace server_internal

class DetachedCtx;
class Middleware;
template <typename T>
class PerLoop;

// A coroutine handler's return type. Asio's own awaitable: it composes with
// every Asio operation and with brisk's client (HostClient::AsyncDo) without
// an adapter, and its frames come from Asio's per-thread recycling
// allocator, so a warm loop allocates none per request.
using Task = boost::asio::awaitable<void>;

// What takes a connection over after its response (RequestCtx::Hijack).
using HijackHandler = absl::AnyInvocable<Task(Hijacked& conn)>;

class RequestCtx {
 public:
  RequestCtx() = default;
  RequestCtx(const RequestCtx&) = delete;
  RequestCtx& operator=(const RequestCtx&) = delete;

  http::Request& request() {
    CheckLive();
    return request_;
  }
  http::Response& response() {
    CheckLive();
    return response_;
  }

  // The client's address (from accept; no system call).
  const boost::asio::ip::tcp::endpoint& remote_endpoint() const;
  // The server's address of this connection (one getsockname call).
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  // On an HTTPS connection (ServerOptions::tls), what its handshake
  // settled: version, cipher, SNI, ALPN, the client certificate's subject
  // (mutual TLS), a resumed session. Null on a cleartext connection. Valid
  // while the request is.
  const tls::ConnectionInfo* tls() const;
  // Unique per server run.
  uint64_t connection_id() const;
  // 1 for the first request on the connection.
  uint64_t request_number() const;
  // When the request's first bytes were read (coarse clock, ~4 ms).
  absl::Time start_time() const {
    CheckLive();
    return start_time_;
  }
  // Whether the request is HEAD (the server drops the body it writes).
  bool is_head() const;
  // The route pattern that matched ("/users/{id}"), as a router sets it
  // before calling the route's handler (router::Router does); empty
  // otherwise. The view must stay valid while the request is (a router's
  // patterns live as long as the router). Metrics label by it.
  std::string_view route() const {
    CheckLive();
    return route_;
  }
  void set_route(std::string_view pattern) {
    CheckLive();
    route_ = pattern;
  }

  // Shorthands for the response.
  void SetStatusCode(int code) { response().SetStatusCode(code); }
  void SetContentType(std::string_view type) {
    response().SetContentType(type);
  }
  void SetBody(std::string_view body) { response().SetBody(body); }
  // Replaces the response with `code` and a text/plain `message`.
  void Error(int code, std::string_view message);
  // Closes the connection after this response.
  void SetConnectionClose() { response().header().SetConnectionClose(); }

  // Values a handler chain passes along (cleared after each request).
  // Storing allocates; keep the keys short.
  void SetUserValue(std::string_view key, std::any value);
  // nullptr when absent.
  const std::any* UserValue(std::string_view key) const;

  // See the file comment. At most once per request.
  [[nodiscard]] DetachedCtx Detach();

  // Takes the connection over once this request's response is sent
  // (server/hijacked.h): a `101 Switching Protocols` with an Upgrade field
  // (the server adds `Connection: upgrade`), or any other response, which
  // then closes the HTTP exchange (`Connection: close`). `handler` runs on
  // this connection's loop thread; the connection closes when its Task
  // ends. Earlier pipelined responses go out first; the bytes read beyond
  // this request go to the handler. From a plain handler or a Task.
  // Errors (nothing is taken over; the response goes out as usual):
  // FailedPrecondition when called twice, on a detached request, once a
  // streamed response began, or while a streamed request body is still
  // unread (read it to its end first); Unavailable when the server is
  // shutting down. A 101 the server cannot send (no Upgrade field, an
  // HTTP/1.0 request) becomes a 500 and no hijack; so does a 101 without
  // Hijack.
  [[nodiscard]] absl::Status Hijack(HijackHandler handler);

  // --- Coroutine handlers (see the file comment) ---

  // The request goes on in `task` once this handler returns: the server runs
  // it on this connection's loop, sends earlier pipelined responses first,
  // and sends this response when `task` ends. At most once per request.
  void Continue(Task task);
  // Inside the request's Task only (loop thread). Each returns OK, or
  // cancelled()'s status when the client leaves or the server hard-closes.
  //
  // Waits `d` (one Sleep at a time per request).
  [[nodiscard]] boost::asio::awaitable<absl::Status> Sleep(absl::Duration d);
  // Streams the body instead of response().body(), like
  // DetachedCtx::StreamWrite: the first call sends the head
  // (Content-Length if the response has one, otherwise chunked), each call
  // resumes once `data` was written (back-pressure: a slow reader suspends
  // the handler, bounded by send_timeout per wait). `data` must stay valid
  // until the call resumes. The body ends when the Task does.
  [[nodiscard]] boost::asio::awaitable<absl::Status> StreamWrite(
      std::string_view data);
  // The request body, a piece at a time as it arrives: each call resumes
  // with the next piece (a view valid until the next call) and with an
  // empty view at the end. A buffered body comes whole in one piece, so one
  // loop serves both; a streamed one (ServerOptions::stream_request_body)
  // comes in pieces of at most what one read brings (64 KiB or more), and
  // the client sends no faster than the handler reads. Errors (the
  // connection closes after the response): OutOfRange over
  // max_streamed_body_bytes, InvalidArgument for a malformed chunked body,
  // DeadlineExceeded (body_read_timeout, stream_read_timeout), and
  // cancelled()'s status. A streamed body's `Expect: 100-continue` is
  // answered at the first call, so a handler that refuses the upload never
  // receives it (a buffered body's is answered when its header is read).
  [[nodiscard]] boost::asio::awaitable<absl::StatusOr<std::string_view>>
  ReadBodyPiece();
  // Whether the body is streamed: it comes only through ReadBodyPiece()
  // (request().body() is empty). A plain handler cannot read it; it should
  // answer 413 itself (its answer is sent as it is, since it ran; the
  // connection then closes).
  bool body_streamed() const;
  // A time limit for this request's Task, counted from when the Task
  // starts; set it before (in the handler that calls Continue, or in a
  // middleware's OnRequest). A plain handler cannot be interrupted, so
  // only a Task's time counts. When it passes first, the Task's pending
  // co_await completes with cancelled()'s status, DeadlineExceeded("handler
  // timeout"), and the server answers 503 "handler timeout" — or, when the
  // response already started streaming, ends the connection without the rest.
  // The Task should return at once (what it writes is not sent). Set again, the
  // later call wins; zero or less: no limit. middleware::Timeout sets it for
  // every request.
  void SetHandlerTimeout(absl::Duration d);
  // OK while the client is there, the server is not hard-closing and the
  // handler timeout has not passed; else Unavailable("client gone"),
  // Cancelled("server shutting down") or DeadlineExceeded("handler
  // timeout").
  absl::Status cancelled() const;
  // For one awaited call at a time that takes a cancellation slot
  // (HostClient::AsyncDo): it is interrupted when cancelled() turns.
  boost::asio::cancellation_slot cancellation_slot();

 private:
  friend struct server_internal::Session;
  friend class server_internal::Loop;
  friend class DetachedCtx;
  template <typename T>
  friend class PerLoop;
  friend bool Enter(RequestCtx& ctx, const Middleware& m);

  // A middleware's registration for this request (server/middleware.h).
  struct Hook {
    const Middleware* middleware;
    void* state;   // the middleware's per-request word
    bool filters;  // OnStreamStart returned true
  };

  // The loop serving this request (PerLoop).
  int loop_index() const;
  boost::asio::io_context& loop_context() const;

  void CheckLive() const {
    if (!live_) [[unlikely]] {
      DieNotLive();
    }
  }
  [[noreturn]] void DieNotLive() const;

  http::Request request_;
  http::Response response_;
  server_internal::Session* session_ = nullptr;
  absl::Time start_time_;
  std::vector<std::pair<std::string, std::any>> user_values_;
  std::vector<Hook> hooks_;  // cleared per request, capacity kept
  std::string_view route_;
  bool live_ = false;
  bool detached_ = false;
};

// The owning handle of a request answered later (see RequestCtx::Detach).
// Move-only. All methods may be called from any thread, one at a time.
class DetachedCtx {
 public:
  DetachedCtx() = default;
  DetachedCtx(DetachedCtx&& other) noexcept
      : session_(std::exchange(other.session_, nullptr)) {}
  DetachedCtx& operator=(DetachedCtx&& other) noexcept;
  DetachedCtx(const DetachedCtx&) = delete;
  DetachedCtx& operator=(const DetachedCtx&) = delete;
  // Without Finish(): the response becomes 500 and is sent.
  ~DetachedCtx();

  explicit operator bool() const { return session_ != nullptr; }

  // The request and response, valid until Finish().
  http::Request& request();
  http::Response& response();

  // Streams the body instead of sending response().body(): the first call
  // sends the head (Content-Length if the response has one, otherwise
  // chunked), then `data`. `done` runs on the connection's loop thread when
  // `data` was written (it must stay valid until then) or with Unavailable
  // when the client is gone; call again only after `done` (back-pressure:
  // FailedPrecondition otherwise). Finish() ends the body.
  void StreamWrite(std::string_view data,
                   absl::AnyInvocable<void(absl::Status)> done);

  // Sends the response (or ends the stream); the handle becomes empty.
  void Finish();

 private:
  friend class RequestCtx;
  explicit DetachedCtx(server_internal::Session* s) : session_(s) {}

  server_internal::Session* session_ = nullptr;
};

}  // namespace brisk::server

#endif  // BRISK_SERVER_REQUEST_CTX_H_
