// File: middleware/metrics.h
//
// Metrics in the Prometheus text exposition format (0.0.4), as server
// middleware and a /metrics handler.
//
//   - Per route (ctx.route(), which the router sets; "" for requests no
//     route took): requests by status class and a latency histogram with
//     fixed buckets (100 µs to 10 s, log-spaced), the time from the first
//     middleware to the end of the response.
//   - Counted without locks: each loop thread has its own series (one
//     writer, relaxed atomics), merged when scraped. A scrape reads them
//     from its own thread and never stops a loop.
//   - The servers added (AddServer): connections (accepted, open, active —
//     being served —, idle), requests, refusals (limit, per IP), timeouts,
//     parse errors, handler exceptions, unsafe responses, bytes in and
//     out, TLS handshakes and failures, and the worker pool (busy, idle,
//     created, expired).
//   - The backend clients added (AddClient), by host: connections open and
//     idle, calls waiting for one, dials, reuses, retries, timeouts,
//     connections the server closed, TLS handshakes.
//   - Anything else (your own counters) through AddCollector, which writes
//     into the same page:
//       metrics->AddCollector([&jobs](middleware::Exposition& e) {
//         e.Gauge("app_jobs_waiting", "Jobs waiting.", jobs.waiting());
//       });
//
// Thread-safety: AddServer, AddClient and AddCollector before the servers
// start; the rest from any thread. The Metrics must outlive the servers and
// handlers that use it; the servers and clients it reads must outlive it
// or its last scrape.
//
// Example:
//   auto metrics = std::make_shared<middleware::Metrics>();
//   router.Get("/metrics", [m = metrics.get()](RequestCtx& ctx, const Params&)
//   {
//     m->Serve(ctx);
//   });
//   server::Server server(opts, server::Wrap({metrics}, router.handler()));
//   metrics->AddServer(&server);

#ifndef BRISK_MIDDLEWARE_METRICS_H_
#define BRISK_MIDDLEWARE_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "client/host_client.h"
#include "middleware/internal/per_thread.h"
#include "server/middleware.h"
#include "server/server.h"

namespace brisk::middleware {

// The text of a scrape, written a family at a time.
class Exposition {
 public:
  // One sample of a counter or a gauge; `labels` is the inside of the
  // braces (`route="/a",code="2xx"`, values escaped with Label) or empty.
  // HELP and TYPE are written before the family's first sample.
  void Counter(std::string_view name, std::string_view help, double value,
               std::string_view labels = "");
  void Gauge(std::string_view name, std::string_view help, double value,
             std::string_view labels = "");
  // `name="value"` with the value escaped (\\, \", \n).
  static std::string Label(std::string_view name, std::string_view value);

  // Lower level, for families of other types (a histogram's buckets): the
  // family's HELP and TYPE (once, when the family changes), then samples.
  void Family(std::string_view name, std::string_view type,
              std::string_view help);
  void Sample(std::string_view name, std::string_view labels, double value);

  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::string family_;  // the family written last
};

struct MetricsOptions {
  // Upper bounds of the latency buckets, in seconds, increasing (at most 32).
  std::vector<double> buckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                 0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                 1,      2.5,     5,      10};
  // Routes counted per loop thread; more are counted as route="other".
  size_t max_routes = 256;
  // Prefix of every family's name.
  std::string prefix = "brisk_";
};

class Metrics : public server::Middleware {
 public:
  explicit Metrics(MetricsOptions options = {});
  ~Metrics() override;

  void AddServer(const server::Server* server, std::string name = "");
  // `host` labels its series (its address, say).
  void AddClient(const client::HostClient* client, std::string host);
  using Collector = std::function<void(Exposition&)>;
  void AddCollector(Collector c);

  // Answers a scrape (the page, text/plain; version=0.0.4).
  void Serve(server::RequestCtx& ctx) const;
  // The page now.
  std::string Scrape() const;

  bool OnRequest(server::RequestCtx& ctx, void*& state) const override;
  void OnDone(server::RequestCtx& ctx, void*& state,
              const server::ResponseOutcome& outcome) const override;

 private:
  struct Series;
  struct Shard;
  Series* Find(Shard& shard, std::string_view route) const;

  const MetricsOptions options_;
  std::vector<int64_t> bounds_ns_;  // the buckets in nanoseconds
  // Each loop thread's series.
  mutable middleware_internal::PerThread<Shard> shards_;
  std::vector<std::pair<const server::Server*, std::string>> servers_;
  std::vector<std::pair<const client::HostClient*, std::string>> clients_;
  std::vector<Collector> collectors_;
};

}  // namespace brisk::middleware

#endif  // BRISK_MIDDLEWARE_METRICS_H_
