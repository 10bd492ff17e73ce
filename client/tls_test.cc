// HostClient over TLS against servers that are not brisk's: nginx (a real
// peer, started by the test on a free port), and scripted servers that end
// a body delimited by the connection's end with close_notify, with a bare
// FIN, or in the middle of a record.

#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "bytes/byte_buffer.h"
#include "client/client_test_util.h"
#include "client/errors.h"
#include "client/host_client.h"
#include "client/pipeline_client.h"
#include "http/message.h"
#include "testing/fake_server.h"
#include "testing/nginx.h"
#include "testing/raw_conn.h"
#include "testing/tls_certs.h"
#include "tls/context.h"
#include "tls/engine.h"

extern char** environ;

namespace brisk::client {
namespace {

const testing::TestPki& Pki() {
  return testing::SharedTestPki();
}

std::shared_ptr<const tls::Context> ServerTls() {
  auto c = tls::Context::MakeServer(
      {.cert_chain_pem = Pki().server.cert, .key_pem = Pki().server.key});
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

std::shared_ptr<const tls::Context> ClientTls() {
  auto c = tls::Context::MakeClient({.ca_pem = Pki().ca});
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

HostClientOptions To(uint16_t port) {
  HostClientOptions o;
  o.addrs = {absl::StrCat("localhost:", port)};
  o.tls = ClientTls();
  return o;
}

// The server's side of one TLS connection in a FakeServer script: an
// Engine over the raw socket, driven by the test.
class TlsPeer {
 public:
  explicit TlsPeer(testing::RawConn& c) : c_(c), e_(ServerTls()) {}

  // Reads until a whole request head arrived (and drops it); false at the
  // end, on an error or after 5 s without bytes.
  bool ReadRequest() {
    size_t end;
    while ((end = plain_.view().find("\r\n\r\n")) == std::string_view::npos) {
      if (!Pump()) {
        return false;
      }
    }
    plain_.DiscardPrefix(end + 4);
    return true;
  }
  // One read off the socket into the engine, and its answer (handshake,
  // key update) back; false at the end or on an error.
  bool Pump() {
    if (c_.ReadSome() <= 0 || !e_.Feed(c_.buffer()).ok()) {
      return false;
    }
    c_.buffer().clear();
    size_t n = 0;
    return e_.Read(plain_, n).ok() && Flush();
  }
  // Encrypts `data` into the pending output (sent by Flush).
  bool Write(std::string_view data) { return e_.Write(data).ok(); }
  bool Flush(size_t drop_last = 0) {
    bytes::ByteBuffer wire;
    e_.TakeOutput(wire);
    std::string_view out = wire.view();
    out.remove_suffix(std::min(drop_last, out.size()));
    return out.empty() || c_.Send(out);
  }
  tls::Engine& engine() { return e_; }

 private:
  testing::RawConn& c_;
  tls::Engine e_;
  bytes::ByteBuffer plain_;
};

constexpr std::string_view kHello =
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

// Answers one request with a body delimited by the end of the connection,
// then ends it as `how` says.
enum class End { kCloseNotify, kBareFin, kMidRecord };

void AnswerUntilClose(testing::RawConn& c, End how) {
  TlsPeer peer(c);
  if (!peer.ReadRequest() ||
      !peer.Write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
                  "the whole body")) {
    return;
  }
  if (how == End::kCloseNotify) {
    peer.engine().Close();
  }
  // kMidRecord: the record's last bytes never come.
  peer.Flush(how == End::kMidRecord ? 5 : 0);
  c.Close();  // FIN
}

TEST(HttpsTest, ABodyEndedWithoutCloseNotifyIsTruncated) {
  for (End how : {End::kCloseNotify, End::kBareFin, End::kMidRecord}) {
    testing::FakeServer s(
        [how](testing::RawConn& c, int) { AnswerUntilClose(c, how); });
    HostClient hc(To(s.port()));
    http::Request req = MakeGet("/");
    http::Response resp;
    absl::Status st = hc.DoTimeout(req, resp, absl::Seconds(10));
    if (how == End::kCloseNotify) {
      ASSERT_TRUE(st.ok()) << st;
      EXPECT_EQ(resp.body(), "the whole body");
    } else {
      EXPECT_EQ(KindOf(st), ErrorKind::kConnectionClosed)
          << static_cast<int>(how) << ": " << st;
    }
  }
  // The message says why.
  testing::FakeServer s(
      [](testing::RawConn& c, int) { AnswerUntilClose(c, End::kBareFin); });
  HostClient hc(To(s.port()));
  http::Request req = MakeGet("/");
  http::Response resp;
  absl::Status st = hc.DoTimeout(req, resp, absl::Seconds(10));
  EXPECT_NE(st.message().find("without close_notify"), absl::string_view::npos)
      << st;
}

// A response and the server's close_notify in one write: the connection is
// not put back in the pool; the next call dials without a failed attempt.
TEST(HttpsTest, CloseNotifyWithTheResponseRetiresTheConnection) {
  testing::FakeServer s([](testing::RawConn& c, int) {
    TlsPeer peer(c);
    if (peer.ReadRequest() && peer.Write(kHello)) {
      peer.engine().Close();
      peer.Flush();
    }
    while (c.ReadSome() > 0) {
    }
  });
  HostClient hc(To(s.port()));
  http::Response resp;
  for (int i = 0; i < 2; ++i) {
    http::Request req = MakeGet("/");
    ASSERT_TRUE(hc.DoTimeout(req, resp, absl::Seconds(10)).ok());
    EXPECT_EQ(resp.body(), "hello");
  }
  EXPECT_EQ(hc.stats().dials, 2u);
  EXPECT_EQ(hc.stats().retries, 0u);
}

// The server asks for new keys and waits for the client's before it
// answers: the client's key update must go out while it waits to read.
// And when the client closes an idle connection it says so (close_notify).
TEST(HttpsTest, KeyUpdateAnsweredWhileReadingAndCloseNotifyOnClose) {
  std::atomic<bool> answered{false};
  std::atomic<bool> goodbye{false};
  testing::FakeServer s([&](testing::RawConn& c, int) {
    TlsPeer peer(c);
    if (!peer.ReadRequest() || !peer.engine().UpdateKeys().ok() ||
        !peer.Flush()) {
      return;
    }
    // The client's KeyUpdate is a record with no data.
    if (!peer.Pump()) {
      return;
    }
    answered = true;
    if (!peer.Write(kHello) || !peer.Flush()) {
      return;
    }
    while (peer.Pump() && !peer.engine().peer_closed()) {
    }
    goodbye = peer.engine().peer_closed();
  });
  {
    HostClient hc(To(s.port()));
    http::Request req = MakeGet("/");
    http::Response resp;
    absl::Status st = hc.DoTimeout(req, resp, absl::Seconds(10));
    ASSERT_TRUE(st.ok()) << st;
    EXPECT_TRUE(answered.load());
  }  // closes the idle connection
  for (int i = 0; i < 100 && !goodbye; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(goodbye.load()) << "no close_notify from the client";
}

// A server that takes the connection and never answers the handshake: a
// PipelineClient call ends at its own deadline (kTimeout), not at the
// dial timeout.
TEST(HttpsTest, PipelineCallDeadlineHoldsDuringTheHandshake) {
  testing::FakeServer s([](testing::RawConn& c, int) {
    while (c.ReadSome() > 0) {
    }
  });
  PipelineClientOptions o;
  o.addr = absl::StrCat("localhost:", s.port());
  o.tls = ClientTls();
  o.dial_timeout = absl::Seconds(30);
  PipelineClient pc(o);
  http::Request req = MakeGet("/");
  http::Response resp;
  absl::Status st = pc.DoTimeout(req, resp, absl::Milliseconds(200));
  EXPECT_EQ(KindOf(st), ErrorKind::kTimeout) << st;
}

// nginx with TLS 1.2 and 1.3, a session cache, the test PKI's server
// certificate, and a 1 MiB file at /big.
std::string NginxTls(const std::string& dir, uint16_t port) {
  testing::WritePem(dir, "cert.pem", Pki().server.cert);
  testing::WritePem(dir, "key.pem", Pki().server.key);
  std::ofstream(dir + "/big") << std::string(1 << 20, 'n');
  return absl::StrCat(
      "  server {\n"
      "    listen 127.0.0.1:",
      port,
      " ssl;\n"
      "    ssl_protocols TLSv1.2 TLSv1.3;\n"
      "    ssl_session_cache shared:SSL:1m;\n"
      "    ssl_certificate ",
      dir,
      "/cert.pem;\n"
      "    ssl_certificate_key ",
      dir,
      "/key.pem;\n"
      "    location /big { alias ",
      dir,
      "/big; }\n"
      "    location / { default_type text/plain;\n"
      "      return 200 \"nginx $ssl_protocol $ssl_session_reused "
      "$ssl_server_name\"; }\n"
      "  }\n");
}

TEST(HttpsAgainstNginxTest, KeepAliveResumptionAndLargeBodies) {
  ASSERT_EQ(access("/usr/sbin/nginx", X_OK), 0)
      << "nginx is a test peer: ./bazelw installs nginx-light";
  testing::Nginx nginx(NginxTls);
  ASSERT_TRUE(nginx.ready()) << "nginx did not start";
  for (int version : {0x0304, 0x0303}) {
    HostClientOptions o = To(nginx.port());
    o.tls =
        *tls::Context::MakeClient({.ca_pem = Pki().ca, .max_version = version});
    HostClient hc(o);
    http::Response resp;
    const std::string proto = version == 0x0304 ? "TLSv1.3" : "TLSv1.2";
    for (int i = 0; i < 10; ++i) {
      http::Request req = MakeGet("/");
      absl::Status s = hc.DoTimeout(req, resp, absl::Seconds(10));
      ASSERT_TRUE(s.ok()) << s;
      EXPECT_EQ(resp.body(), absl::StrCat("nginx ", proto, " . localhost"));
    }
    http::Request big = MakeGet("/big");
    ASSERT_TRUE(hc.DoTimeout(big, resp, absl::Seconds(10)).ok());
    EXPECT_EQ(resp.body().size(), 1u << 20);
    EXPECT_EQ(resp.body().find_first_not_of('n'), std::string::npos);
    EXPECT_EQ(hc.stats().dials, 1u);
    // A new connection resumes the session.
    http::Request last = MakeGet("/");
    last.header().Set("Connection", "close");
    ASSERT_TRUE(hc.DoTimeout(last, resp, absl::Seconds(10)).ok());
    http::Request again = MakeGet("/");
    ASSERT_TRUE(hc.DoTimeout(again, resp, absl::Seconds(10)).ok());
    EXPECT_EQ(resp.body(), absl::StrCat("nginx ", proto, " r localhost"));
    EXPECT_EQ(hc.stats().tls_resumed, 1u) << proto;
  }
}

}  // namespace
}  // namespace brisk::client
