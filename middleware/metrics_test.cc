// Metrics (middleware/metrics.h) through the real server: per-route counts
// and histograms, the servers' counters, collectors, the "other" route, a
// scrape during load from another thread, the page checked strictly and by
// Python's prometheus_client parser, and no allocation per request.

#include "middleware/metrics.h"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

#include "client/host_client.h"
#include "http/message.h"
#include "server/alloc_window.h"
#include "server/middleware.h"
#include "server/server.h"
#include "server/server_test_util.h"
#include "testing/raw_conn.h"
#include "testing/subprocess.h"

namespace brisk::middleware {
namespace {

using server::Get;
using server::Reply;
using server::RoundTrip;
using server::TestServer;

// Routes by path: /users/N is "/users/{id}", /metrics scrapes, /err 500.
server::Handler Routes(Metrics* m) {
  return [m](server::RequestCtx& ctx) {
    const std::string_view path = ctx.request().uri().path();
    if (path == "/metrics") {
      ctx.set_route("/metrics");
      m->Serve(ctx);
    } else if (path.starts_with("/users/")) {
      ctx.set_route("/users/{id}");
      ctx.SetBody("user");
    } else if (path == "/err") {
      ctx.set_route("/err");
      ctx.Error(500, "boom");
    } else if (path.starts_with("/r")) {
      static const std::vector<std::string>* names = [] {
        auto* v = new std::vector<std::string>;
        for (int i = 0; i < 10; ++i) {
          v->push_back("/r" + std::to_string(i));
        }
        return v;
      }();
      ctx.set_route((*names)[static_cast<size_t>(path[2] - '0')]);
    } else {
      ctx.Error(404, "none");
    }
  };
}

std::string Check(const std::string& page) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string file = std::string(dir ? dir : "/tmp") + "/metrics.txt";
  std::ofstream(file) << page;
  testing::CommandResult r = testing::RunCommand(
      "/usr/bin/python3 middleware/testdata/check_exposition.py " + file);
  return r.exit_code == 0 ? "ok" : r.out;
}

bool Has(const std::string& page, const std::string& line) {
  return page.find("\n" + line + "\n") != std::string::npos;
}

TEST(MetricsTest, RoutesServersAndCollectorsOnOnePage) {
  auto m = std::make_shared<Metrics>();
  TestServer ts({}, server::Wrap({m}, Routes(m.get())));
  m->AddServer(&ts.server(), "front");
  m->AddCollector([](Exposition& e) {
    e.Gauge("app_queue_depth", "Jobs waiting.", 3);
    e.Counter("app_jobs_total", "Jobs done.", 42,
              Exposition::Label("kind", "a\"b\\c\nd"));
  });
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(RoundTrip(ts.port(), Get("/users/" + std::to_string(i))).status,
              200);
  }
  ASSERT_EQ(RoundTrip(ts.port(), Get("/err")).status, 500);
  ASSERT_EQ(RoundTrip(ts.port(), Get("/nowhere")).status, 404);
  // The last request's OnDone runs as its answer leaves: scrape until the
  // counts are in (bounded).
  std::string page;
  for (int i = 0; i < 100; ++i) {
    Reply r = RoundTrip(ts.port(), Get("/metrics"));
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.Header("Content-Type"),
              "text/plain; version=0.0.4; charset=utf-8");
    page = r.body;
    if (Has(page, "brisk_http_requests_total{route=\"none\",code=\"4xx\"} 1")) {
      break;
    }
  }
  EXPECT_EQ(Check(page), "ok") << page;
  EXPECT_TRUE(Has(
      page, "brisk_http_requests_total{route=\"/users/{id}\",code=\"2xx\"} 5"))
      << page;
  EXPECT_TRUE(
      Has(page, "brisk_http_requests_total{route=\"/err\",code=\"5xx\"} 1"))
      << page;
  EXPECT_TRUE(
      Has(page, "brisk_http_requests_total{route=\"none\",code=\"4xx\"} 1"))
      << page;
  EXPECT_TRUE(
      Has(page,
          "brisk_http_request_duration_seconds_count{route=\"/users/{id}\"} 5"))
      << page;
  EXPECT_TRUE(Has(page,
                  "brisk_http_request_duration_seconds_bucket{route=\"/users/"
                  "{id}\",le=\"+Inf\"} 5"))
      << page;
  EXPECT_TRUE(Has(page, "# TYPE brisk_http_request_duration_seconds histogram"))
      << page;
  EXPECT_NE(
      page.find("brisk_server_connections_accepted_total{server=\"front\"} "),
      std::string::npos)
      << page;
  EXPECT_NE(page.find("brisk_server_workers{server=\"front\",state=\"idle\"} "),
            std::string::npos)
      << page;
  EXPECT_NE(
      page.find(
          "brisk_server_timeouts_total{server=\"front\",phase=\"header\"} 0"),
      std::string::npos)
      << page;
  EXPECT_TRUE(Has(page, "app_queue_depth 3")) << page;
  EXPECT_TRUE(Has(page, "app_jobs_total{kind=\"a\\\"b\\\\c\\nd\"} 42")) << page;
}

TEST(MetricsTest, BackendClientsByHost) {
  auto m = std::make_shared<Metrics>();
  TestServer backend({}, [](server::RequestCtx& ctx) { ctx.SetBody("b"); });
  const std::string host = "127.0.0.1:" + std::to_string(backend.port());
  client::HostClientOptions o;
  o.addrs = {host};
  client::HostClient c(o);
  m->AddClient(&c, host);
  for (int i = 0; i < 3; ++i) {
    http::Request req;
    req.header().SetMethod("GET");
    req.header().SetRequestUri("/");
    http::Response resp;
    ASSERT_TRUE(c.Do(req, resp).ok());
  }
  const std::string page = m->Scrape();
  const std::string hl = "{host=\"" + host + "\"}";
  EXPECT_TRUE(Has(page, "brisk_client_dials_total" + hl + " 1")) << page;
  EXPECT_TRUE(Has(page, "brisk_client_reuses_total" + hl + " 2")) << page;
  EXPECT_TRUE(Has(
      page, "brisk_client_connections{host=\"" + host + "\",state=\"idle\"} 1"))
      << page;
  EXPECT_EQ(Check(page), "ok") << page;
}

TEST(MetricsTest, ParseErrorsByKindAndTimeoutsByPhase) {
  auto m = std::make_shared<Metrics>();
  server::ServerOptions o;
  o.header_read_timeout = absl::Milliseconds(100);
  TestServer ts(o, server::Wrap({m}, Routes(m.get())));
  m->AddServer(&ts.server());
  EXPECT_EQ(
      RoundTrip(ts.port(), "GET / HTTP/1.1\r\nHost: t\r\nBad Name: x\r\n\r\n")
          .status,
      400);
  {
    testing::RawConn slow = ts.Connect();
    ASSERT_TRUE(slow.Send("GET / HTTP/1.1\r\n"));
    EXPECT_TRUE(slow.ReadUntilClose());  // 408 after header_timeout
  }
  std::string page;
  for (int i = 0; i < 100; ++i) {
    page = m->Scrape();
    if (page.find("phase=\"header\"} 1") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(Has(page, "brisk_server_timeouts_total{phase=\"header\"} 1"))
      << page;
  EXPECT_NE(page.find("brisk_server_parse_errors_total{kind=\""),
            std::string::npos)
      << page;
  EXPECT_TRUE(Has(page, "brisk_server_parse_errors_total{kind=\"none\"} 1"))
      << page;  // the 408
  EXPECT_EQ(Check(page), "ok") << page;
}

TEST(MetricsTest, RoutesPastTheLimitAreOther) {
  auto m = std::make_shared<Metrics>(MetricsOptions{.max_routes = 3});
  TestServer ts({}, server::Wrap({m}, Routes(m.get())));
  for (int i = 0; i < 10; ++i) {
    RoundTrip(ts.port(), Get("/r" + std::to_string(i)));
  }
  std::string page;
  for (int i = 0; i < 100; ++i) {
    page = m->Scrape();
    if (Has(page,
            "brisk_http_requests_total{route=\"other\",code=\"2xx\"} 7")) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(
      Has(page, "brisk_http_requests_total{route=\"other\",code=\"2xx\"} 7"))
      << page;
  EXPECT_TRUE(
      Has(page, "brisk_http_requests_total{route=\"/r0\",code=\"2xx\"} 1"))
      << page;
  EXPECT_EQ(Check(page), "ok") << page;
}

TEST(MetricsTest, ScrapesDuringLoadOnTwoLoops) {
  auto m = std::make_shared<Metrics>();
  TestServer ts({.threads = 2}, server::Wrap({m}, Routes(m.get())));
  m->AddServer(&ts.server());
  constexpr int kClients = 4;
  constexpr int kEach = 300;
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&ts] {
      testing::RawConn c = ts.Connect();
      for (int i = 0; i < kEach; ++i) {
        ASSERT_TRUE(c.Send(Get("/users/1")));
        ASSERT_EQ(server::ReadReply(c).status, 200);
      }
    });
  }
  std::atomic<bool> stop{false};
  int scrapes = 0;
  std::thread scraper([&] {
    while (!stop) {
      const std::string page = m->Scrape();  // never blocks the loops
      EXPECT_NE(page.find("# TYPE brisk_server_requests_total counter"),
                std::string::npos);
      ++scrapes;
    }
  });
  for (std::thread& t : clients) {
    t.join();
  }
  stop = true;
  scraper.join();
  EXPECT_GT(scrapes, 0);
  std::string page;
  const std::string want =
      "brisk_http_requests_total{route=\"/users/{id}\",code=\"2xx\"} " +
      std::to_string(kClients * kEach);
  for (int i = 0; i < 100 && !Has(page, want); ++i) {
    page = m->Scrape();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(Has(page, want)) << page;
  EXPECT_EQ(Check(page), "ok") << page;
}

TEST(MetricsTest, CountedRequestsAllocateNothingOnceWarm) {
  auto m = std::make_shared<Metrics>();
  server::AllocationWindow w(200, 1000);
  TestServer ts({}, server::Wrap({m}, w.Wrap([](server::RequestCtx& ctx) {
                  ctx.set_route("/x");
                  ctx.SetBody("x");
                })));
  testing::RawConn c = ts.Connect();
  for (int i = 0; i < w.total(); ++i) {
    ASSERT_TRUE(c.Send(Get("/x")));
    ASSERT_EQ(server::ReadReply(c).status, 200);
  }
  EXPECT_EQ(w.allocations(), 0u) << "allocations over 1,000 counted requests";
}

}  // namespace
}  // namespace brisk::middleware
