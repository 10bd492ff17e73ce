// File: server/hijacked.h
//
// Hijacked: a connection a handler took over from the HTTP server
// (RequestCtx::Hijack), for a protocol that follows an HTTP exchange —
// WebSocket after `101 Switching Protocols`, a CONNECT tunnel, a raw stream.
// fasthttp's RequestCtx.Hijack, with the lifetimes made explicit:
//
//   - The server sends the handler's response (a 101, or any response, which
//     then says `Connection: close`), then calls the hijack handler's Task
//     on the connection's loop thread with a Hijacked&. The Hijacked is valid
//     until that Task ends; then the connection closes (TLS: after a
//     close_notify). Other coroutines that use it must be done by then.
//   - Nothing is lost: the bytes the server had read beyond the request
//     (a client that sent its first frames with the upgrade request) come
//     first out of Read().
//   - The HTTP server's timeouts and limits no longer apply; the protocol's
//     own do, through the `timeout` of each Read and Write. The connection
//     still counts as open (ServerStats::open_connections, max_connections)
//     and holds no worker, no session and no buffer of the server's while
//     no call is pending.
//   - Shutdown: when Server::Shutdown begins, a pending Read completes with
//     Cancelled("server shutting down") — once, or the next Read does if
//     none is pending — so the protocol can say goodbye (a WebSocket close
//     frame) and read the answer. Shutdown waits for the Task to end up to
//     its deadline; then the connection is closed and every call returns
//     Cancelled.
//
// Threads: the loop thread of the connection only (the Task's). One Read and
// one Write may be pending at once (a reader and a writer coroutine); a
// second of the same kind fails with FailedPrecondition. The awaitables never
// throw.
//
// Allocation: none per call in steady state (the Task's frames come from
// Asio's per-thread recycling allocator); Read grows the caller's buffer
// only when bytes are there to go in it.

#ifndef BRISK_SERVER_HIJACKED_H_
#define BRISK_SERVER_HIJACKED_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"

#include "bytes/byte_buffer.h"
#include "tls/engine.h"

namespace brisk::server {

namespace server_internal {
struct HijackState;
}  // namespace server_internal

class Hijacked {
 public:
  Hijacked(const Hijacked&) = delete;
  Hijacked& operator=(const Hijacked&) = delete;

  // Appends at least one byte and at most `max` (> 0) to `buf`: first the
  // bytes read beyond the request, then what the peer sends. On a plain
  // connection the read is one operation that holds `buf`'s room while it
  // waits (tried at once, then waited for: the fewest system calls); over
  // TLS, and after WaitReadable, it waits holding no buffer. A protocol
  // whose idle connections should cost no buffer calls WaitReadable first.
  // Errors: OutOfRange("end of stream") when the peer closed its side (TLS:
  // close_notify, or EOF), Unavailable on a reset or a broken TLS record,
  // DeadlineExceeded when `timeout` passed first (measured with the
  // server's deadline tick, to within 1 s), Cancelled (see the file
  // comment), FailedPrecondition when a Read is already pending or the
  // connection was closed.
  [[nodiscard]] boost::asio::awaitable<absl::Status> Read(
      bytes::ByteBuffer& buf, size_t max,
      absl::Duration timeout = absl::InfiniteDuration());

  // Waits until bytes can be read (or the peer's end or an error, which the
  // next Read reports), holding no buffer: a protocol that takes a read
  // buffer only when bytes are there calls this, then Read, which then does
  // not wait. Errors as Read's.
  [[nodiscard]] boost::asio::awaitable<absl::Status> WaitReadable(
      absl::Duration timeout = absl::InfiniteDuration());

  // Writes all of `parts`, in order (one gathered write when the socket
  // takes it), and resumes once the socket took all of it: a slow reader
  // suspends the writer (back-pressure). The views must stay valid until it
  // resumes. Errors: Unavailable (the peer is gone), DeadlineExceeded
  // (`timeout` passed without the socket taking a byte: it bounds each
  // stall, not the whole write), Cancelled (closed by Close or
  // at Shutdown's deadline), FailedPrecondition (a Write already pending).
  // After an error the connection is closed.
  [[nodiscard]] boost::asio::awaitable<absl::Status> Write(
      std::span<const std::string_view> parts,
      absl::Duration timeout = absl::InfiniteDuration());
  [[nodiscard]] boost::asio::awaitable<absl::Status> Write(
      std::string_view data, absl::Duration timeout = absl::InfiniteDuration());

  // Closes the connection now (TLS: a close_notify first if the socket takes
  // it): a pending Read or Write completes with Cancelled, later calls fail.
  void Close();
  bool closed() const;

  // OK, or Cancelled("server shutting down") once Shutdown began.
  absl::Status cancelled() const;

  // The connection's loop (for timers and other coroutines of the protocol).
  boost::asio::io_context::executor_type get_executor() const;
  const boost::asio::ip::tcp::endpoint& remote_endpoint() const;
  uint64_t connection_id() const;
  // What the TLS handshake settled (ServerOptions::tls), or null.
  const tls::ConnectionInfo* tls() const;

 private:
  friend struct server_internal::HijackState;
  explicit Hijacked(server_internal::HijackState* s) : state_(s) {}

  server_internal::HijackState* state_;
};

}  // namespace brisk::server

#endif  // BRISK_SERVER_HIJACKED_H_
