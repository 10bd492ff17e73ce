// File: client/dialed_conn.h
//
// DialedConn: a client's connection for a protocol that follows an HTTP/1.1
// upgrade (WebSocket's client, //websocket) — TCP, or TLS over it, the same
// connection code as the HTTP clients (resolution, connect, the TLS
// handshake with SNI and certificate checks). The client side of what
// server::Hijacked is for servers, with the same calls and errors:
//
//   - Read appends at least one byte; WaitReadable waits holding no buffer.
//   - Each call takes its own timeout; a Read's timeout leaves a pending
//     Write alone (and the connection open).
//   - Errors: OutOfRange("end of stream") for the peer's end (TLS:
//     close_notify), Unavailable for a reset or a broken TLS record,
//     DeadlineExceeded for a timeout, Cancelled once Close() was called,
//     FailedPrecondition for a second Read or Write while one is pending.
//
// Threads: the io_context's thread only; one Read and one Write at a time.
// Allocation: a call with a finite timeout allocates its timer's wait
// (Asio's parallel group); none otherwise in steady state.

#ifndef BRISK_CLIENT_DIALED_CONN_H_
#define BRISK_CLIENT_DIALED_CONN_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/io_context.hpp"

#include "bytes/byte_buffer.h"
#include "tls/context.h"
#include "tls/engine.h"

namespace brisk::client {

namespace client_internal {
struct Stream;
}  // namespace client_internal

class DialedConn {
 public:
  ~DialedConn();
  DialedConn(const DialedConn&) = delete;
  DialedConn& operator=(const DialedConn&) = delete;

  // Connects to `host`:`port` within `timeout` — over TLS when `tls` (a
  // client context) is set, `host` sent as SNI and checked against the
  // certificate. Errors: Unavailable (resolution, connect, the TLS
  // handshake, with the reason), DeadlineExceeded.
  [[nodiscard]] static boost::asio::awaitable<
      absl::StatusOr<std::unique_ptr<DialedConn>>>
  Dial(boost::asio::io_context& io, std::string host, uint16_t port,
       std::shared_ptr<const tls::Context> tls, absl::Duration timeout);

  [[nodiscard]] boost::asio::awaitable<absl::Status> WaitReadable(
      absl::Duration timeout = absl::InfiniteDuration());
  [[nodiscard]] boost::asio::awaitable<absl::Status> Read(
      bytes::ByteBuffer& buf, size_t max,
      absl::Duration timeout = absl::InfiniteDuration());
  // Writes all of `parts`, in order; resumes once the socket took them.
  // `timeout` bounds each stall (the socket taking nothing), not the whole.
  [[nodiscard]] boost::asio::awaitable<absl::Status> Write(
      std::span<const std::string_view> parts,
      absl::Duration timeout = absl::InfiniteDuration());
  // TLS: close_notify if the socket takes it now; then the socket closes
  // and pending calls complete with Cancelled.
  void Close();
  bool closed() const { return closed_; }

  boost::asio::io_context::executor_type get_executor() const;
  // What the TLS handshake settled, or null in cleartext.
  const tls::ConnectionInfo* tls() const;

 private:
  explicit DialedConn(boost::asio::io_context& io);

  std::unique_ptr<client_internal::Stream> stream_;
  bytes::ByteBuffer plain_;  // TLS: the parts of a Write, joined
  bool reading_ = false;
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace brisk::client

#endif  // BRISK_CLIENT_DIALED_CONN_H_
