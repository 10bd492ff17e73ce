// File: router/router.h
//
// Router: method + path routes for brisk's server, httprouter's radix tree
// with named parameters, groups and middleware. It produces the
// server::Handler that a Server runs.
//
// Patterns (matched against the request's decoded, normalized path):
//   /users                   static
//   /users/{id}              a parameter: one non-empty segment
//   /users/{id:int}          the same, only ASCII digits
//   /static/{path...}        a catch-all: the rest of the path, possibly
//                            empty; only as the last segment
// A parameter is a whole segment. At one position, static text beats a
// parameter, which beats a catch-all, and a dead end backtracks: with
// /users/new and /users/{id}/edit, /users/new/edit reaches the second.
// Conflicts are refused when the route is added, never at request time (see
// Handle()).
//
// Answers the router gives itself:
//   - 404 when no route matches the path (RouterOptions::not_found);
//   - 405 with `Allow` when routes match the path but none has the method;
//   - HEAD is served by the GET route unless a HEAD route exists (the server
//     drops the body); OPTIONS gets 204 with `Allow` unless an OPTIONS route
//     exists; "OPTIONS *" lists every method routed;
//   - a path with no route whose other trailing-slash form ("/a" vs "/a/")
//     has one for the method is redirected there: 301 for GET and HEAD, 308
//     (method and body kept) otherwise; the query string is kept;
//   - 400 for a request-target the URI parser refused.
//
// Contract:
//   - Registration (Handle, Get, ..., groups) happens on one thread, before
//     handler() is called; after it, Handle() returns FailedPrecondition.
//     The router is then read-only and serves every loop thread at once.
//   - The Router must outlive every Server (and every DetachedCtx) using
//     its handler(); it is neither copyable nor movable.
//   - Before a route's handler runs, ctx.route() is set to its pattern
//     (metrics label requests by it).
//   - A route's handler gets the RequestCtx and the Params; both are valid
//     during the call (Params copies: as long as the request, see
//     router/params.h). Handlers run on the server's threads concurrently.
//   - Matching allocates nothing. The exceptions, off the hot path: a path
//     with an encoded slash (%2F) allocates one buffer for its decoded
//     values; a redirect builds its Location.
//
// Example:
//   router::Router r;
//   absl::Status s = r.Get("/users/{id}", [](server::RequestCtx& ctx,
//                                            const router::Params& p) {
//     ctx.SetBody(p.Get("id"));
//   });
//   router::RouteGroup api = r.Group("/api", {RequireToken, Log});
//   s.Update(api.Post("/items", AddItem));  // runs RequireToken(Log(AddItem))
//   server::Server server(server::ServerOptions{}, r.handler());

#ifndef BRISK_ROUTER_ROUTER_H_
#define BRISK_ROUTER_ROUTER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"

#include "http/method.h"
#include "router/params.h"
#include "server/middleware.h"
#include "server/request_ctx.h"
#include "server/server.h"

namespace brisk::router {

namespace router_internal {
class Tree;
}  // namespace router_internal

// What a route runs.
// Called on several loop threads at once, hence const; move-only, so it may
// own what it captures.
using Handler =
    absl::AnyInvocable<void(server::RequestCtx&, const Params&) const>;
// Wraps a handler (to run code before or after it, or instead of it).
// Applied once, when a route is added, not per request.
using Middleware = std::function<Handler(Handler)>;

// A server::Middleware (server/middleware.h: hooks on the request, on its
// response and after it, for plain and coroutine routes alike) as router
// middleware, for a group or Router::Group's list. Its OnRequest runs when a
// route of the group is reached; returning false answers there.
//   RouteGroup api = r.Group("/api", {router::Hooks(compress)});
Middleware Hooks(std::shared_ptr<const server::Middleware> m);

// A route Handler running the coroutine `f(ctx, params)` (a server::Task;
// see server/request_ctx.h). `f` takes Params by value: the copy stays valid
// until the task ends (its values are views into the request, which lives
// as long). Middleware around such a route runs before the task starts;
// what it does after calling the next handler happens before the task runs.
//   router.Get("/users/{id}", router::Coroutine(
//       [](server::RequestCtx& ctx, Params p) -> server::Task {
//         co_await ctx.Sleep(absl::Milliseconds(10));
//         ctx.SetBody(p.Get("id"));
//       }));
template <typename F>
Handler Coroutine(F f) {
  return [f = std::move(f)](server::RequestCtx& ctx, const Params& p) {
    ctx.Continue(f(ctx, p));
  };
}

struct RouterOptions {
  // Redirect a path without a route to its other trailing-slash form when
  // that one has a route for the method: 301 for GET/HEAD, 308 otherwise.
  // Default true (httprouter's RedirectTrailingSlash). false: 404.
  bool redirect_trailing_slash = true;
  // Answer OPTIONS on a routed path with 204 and `Allow` (and "OPTIONS *"
  // with every method routed). Default true (httprouter's HandleOPTIONS).
  bool handle_options = true;
  // Answers 404s. Default: 404 "Not Found", text/plain.
  server::Handler not_found = nullptr;
};

// The outcome of a lookup.
struct Match {
  enum class Kind : uint8_t {
    kFound,             // `handler` serves the request
    kOptions,           // OPTIONS answered automatically: 204 with `allowed`
    kMethodNotAllowed,  // 405 with `allowed`
    kRedirect,          // the path with `add_slash` or without it has a route
    kNotFound,          // 404
  };
  Kind kind = Kind::kNotFound;
  const Handler* handler = nullptr;  // kFound; owned by the Router
  std::string_view pattern;          // kFound: the route's pattern
  uint16_t allowed = 0;    // kOptions, kMethodNotAllowed: one bit per method
  bool add_slash = false;  // kRedirect: append '/' (or drop the trailing one)

  // The value of the Allow field for `allowed`: "GET, HEAD, OPTIONS".
  std::string AllowHeader() const;
};

class Router;

// Routes under a shared prefix with shared middleware. Cheap to copy; it
// refers to its Router, which must outlive it.
// Get(pattern, h) ... Options(pattern, h): Handle() with the method named,
// for Router and RouteGroup alike.
template <typename Self>
class MethodShorthands {
 public:
  [[nodiscard]] absl::Status Get(std::string_view pattern, Handler h) {
    return self().Handle("GET", pattern, std::move(h));
  }
  [[nodiscard]] absl::Status Head(std::string_view pattern, Handler h) {
    return self().Handle("HEAD", pattern, std::move(h));
  }
  [[nodiscard]] absl::Status Post(std::string_view pattern, Handler h) {
    return self().Handle("POST", pattern, std::move(h));
  }
  [[nodiscard]] absl::Status Put(std::string_view pattern, Handler h) {
    return self().Handle("PUT", pattern, std::move(h));
  }
  [[nodiscard]] absl::Status Patch(std::string_view pattern, Handler h) {
    return self().Handle("PATCH", pattern, std::move(h));
  }
  [[nodiscard]] absl::Status Delete(std::string_view pattern, Handler h) {
    return self().Handle("DELETE", pattern, std::move(h));
  }
  [[nodiscard]] absl::Status Options(std::string_view pattern, Handler h) {
    return self().Handle("OPTIONS", pattern, std::move(h));
  }

 private:
  Self& self() { return static_cast<Self&>(*this); }
};

class RouteGroup : public MethodShorthands<RouteGroup> {
 public:
  // Adds `pattern` under the group's prefix; the group's middleware wraps
  // `handler`, the first listed outermost. See Router::Handle.
  [[nodiscard]] absl::Status Handle(std::string_view method,
                                    std::string_view pattern, Handler handler);

  // A nested group: this prefix + `prefix`, this middleware then
  // `middleware` (so this group's run outside the new group's).
  RouteGroup Group(std::string_view prefix,
                   std::vector<Middleware> middleware = {}) const;
  // Adds middleware (innermost so far) for the routes added after it.
  void Use(Middleware m) { middleware_.push_back(std::move(m)); }

  const std::string& prefix() const { return prefix_; }

 private:
  friend class Router;
  RouteGroup(Router* router, std::string prefix,
             std::vector<Middleware> middleware)
      : router_(router),
        prefix_(std::move(prefix)),
        middleware_(std::move(middleware)) {}

  Router* router_;
  std::string prefix_;  // "" or "/a/b" (prefix + pattern must be a pattern)
  std::vector<Middleware> middleware_;
};

class Router : public MethodShorthands<Router> {
 public:
  explicit Router(RouterOptions options = {});
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Adds a route. `method` is GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS
  // or TRACE. Errors, all reported here:
  //   InvalidArgument: a bad method or pattern (not starting with '/', "//",
  //     a dot segment, '%', '?', '#' or a control byte, a parameter that is
  //     not a whole segment, a catch-all not last, a bad or repeated name,
  //     an unknown constraint, more than Params::kMaxParams), an empty
  //     handler, or a conflict: two different wildcards at one position
  //     ({id} and {name}, {id} and {id:int}, {id} and {path...}).
  //   AlreadyExists: the same method and pattern twice.
  //   FailedPrecondition: handler() was already taken.
  // On error nothing is added.
  [[nodiscard]] absl::Status Handle(std::string_view method,
                                    std::string_view pattern, Handler handler);

  // A group of routes under `prefix` ("" or "/a", no trailing slash) whose
  // handlers `middleware` wraps, the first listed outermost.
  RouteGroup Group(std::string_view prefix,
                   std::vector<Middleware> middleware = {});

  // The handler to give a Server. Ends registration (see the file comment).
  server::Handler handler();

  // Serves one request (what handler() runs).
  void Serve(server::RequestCtx& ctx) const;

  // Matches `method` and a decoded, normalized `path` ("/a/b") without
  // allocating; `params` receives the parameters (views into `path` and
  // into the Router). The method by name: "GET"; a name that no route can
  // have (an extension method) finds at most kMethodNotAllowed.
  Match Lookup(http::Method method, std::string_view path,
               Params& params) const;
  Match Lookup(std::string_view method, std::string_view path,
               Params& params) const;

  // Routes added.
  size_t size() const { return routes_.size(); }
  const RouterOptions& options() const { return options_; }

 private:
  friend class RouteGroup;

  struct Route {
    http::Method method;
    std::string pattern;
    Handler handler;
  };

  [[nodiscard]] absl::Status Add(std::string_view method, std::string pattern,
                                 Handler handler);
  bool HasTwin(http::Method method, std::string_view path,
               bool* add_slash) const;
  void Redirect(server::RequestCtx& ctx, http::Method method,
                std::string_view path, bool add_slash, bool escaped) const;
  void NotFound(server::RequestCtx& ctx) const;

  RouterOptions options_;
  std::unique_ptr<router_internal::Tree> tree_;
  std::vector<std::unique_ptr<Route>> routes_;
  bool frozen_ = false;
};

}  // namespace brisk::router

#endif  // BRISK_ROUTER_ROUTER_H_
