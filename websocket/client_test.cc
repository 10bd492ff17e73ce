// brisk's WebSocket client (websocket::Dial) against a real peer, Python's
// websockets as the server (websocket/testdata/python_server.py): echo of
// every kind and size with and without permessage-deflate, the server's
// close code, the client's close seen by the server, subprotocols, the
// server's ping; and the client's refusals (bad URLs, wss:// without TLS,
// nothing listening, an answer that is not a 101).

#include "websocket/client.h"

#include <signal.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/io_context.hpp"
#include "gtest/gtest.h"

#include "server/server_test_util.h"
#include "testing/fake_server.h"
#include "testing/raw_conn.h"
#include "testing/subprocess.h"
#include "testing/tls_certs.h"
#include "tls/context.h"
#include "websocket/handshake.h"
#include "websocket/test_util.h"

// gcc 12 reports some of these coroutines' frames as freed by a
// mismatched operator (-Wmismatched-new-delete): a false positive on
// Asio's frame operators, which pair — this test runs clean under
// --config=asan. (websocket/client.cc says the same for Dial.)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace brisk::websocket {
namespace {

namespace asio = boost::asio;

// A peer server process (Python's, gorilla's), started for the test and
// ended (by its PID) after it; it prints "listening on HOST:PORT".
class PeerServer {
 public:
  PeerServer(const std::string& name, const std::string& command) {
    out_ = ::testing::TempDir() + "/" + name + ".out";
    const testing::CommandResult r = testing::RunCommand(absl::StrCat(
        "(timeout 120 ", command, " > ", out_, " 2>&1 & echo $!)"));
    pid_ = std::atoi(r.out.c_str());
    for (int i = 0; i < 400 && port_ == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
      const std::string o = Output();
      const size_t p = o.find("listening on ");
      const size_t colon = o.find(':', p);
      if (p != std::string::npos && colon != std::string::npos &&
          o.find('\n', colon) != std::string::npos) {
        port_ = std::atoi(o.c_str() + colon + 1);
      }
    }
  }
  ~PeerServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
    }
  }
  int port() const { return port_; }
  std::string Output() const {
    std::ifstream f(out_);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }
  // Waits (bounded) until the output holds `needle`.
  bool Saw(std::string_view needle) const {
    for (int i = 0; i < 200; ++i) {
      if (Output().find(needle) != std::string::npos) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  }

 private:
  std::string out_;
  int pid_ = 0;
  int port_ = 0;
};

// Python's server; `args` are python_server.py's (--tls CERT KEY).
PeerServer PythonServer(const std::string& args = "") {
  return PeerServer(
      "python_server",
      "/usr/bin/python3 websocket/testdata/python_server.py " + args);
}

// Runs `body` as a coroutine on a fresh io_context until it ends.
template <typename F>
void RunCoroutine(F body) {
  asio::io_context io(1);
  asio::co_spawn(io, body(io), asio::detached);
  io.run();
}

std::string Url(int port, std::string_view path) {
  return absl::StrCat("ws://127.0.0.1:", port) + std::string(path);
}

// Every kind and size of message through an echo server at `url`, then a
// close with 1000 "client bye"; "" or what went wrong.
std::string EchoEveryKind(const std::string& url, bool deflate) {
  static const Options plain;
  static const Options compressed{.deflate = {.enabled = true}};
  const Options& options = deflate ? compressed : plain;
  // (Made outside the coroutine: gcc 12 frees a braced list of strings
  // inside one twice.)
  std::vector<std::string> sent = {"hello", "", "κόσμε ✓",
                                   std::string(500'000, 'z')};
  for (size_t n : {1u, 125u, 126u, 127u, 65535u, 65536u}) {
    std::string m;
    for (size_t i = 0; i < n; ++i) {
      m += static_cast<char>(i * 31);
    }
    sent.push_back(m);
  }
  std::string failure = "did not run";
  RunCoroutine([&](asio::io_context& io) -> server::Task {
    absl::StatusOr<std::unique_ptr<Client>> c = co_await Dial(io, url, options);
    if (!c.ok()) {
      failure = c.status().ToString();
      co_return;
    }
    Conn& conn = (*c)->conn();
    if (conn.compressed() != deflate) {
      failure = "compression not as offered";
      co_return;
    }
    for (size_t i = 0; i < sent.size(); ++i) {
      const MessageType type =
          i < 3 ? MessageType::kText : MessageType::kBinary;
      absl::Status w = co_await conn.Write(sent[i], type);
      absl::StatusOr<Message> m = co_await conn.Read();
      if (!w.ok() || !m.ok() || m->data != sent[i] || m->type != type) {
        failure = absl::StrCat("message ", i, ": ", w.ToString(), " ",
                               m.status().ToString());
        co_return;
      }
    }
    absl::Status closed = co_await conn.Close(kCloseNormal, "client bye");
    failure = closed.ok() ? "" : closed.ToString();
  });
  return failure;
}

TEST(ClientTest, EchoOfEveryKindWithAndWithoutDeflate) {
  PeerServer py = PythonServer();
  ASSERT_GT(py.port(), 0) << py.Output();
  for (bool deflate : {false, true}) {
    EXPECT_EQ(EchoEveryKind(Url(py.port(), "/echo"), deflate), "")
        << (deflate ? "deflate" : "plain");
  }
  EXPECT_TRUE(py.Saw("closed /echo 1000 client bye")) << py.Output();
}

// Go's gorilla/websocket as the server (built offline with Debian's Go),
// with and without compression.
TEST(ClientTest, GorillaServer) {
  std::string log;
  const std::string bin =
      BuildGoProgram("websocket/testdata/gorilla_server.go", &log);
  ASSERT_FALSE(bin.empty()) << log;
  PeerServer go("gorilla_server", bin + " -addr=127.0.0.1:0 -deflate -level=6");
  ASSERT_GT(go.port(), 0) << go.Output();
  for (bool deflate : {false, true}) {
    EXPECT_EQ(EchoEveryKind(Url(go.port(), "/ws"), deflate), "")
        << (deflate ? "deflate" : "plain");
  }
}

TEST(ClientTest, ServerCloseSubprotocolAndPing) {
  PeerServer py = PythonServer();
  ASSERT_GT(py.port(), 0) << py.Output();
  static const Options superchat{.subprotocols = {"superchat"}};
  std::string failure = "did not run";
  RunCoroutine([&](asio::io_context& io) -> server::Task {
    // The server's close: its code and reason, and Read's OutOfRange.
    absl::StatusOr<std::unique_ptr<Client>> c =
        co_await Dial(io, Url(py.port(), "/close"), Options{});
    if (!c.ok()) {
      failure = c.status().ToString();
      co_return;
    }
    absl::Status w = co_await (*c)->conn().Write("bye?");
    absl::StatusOr<Message> m = co_await (*c)->conn().Read();
    if (!w.ok() || !absl::IsOutOfRange(m.status()) ||
        (*c)->conn().close_code() != 4001 ||
        (*c)->conn().close_reason() != "server bye") {
      failure = absl::StrCat("close: ", m.status().ToString(), " ",
                             (*c)->conn().close_code());
      co_return;
    }
    // The subprotocol the server chose among those offered.
    c = co_await Dial(io, Url(py.port(), "/chat"), superchat);
    if (!c.ok() || (*c)->conn().subprotocol() != "superchat") {
      failure = "subprotocol";
      co_return;
    }
    w = co_await (*c)->conn().Write("hi");
    m = co_await (*c)->conn().Read();
    if (!m.ok() || m->data != "superchat:hi") {
      failure = absl::StrCat("chat: ", m.status().ToString());
      co_return;
    }
    // The server's ping is answered inside Read.
    c = co_await Dial(io, Url(py.port(), "/ping"), Options{});
    if (!c.ok()) {
      failure = c.status().ToString();
      co_return;
    }
    m = co_await (*c)->conn().Read();
    failure = m.ok() && m->data == "pong came" ? "" : m.status().ToString();
  });
  EXPECT_EQ(failure, "");
}

// wss://: TLS 1.3 to Python's ssl module, the certificate checked against
// the test CA for "localhost".
TEST(ClientTest, WssToPythonOverTls) {
  const testing::TestPki& pki = testing::SharedTestPki();
  const std::string dir = ::testing::TempDir();
  PeerServer py = PythonServer(absl::StrCat(
      "--tls ", testing::WritePem(dir, "server.pem", pki.server.cert), " ",
      testing::WritePem(dir, "server.key", pki.server.key)));
  ASSERT_GT(py.port(), 0) << py.Output();
  absl::StatusOr<std::shared_ptr<const tls::Context>> ctx =
      tls::Context::MakeClient({.ca_pem = pki.ca});
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  DialOptions dial;
  dial.tls = *ctx;
  const std::string url = absl::StrCat("wss://localhost:", py.port()) + "/echo";
  const std::string big(100'000, 'w');
  std::string failure = "did not run";
  RunCoroutine([&](asio::io_context& io) -> server::Task {
    absl::StatusOr<std::unique_ptr<Client>> c =
        co_await Dial(io, url, Options{}, dial);
    if (!c.ok()) {
      failure = c.status().ToString();
      co_return;
    }
    absl::Status w = co_await (*c)->conn().Write(big, MessageType::kBinary);
    absl::StatusOr<Message> m = co_await (*c)->conn().Read();
    if (!w.ok() || !m.ok() || m->data != big) {
      failure = absl::StrCat(w.ToString(), " ", m.status().ToString());
      co_return;
    }
    absl::Status closed = co_await (*c)->conn().Close();
    failure = closed.ok() ? "" : closed.ToString();
  });
  EXPECT_EQ(failure, "");
  EXPECT_TRUE(py.Saw("closed /echo 1000")) << py.Output();
}

// The server's 101 and the frames right behind it, split at every offset
// and one byte per write, reach the client whole: the bytes after the
// answer's header are the first frames, none lost or misread.
TEST(ClientTest, AnswerSplitAnywhere) {
  std::atomic<size_t> cut{0};  // 0: one byte per write
  std::atomic<size_t> reply_size{0};
  testing::FakeServer fake([&](testing::RawConn& c, int) {
    if (!c.ReadUntil("\r\n\r\n")) {
      return;
    }
    std::string lower = c.buffer();
    for (char& ch : lower) {
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    const size_t k = lower.find("sec-websocket-key: ");
    if (k == std::string::npos) {
      return;
    }
    const std::string reply =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
        AcceptKey(c.buffer().substr(k + 19, 24)) + "\r\n\r\n" +
        std::string(
            "\x81\x05"
            "hello"
            "\x82\x03"
            "abc",
            12);
    reply_size = reply.size();
    const size_t at = cut.load();
    if (at == 0) {
      for (char ch : reply) {
        (void)c.Send(std::string(1, ch));
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
    } else {
      (void)c.Send(reply.substr(0, at));
      std::this_thread::sleep_for(std::chrono::microseconds(300));
      (void)c.Send(reply.substr(at));
    }
    c.ReadUntilClose(std::chrono::milliseconds(2000));
  });
  const std::string url = Url(fake.port(), "/split");
  for (size_t at = 0;; ++at) {
    if (at > 0 && at >= reply_size.load()) {
      break;
    }
    cut = at;
    std::string failure = "did not run";
    RunCoroutine([&](asio::io_context& io) -> server::Task {
      absl::StatusOr<std::unique_ptr<Client>> c =
          co_await Dial(io, url, Options{});
      if (!c.ok()) {
        failure = c.status().ToString();
        co_return;
      }
      absl::StatusOr<Message> a = co_await (*c)->conn().Read();
      if (!a.ok() || a->data != "hello" || a->type != MessageType::kText) {
        failure = absl::StrCat("first: ", a.status().ToString());
        co_return;
      }
      absl::StatusOr<Message> b = co_await (*c)->conn().Read();
      failure = b.ok() && b->data == "abc" && b->type == MessageType::kBinary
                    ? ""
                    : absl::StrCat("second: ", b.status().ToString());
    });
    ASSERT_EQ(failure, "") << "split at " << at;
  }
  EXPECT_GT(reply_size.load(), 100u);
}

TEST(ClientTest, Refusals) {
  // A brisk server that does not upgrade.
  server::TestServer ts({}, [](server::RequestCtx& ctx) { ctx.SetBody("no"); });
  const std::vector<std::string> urls = {
      "http://127.0.0.1/", "ws://", "wss://127.0.0.1:1/",
      absl::StrCat("ws://127.0.0.1:", ts.port(), "/"), "ws://127.0.0.1:1/"};
  std::vector<absl::Status> got;
  RunCoroutine([&](asio::io_context& io) -> server::Task {
    const Options o;
    for (const std::string& url : urls) {
      absl::StatusOr<std::unique_ptr<Client>> c = co_await Dial(io, url, o);
      got.push_back(c.status());
    }
  });
  ASSERT_EQ(got.size(), 5u);
  EXPECT_TRUE(absl::IsInvalidArgument(got[0])) << got[0];
  EXPECT_TRUE(absl::IsInvalidArgument(got[1])) << got[1];
  EXPECT_TRUE(absl::IsFailedPrecondition(got[2])) << got[2];
  EXPECT_TRUE(absl::IsPermissionDenied(got[3])) << got[3];
  EXPECT_NE(got[3].message().find("status 200"), std::string::npos) << got[3];
  EXPECT_TRUE(absl::IsUnavailable(got[4])) << got[4];
}

}  // namespace
}  // namespace brisk::websocket
