// Soak: a bounded mixed load on one server — keep-alive calls with uploads,
// pipelined downloads, a new connection per request, and bad requests, all
// interleaved from four threads — then: every good request got the right
// answer, every bad one its 4xx, no descriptor leaked, RSS grew within a
// bound. BRISK_SOAK_SECONDS sets the length (CI: 5 s; by hand: 60 or more).

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

#include "client/host_client.h"
#include "client/pipeline_client.h"
#include "http/message.h"
#include "server/server.h"
#include "server/server_test_util.h"
#include "testing/process.h"

namespace brisk {
namespace {

// Deterministic bytes, so a download can be checked without storing it.
std::string Pattern(size_t n, size_t seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    s[i] = static_cast<char>('a' + (i * 31 + seed) % 26);
  }
  return s;
}

void Handler(server::RequestCtx& ctx) {
  const http::URI& uri = ctx.request().uri();
  if (uri.path() == "/echo") {
    ctx.SetBody(ctx.request().body());
    return;
  }
  if (uri.path() == "/download") {
    size_t n = 0;
    std::string_view q = uri.query_string();  // "n=123"
    if (q.substr(0, 2) == "n=") {
      (void)absl::SimpleAtoi(std::string(q.substr(2)), &n);
    }
    ctx.SetBody(Pattern(n, n));
    return;
  }
  ctx.SetBody("Hello, World!");
}

TEST(SoakTest, MixedLoadLosesNothing) {
  int seconds = 5;
  if (const char* s = std::getenv("BRISK_SOAK_SECONDS")) {
    seconds = std::max(1, std::atoi(s));
  }
  server::Server srv({.threads = 2}, Handler);
  ASSERT_TRUE(srv.Listen("127.0.0.1:0").ok());
  srv.Start();
  const uint16_t port = srv.port();
  const std::string addr = absl::StrCat("127.0.0.1:", port);
  // Warm, then take the baselines.
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(server::RoundTrip(port, server::Get("/")).status, 200);
  }
  absl::SleepFor(absl::Milliseconds(100));
  const int fds = testing::OpenFileDescriptors();
  const int64_t rss = testing::ProcessRssKib();

  const absl::Time end = absl::Now() + absl::Seconds(seconds);
  std::atomic<uint64_t> good{0}, wrong{0}, bad_sent{0}, bad_answered{0};
  std::vector<std::thread> threads;
  // 1: keep-alive calls with uploads of up to 256 KiB, echoed back.
  threads.emplace_back([&] {
    client::HostClientOptions o;
    o.addrs = {addr};
    o.max_conns = 4;
    client::HostClient hc(o);
    http::Response resp;
    for (size_t i = 0; absl::Now() < end; ++i) {
      http::Request req;
      req.header().SetMethod("POST");
      req.header().SetRequestUri("/echo");
      std::string body = Pattern((i * 7919) % (256 * 1024), i);
      req.SetBody(body);
      absl::Status s = hc.DoTimeout(req, resp, absl::Seconds(10));
      (s.ok() && resp.body() == body ? good : wrong)++;
    }
  });
  // 2: pipelined downloads of up to 64 KiB.
  threads.emplace_back([&] {
    client::PipelineClientOptions o;
    o.addr = addr;
    client::PipelineClient pc(o);
    http::Response resp;
    for (size_t i = 0; absl::Now() < end; ++i) {
      size_t n = (i * 104729) % (64 * 1024);
      http::Request req;
      req.header().SetMethod("GET");
      req.header().SetRequestUri(absl::StrCat("/download?n=", n));
      absl::Status s = pc.DoTimeout(req, resp, absl::Seconds(10));
      (s.ok() && resp.body() == Pattern(n, n) ? good : wrong)++;
    }
  });
  // 3: a new connection per request.
  threads.emplace_back([&] {
    while (absl::Now() < end) {
      server::Reply r =
          server::RoundTrip(port, server::Get("/", "Connection: close\r\n"));
      (r.ok && r.body == "Hello, World!" ? good : wrong)++;
    }
  });
  // 4: bad requests, each answered with its 4xx and a close.
  threads.emplace_back([&] {
    const char* bad[] = {
        "GET / HTTP/1.1\r\n\r\n",  // no Host
        "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
        "Transfer-Encoding: chunked\r\n\r\n",
        "GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n",
    };
    for (size_t i = 0; absl::Now() < end; ++i) {
      ++bad_sent;
      server::Reply r = server::RoundTrip(port, bad[i % 4]);
      if (r.ok && r.status >= 400 && r.status < 500) {
        ++bad_answered;
      }
    }
  });
  for (auto& t : threads) {
    t.join();
  }
  for (int i = 0; i < 500 && srv.stats().open_connections != 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  std::printf("soak: %d s, %llu good, %llu bad requests, RSS +%lld KiB\n",
              seconds, static_cast<unsigned long long>(good.load()),
              static_cast<unsigned long long>(bad_sent.load()),
              static_cast<long long>(testing::ProcessRssKib() - rss));
  EXPECT_GT(good.load(), 0u);
  EXPECT_EQ(wrong.load(), 0u);
  EXPECT_EQ(bad_answered.load(), bad_sent.load());
  EXPECT_EQ(srv.stats().parse_errors, bad_sent.load());
  EXPECT_EQ(srv.stats().open_connections, 0u);
  EXPECT_EQ(testing::OpenFileDescriptors(), fds);
#ifndef BRISK_SANITIZE_ADDRESS  // ASan's quarantine holds freed memory
  EXPECT_LT(testing::ProcessRssKib() - rss, 96 * 1024)
      << "RSS grew past the bound";
#endif
  srv.Shutdown(absl::Seconds(5));
}

}  // namespace
}  // namespace brisk
