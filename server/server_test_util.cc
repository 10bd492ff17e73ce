#include "server/server_test_util.h"

#include <chrono>
#include <fstream>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

#include "bytes/byte_buffer.h"
#include "bytes/conv.h"

namespace brisk::server {
namespace {

// The value of a "Name:   N kB" line of /proc/self/status, in bytes.
uint64_t StatusKib(std::string_view name) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(name, 0) == 0) {
      return std::stoull(line.substr(name.size())) * 1024;
    }
  }
  return 0;
}

}  // namespace

namespace {

void SetDescription(RequestCtx& ctx, std::string_view body) {
  const http::Request& req = ctx.request();
  std::string d(req.header().method());
  d += " ";
  d += req.header().request_uri();
  d += " [" + std::to_string(body.size()) + "] ";
  d += body;
  ctx.SetBody(d);
}

}  // namespace

void Describe(RequestCtx& ctx) {
  SetDescription(ctx, ctx.request().body());
}

boost::asio::awaitable<absl::StatusOr<std::string>> ReadWholeBody(
    RequestCtx& ctx) {
  std::string body;
  for (;;) {
    absl::StatusOr<std::string_view> piece = co_await ctx.ReadBodyPiece();
    if (!piece.ok()) {
      co_return piece.status();
    }
    if (piece->empty()) {
      co_return body;
    }
    body.append(*piece);
  }
}

Task DescribeStreamed(RequestCtx& ctx) {
  absl::StatusOr<std::string> body = co_await ReadWholeBody(ctx);
  if (!body.ok()) {
    ctx.Error(400, body.status().ToString());
    co_return;
  }
  SetDescription(ctx, *body);
}

void Seen::Set(absl::Status s) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!set_) {
    set_ = true;
    // A copy of its own: the loop thread may drop the last reference to a
    // shared one after the test thread read it, and TSan cannot see the
    // reference count of Debian's (uninstrumented) abseil, so it reports a
    // race that is not one.
    promise_.set_value(absl::Status(s.code(), std::string(s.message())));
  }
}

absl::Status Seen::Get() {
  auto f = promise_.get_future();
  if (f.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    return absl::DeadlineExceededError("the handler never got there");
  }
  return f.get();
}

Task EchoUntilQuit(Hijacked& conn) {
  std::string seen;
  bytes::ByteBuffer buf;
  for (;;) {
    buf.Reset();
    absl::Status r = co_await conn.Read(buf, 7);
    if (!r.ok()) {
      const std::string tail =
          absl::StrCat("<", absl::StatusCodeToString(r.code()), ">");
      absl::Status w = co_await conn.Write(tail);
      (void)w;
      co_return;
    }
    absl::Status w = co_await conn.Write(buf.view());
    if (!w.ok()) {
      co_return;
    }
    seen += buf.view();
    if (seen.find("QUIT") != std::string::npos) {
      w = co_await conn.Write("<bye>");
      co_return;
    }
  }
}

void DescribeOrHijack(RequestCtx& ctx) {
  const std::string_view path = ctx.request().header().request_uri();
  if (path != "/up" && path != "/take") {
    Describe(ctx);
    return;
  }
  if (path == "/up") {
    ctx.SetStatusCode(101);
    ctx.response().header().Set("Upgrade", "echo");
  } else {
    ctx.SetBody("taken");
  }
  if (absl::Status s = ctx.Hijack(EchoUntilQuit); !s.ok()) {
    ctx.Error(500, s.ToString());
  }
}

uint64_t ProcessRss() {
  return StatusKib("VmRSS:");
}
uint64_t PeakRss() {
  return StatusKib("VmHWM:");
}
void ResetPeakRss() {
  std::ofstream("/proc/self/clear_refs") << "5";
}

std::string Reply::Header(std::string_view name) const {
  size_t line = head.find("\r\n");
  while (line != std::string::npos && line + 2 < head.size()) {
    size_t start = line + 2;
    size_t end = head.find("\r\n", start);
    if (end == std::string::npos) {
      end = head.size();
    }
    std::string_view field(head.data() + start, end - start);
    size_t colon = field.find(':');
    if (colon != std::string_view::npos &&
        bytes::EqualsIgnoreCase(field.substr(0, colon), name)) {
      std::string_view v = field.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') {
        v.remove_prefix(1);
      }
      return std::string(v);
    }
    line = end;
  }
  return "";
}

bool Reply::Has(std::string_view name) const {
  std::string needle = "\r\n" + std::string(name) + ":";
  std::string lower_head = head;
  for (char& ch : lower_head) {
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  for (char& ch : needle) {
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return lower_head.find(needle) != std::string::npos;
}

Reply ReadReply(testing::RawConn& conn, bool head_request) {
  Reply r;
  for (;;) {
    http::Response resp;
    http::ParseResult pr = resp.Parse(conn.buffer(), head_request);
    if (pr.done()) {
      r.ok = true;
      r.status = resp.status_code();
      size_t head_end = conn.buffer().find("\r\n\r\n");
      r.head = conn.buffer().substr(0, head_end);
      r.body = std::string(resp.body());
      conn.Take(pr.consumed);
      return r;
    }
    if (pr.failed()) {
      ADD_FAILURE() << "malformed response: " << http::ToString(pr.error)
                    << "\n"
                    << conn.buffer();
      return r;
    }
    if (conn.ReadSome() <= 0) {
      return r;
    }
  }
}

Reply RoundTrip(uint16_t port, std::string_view request) {
  testing::RawConn conn;
  if (!conn.Connect(port) || !conn.Send(request)) {
    ADD_FAILURE() << "cannot reach 127.0.0.1:" << port;
    return {};
  }
  return ReadReply(conn);
}

TestServer::TestServer(ServerOptions options, Handler handler) {
  if (options.threads == 0) {
    options.threads = 1;
  }
  server_ = std::make_unique<Server>(std::move(options), std::move(handler));
  absl::Status s = server_->Listen("127.0.0.1:0");
  EXPECT_TRUE(s.ok()) << s;
  server_->Start();
}

TestServer::~TestServer() {
  server_->Shutdown(absl::Seconds(10));
}

testing::RawConn TestServer::Connect() {
  testing::RawConn c;
  EXPECT_TRUE(c.Connect(port()));
  return c;
}

std::shared_ptr<const tls::Context> TestServerTls(const testing::PemPair& pair,
                                                  std::string client_ca) {
  auto c = tls::Context::MakeServer({.cert_chain_pem = pair.cert,
                                     .key_pem = pair.key,
                                     .client_ca_pem = std::move(client_ca)});
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : nullptr;
}

}  // namespace brisk::server
