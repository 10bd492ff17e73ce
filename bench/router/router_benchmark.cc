// brisk's Router::Lookup on the GitHub API route set (github_routes.txt, the
// 203 routes of the classic Go router benchmark), the brisk side of
// //bench:router_compare. One operation is one lookup; the benchmark cycles
// through the request paths in file order, exactly as httprouter_bench.go
// does with httprouter's Router.Lookup.
//
//   BM_Brisk_GithubLookup          method by name (as httprouter is given it)
//   BM_Brisk_GithubLookupMethodId  method as the parser's http::Method (what
//                                  Router::Serve does)
//   BM_Brisk_GithubAll             the 203 lookups as one operation (the
//                                  classic benchmark's GithubAll shape)

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "benchmark/benchmark.h"

#include "http/method.h"
#include "router/router.h"

namespace brisk::router {
namespace {

constexpr std::string_view kRoutesFile =
#include "bench/router/github_routes.inc"
    ;

struct Route {
  std::string method;
  http::Method method_id;
  std::string pattern;
  std::string path;
};

// Parses "METHOD PATTERN PATH" lines; '#' starts a comment line.
std::vector<Route> LoadRoutes() {
  std::vector<Route> out;
  std::string_view text = kRoutesFile;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty() || line[0] == '#') {
      continue;
    }
    std::string_view f[3];
    for (std::string_view& field : f) {
      while (!line.empty() && line[0] == ' ') {
        line.remove_prefix(1);
      }
      size_t sp = line.find(' ');
      field = line.substr(0, sp);
      line.remove_prefix(sp == std::string_view::npos ? line.size() : sp);
    }
    if (f[2].empty()) {
      std::fprintf(stderr, "github_routes.txt: bad line\n");
      std::abort();
    }
    out.push_back(Route{std::string(f[0]), http::ParseMethod(f[0]),
                        std::string(f[1]), std::string(f[2])});
  }
  return out;
}

void Nop(server::RequestCtx&, const Params&) {}

struct Github {
  std::vector<Route> routes = LoadRoutes();
  Router router;

  Github() {
    for (const Route& r : routes) {
      if (absl::Status s = router.Handle(r.method, r.pattern, Nop); !s.ok()) {
        std::fprintf(stderr, "%s\n", s.ToString().c_str());
        std::abort();
      }
    }
    // Every path must find its own route, as on the httprouter side.
    Params p;
    for (const Route& r : routes) {
      Match m = router.Lookup(r.method, r.path, p);
      if (m.kind != Match::Kind::kFound || m.pattern != r.pattern) {
        std::fprintf(stderr, "%s %s: wrong route\n", r.method.c_str(),
                     r.path.c_str());
        std::abort();
      }
    }
  }
};

const Github& Routes() {
  static const Github* g = new Github();
  return *g;
}

// One lookup per iteration, cycling through the routes' request paths.
template <typename LookupFn>
void CycleLookups(benchmark::State& state, LookupFn lookup) {
  const Github& g = Routes();
  const size_t n = g.routes.size();
  size_t j = 0;
  Params params;
  for (auto _ : state) {
    const Route& r = g.routes[j];
    if (++j == n) {
      j = 0;
    }
    Match m = lookup(g.router, r, params);
    benchmark::DoNotOptimize(m.handler);
    benchmark::DoNotOptimize(params);
  }
  state.counters["routes"] = static_cast<double>(n);
}

void BM_Brisk_GithubLookup(benchmark::State& state) {
  CycleLookups(state, [](const Router& router, const Route& r, Params& p) {
    return router.Lookup(r.method, r.path, p);
  });
}
BENCHMARK(BM_Brisk_GithubLookup);

// Given the parsed method instead of its name (what Serve does).
void BM_Brisk_GithubLookupMethodId(benchmark::State& state) {
  CycleLookups(state, [](const Router& router, const Route& r, Params& p) {
    return router.Lookup(r.method_id, r.path, p);
  });
}
BENCHMARK(BM_Brisk_GithubLookupMethodId);

void BM_Brisk_GithubAll(benchmark::State& state) {
  const Github& g = Routes();
  Params params;
  for (auto _ : state) {
    for (const Route& r : g.routes) {
      Match m = g.router.Lookup(r.method, r.path, params);
      benchmark::DoNotOptimize(m.handler);
    }
  }
}
BENCHMARK(BM_Brisk_GithubAll);

}  // namespace
}  // namespace brisk::router
