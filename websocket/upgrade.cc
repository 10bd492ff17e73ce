// websocket::Upgrade: the server's side of the opening handshake, and a
// Conn over the hijacked connection.

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

#include "bytes/conv.h"
#include "server/hijacked.h"
#include "websocket/deflate.h"
#include "websocket/handshake.h"
#include "websocket/internal/transport.h"
#include "websocket/websocket.h"

namespace brisk::websocket {
namespace {

class HijackedTransport final : public websocket_internal::Transport {
 public:
  explicit HijackedTransport(server::Hijacked& h) : h_(h) {}

  boost::asio::awaitable<absl::Status> WaitReadable(
      absl::Duration timeout) override {
    return h_.WaitReadable(timeout);
  }
  boost::asio::awaitable<absl::Status> Read(bytes::ByteBuffer& buf, size_t max,
                                            absl::Duration timeout) override {
    return h_.Read(buf, max, timeout);
  }
  boost::asio::awaitable<absl::Status> Write(
      std::span<const std::string_view> parts,
      absl::Duration timeout) override {
    return h_.Write(parts, timeout);
  }
  void Close() override { h_.Close(); }
  bool shutting_down() const override { return !h_.cancelled().ok(); }
  boost::asio::any_io_executor executor() const override {
    return h_.get_executor();
  }

 private:
  server::Hijacked& h_;
};

server::Task RunSession(server::Hijacked& h, const Options* options,
                        Session session, std::string subprotocol,
                        std::optional<DeflateParams> deflate) {
  HijackedTransport transport(h);
  Conn conn(transport, *options, Conn::Role::kServer, std::move(subprotocol),
            deflate);
  co_await session(conn);
  if (!conn.done()) {
    absl::Status s = co_await conn.Close(kCloseNormal);
    (void)s;
  }
}

}  // namespace

absl::Status Upgrade(server::RequestCtx& ctx, const Options& options,
                     Session session) {
  const http::RequestHeader& req = ctx.request().header();
  ClientHello hello;
  const HandshakeError e = CheckClientHello(req, hello);
  if (e.status != 0) {
    ctx.Error(e.status, e.reason);
    if (e.status == 426) {
      ctx.response().header().Set("Sec-WebSocket-Version", "13");
    }
    return absl::InvalidArgumentError(
        absl::StrCat("websocket handshake: ", bytes::ToAbsl(e.reason)));
  }
  const bool origin_ok = options.check_origin
                             ? options.check_origin(hello.origin, req.host())
                             : SameOrigin(hello.origin, req.host());
  if (!origin_ok) {
    ctx.Error(403, "websocket: origin not allowed");
    return absl::PermissionDeniedError("websocket handshake: origin refused");
  }
  std::string subprotocol(ChooseSubprotocol(req, options.subprotocols));
  http::Response& resp = ctx.response();
  resp.Reset();
  resp.SetStatusCode(101);
  resp.header().Set("Upgrade", "websocket");
  resp.header().Set("Sec-WebSocket-Accept", AcceptKey(hello.key));
  if (!subprotocol.empty()) {
    resp.header().Set("Sec-WebSocket-Protocol", subprotocol);
  }
  std::optional<DeflateParams> deflate;
  if (options.deflate.enabled) {
    // Every Sec-WebSocket-Extensions line, as one list.
    std::string offers;
    const http::HeaderFields& f = req.fields();
    for (int i = f.Find("sec-websocket-extensions"); i >= 0;
         i = f.Find("sec-websocket-extensions", static_cast<size_t>(i) + 1)) {
      if (!offers.empty()) {
        offers += ", ";
      }
      offers += f[static_cast<size_t>(i)].value;
    }
    DeflateParams params;
    std::string answer;
    if (NegotiateDeflate(offers, options.deflate.context_takeover, params,
                         answer)) {
      deflate = params;
      resp.header().Set("Sec-WebSocket-Extensions", answer);
    }
  }
  absl::Status s = ctx.Hijack([options = &options, session = std::move(session),
                               subprotocol = std::move(subprotocol),
                               deflate](server::Hijacked& h) mutable {
    return RunSession(h, options, std::move(session), std::move(subprotocol),
                      deflate);
  });
  if (!s.ok()) {
    ctx.Error(absl::IsUnavailable(s) ? 503 : 500, std::string(s.message()));
  }
  return s;
}

}  // namespace brisk::websocket
