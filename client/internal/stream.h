// File: client/internal/stream.h
//
// Stream: the bytes of one client connection — a TCP socket and, for
// https, a tls::Engine over it. HostPool's and PipelineClient's
// connections are Streams; they parse HTTP from what ReadSome() appends and
// write what Seal() gives, the same code for http and https.
//
// Loop thread only. A deadline interrupts any wait by closing the socket
// (the wait then completes with an error). For https, TLS 1.3 session
// tickets and key updates are handled inside ReadSome(); what TLS must
// send on its own (a key update's answer, the alert refusing a TLS 1.2
// renegotiation) is written by ReadSome() before it waits again, or, when
// a write of the caller's is in flight (`writing`), goes out ahead of the
// next Seal()ed bytes.

#ifndef BRISK_CLIENT_INTERNAL_STREAM_H_
#define BRISK_CLIENT_INTERNAL_STREAM_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "boost/asio/any_completion_handler.hpp"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/basic_stream_socket.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/basic_resolver.hpp"
#include "boost/asio/ip/tcp.hpp"

#include "bytes/byte_buffer.h"
#include "client/errors.h"
#include "tls/engine.h"

namespace brisk::client::client_internal {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, Executor>;

// A name resolution in flight; shared with its completion, which may come
// after the caller gave up.
struct Resolve {
  using Results = asio::ip::basic_resolver<tcp, Executor>::results_type;
  explicit Resolve(const Executor& ex) : resolver(ex) {}
  asio::ip::basic_resolver<tcp, Executor> resolver;
  bool done = false;
  boost::system::error_code ec;
  Results results;
  std::optional<asio::any_completion_handler<void()>> waiter;
};

struct Stream {
  explicit Stream(asio::io_context& io) : socket(io) {}

  // Resolves `host` and connects to it: an IP literal (or "localhost", as
  // 127.0.0.1) directly, a name through Asio's resolver thread. getaddrinfo
  // cannot be stopped, so the wait is on a hand-off Interrupt() completes
  // at once (the late result is dropped). On return `phase` says where it
  // ended (kResolve or kConnect); TCP_NODELAY is set on success.
  asio::awaitable<boost::system::error_code> Connect(const std::string& host,
                                                     const std::string& port,
                                                     uint16_t port_number,
                                                     Phase& phase);
  // Ends what the stream waits for, at once: a resolution, or any socket
  // operation (the socket is closed; the operation completes with an
  // error).
  void Interrupt();

  // After connect, for https: `context` and the name to send as SNI and
  // check the certificate against; `session` (may be null) is offered for
  // resumption. Returns the engine's error (see tls/engine.h), or
  // Unavailable when the socket failed or the peer hung up.
  asio::awaitable<absl::Status> Handshake(
      std::shared_ptr<const tls::Context> context, std::string_view host,
      std::shared_ptr<const tls::Session> session);

  // Appends at least one byte of response to `in` (cleartext: up to
  // `room` per read). The error is the socket's (asio::error::eof when the
  // server closed, with close_notify or without); a TLS failure is
  // asio::error::fault with the reason in tls_error.
  asio::awaitable<boost::system::error_code> ReadSome(bytes::ByteBuffer& in,
                                                      size_t room);

  // The bytes to send for `plain`: `plain` itself in cleartext, else its
  // TLS records (in `wire`, valid until the next Seal). False, with
  // tls_error set, when TLS failed.
  bool Seal(std::string_view plain, std::string_view& out);

  // The connection became readable while idle: true when it may still be
  // reused, that is, it is https and what arrived was only TLS's own
  // (session tickets); false for an end, an error, or response bytes
  // nobody asked for. Does not wait.
  bool IdleReadOk(bytes::ByteBuffer& scratch);

  // https, between requests (nothing half-written): sends close_notify
  // without waiting, before the caller closes the socket (RFC 8446 §6.1).
  void Goodbye();

  Socket socket;
  std::unique_ptr<tls::Engine> tls;  // https only
  bytes::ByteBuffer wire;            // sealed bytes on their way out
  absl::Status tls_error;            // why the last TLS step failed
  // The caller's write of Seal()ed bytes is in flight (PipelineClient
  // writes while it reads): ReadSome() leaves TLS's own bytes to the next
  // Seal(), or writes them itself and then calls `wrote` (if set) so the
  // caller may go on writing.
  bool writing = false;
  std::function<void()> wrote;
  std::shared_ptr<Resolve> resolving;  // while Connect() resolves a name
};

}  // namespace brisk::client::client_internal

#endif  // BRISK_CLIENT_INTERNAL_STREAM_H_
