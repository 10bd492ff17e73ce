// brisk's clients over HTTPS against brisk's server: keep-alive over one
// handshake, session resumption, verification failures told apart, mutual
// TLS, the idle connection the server closes with close_notify, every
// byte of the server's records arriving alone (a relay), PipelineClient,
// LBClient, and Client's https:// URLs with redirects that may go
// http->https but never back.

#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "client/client.h"
#include "client/errors.h"
#include "client/host_client.h"
#include "client/lb_client.h"
#include "client/pipeline_client.h"
#include "http/message.h"
#include "server/server.h"
#include "server/server_test_util.h"
#include "testing/fake_server.h"
#include "testing/raw_conn.h"
#include "testing/tls_certs.h"
#include "tls/context.h"

namespace brisk {
namespace {

using client::ErrorKind;
using client::KindOf;
using client::Phase;
using client::PhaseOf;

const testing::TestPki& Pki() {
  return testing::SharedTestPki();
}

std::shared_ptr<const tls::Context> ClientTls(tls::ClientConfig config = {}) {
  if (config.ca_pem.empty() && !config.insecure_skip_verify) {
    config.ca_pem = Pki().ca;
  }
  auto c = tls::Context::MakeClient(config);
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

// Answers what the handshake settled, the target and the body.
void TlsInfo(server::RequestCtx& ctx) {
  const tls::ConnectionInfo* t = ctx.tls();
  if (t == nullptr) {
    ctx.SetBody("cleartext");
    return;
  }
  ctx.SetBody(absl::StrCat(t->version, " ", t->alpn, " sni=", t->server_name,
                           " peer=", t->peer_subject, " ",
                           std::string(ctx.request().header().request_uri()),
                           " body=", std::string(ctx.request().body())));
}

server::ServerOptions TlsServer(
    std::shared_ptr<const tls::Context> t = server::TestServerTls()) {
  server::ServerOptions o;
  o.threads = 1;
  o.tls = std::move(t);
  o.logger = [](std::string_view) {};
  return o;
}

client::HostClientOptions To(uint16_t port,
                             std::shared_ptr<const tls::Context> t) {
  client::HostClientOptions o;
  o.addrs = {absl::StrCat("localhost:", port)};
  o.tls = std::move(t);
  return o;
}

http::Request Get(std::string_view target) {
  http::Request req;
  req.header().SetMethod("GET");
  req.header().SetRequestUri(target);
  return req;
}

TEST(HttpsTest, KeepAliveOverOneHandshakeThenAResumedOne) {
  for (int version : {0x0304, 0x0303}) {
    server::TestServer srv(TlsServer(), TlsInfo);
    client::HostClient hc(To(srv.port(), ClientTls({.max_version = version})));
    ASSERT_TRUE(hc.status().ok()) << hc.status();
    http::Response resp;
    for (int i = 0; i < 20; ++i) {
      http::Request req = Get(absl::StrCat("/r", i));
      ASSERT_TRUE(hc.Do(req, resp).ok());
      EXPECT_EQ(resp.body(),
                absl::StrCat(version == 0x0304 ? "TLSv1.3" : "TLSv1.2",
                             " http/1.1 sni=localhost peer= /r", i, " body="));
    }
    EXPECT_EQ(hc.stats().dials, 1u);
    EXPECT_EQ(hc.stats().tls_handshakes, 1u);
    EXPECT_EQ(hc.stats().tls_resumed, 0u);
    // The server ends the connection; the next one resumes the session.
    http::Request last = Get("/last");
    last.header().Set("Connection", "close");
    ASSERT_TRUE(hc.Do(last, resp).ok());
    http::Request again = Get("/again");
    ASSERT_TRUE(hc.Do(again, resp).ok());
    EXPECT_EQ(hc.stats().dials, 2u);
    EXPECT_EQ(hc.stats().tls_handshakes, 2u);
    EXPECT_EQ(hc.stats().tls_resumed, 1u) << version;
    EXPECT_EQ(srv.server().stats().tls_handshakes, 2u);
    EXPECT_EQ(srv.server().stats().tls_resumed, 1u);
  }
}

TEST(HttpsTest, VerificationFailuresAreTypedWithTheReason) {
  struct Case {
    const testing::PemPair* cert;
    const char* reason;
  } cases[] = {
      {&Pki().expired, "certificate has expired"},
      {&Pki().not_yet_valid, "certificate is not yet valid"},
      {&Pki().other_host, "hostname mismatch"},
      {&Pki().self_signed, "self-signed certificate"},
  };
  for (const Case& c : cases) {
    server::TestServer srv(TlsServer(server::TestServerTls(*c.cert)), TlsInfo);
    client::HostClient hc(To(srv.port(), ClientTls()));
    http::Request req = Get("/");
    http::Response resp;
    absl::Status s = hc.Do(req, resp);
    EXPECT_EQ(KindOf(s), ErrorKind::kTlsVerification) << s;
    EXPECT_EQ(PhaseOf(s), Phase::kHandshake) << s;
    EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated);
    EXPECT_NE(s.message().find(c.reason), absl::string_view::npos) << s;
    EXPECT_TRUE(client::IsTls(s));
    EXPECT_EQ(hc.stats().open_conns, 0u);
    // Named for what it does, the insecure switch goes on regardless.
    client::HostClient insecure(
        To(srv.port(), ClientTls({.insecure_skip_verify = true})));
    http::Request again = Get("/x");
    EXPECT_TRUE(insecure.Do(again, resp).ok());
  }
  // A good certificate from a CA the client does not trust.
  server::TestServer srv(TlsServer(), TlsInfo);
  client::HostClient hc(
      To(srv.port(), ClientTls({.ca_pem = Pki().self_signed.cert})));
  http::Request req = Get("/");
  http::Response resp;
  absl::Status s = hc.Do(req, resp);
  EXPECT_EQ(KindOf(s), ErrorKind::kTlsVerification) << s;
  EXPECT_NE(s.message().find("unable to get local issuer certificate"),
            absl::string_view::npos)
      << s;
}

TEST(HttpsTest, MutualTlsWithoutACertificateIsAnAlert) {
  server::TestServer srv(
      TlsServer(server::TestServerTls(Pki().server, Pki().ca)), TlsInfo);
  client::HostClient without(To(srv.port(), ClientTls()));
  http::Request req = Get("/");
  http::Response resp;
  absl::Status s = without.Do(req, resp);
  EXPECT_EQ(KindOf(s), ErrorKind::kTlsAlert) << s;
  EXPECT_NE(s.message().find("alert"), absl::string_view::npos) << s;

  client::HostClient with(
      To(srv.port(), ClientTls({.cert_chain_pem = Pki().client.cert,
                                .key_pem = Pki().client.key})));
  http::Request ok = Get("/me");
  ASSERT_TRUE(with.Do(ok, resp).ok());
  EXPECT_NE(resp.body().find("peer=/CN=brisk test client"), std::string::npos)
      << resp.body();
}

TEST(HttpsTest, TlsToACleartextServerFailsTheHandshake) {
  server::TestServer srv({.threads = 1}, TlsInfo);
  client::HostClient hc(To(srv.port(), ClientTls()));
  http::Request req = Get("/");
  http::Response resp;
  absl::Status s = hc.Do(req, resp);
  EXPECT_EQ(KindOf(s), ErrorKind::kTlsHandshake) << s;
  EXPECT_EQ(PhaseOf(s), Phase::kHandshake);

  client::HostClientOptions bad = To(srv.port(), server::TestServerTls());
  client::HostClient refused(bad);
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status()));
}

// The server closes an idle connection (with close_notify): the client
// sees it while idle and never sends a request into it.
TEST(HttpsTest, IdleConnectionTheServerClosedIsNotReused) {
  server::ServerOptions o = TlsServer();
  o.idle_timeout = absl::Milliseconds(200);
  server::TestServer srv(o, TlsInfo);
  // The server announces timeout=1 (whole seconds): without a margin the
  // client keeps the connection past the server's 200 ms.
  client::HostClientOptions co = To(srv.port(), ClientTls());
  co.keep_alive_margin = absl::ZeroDuration();
  client::HostClient hc(co);
  http::Response resp;
  http::Request a = Get("/a");
  ASSERT_TRUE(hc.Do(a, resp).ok());
  for (int i = 0; i < 100 && hc.stats().evicted_by_server == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(hc.stats().evicted_by_server, 1u);
  http::Request b = Get("/b");
  ASSERT_TRUE(hc.Do(b, resp).ok());
  EXPECT_EQ(hc.stats().retries, 0u);
  EXPECT_EQ(hc.stats().dials, 2u);
  EXPECT_EQ(hc.stats().tls_resumed, 1u);
}

// A TCP relay that passes the client's bytes as they come and the
// server's one byte per write: every TLS record reaches the client split
// at every offset.
void RelayBytewise(testing::RawConn& down, uint16_t upstream) {
  testing::RawConn up;
  if (!up.Connect(upstream)) {
    return;
  }
  char buf[16384];
  for (;;) {
    pollfd fds[2] = {{down.fd(), POLLIN, 0}, {up.fd(), POLLIN, 0}};
    if (poll(fds, 2, 10000) <= 0) {
      return;  // bounded: nothing for 10 s
    }
    if (fds[0].revents != 0) {
      const ssize_t n = recv(down.fd(), buf, sizeof(buf), 0);
      if (n <= 0 || !up.Send({buf, static_cast<size_t>(n)})) {
        return;
      }
    }
    if (fds[1].revents != 0) {
      const ssize_t n = recv(up.fd(), buf, sizeof(buf), 0);
      if (n <= 0) {
        return;
      }
      for (ssize_t i = 0; i < n; ++i) {
        if (!down.Send({buf + i, 1})) {
          return;
        }
      }
    }
  }
}

TEST(HttpsTest, EveryRecordSplitAtEveryByteGivesTheSameResponses) {
  server::TestServer srv(TlsServer(), [](server::RequestCtx& ctx) {
    const std::string_view uri = ctx.request().header().request_uri();
    ctx.SetBody(std::string(uri == "/big" ? 40000 : 10, 'x'));
  });
  testing::FakeServer relay(
      [&](testing::RawConn& down, int) { RelayBytewise(down, srv.port()); });
  client::HostClient hc(To(relay.port(), ClientTls()));
  http::Response resp;
  for (const char* target : {"/small", "/big", "/small", "/big"}) {
    http::Request req = Get(target);
    absl::Status s = hc.DoTimeout(req, resp, absl::Seconds(20));
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_EQ(resp.body().size(),
              std::string_view(target) == "/big" ? 40000u : 10u);
  }
  EXPECT_EQ(hc.stats().dials, 1u);
}

TEST(HttpsTest, PipelineClientInOrderOverOneConnection) {
  server::TestServer srv(TlsServer(), TlsInfo);
  client::PipelineClientOptions o;
  o.addr = absl::StrCat("localhost:", srv.port());
  o.tls = ClientTls();
  client::PipelineClient pc(o);
  ASSERT_TRUE(pc.status().ok());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      http::Response resp;
      for (int i = 0; i < 100; ++i) {
        const std::string path = absl::StrCat("/", t, "/", i);
        http::Request req = Get(path);
        absl::Status s = pc.DoTimeout(req, resp, absl::Seconds(10));
        EXPECT_TRUE(s.ok()) << s;
        ok += s.ok() && resp.body().find(" " + path + " ") != std::string::npos;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 400);
  EXPECT_EQ(srv.server().stats().accepted, 1u);

  client::PipelineClientOptions wrong = o;
  wrong.tls = ClientTls({.ca_pem = Pki().self_signed.cert});
  client::PipelineClient untrusting(wrong);
  http::Request req = Get("/");
  http::Response resp;
  EXPECT_EQ(KindOf(untrusting.DoTimeout(req, resp, absl::Seconds(10))),
            ErrorKind::kTlsVerification);
}

TEST(HttpsTest, LBClientOverTls) {
  server::TestServer a(TlsServer(), TlsInfo);
  server::TestServer b(TlsServer(), TlsInfo);
  client::LBClientOptions o;
  o.addrs = {absl::StrCat("localhost:", a.port()),
             absl::StrCat("localhost:", b.port())};
  o.host.tls = ClientTls();
  client::LBClient lb(o);
  http::Response resp;
  for (int i = 0; i < 10; ++i) {
    http::Request req = Get("/lb");
    ASSERT_TRUE(lb.Do(req, resp).ok());
    EXPECT_NE(resp.body().find("TLSv1.3"), std::string::npos);
  }
  EXPECT_GT(a.server().stats().tls_handshakes, 0u);
  EXPECT_GT(b.server().stats().tls_handshakes, 0u);
}

TEST(HttpsTest, ClientFollowsHttpToHttpsButNeverBack) {
  server::TestServer secure(TlsServer(), [](server::RequestCtx& ctx) {
    if (ctx.request().header().request_uri() == "/down") {
      ctx.SetStatusCode(302);
      ctx.response().header().Set("Location", "http://127.0.0.1:1/plain");
      return;
    }
    TlsInfo(ctx);
  });
  const std::string secure_url =
      absl::StrCat("https://localhost:", secure.port());
  server::TestServer plain({.threads = 1}, [&](server::RequestCtx& ctx) {
    ctx.SetStatusCode(301);
    ctx.response().header().Set("Location", secure_url + "/up");
  });
  client::ClientOptions o;
  o.host.tls = ClientTls();
  client::Client c(o);
  http::Response resp;
  ASSERT_TRUE(
      c.Get(absl::StrCat("http://127.0.0.1:", plain.port(), "/start"), resp)
          .ok());
  EXPECT_EQ(resp.body(), "TLSv1.3 http/1.1 sni=localhost peer= /up body=");
  absl::Status down = c.Get(secure_url + "/down", resp);
  EXPECT_EQ(KindOf(down), ErrorKind::kInvalidRequest) << down;
  EXPECT_NE(down.message().find("https to http"), absl::string_view::npos);
  // One HostClient per scheme and host: two for the two servers.
  EXPECT_EQ(c.hosts(), 2u);
}

TEST(HttpsTest, ClientUsesTheSystemStoreByDefault) {
  // A certificate from the test CA is not trusted by the system.
  server::TestServer srv(TlsServer(), TlsInfo);
  client::Client c;
  http::Response resp;
  absl::Status s =
      c.Get(absl::StrCat("https://localhost:", srv.port(), "/"), resp);
  EXPECT_EQ(KindOf(s), ErrorKind::kTlsVerification) << s;
}

}  // namespace
}  // namespace brisk
