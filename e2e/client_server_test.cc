// brisk's client against brisk's server: the pairing most users run, and
// the one where the Keep-Alive hint must prevent reuse of closing
// connections.

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "client/client.h"
#include "client/host_client.h"
#include "client/pipeline_client.h"
#include "http/message.h"
#include "server/server.h"
#include "server/server_test_util.h"

namespace brisk {
namespace {

void Echo(server::RequestCtx& ctx) {
  ctx.SetContentType("text/plain");
  if (ctx.request().body().empty()) {
    ctx.SetBody(ctx.request().header().request_uri());
  } else {
    ctx.SetBody(ctx.request().body());
  }
}

std::string Addr(server::TestServer& ts) {
  return absl::StrCat("127.0.0.1:", ts.port());
}

TEST(ClientServerTest, ManyThreadsKeepAliveNoErrors) {
  server::TestServer r({.threads = 2}, Echo);
  client::HostClientOptions o;
  o.addrs = {Addr(r)};
  o.max_conns = 8;
  client::HostClient hc(o);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      http::Response resp;
      for (int i = 0; i < 200; ++i) {
        http::Request req;
        req.header().SetMethod("POST");
        req.header().SetRequestUri("/echo");
        std::string body = absl::StrCat(t, "-", i);
        req.SetBody(body);
        absl::Status s = hc.DoTimeout(req, resp, absl::Seconds(10));
        EXPECT_TRUE(s.ok()) << s;
        ok += s.ok() && resp.body() == body;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 1600);
  EXPECT_EQ(r.server().stats().requests, 1600u);
  EXPECT_LE(r.server().stats().accepted, 8u);
  EXPECT_EQ(hc.stats().retries, 0u);
}

// fasthttp's most reported client error: the server's idle timeout (here
// 2 s) is shorter than the client's (10 s), and the client reuses a
// connection the server just closed. brisk's server announces
// `Keep-Alive: timeout=2`; brisk's client retires the connection after
// 2 s minus its margin, so no request ever meets a closed connection.
TEST(ClientServerTest, ServerIdleTimeoutShorterThanClientsNeverBites) {
  server::TestServer r({.threads = 1, .idle_timeout = absl::Seconds(2)}, Echo);
  client::HostClientOptions o;
  o.addrs = {Addr(r)};
  o.max_idle_conn_duration = absl::Seconds(10);
  o.keep_alive_margin = absl::Milliseconds(500);
  client::HostClient hc(o);
  http::Response resp;
  for (int i = 0; i < 4; ++i) {
    http::Request req;
    req.header().SetMethod("GET");
    req.header().SetRequestUri("/tick");
    absl::Status s = hc.DoTimeout(req, resp, absl::Seconds(5));
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_EQ(resp.header().keep_alive_timeout(), 2);
    // 1.6 s: past the client's 1.5 s limit, before the server's 2 s.
    absl::SleepFor(absl::Milliseconds(1600));
  }
  EXPECT_EQ(hc.stats().retries, 0u) << "a closed connection was reused";
  EXPECT_EQ(hc.stats().dials, 4u);
}

TEST(ClientServerTest, PipelineClientAgainstTheServer) {
  server::TestServer r({.threads = 1}, Echo);
  client::PipelineClientOptions o;
  o.addr = Addr(r);
  client::PipelineClient pc(o);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      http::Response resp;
      for (int i = 0; i < 250; ++i) {
        http::Request req;
        req.header().SetMethod("GET");
        std::string path = absl::StrCat("/", t, "/", i);
        req.header().SetRequestUri(path);
        absl::Status s = pc.DoTimeout(req, resp, absl::Seconds(10));
        EXPECT_TRUE(s.ok()) << s;
        ok += s.ok() && resp.body() == path;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 1000);
  EXPECT_EQ(r.server().stats().accepted, 1u);
  // At most one write per request; how many share a write depends on the
  // scheduler (under TSan none may), so batching is shown by benchmarks.
  EXPECT_LE(pc.stats().writes, 1000u);
}

TEST(ClientServerTest, ClientFollowsServerRedirectsAndSeesShutdown) {
  server::Server srv({.threads = 1}, [](server::RequestCtx& ctx) {
    if (ctx.request().header().request_uri() == "/old") {
      ctx.SetStatusCode(301);
      ctx.response().header().Set("Location", "/new");
      return;
    }
    ctx.SetBody("new home");
  });
  ASSERT_TRUE(srv.Listen("127.0.0.1:0").ok());
  srv.Start();
  client::Client c;
  http::Response resp;
  std::string url = absl::StrCat("http://127.0.0.1:", srv.port());
  ASSERT_TRUE(c.Get(url + "/old", resp).ok());
  EXPECT_EQ(resp.body(), "new home");
  srv.Shutdown(absl::Seconds(5));
  absl::Status s = c.Get(url + "/old", resp);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(client::KindOf(s) == client::ErrorKind::kDial ||
              client::IsConnectionClosed(s))
      << s;
}

}  // namespace
}  // namespace brisk
