// websocket::Dial: the client's opening handshake over client::DialedConn,
// then a Conn with the client's rules.

#include "websocket/client.h"

#include <openssl/rand.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

#include "bytes/conv.h"
#include "http/request_header.h"
#include "http/response_header.h"
#include "http/uri.h"
#include "websocket/deflate.h"
#include "websocket/handshake.h"
#include "websocket/internal/transport.h"

namespace brisk::websocket {
namespace {

namespace asio = boost::asio;

// The server's answer may carry the first frames after it: they are read
// first.
class DialedTransport final : public websocket_internal::Transport {
 public:
  DialedTransport(client::DialedConn& c, std::string leftover)
      : c_(c), leftover_(std::move(leftover)) {}

  asio::awaitable<absl::Status> WaitReadable(absl::Duration timeout) override {
    if (!leftover_.empty()) {
      co_return absl::OkStatus();
    }
    co_return co_await c_.WaitReadable(timeout);
  }
  asio::awaitable<absl::Status> Read(bytes::ByteBuffer& buf, size_t max,
                                     absl::Duration timeout) override {
    if (!leftover_.empty()) {
      const size_t n = std::min(max, leftover_.size());
      buf.Append(std::string_view(leftover_).substr(0, n));
      leftover_.erase(0, n);
      co_return absl::OkStatus();
    }
    co_return co_await c_.Read(buf, max, timeout);
  }
  asio::awaitable<absl::Status> Write(std::span<const std::string_view> parts,
                                      absl::Duration timeout) override {
    return c_.Write(parts, timeout);
  }
  void Close() override { c_.Close(); }
  bool shutting_down() const override { return false; }
  asio::any_io_executor executor() const override { return c_.get_executor(); }

 private:
  client::DialedConn& c_;
  std::string leftover_;
};

absl::Status Refused(std::string_view why) {
  return absl::PermissionDeniedError(
      absl::StrCat("websocket handshake: ", bytes::ToAbsl(why)));
}

}  // namespace

Client::~Client() = default;

std::unique_ptr<Client> Client::Make(std::unique_ptr<client::DialedConn> dialed,
                                     std::string leftover,
                                     const Options& options,
                                     std::string subprotocol,
                                     std::optional<DeflateParams> deflate) {
  std::unique_ptr<Client> c(new Client());
  c->dialed_ = std::move(dialed);
  c->transport_ =
      std::make_unique<DialedTransport>(*c->dialed_, std::move(leftover));
  c->conn_ =
      std::make_unique<Conn>(*c->transport_, options, Conn::Role::kClient,
                             std::move(subprotocol), deflate);
  return c;
}

// gcc 12 flags this coroutine's frame deallocation as mismatched with its
// allocation (-Wmismatched-new-delete): a false positive on Asio's frame
// operators, which pair (the sanitizers run this code in client_test).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<absl::StatusOr<std::unique_ptr<Client>>> Dial(
    asio::io_context& io, std::string_view url, const Options& options,
    const DialOptions& dial) {
  http::URI uri;
  if (uri.Parse(url) != http::ParseError::kNone || uri.host().empty()) {
    co_return absl::InvalidArgumentError(
        absl::StrCat("websocket: bad URL ", bytes::ToAbsl(url)));
  }
  const bool secure = bytes::EqualsIgnoreCase(uri.scheme(), "wss");
  if (!secure && !bytes::EqualsIgnoreCase(uri.scheme(), "ws")) {
    co_return absl::InvalidArgumentError(absl::StrCat(
        "websocket: not a ws:// or wss:// URL: ", bytes::ToAbsl(url)));
  }
  if (secure && dial.tls == nullptr) {
    co_return absl::FailedPreconditionError(
        "websocket: wss:// needs DialOptions::tls");
  }
  uint16_t port = secure ? 443 : 80;
  if (!uri.port().empty()) {
    http::HostPort hp;
    if (!http::SplitHostPort(uri.host(), hp) || hp.port_number == 0) {
      co_return absl::InvalidArgumentError("websocket: bad port");
    }
    port = hp.port_number;
  }
  std::string target(uri.path_original().empty() ? "/" : uri.path_original());
  if (!uri.query_string().empty()) {
    target += "?";
    target += uri.query_string();
  }

  // The request, every part checked as brisk checks what it writes.
  unsigned char raw_key[16];
  if (RAND_bytes(raw_key, sizeof(raw_key)) != 1) {
    co_return absl::InternalError("websocket: no random bytes for the key");
  }
  const std::string key = absl::Base64Escape(
      absl::string_view(reinterpret_cast<const char*>(raw_key), 16));
  http::RequestHeader req;
  req.SetMethod("GET");
  req.SetRequestUri(target);
  req.Set("Host", uri.host());
  req.Set("Upgrade", "websocket");
  req.Set("Connection", "Upgrade");
  req.Set("Sec-WebSocket-Key", key);
  req.Set("Sec-WebSocket-Version", "13");
  std::string protocols;
  for (const std::string& p : options.subprotocols) {
    protocols += protocols.empty() ? p : ", " + p;
  }
  if (!protocols.empty()) {
    req.Set("Sec-WebSocket-Protocol", protocols);
  }
  if (options.deflate.enabled) {
    req.Set("Sec-WebSocket-Extensions",
            DeflateOffer(options.deflate.context_takeover));
  }
  if (!dial.origin.empty()) {
    req.Set("Origin", dial.origin);
  }
  for (const auto& [name, value] : dial.headers) {
    req.Add(name, value);
  }
  bytes::ByteBuffer out;
  if (req.AppendTo(out) != http::WireError::kNone) {
    co_return absl::InvalidArgumentError(
        "websocket: the handshake request has a part that cannot be sent");
  }

  const absl::Time deadline = absl::Now() + dial.timeout;
  // (No ?: inside a co_await's operands: gcc 12 destroys its temporary
  // twice.)
  std::shared_ptr<const tls::Context> tls;
  if (secure) {
    tls = dial.tls;
  }
  absl::StatusOr<std::unique_ptr<client::DialedConn>> dialed =
      co_await client::DialedConn::Dial(io, std::string(uri.hostname()), port,
                                        std::move(tls), dial.timeout);
  if (!dialed.ok()) {
    co_return dialed.status();
  }
  client::DialedConn& c = **dialed;
  const std::string_view request = out.view();
  absl::Status st = co_await c.Write({&request, 1}, dial.timeout);
  if (!st.ok()) {
    co_return st;
  }
  // The answer's header, within what is left of the timeout.
  bytes::ByteBuffer in;
  http::ResponseHeader resp;
  http::ParseResult pr;
  for (;;) {
    pr = resp.Parse(in.view());
    if (!pr.incomplete()) {
      break;
    }
    st = co_await c.Read(
        in, 4096, std::max(deadline - absl::Now(), absl::ZeroDuration()));
    if (!st.ok()) {
      co_return st;
    }
  }
  if (pr.failed()) {
    co_return Refused("the answer is not HTTP");
  }
  if (resp.status_code() != 101) {
    co_return Refused(absl::StrCat("status ", resp.status_code(), " ",
                                   bytes::ToAbsl(resp.reason())));
  }
  const http::HeaderFields& f = resp.fields();
  if (!FieldHasToken(f, "upgrade", "websocket") ||
      !FieldHasToken(f, "connection", "upgrade")) {
    co_return Refused("no Upgrade: websocket and Connection: upgrade");
  }
  if (f.Peek("sec-websocket-accept") != AcceptKey(key)) {
    co_return Refused("wrong Sec-WebSocket-Accept");
  }
  std::string subprotocol(f.Peek("sec-websocket-protocol"));
  if (!subprotocol.empty() &&
      std::find(options.subprotocols.begin(), options.subprotocols.end(),
                subprotocol) == options.subprotocols.end()) {
    co_return Refused("a subprotocol that was not offered");
  }
  std::optional<DeflateParams> deflate;
  if (const std::string_view ext = f.Peek("sec-websocket-extensions");
      !ext.empty()) {
    DeflateParams p;
    if (!options.deflate.enabled || !AcceptDeflateAnswer(ext, p)) {
      co_return Refused("an extension that was not offered");
    }
    if (!options.deflate.context_takeover) {
      p.client_no_context_takeover = true;  // as offered
    }
    deflate = p;
  }
  co_return Client::Make(std::move(*dialed),
                         std::string(in.view().substr(pr.consumed)), options,
                         std::move(subprotocol), deflate);
}

#pragma GCC diagnostic pop

asio::awaitable<absl::StatusOr<std::unique_ptr<Client>>> Dial(
    asio::io_context& io, std::string_view url, const Options& options) {
  const DialOptions defaults;  // in this frame while the dial runs
  co_return co_await Dial(io, url, options, defaults);
}

}  // namespace brisk::websocket
