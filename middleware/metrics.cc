#include "middleware/metrics.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <utility>

#include "http/parse_error.h"
#include "middleware/internal/fields.h"

namespace brisk::middleware {

struct Metrics::Series {
  explicit Series(std::string_view r, size_t buckets)
      : route(r), counts(buckets + 1) {}
  const std::string route;
  // Observations per bucket (not cumulative; the last is over every bound).
  std::vector<std::atomic<uint64_t>> counts;
  std::atomic<uint64_t> sum_ns{0};
  // Requests by status class: none (the client left first), 1xx .. 5xx.
  std::array<std::atomic<uint64_t>, 6> classes{};
};

// One loop thread's series: written by that thread only (relaxed stores),
// read by scrapes (a series is published by `n`'s release).
struct Metrics::Shard {
  explicit Shard(size_t max_routes) : series(max_routes + 1) {}
  std::vector<std::atomic<Series*>> series;
  std::atomic<size_t> n{0};
  std::vector<std::unique_ptr<Series>> owned;  // this thread's, freed with it
  Series* other = nullptr;
};

namespace {

void Bump(std::atomic<uint64_t>& a, uint64_t d = 1) {
  a.store(a.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
}

// A sample's value: integers exactly, others to 17 digits.
void AppendValue(std::string& out, double v) {
  char buf[32];
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.17g", v);
  }
  out += buf;
}

std::string BoundText(double b) {
  std::string s;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", b);
  s = buf;
  return s;
}

// A sample of one row (a server, a client: its labels and stats) in one
// variant (a state, a reason: a label, or none, and the value).
template <typename S>
struct Variant {
  const char* label;  // `state="idle"`, or nullptr
  uint64_t (*get)(const S&);
};

// A family with one sample per row and variant, the rows' samples together
// (nothing when there is no row).
template <typename S>
void EmitRows(Exposition& e, const std::string& name, const char* type,
              const char* help,
              const std::vector<std::pair<std::string, S>>& rows,
              std::initializer_list<Variant<S>> variants) {
  if (rows.empty()) {
    return;
  }
  e.Family(name, type, help);
  for (const auto& [row_labels, st] : rows) {
    for (const Variant<S>& v : variants) {
      std::string labels = row_labels;
      if (v.label != nullptr) {
        labels += labels.empty() ? "" : ",";
        labels += v.label;
      }
      e.Sample(name, labels, static_cast<double>(v.get(st)));
    }
  }
}

}  // namespace

void Exposition::Family(std::string_view name, std::string_view type,
                        std::string_view help) {
  if (family_ == name) {
    return;
  }
  family_ = name;
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  for (char c : help) {  // help escapes \ and newline
    if (c == '\\') {
      text_ += "\\\\";
    } else if (c == '\n') {
      text_ += "\\n";
    } else {
      text_ += c;
    }
  }
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += ' ';
  text_ += type;
  text_ += '\n';
}

void Exposition::Sample(std::string_view name, std::string_view labels,
                        double value) {
  text_ += name;
  if (!labels.empty()) {
    text_ += '{';
    text_ += labels;
    text_ += '}';
  }
  text_ += ' ';
  AppendValue(text_, value);
  text_ += '\n';
}

void Exposition::Counter(std::string_view name, std::string_view help,
                         double value, std::string_view labels) {
  Family(name, "counter", help);
  Sample(name, labels, value);
}

void Exposition::Gauge(std::string_view name, std::string_view help,
                       double value, std::string_view labels) {
  Family(name, "gauge", help);
  Sample(name, labels, value);
}

std::string Exposition::Label(std::string_view name, std::string_view value) {
  std::string s(name);
  s += "=\"";
  for (char c : value) {
    if (c == '\\') {
      s += "\\\\";
    } else if (c == '"') {
      s += "\\\"";
    } else if (c == '\n') {
      s += "\\n";
    } else {
      s += c;
    }
  }
  s += '"';
  return s;
}

Metrics::Metrics(MetricsOptions options)
    : options_(std::move(options)),
      shards_([this] { return std::make_unique<Shard>(options_.max_routes); }) {
  for (double b : options_.buckets) {
    bounds_ns_.push_back(static_cast<int64_t>(b * 1e9));
  }
  std::sort(bounds_ns_.begin(), bounds_ns_.end());
}

Metrics::~Metrics() = default;

void Metrics::AddServer(const server::Server* server, std::string name) {
  servers_.emplace_back(server, std::move(name));
}

void Metrics::AddClient(const client::HostClient* client, std::string host) {
  clients_.emplace_back(client, std::move(host));
}

void Metrics::AddCollector(Collector c) {
  collectors_.push_back(std::move(c));
}

Metrics::Series* Metrics::Find(Shard& shard, std::string_view route) const {
  const size_t n = shard.n.load(std::memory_order_relaxed);
  for (size_t i = 0; i < n; ++i) {
    Series* s = shard.series[i].load(std::memory_order_relaxed);
    if (s->route == route) {
      return s;
    }
  }
  if (n < options_.max_routes) {
    auto s = std::make_unique<Series>(route, bounds_ns_.size());
    Series* raw = s.get();
    shard.owned.push_back(std::move(s));
    shard.series[n].store(raw, std::memory_order_relaxed);
    shard.n.store(n + 1, std::memory_order_release);
    return raw;
  }
  if (shard.other == nullptr) {
    auto s = std::make_unique<Series>("other", bounds_ns_.size());
    shard.other = s.get();
    shard.owned.push_back(std::move(s));
    shard.series[n].store(shard.other, std::memory_order_relaxed);
    shard.n.store(n + 1, std::memory_order_release);
  }
  return shard.other;
}

bool Metrics::OnRequest(server::RequestCtx&, void*& state) const {
  middleware_internal::StartClock(state);
  return true;
}

void Metrics::OnDone(server::RequestCtx& ctx, void*& state,
                     const server::ResponseOutcome& outcome) const {
  const int64_t dur = middleware_internal::ElapsedNs(state);
  const std::string_view route = ctx.route().empty() ? "none" : ctx.route();
  Series* s = Find(shards_.Get(), route);
  const size_t bucket = static_cast<size_t>(
      std::lower_bound(bounds_ns_.begin(), bounds_ns_.end(), dur) -
      bounds_ns_.begin());
  Bump(s->counts[bucket]);
  Bump(s->sum_ns, static_cast<uint64_t>(dur));
  const int cls =
      outcome.status >= 100 && outcome.status < 600 ? outcome.status / 100 : 0;
  Bump(s->classes[static_cast<size_t>(cls)]);
}

std::string Metrics::Scrape() const {
  Exposition e;
  const std::string& p = options_.prefix;
  // Per route, merged over the threads.
  struct Totals {
    std::vector<uint64_t> counts;
    uint64_t sum_ns = 0;
    std::array<uint64_t, 6> classes{};
  };
  std::map<std::string, Totals> routes;
  shards_.ForEach([&routes](const Shard& shard) {
    const size_t n = shard.n.load(std::memory_order_acquire);
    for (size_t i = 0; i < n; ++i) {
      const Series* s = shard.series[i].load(std::memory_order_relaxed);
      Totals& t = routes[s->route];
      t.counts.resize(s->counts.size());
      for (size_t b = 0; b < s->counts.size(); ++b) {
        t.counts[b] += s->counts[b].load(std::memory_order_relaxed);
      }
      t.sum_ns += s->sum_ns.load(std::memory_order_relaxed);
      for (size_t c = 0; c < t.classes.size(); ++c) {
        t.classes[c] += s->classes[c].load(std::memory_order_relaxed);
      }
    }
  });
  static constexpr const char* kClass[] = {"none", "1xx", "2xx",
                                           "3xx",  "4xx", "5xx"};
  const std::string requests = p + "http_requests_total";
  for (const auto& [route, t] : routes) {
    for (size_t c = 0; c < t.classes.size(); ++c) {
      if (t.classes[c] != 0) {
        e.Counter(requests,
                  "Requests answered, by route and status class (none: the "
                  "client left first).",
                  static_cast<double>(t.classes[c]),
                  Exposition::Label("route", route) + "," +
                      Exposition::Label("code", kClass[c]));
      }
    }
  }
  const std::string duration = p + "http_request_duration_seconds";
  for (const auto& [route, t] : routes) {
    e.Family(duration, "histogram",
             "Time from the request's first middleware to the end of its "
             "response, by route.");
    const std::string rl = Exposition::Label("route", route);
    uint64_t cumulative = 0;
    for (size_t b = 0; b < t.counts.size(); ++b) {
      cumulative += t.counts[b];
      const std::string le =
          b < options_.buckets.size() ? BoundText(options_.buckets[b]) : "+Inf";
      e.Sample(duration + "_bucket", rl + "," + Exposition::Label("le", le),
               static_cast<double>(cumulative));
    }
    e.Sample(duration + "_sum", rl, static_cast<double>(t.sum_ns) / 1e9);
    e.Sample(duration + "_count", rl, static_cast<double>(cumulative));
  }
  // The servers: each family's samples together, one per server (and
  // state or reason).
  std::vector<std::pair<std::string, server::ServerStats>> stats;
  for (const auto& [server, name] : servers_) {
    stats.emplace_back(name.empty() ? "" : Exposition::Label("server", name),
                       server->stats());
  }
  using Stats = server::ServerStats;
  auto family = [&](const char* type, const char* name, const char* help,
                    std::initializer_list<Variant<Stats>> variants) {
    EmitRows(e, p + name, type, help, stats, variants);
  };
  family("counter", "server_connections_accepted_total",
         "Connections accepted.",
         {{nullptr, [](const Stats& s) { return s.accepted; }}});
  family("gauge", "server_connections",
         "Open connections: active (being served) or idle.",
         {{"state=\"active\"",
           [](const Stats& s) {
             return std::min(s.workers_busy, s.open_connections);
           }},
          {"state=\"idle\"", [](const Stats& s) {
             return s.open_connections -
                    std::min(s.workers_busy, s.open_connections);
           }}});
  family("counter", "server_requests_total", "Requests given to the handler.",
         {{nullptr, [](const Stats& s) { return s.requests; }}});
  family(
      "counter", "server_refused_total",
      "Connections or requests refused: over a limit (503) or over the "
      "per-IP limit (429).",
      {{"reason=\"limit\"", [](const Stats& s) { return s.refused; }},
       {"reason=\"per_ip\"", [](const Stats& s) { return s.refused_per_ip; }}});
  // Parse errors by kind: the kinds seen so far (the label is the kind's
  // description; "none": a 408 or a refusal).
  if (!stats.empty()) {
    const std::string name = p + "server_parse_errors_total";
    e.Family(name, "counter",
             "Requests answered 4xx/5xx for bad input, by kind.");
    for (const auto& [sl, st] : stats) {
      for (size_t k = 0; k < http::kParseErrorCount; ++k) {
        if (st.parse_errors_by_kind[k] == 0) {
          continue;
        }
        const auto kind = static_cast<http::ParseError>(k);
        std::string labels = sl;
        labels += labels.empty() ? "" : ",";
        labels += Exposition::Label("kind", kind == http::ParseError::kNone
                                                ? "none"
                                                : http::ToString(kind));
        e.Sample(name, labels, static_cast<double>(st.parse_errors_by_kind[k]));
      }
    }
  }
  family("counter", "server_timeouts_total", "Timeouts, by phase.",
         {{"phase=\"header\"",
           [](const Stats& s) { return s.timeouts_by_phase.header; }},
          {"phase=\"body\"",
           [](const Stats& s) { return s.timeouts_by_phase.body; }},
          {"phase=\"idle\"",
           [](const Stats& s) { return s.timeouts_by_phase.idle; }},
          {"phase=\"write\"",
           [](const Stats& s) { return s.timeouts_by_phase.write; }},
          {"phase=\"tls_handshake\"",
           [](const Stats& s) { return s.timeouts_by_phase.tls_handshake; }},
          {"phase=\"handler\"",
           [](const Stats& s) { return s.timeouts_by_phase.handler; }}});
  family("counter", "server_handler_exceptions_total", "Handlers that threw.",
         {{nullptr, [](const Stats& s) { return s.handler_exceptions; }}});
  family("counter", "server_unsafe_responses_total",
         "Responses refused as unsafe to write (answered 500).",
         {{nullptr, [](const Stats& s) { return s.unsafe_responses; }}});
  family("counter", "server_accept_errors_total", "accept() failures.",
         {{nullptr, [](const Stats& s) { return s.accept_errors; }}});
  family("counter", "server_hard_closed_total",
         "Connections closed by a shutdown deadline.",
         {{nullptr, [](const Stats& s) { return s.hard_closed; }}});
  family("counter", "server_bytes_read_total", "Bytes read from sockets.",
         {{nullptr, [](const Stats& s) { return s.bytes_read; }}});
  family("counter", "server_bytes_written_total", "Bytes written to sockets.",
         {{nullptr, [](const Stats& s) { return s.bytes_written; }}});
  family("counter", "server_tls_handshakes_total", "TLS handshakes completed.",
         {{"resumed=\"false\"",
           [](const Stats& s) { return s.tls_handshakes - s.tls_resumed; }},
          {"resumed=\"true\"", [](const Stats& s) { return s.tls_resumed; }}});
  family("counter", "server_tls_failures_total",
         "TLS handshakes or records that failed.",
         {{nullptr, [](const Stats& s) { return s.tls_failures; }}});
  family("gauge", "server_workers",
         "Workers (warm request contexts): busy or idle.",
         {{"state=\"busy\"", [](const Stats& s) { return s.workers_busy; }},
          {"state=\"idle\"", [](const Stats& s) { return s.workers_idle; }}});
  family("counter", "server_workers_created_total", "Workers made.",
         {{nullptr, [](const Stats& s) { return s.workers_created; }}});
  family("counter", "server_workers_expired_total", "Idle workers freed.",
         {{nullptr, [](const Stats& s) { return s.workers_expired; }}});
  // The backend clients, by host.
  std::vector<std::pair<std::string, client::HostClientStats>> cstats;
  for (const auto& [c, host] : clients_) {
    cstats.emplace_back(Exposition::Label("host", host), c->stats());
  }
  using CStats = client::HostClientStats;
  auto client_family = [&](const char* type, const char* name, const char* help,
                           std::initializer_list<Variant<CStats>> variants) {
    EmitRows(e, p + name, type, help, cstats, variants);
  };
  client_family(
      "gauge", "client_connections",
      "Backend connections: busy (dialing included) or idle.",
      {{"state=\"busy\"",
        [](const CStats& s) {
          return s.open_conns - std::min(s.idle_conns, s.open_conns);
        }},
       {"state=\"idle\"", [](const CStats& s) { return s.idle_conns; }}});
  client_family("gauge", "client_waiting", "Calls waiting for a connection.",
                {{nullptr, [](const CStats& s) { return s.waiting; }}});
  client_family("counter", "client_dials_total", "Connections opened.",
                {{nullptr, [](const CStats& s) { return s.dials; }}});
  client_family("counter", "client_reuses_total",
                "Calls served on a reused connection.",
                {{nullptr, [](const CStats& s) { return s.reuses; }}});
  client_family("counter", "client_retries_total", "Attempts after the first.",
                {{nullptr, [](const CStats& s) { return s.retries; }}});
  client_family("counter", "client_timeouts_total", "Calls that timed out.",
                {{nullptr, [](const CStats& s) { return s.timeouts; }}});
  client_family(
      "counter", "client_evicted_total", "Idle connections the server closed.",
      {{nullptr, [](const CStats& s) { return s.evicted_by_server; }}});
  client_family(
      "counter", "client_tls_handshakes_total", "TLS handshakes done.",
      {{"resumed=\"false\"",
        [](const CStats& s) { return s.tls_handshakes - s.tls_resumed; }},
       {"resumed=\"true\"", [](const CStats& s) { return s.tls_resumed; }}});
  for (const Collector& collect : collectors_) {
    collect(e);
  }
  return e.text();
}

void Metrics::Serve(server::RequestCtx& ctx) const {
  ctx.SetContentType("text/plain; version=0.0.4; charset=utf-8");
  ctx.SetBody(Scrape());
}

}  // namespace brisk::middleware
