// File: websocket/client.h
//
// The client side: websocket::Dial opens `ws://` or `wss://` URLs (the
// connection through client::DialedConn, so resolution, TLS and its checks
// are the HTTP clients'), sends the opening handshake and checks the
// server's answer strictly (RFC 6455 §4.1: 101, Upgrade, Connection, the
// accept key, a subprotocol and extensions only among those offered). The
// messages then go through the same Conn as a server's, with the client's
// rules (frames masked with keys from OpenSSL's generator; the server's
// frames must not be masked).
//
//   absl::StatusOr<std::unique_ptr<websocket::Client>> c =
//       co_await websocket::Dial(io, "ws://127.0.0.1:8080/chat", options);
//   if (!c.ok()) ...;
//   absl::Status w = co_await (*c)->conn().Write("hello");
//   absl::StatusOr<websocket::Message> m = co_await (*c)->conn().Read();
//
// Options: the same struct as the server's; `subprotocols` are offered in
// order, `deflate.enabled` offers permessage-deflate.

#ifndef BRISK_WEBSOCKET_CLIENT_H_
#define BRISK_WEBSOCKET_CLIENT_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/io_context.hpp"

#include "client/dialed_conn.h"
#include "tls/context.h"
#include "websocket/deflate.h"
#include "websocket/websocket.h"

namespace brisk::websocket {

namespace websocket_internal {
class Transport;
}  // namespace websocket_internal

struct DialOptions {
  // For wss:// (a client context, tls::Context::MakeClient); wss:// without
  // it is refused.
  std::shared_ptr<const tls::Context> tls = nullptr;
  // Connect, TLS and the handshake's answer, together.
  absl::Duration timeout = absl::Seconds(10);
  std::string origin = "";  // Origin field, when set
  // More request fields (checked like every field brisk writes).
  std::vector<std::pair<std::string, std::string>> headers = {};
};

// A client's open connection: the Conn and what carries it.
class Client {
 public:
  ~Client();
  Conn& conn() { return *conn_; }

 private:
  friend boost::asio::awaitable<absl::StatusOr<std::unique_ptr<Client>>> Dial(
      boost::asio::io_context&, std::string_view, const Options&,
      const DialOptions&);
  Client() = default;
  // (Not in Dial's coroutine: gcc 12 mistakes a `new` there for its frame's.)
  static std::unique_ptr<Client> Make(
      std::unique_ptr<client::DialedConn> dialed, std::string leftover,
      const Options& options, std::string subprotocol,
      std::optional<DeflateParams> deflate);

  std::unique_ptr<client::DialedConn> dialed_;
  std::unique_ptr<websocket_internal::Transport> transport_;
  std::unique_ptr<Conn> conn_;
};

// Errors: InvalidArgument (a URL that is not ws:// or wss://, a field that
// cannot be sent), FailedPrecondition (wss:// without DialOptions::tls),
// the dial's (Unavailable, DeadlineExceeded), and PermissionDenied for an
// answer that is not a valid handshake (its status and the reason in the
// message).
// `url`, `options` and `dial` must stay valid until the call resumes (a
// co_await on the call itself does that).
[[nodiscard]] boost::asio::awaitable<absl::StatusOr<std::unique_ptr<Client>>>
Dial(boost::asio::io_context& io, std::string_view url, const Options& options,
     const DialOptions& dial);
// With the default DialOptions.
[[nodiscard]] boost::asio::awaitable<absl::StatusOr<std::unique_ptr<Client>>>
Dial(boost::asio::io_context& io, std::string_view url, const Options& options);

}  // namespace brisk::websocket

#endif  // BRISK_WEBSOCKET_CLIENT_H_
