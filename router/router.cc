#include "router/router.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "http/message.h"
#include "http/uri.h"
#include "router/internal/escape.h"
#include "router/internal/tree.h"

namespace brisk::router {
namespace {

using router_internal::AppendEncodedPath;
using router_internal::BitOf;
using router_internal::BuildEscapedPath;
using router_internal::Cat;
using router_internal::DecodeEscapedValues;
using router_internal::HasEncodedSlash;
using router_internal::MethodMask;
using router_internal::Node;

// Methods a route can have, in the order Allow lists them.
constexpr http::Method kRoutable[] = {
    http::Method::kGet,     http::Method::kHead,  http::Method::kPost,
    http::Method::kPut,     http::Method::kPatch, http::Method::kDelete,
    http::Method::kOptions, http::Method::kTrace,
};

constexpr MethodMask kRoutableMask = [] {
  MethodMask mask = 0;
  for (http::Method m : kRoutable) {
    mask |= static_cast<MethodMask>(1u << static_cast<unsigned>(m));
  }
  return mask;
}();

bool IsRoutable(http::Method m) {
  return (kRoutableMask & BitOf(m)) != 0;
}

constexpr std::string_view kRoutableNames =
    "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE";

// Longest Allow value: every routable method, ", " between them.
constexpr size_t kAllowBufferSize = 64;

// Writes the Allow value for `mask` into `buf`; returns a view of it.
std::string_view FormatAllow(MethodMask mask, char (&buf)[kAllowBufferSize]) {
  size_t n = 0;
  for (http::Method m : kRoutable) {
    if ((mask & BitOf(m)) == 0) {
      continue;
    }
    if (n != 0) {
      buf[n++] = ',';
      buf[n++] = ' ';
    }
    std::string_view name = http::MethodName(m);
    std::memcpy(buf + n, name.data(), name.size());
    n += name.size();
  }
  return std::string_view(buf, n);
}

}  // namespace

Middleware Hooks(std::shared_ptr<const server::Middleware> m) {
  return [m = std::move(m)](Handler next) -> Handler {
    return
        [m, next = std::move(next)](server::RequestCtx& ctx, const Params& p) {
          if (m == nullptr || server::Enter(ctx, *m)) {
            next(ctx, p);
          }
        };
  };
}

std::string Match::AllowHeader() const {
  char buf[kAllowBufferSize];
  return std::string(FormatAllow(allowed, buf));
}

absl::Status RouteGroup::Handle(std::string_view method,
                                std::string_view pattern, Handler handler) {
  // The first middleware listed is the outermost: wrap from the last.
  for (size_t i = middleware_.size(); i-- > 0 && handler;) {
    handler = middleware_[i](std::move(handler));
  }
  return router_->Add(method, Cat({prefix_, pattern}), std::move(handler));
}

RouteGroup RouteGroup::Group(std::string_view prefix,
                             std::vector<Middleware> middleware) const {
  std::vector<Middleware> all = middleware_;
  for (Middleware& m : middleware) {
    all.push_back(std::move(m));
  }
  return RouteGroup(router_, Cat({prefix_, prefix}), std::move(all));
}

Router::Router(RouterOptions options)
    : options_(std::move(options)),
      tree_(std::make_unique<router_internal::Tree>()) {}

Router::~Router() = default;

absl::Status Router::Handle(std::string_view method, std::string_view pattern,
                            Handler handler) {
  return Add(method, std::string(pattern), std::move(handler));
}

RouteGroup Router::Group(std::string_view prefix,
                         std::vector<Middleware> middleware) {
  return RouteGroup(this, std::string(prefix), std::move(middleware));
}

absl::Status Router::Add(std::string_view method_name, std::string pattern,
                         Handler handler) {
  if (frozen_) {
    return absl::FailedPreconditionError(
        Cat({"route ", method_name, " ", pattern,
             ": routes are added before Router::handler() is taken"}));
  }
  const http::Method method = http::ParseMethod(method_name);
  if (!IsRoutable(method)) {
    return absl::InvalidArgumentError(
        Cat({"route ", method_name, " ", pattern, ": the method is not one of ",
             kRoutableNames}));
  }
  if (!handler) {
    return absl::InvalidArgumentError(
        Cat({"route ", method_name, " ", pattern, ": empty handler"}));
  }
  std::vector<router_internal::Token> tokens;
  if (absl::Status s = router_internal::ParsePattern(pattern, tokens);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = tree_->Check(method, pattern, tokens); !s.ok()) {
    return s;
  }
  MethodMask serves = BitOf(method);
  if (method == http::Method::kGet) {
    serves |= BitOf(http::Method::kHead);
  }
  if (options_.handle_options) {
    serves |= BitOf(http::Method::kOptions);
  }
  const auto id = static_cast<int32_t>(routes_.size());
  routes_.push_back(std::make_unique<Route>(
      Route{method, std::move(pattern), std::move(handler)}));
  tree_->Insert(method, routes_.back()->pattern, tokens, id, serves);
  return absl::OkStatus();
}

server::Handler Router::handler() {
  frozen_ = true;
  return [this](server::RequestCtx& ctx) { Serve(ctx); };
}

Match Router::Lookup(std::string_view method, std::string_view path,
                     Params& params) const {
  return Lookup(http::ParseMethod(method), path, params);
}

Match Router::Lookup(http::Method method, std::string_view path,
                     Params& params) const {
  Match m;
  const MethodMask bit = IsRoutable(method) ? BitOf(method) : 0;
  if (bit != 0) {
    if (const Node* n = tree_->Find(path, bit, params)) {
      int32_t id = n->routes[static_cast<size_t>(method)];
      if (id < 0 && method == http::Method::kHead) {
        id = n->routes[static_cast<size_t>(http::Method::kGet)];
      }
      if (id >= 0) {
        const Route& r = *routes_[static_cast<size_t>(id)];
        m.kind = Match::Kind::kFound;
        m.handler = &r.handler;
        m.pattern = r.pattern;
        return m;
      }
      // Served without a route of its own: only OPTIONS.
      m.kind = Match::Kind::kOptions;
      m.allowed = tree_->Allowed(path);
      return m;
    }
  }
  params.Clear();
  if (const MethodMask allowed = tree_->Allowed(path); allowed != 0) {
    m.kind = Match::Kind::kMethodNotAllowed;
    m.allowed = allowed;
    return m;
  }
  if (bit != 0 && options_.redirect_trailing_slash &&
      HasTwin(method, path, &m.add_slash)) {
    m.kind = Match::Kind::kRedirect;
  }
  return m;
}

bool Router::HasTwin(http::Method method, std::string_view path,
                     bool* add_slash) const {
  Params scratch;
  const MethodMask bit = BitOf(method);
  if (path.size() > 1 && path.back() == '/') {
    *add_slash = false;
    return tree_->Find(path.substr(0, path.size() - 1), bit, scratch) !=
           nullptr;
  }
  if (path.empty()) {
    return false;
  }
  *add_slash = true;
  char stack[512];
  std::string heap;
  char* buf = stack;
  if (path.size() + 1 > sizeof(stack)) {
    heap.resize(path.size() + 1);
    buf = heap.data();
  }
  std::memcpy(buf, path.data(), path.size());
  buf[path.size()] = '/';
  return tree_->Find(std::string_view(buf, path.size() + 1), bit, scratch) !=
         nullptr;
}

void Router::Serve(server::RequestCtx& ctx) const {
  http::Request& req = ctx.request();
  const http::URI& uri = req.uri();
  if (req.uri_error() != http::ParseError::kNone) {
    ctx.Error(400, "Bad Request: malformed request-target\n");
    return;
  }
  const http::Method method = req.header().method_id();
  char allow[kAllowBufferSize];
  if (uri.is_asterisk()) {
    if (method == http::Method::kOptions && options_.handle_options) {
      ctx.SetStatusCode(204);
      ctx.response().header().Set(
          "Allow",
          FormatAllow(tree_->all_methods() | BitOf(http::Method::kOptions),
                      allow));
      return;
    }
    NotFound(ctx);
    return;
  }

  Params params;
  std::string_view path = uri.path();
  std::shared_ptr<std::string> storage;
  if (HasEncodedSlash(uri.path_original())) [[unlikely]] {
    storage = std::make_shared<std::string>();
    path = BuildEscapedPath(uri.path_original(), *storage);
  }
  const Match m = Lookup(method, path, params);
  switch (m.kind) {
    case Match::Kind::kFound:
      if (storage != nullptr) {
        DecodeEscapedValues(params, m.pattern.ends_with("...}"), *storage);
        params.storage_ = std::move(storage);
      }
      ctx.set_route(m.pattern);
      (*m.handler)(ctx, params);
      return;
    case Match::Kind::kOptions:
      ctx.SetStatusCode(204);
      ctx.response().header().Set("Allow", FormatAllow(m.allowed, allow));
      return;
    case Match::Kind::kMethodNotAllowed:
      ctx.Error(405, "Method Not Allowed\n");
      ctx.response().header().Set("Allow", FormatAllow(m.allowed, allow));
      return;
    case Match::Kind::kRedirect:
      Redirect(ctx, method, path, m.add_slash, storage != nullptr);
      return;
    case Match::Kind::kNotFound:
      NotFound(ctx);
      return;
  }
}

void Router::Redirect(server::RequestCtx& ctx, http::Method method,
                      std::string_view path, bool add_slash,
                      bool escaped) const {
  std::string location;
  std::string_view query = ctx.request().uri().query_string();
  location.reserve(path.size() + query.size() + 16);
  AppendEncodedPath(
      location, add_slash ? path : path.substr(0, path.size() - 1), escaped);
  if (add_slash) {
    location += '/';
  }
  // The query is copied still encoded, only when it is all 0x21-0x7E.
  if (!query.empty() && std::all_of(query.begin(), query.end(), [](char c) {
        return c > 0x20 && c < 0x7f;
      })) {
    location += '?';
    location += query;
  }
  const bool get =
      method == http::Method::kGet || method == http::Method::kHead;
  ctx.SetStatusCode(get ? 301 : 308);
  ctx.response().header().Set("Location", location);
}

void Router::NotFound(server::RequestCtx& ctx) const {
  if (options_.not_found) {
    options_.not_found(ctx);
    return;
  }
  ctx.Error(404, "Not Found\n");
}

}  // namespace brisk::router
