// load: an HTTP/1.1 load generator on brisk's client (its async API, one
// event loop per thread), in the manner of wrk and wrk2.
//
//   ./bazelw run //tools:load -- -c 64 -d 10s -t 2 http://127.0.0.1:8080/
//   ./bazelw run //tools:load -- --rate 20000 --json http://127.0.0.1:8080/
//
// Closed loop by default: each connection sends its next request when the
// previous answer arrived, latency measured from the send. With --rate R
// (requests/s in total) each connection follows a fixed schedule and
// latency is measured from the intended send time, so a stalled server
// shows up in the percentiles instead of being hidden (the coordinated
// omission correction of wrk2). --pipeline N keeps N requests in flight
// per connection (PipelineClient).
//
// Percentiles come from a log-bucket histogram (about 1% precision).
// The run is bounded by -d; requests still in flight then get a 2 s grace
// and count as timeouts after it. Exit status 1 when nothing succeeded, 2 for
// bad arguments.

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"

#include "client/client.h"
#include "client/errors.h"
#include "client/host_client.h"
#include "client/pipeline_client.h"
#include "http/message.h"
#include "tools/client_tls.h"

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

constexpr char kUsage[] =
    "usage: load [-c CONNECTIONS] [-d DURATION] [-t THREADS] [--rate R] "
    "[-H 'Name: value']... [-m METHOD] [--body DATA] [--pipeline N] "
    "[--timeout DURATION] [--json] [--plot FILE.svg] "
    "[-k|--insecure] [--cacert FILE] [--cert FILE --key FILE] URL";

struct Args {
  int connections = 10;
  absl::Duration duration = absl::Seconds(10);
  int threads = 2;
  double rate = 0;  // 0: closed loop
  std::vector<std::pair<std::string, std::string>> headers;
  std::string method = "GET";
  std::string body;
  int pipeline = 1;
  absl::Duration timeout = absl::Seconds(2);
  bool json = false;
  std::string plot;
  brisk::tools::ClientTlsFlags tls;  // for https:// URLs
  std::string url;
};

int Bad(const std::string& why) {
  std::fprintf(stderr, "load: %s\n%s\n", why.c_str(), kUsage);
  return 2;
}

bool ParseDuration(std::string_view v, absl::Duration& d) {
  double secs;
  if (absl::SimpleAtod(std::string(v), &secs)) {
    d = absl::Seconds(secs);
    return secs > 0;
  }
  return absl::ParseDuration(std::string(v), &d) && d > absl::ZeroDuration();
}

int Parse(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string v;
    auto value = [&] {
      if (i + 1 >= argc) {
        return false;
      }
      v = argv[++i];
      return true;
    };
    std::string error;
    if (brisk::tools::ParseClientTlsFlag(
            arg, [&](std::string& out) { return value() && (out = v, true); },
            a.tls, error)) {
      if (!error.empty()) {
        return Bad(error);
      }
    } else if (arg == "-h" || arg == "--help") {
      std::printf("%s\n", kUsage);
      return 0;
    } else if (arg == "-c") {
      if (!value() || !absl::SimpleAtoi(v, &a.connections) ||
          a.connections <= 0) {
        return Bad("-c needs a positive number of connections");
      }
    } else if (arg == "-d") {
      if (!value() || !ParseDuration(v, a.duration)) {
        return Bad("-d needs a duration (10s, 1m, 500ms)");
      }
    } else if (arg == "-t") {
      if (!value() || !absl::SimpleAtoi(v, &a.threads) || a.threads <= 0) {
        return Bad("-t needs a positive number of threads");
      }
    } else if (arg == "--rate" || arg == "-R") {
      if (!value() || !absl::SimpleAtod(v, &a.rate) || a.rate <= 0) {
        return Bad("--rate needs requests per second");
      }
    } else if (arg == "-H") {
      if (!value() || v.find(':') == std::string::npos || v[0] == ':') {
        return Bad("-H needs 'Name: value'");
      }
      size_t colon = v.find(':');
      std::string val = v.substr(colon + 1);
      val.erase(0, val.find_first_not_of(" \t"));
      a.headers.emplace_back(v.substr(0, colon), val);
    } else if (arg == "-m") {
      if (!value() || v.empty()) {
        return Bad("-m needs a method");
      }
      a.method = v;
    } else if (arg == "--body") {
      if (!value()) {
        return Bad("--body needs data");
      }
      a.body = v;
    } else if (arg == "--pipeline") {
      if (!value() || !absl::SimpleAtoi(v, &a.pipeline) || a.pipeline <= 0) {
        return Bad("--pipeline needs a positive depth");
      }
    } else if (arg == "--timeout") {
      if (!value() || !ParseDuration(v, a.timeout)) {
        return Bad("--timeout needs a duration");
      }
    } else if (arg == "--json") {
      a.json = true;
    } else if (arg == "--plot") {
      if (!value()) {
        return Bad("--plot needs a file name");
      }
      a.plot = v;
    } else if (!arg.empty() && arg[0] == '-') {
      return Bad("unknown option " + std::string(arg));
    } else if (a.url.empty()) {
      a.url = std::string(arg);
    } else {
      return Bad("more than one URL");
    }
  }
  if (a.url.empty()) {
    return Bad("no URL");
  }
  if (a.url.find("://") == std::string::npos) {
    a.url = "http://" + a.url;
  }
  if (a.threads > a.connections) {
    a.threads = a.connections;
  }
  return -1;
}

// Log-bucket histogram of nanoseconds: 64 exponents x 128 sub-buckets,
// values exact below 128 ns, about 0.8% wide above.
class Histogram {
 public:
  static constexpr int kSub = 128;
  void Record(int64_t ns) {
    if (ns < 0) {
      ns = 0;
    }
    ++counts_[Index(static_cast<uint64_t>(ns))];
    ++total_;
    max_ = std::max(max_, ns);
  }
  void Merge(const Histogram& o) {
    for (size_t i = 0; i < counts_.size(); ++i) {
      counts_[i] += o.counts_[i];
    }
    total_ += o.total_;
    max_ = std::max(max_, o.max_);
  }
  // The value at quantile q (0..1), as the upper edge of its bucket.
  int64_t Quantile(double q) const {
    if (total_ == 0) {
      return 0;
    }
    const uint64_t want = static_cast<uint64_t>(std::ceil(q * total_));
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= want && counts_[i] > 0) {
        return std::min<int64_t>(UpperEdge(i), max_);
      }
    }
    return max_;
  }
  uint64_t total() const { return total_; }
  int64_t max() const { return max_; }

 private:
  static size_t Index(uint64_t v) {
    if (v < kSub) {
      return v;
    }
    int exp = 63 - __builtin_clzll(v);  // >= 7
    int shift = exp - 6;                // keep 7 significant bits
    return static_cast<size_t>((shift)*kSub / 2 + kSub / 2 +
                               ((v >> shift) - kSub / 2));
  }
  static int64_t UpperEdge(size_t i) {
    if (i < kSub) {
      return static_cast<int64_t>(i);
    }
    size_t shift = (i - kSub / 2) / (kSub / 2);
    uint64_t mant = (i - kSub / 2) % (kSub / 2) + kSub / 2;
    return static_cast<int64_t>(((mant + 1) << shift) - 1);
  }
  std::array<uint64_t, 64 * kSub / 2 + kSub> counts_{};
  uint64_t total_ = 0;
  int64_t max_ = 0;
};

struct ThreadResult {
  Histogram latency;
  uint64_t ok = 0;
  uint64_t bytes = 0;
  std::map<std::string, uint64_t> errors;
  std::atomic<uint64_t> progress{0};  // completed requests, for the display
};

size_t ResponseBytes(const brisk::http::Response& r) {
  size_t n = 17 + r.header().reason().size() + 2 + r.body().size();
  const auto& f = r.header().fields();
  for (size_t i = 0; i < f.size(); ++i) {
    n += f[i].name.size() + f[i].value.size() + 4;
  }
  return n;
}

std::string ErrorName(const absl::Status& s) {
  brisk::client::ErrorKind k = brisk::client::KindOf(s);
  if (k == brisk::client::ErrorKind::kNone) {
    return "other";
  }
  std::string name(brisk::client::ToString(k));
  std::replace(name.begin(), name.end(), ' ', '_');
  return name;
}

// One worker thread: its own loop and client, `conns` connections.
class Worker {
 public:
  Worker(const Args& a, const brisk::client::Url& url,
         std::shared_ptr<const brisk::tls::Context> tls, int conns,
         Clock::time_point start, Clock::time_point end, ThreadResult& out)
      : a_(a), conns_(conns), start_(start), end_(end), out_(out) {
    if (a.pipeline > 1) {
      brisk::client::PipelineClientOptions o;
      o.addr = url.host_port;
      o.tls = tls;
      o.max_conns = conns;
      o.max_pending_requests = a.pipeline;
      pipeline_ =
          std::make_unique<brisk::client::PipelineClient>(std::move(o), io_);
    } else {
      brisk::client::HostClientOptions o;
      o.addrs = {url.host_port};
      o.tls = tls;
      o.max_conns = conns;
      o.max_conn_wait_timeout = absl::Hours(1);
      host_ = std::make_unique<brisk::client::HostClient>(std::move(o), io_);
    }
    host_header_ = url.host;
    target_ = url.target;
  }

  void Run() {
    const int flows = conns_ * a_.pipeline;
    active_ = flows;
    for (int i = 0; i < flows; ++i) {
      asio::co_spawn(io_, Flow(i, flows), asio::detached);
    }
    io_.run_until(end_ + std::chrono::seconds(2));
    if (active_ > 0) {
      out_.errors["timeout"] += static_cast<uint64_t>(active_);
    }
    // Abort what is left, let the flows finish unrecorded, then free.
    stopped_ = true;
    if (pipeline_) {
      pipeline_->Close();
    } else {
      host_->Close();
    }
    io_.restart();
    io_.run_for(std::chrono::seconds(1));  // returns once drained
    host_.reset();
    pipeline_.reset();
  }

 private:
  asio::awaitable<void> Flow(int index, int flows) {
    brisk::http::Request req;
    req.header().SetMethod(a_.method);
    req.header().SetRequestUri(target_);
    req.header().Set("Host", host_header_);
    for (const auto& [k, v] : a_.headers) {
      req.header().Set(k, v);
    }
    if (!a_.body.empty()) {
      req.SetBody(a_.body);
    }
    brisk::http::Response resp;
    asio::steady_timer timer(io_);
    // --rate: this flow's share of the schedule, offset so flows interleave.
    const double per_flow = a_.rate > 0 ? a_.rate / a_.threads / flows : 0;
    const auto interval =
        per_flow > 0 ? std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(1.0 / per_flow))
                     : Clock::duration::zero();
    Clock::time_point intended = start_ + interval * index / flows;
    for (;;) {
      Clock::time_point now = Clock::now();
      if (now >= end_) {
        break;
      }
      Clock::time_point sent = now;
      if (per_flow > 0) {
        if (intended > now) {
          timer.expires_at(intended);
          co_await timer.async_wait(asio::use_awaitable);
          if (intended >= end_) {
            break;
          }
        }
        sent = intended;  // latency from the intended send time
        intended += interval;
      }
      const absl::Time deadline = absl::Now() + a_.timeout;
      // (Not a ?: with co_await in both arms: GCC 12 miscompiles that.)
      absl::Status s;
      if (pipeline_) {
        s = co_await pipeline_->AsyncDo(req, resp, deadline);
      } else {
        s = co_await host_->AsyncDo(req, resp, deadline);
      }
      const Clock::time_point done = Clock::now();
      if (stopped_) {
        break;  // counted as a timeout already
      }
      if (s.ok() && resp.status_code() < 400) {
        out_.latency.Record(
            std::chrono::duration_cast<std::chrono::nanoseconds>(done - sent)
                .count());
        ++out_.ok;
        out_.bytes += ResponseBytes(resp);
      } else if (s.ok()) {
        ++out_.errors[absl::StrCat("status_", resp.status_code() / 100, "xx")];
        out_.bytes += ResponseBytes(resp);
      } else {
        ++out_.errors[ErrorName(s)];
        if (brisk::client::KindOf(s) == brisk::client::ErrorKind::kDial) {
          // Do not spin on a refused connection.
          timer.expires_after(std::chrono::milliseconds(10));
          co_await timer.async_wait(asio::use_awaitable);
        }
      }
      out_.progress.store(out_.progress.load(std::memory_order_relaxed) + 1,
                          std::memory_order_relaxed);
    }
    --active_;
    if (active_ == 0) {
      io_.stop();
    }
  }

  const Args& a_;
  int conns_;
  Clock::time_point start_, end_;
  ThreadResult& out_;
  asio::io_context io_{1};
  std::unique_ptr<brisk::client::HostClient> host_;
  std::unique_ptr<brisk::client::PipelineClient> pipeline_;
  std::string host_header_, target_;
  int active_ = 0;
  bool stopped_ = false;
};

double CpuSeconds() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

std::string Ms(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", ns / 1e6);
  return buf;
}

void WritePlot(const std::string& path, const Histogram& h) {
  // Latency by percentile, x on a "nines" scale (0, 90, 99, 99.9, ...).
  const int w = 640, hgt = 400, pad = 50;
  const double max_nines = 4;  // up to 99.99
  const double ymax = std::max<double>(1e-3, h.Quantile(0.9999) / 1e6) * 1.1;
  std::string pts;
  for (int i = 0; i <= 200; ++i) {
    double nines = max_nines * i / 200.0;
    double q = 1 - std::pow(10, -nines);
    double y = h.Quantile(q) / 1e6;
    double px = pad + (w - 2 * pad) * nines / max_nines;
    double py = hgt - pad - (hgt - 2 * pad) * y / ymax;
    absl::StrAppend(&pts, px, ",", py, " ");
  }
  std::ofstream f(path);
  f << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w
    << "\" height=\"" << hgt << "\" font-family=\"sans-serif\" "
    << "font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" "
       "fill=\"white\"/>\n"
    << "<text x=\"" << w / 2 << "\" y=\"20\" text-anchor=\"middle\">latency by "
    << "percentile (ms)</text>\n";
  const char* labels[] = {"0%", "90%", "99%", "99.9%", "99.99%"};
  for (int n = 0; n <= 4; ++n) {
    double px = pad + (w - 2 * pad) * n / max_nines;
    f << "<line x1=\"" << px << "\" y1=\"" << pad << "\" x2=\"" << px
      << "\" y2=\"" << hgt - pad << "\" stroke=\"#ddd\"/>\n<text x=\"" << px
      << "\" y=\"" << hgt - pad + 18 << "\" text-anchor=\"middle\">"
      << labels[n] << "</text>\n";
  }
  for (int n = 0; n <= 4; ++n) {
    double y = ymax * n / 4;
    double py = hgt - pad - (hgt - 2 * pad) * n / 4.0;
    f << "<text x=\"" << pad - 6 << "\" y=\"" << py + 4
      << "\" text-anchor=\"end\">" << Ms(static_cast<int64_t>(y * 1e6))
      << "</text>\n";
  }
  f << "<polyline fill=\"none\" stroke=\"#c33\" stroke-width=\"2\" points=\""
    << pts << "\"/>\n</svg>\n";
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (int code = Parse(argc, argv, a); code >= 0) {
    return code;
  }
  brisk::client::Url url;
  if (absl::Status s = brisk::client::SplitUrl(a.url, url); !s.ok()) {
    return Bad(std::string(s.message()));
  }
  std::shared_ptr<const brisk::tls::Context> tls;
  if (url.https) {
    absl::StatusOr<std::shared_ptr<const brisk::tls::Context>> made =
        brisk::tools::MakeClientTls(a.tls);
    if (!made.ok()) {
      return Bad(std::string(made.status().message()));
    }
    tls = *std::move(made);
  }
  const double cpu0 = CpuSeconds();
  const Clock::time_point start = Clock::now();
  const Clock::time_point end =
      start + std::chrono::duration_cast<Clock::duration>(
                  absl::ToChronoNanoseconds(a.duration));
  std::vector<std::unique_ptr<ThreadResult>> results;
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < a.threads; ++t) {
    int conns = a.connections / a.threads + (t < a.connections % a.threads);
    results.push_back(std::make_unique<ThreadResult>());
    workers.push_back(std::make_unique<Worker>(a, url, tls, conns, start, end,
                                               *results.back()));
  }
  std::vector<std::thread> threads;
  for (auto& w : workers) {
    threads.emplace_back([w = w.get()] { w->Run(); });
  }
  const bool tty = !a.json && ::isatty(1);
  while (tty && Clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    uint64_t done = 0;
    for (auto& r : results) {
      done += r->progress.load(std::memory_order_relaxed);
    }
    double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("\r%5.1fs  %10llu requests  %10.0f req/s ", secs,
                static_cast<unsigned long long>(done), done / secs);
    std::fflush(stdout);
  }
  for (auto& t : threads) {
    t.join();
  }
  const double elapsed =
      std::chrono::duration<double>(std::min(Clock::now(), end) - start)
          .count();
  Histogram all;
  uint64_t ok = 0, bytes = 0;
  std::map<std::string, uint64_t> errors;
  for (auto& r : results) {
    all.Merge(r->latency);
    ok += r->ok;
    bytes += r->bytes;
    for (auto& [k, v] : r->errors) {
      errors[k] += v;
    }
  }
  const double cpu = CpuSeconds() - cpu0;
  if (tty) {
    std::printf("\r%60s\r", "");
  }
  if (a.json) {
    std::string errs;
    for (auto& [k, v] : errors) {
      absl::StrAppend(&errs, errs.empty() ? "" : ", ", "\"", k, "\": ", v);
    }
    std::printf(
        "{\"requests\": %llu, \"duration_s\": %.3f, \"requests_per_sec\": "
        "%.1f, \"bytes_per_sec\": %.1f, \"latency_ms\": {\"p50\": %s, "
        "\"p90\": %s, \"p99\": %s, \"p999\": %s, \"max\": %s}, \"errors\": "
        "{%s}, \"cpu_s\": %.3f}\n",
        static_cast<unsigned long long>(ok), elapsed, ok / elapsed,
        bytes / elapsed, Ms(all.Quantile(0.5)).c_str(),
        Ms(all.Quantile(0.9)).c_str(), Ms(all.Quantile(0.99)).c_str(),
        Ms(all.Quantile(0.999)).c_str(), Ms(all.max()).c_str(), errs.c_str(),
        cpu);
  } else {
    std::printf(
        "%s: %d connections, %d threads, %.1fs%s%s\n", a.url.c_str(),
        a.connections, a.threads, elapsed,
        a.rate > 0 ? absl::StrCat(", rate ", a.rate, "/s").c_str() : "",
        a.pipeline > 1 ? absl::StrCat(", pipeline ", a.pipeline).c_str() : "");
    std::printf(
        "  requests     %llu\n  requests/s   %.1f\n  bytes/s      %.1f\n",
        static_cast<unsigned long long>(ok), ok / elapsed, bytes / elapsed);
    std::printf("  latency ms   p50 %s  p90 %s  p99 %s  p99.9 %s  max %s\n",
                Ms(all.Quantile(0.5)).c_str(), Ms(all.Quantile(0.9)).c_str(),
                Ms(all.Quantile(0.99)).c_str(), Ms(all.Quantile(0.999)).c_str(),
                Ms(all.max()).c_str());
    for (auto& [k, v] : errors) {
      std::printf("  errors       %s: %llu\n", k.c_str(),
                  static_cast<unsigned long long>(v));
    }
    std::printf("  cpu          %.2fs\n", cpu);
  }
  if (!a.plot.empty()) {
    WritePlot(a.plot, all);
  }
  return ok == 0 ? 1 : 0;
}
