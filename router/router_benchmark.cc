// Router::Lookup on a small route set, one case per shape: a static path,
// parameters, a catch-all, a static path beside a parameter (backtracking),
// a miss (404), a wrong method (405). The GitHub API comparison with
// httprouter is //bench:router_benchmark (bench/router/).

#include <cstdlib>
#include <string_view>

#include "benchmark/benchmark.h"

#include "router/router.h"

namespace brisk::router {
namespace {

void Nop(server::RequestCtx&, const Params&) {}

const Router& Routes() {
  static const Router* r = [] {
    auto* router = new Router();
    for (std::string_view p : {
             "/",
             "/users",
             "/users/new",
             "/users/{id}",
             "/users/{id}/edit",
             "/repos/{owner}/{repo}",
             "/repos/{owner}/{repo}/issues/{number:int}",
             "/repos/{owner}/{repo}/pulls/{number:int}/comments",
             "/static/{path...}",
         }) {
      if (!router->Get(p, Nop).ok()) {
        std::abort();
      }
    }
    return router;
  }();
  return *r;
}

void Lookup(benchmark::State& state, std::string_view method,
            std::string_view path, Match::Kind expect) {
  const Router& r = Routes();
  Params params;
  if (r.Lookup(method, path, params).kind != expect) {
    state.SkipWithError("unexpected outcome");
    return;
  }
  for (auto _ : state) {
    Match m = r.Lookup(method, path, params);
    benchmark::DoNotOptimize(m);
    benchmark::DoNotOptimize(params);
  }
}

BENCHMARK_CAPTURE(Lookup, Static, "GET", "/users", Match::Kind::kFound);
BENCHMARK_CAPTURE(Lookup, OneParam, "GET", "/users/42", Match::Kind::kFound);
BENCHMARK_CAPTURE(Lookup, StaticBesideParam, "GET", "/users/new",
                  Match::Kind::kFound);
BENCHMARK_CAPTURE(Lookup, Backtrack, "GET", "/users/new/edit",
                  Match::Kind::kFound);
BENCHMARK_CAPTURE(Lookup, ThreeParams, "GET",
                  "/repos/julienschmidt/httprouter/pulls/42/comments",
                  Match::Kind::kFound);
BENCHMARK_CAPTURE(Lookup, CatchAll, "GET", "/static/css/site/main.css",
                  Match::Kind::kFound);
BENCHMARK_CAPTURE(Lookup, NotFound, "GET", "/nothing/here",
                  Match::Kind::kNotFound);
BENCHMARK_CAPTURE(Lookup, MethodNotAllowed, "POST", "/users/42",
                  Match::Kind::kMethodNotAllowed);
BENCHMARK_CAPTURE(Lookup, Redirect, "GET", "/users/42/",
                  Match::Kind::kRedirect);

}  // namespace
}  // namespace brisk::router
