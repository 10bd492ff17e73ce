#include "middleware/cors.h"

#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "bytes/conv.h"
#include "http/method.h"
#include "middleware/internal/fields.h"

namespace brisk::middleware {
namespace {

using middleware_internal::AddVary;
using middleware_internal::ForEachListItem;

// The per-request state word: what OnRequest found.
enum class Seen : uintptr_t {
  kNone = 0,     // no Origin: not a CORS request
  kAllowed = 1,  // an Origin that may read the response
  kRefused = 2,  // an Origin that may not
};

void* ToState(Seen s) {
  return reinterpret_cast<void*>(static_cast<uintptr_t>(s));
}
Seen FromState(void* p) {
  return static_cast<Seen>(reinterpret_cast<uintptr_t>(p));
}

// Origins and header names compare without case; methods with it (Fetch
// §2.2.1: a method is byte-case-sensitive).
bool Contains(const std::vector<std::string>& list, std::string_view v,
              bool exact = false) {
  for (const std::string& s : list) {
    if (exact ? s == v : bytes::EqualsIgnoreCase(s, v)) {
      return true;
    }
  }
  return false;
}

// Request headers a browser never preflights (Fetch §2.2.2, those that are
// safelisted whatever their value).
bool SafelistedHeader(std::string_view name) {
  return bytes::EqualsIgnoreCase(name, "accept") ||
         bytes::EqualsIgnoreCase(name, "accept-language") ||
         bytes::EqualsIgnoreCase(name, "content-language");
}

bool SafelistedMethod(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "POST";
}

bool BadEntry(std::string_view s) {
  return s.empty() || s.find_first_of("\r\n,") != std::string_view::npos;
}

}  // namespace

absl::StatusOr<std::shared_ptr<Cors>> Cors::Create(CorsOptions options) {
  const bool any_origin =
      options.allowed_origins.size() == 1 && options.allowed_origins[0] == "*";
  if (options.allowed_origins.empty() && !options.allow_origin) {
    return absl::InvalidArgumentError(
        "CORS: no allowed_origins and no allow_origin: nothing may pass");
  }
  if (options.allow_credentials) {
    for (const auto* list : {&options.allowed_origins, &options.allowed_headers,
                             &options.exposed_headers}) {
      for (const std::string& s : *list) {
        if (s == "*") {
          return absl::InvalidArgumentError(
              "CORS: \"*\" with allow_credentials (the Fetch standard reads "
              "it as a name then; list the origins and headers)");
        }
      }
    }
  }
  for (const auto* list :
       {&options.allowed_origins, &options.allowed_methods,
        &options.allowed_headers, &options.exposed_headers}) {
    for (const std::string& s : *list) {
      if (BadEntry(s)) {
        return absl::InvalidArgumentError(
            absl::StrCat("CORS: bad entry \"", s, "\""));
      }
    }
  }
  if (!any_origin) {
    for (const std::string& s : options.allowed_origins) {
      if (s == "*") {
        return absl::InvalidArgumentError(
            "CORS: \"*\" must be the only allowed origin");
      }
    }
  }
  return std::shared_ptr<Cors>(new Cors(std::move(options)));
}

Cors::Cors(CorsOptions options) : options_(std::move(options)) {
  any_origin_ = options_.allowed_origins.size() == 1 &&
                options_.allowed_origins[0] == "*";
  any_header_ = options_.allowed_headers.size() == 1 &&
                options_.allowed_headers[0] == "*";
  methods_ = absl::StrJoin(options_.allowed_methods, ", ");
  exposed_ = absl::StrJoin(options_.exposed_headers, ", ");
  if (options_.max_age > absl::ZeroDuration()) {
    max_age_ = absl::StrCat(absl::ToInt64Seconds(options_.max_age));
  }
}

bool Cors::Allowed(std::string_view origin) const {
  if (options_.allow_origin) {
    return options_.allow_origin(origin);
  }
  if (any_origin_) {
    return true;
  }
  return Contains(options_.allowed_origins, origin);
}

bool Cors::OnRequest(server::RequestCtx& ctx, void*& state) const {
  const http::RequestHeader& req = ctx.request().header();
  const http::HeaderFields& f = req.fields();
  if (!f.Has("Origin")) {
    return true;  // not a CORS request
  }
  const std::string_view origin = bytes::TrimOws(req.Peek("Origin"));
  const bool allowed =
      f.Find("Origin", static_cast<size_t>(f.Find("Origin")) + 1) < 0 &&
      Allowed(origin);
  state = ToState(allowed ? Seen::kAllowed : Seen::kRefused);
  const std::string_view method =
      bytes::TrimOws(req.Peek("Access-Control-Request-Method"));
  if (req.method_id() != http::Method::kOptions ||
      !f.Has("Access-Control-Request-Method")) {
    return true;  // an actual request: its response is decorated
  }
  // A preflight: answered here.
  http::Response& resp = ctx.response();
  std::string_view refusal;
  if (!allowed) {
    refusal = "origin not allowed";
  } else if (!SafelistedMethod(method) &&
             !Contains(options_.allowed_methods, method, /*exact=*/true)) {
    refusal = "method not allowed";
  } else if (!any_header_ &&
             !ForEachListItem(f, "Access-Control-Request-Headers",
                              [this](std::string_view h) {
                                return SafelistedHeader(h) ||
                                       Contains(options_.allowed_headers, h);
                              })) {
    refusal = "request header not allowed";
  }
  if (!refusal.empty()) {
    ctx.Error(
        403,
        absl::StrCat("CORS preflight refused: ", bytes::ToAbsl(refusal), "\n"));
    state = ToState(Seen::kNone);  // no CORS fields on the refusal
  } else {
    resp.SetStatusCode(204);
    resp.body_buffer().Reset();
    http::ResponseHeader& h = resp.header();
    h.Set("Access-Control-Allow-Methods", methods_.empty()
                                              ? std::string_view(method)
                                              : std::string_view(methods_));
    const std::string_view asked = req.Peek("Access-Control-Request-Headers");
    if (!asked.empty()) {
      // Each was checked above; one line is what browsers send.
      h.Set("Access-Control-Allow-Headers", asked);
    }
    if (!max_age_.empty()) {
      h.Set("Access-Control-Max-Age", max_age_);
    }
  }
  http::ResponseHeader& h = resp.header();
  AddVary(h, "Access-Control-Request-Method");
  AddVary(h, "Access-Control-Request-Headers");
  return false;
}

void Cors::Decorate(server::RequestCtx& ctx, void* state) const {
  http::ResponseHeader& h = ctx.response().header();
  const bool star =
      any_origin_ && !options_.allow_credentials && !options_.allow_origin;
  if (!star) {
    AddVary(h, "Origin");
  }
  if (FromState(state) != Seen::kAllowed) {
    return;
  }
  if (star) {
    h.Set("Access-Control-Allow-Origin", "*");
  } else {
    h.Set("Access-Control-Allow-Origin",
          bytes::TrimOws(ctx.request().header().Peek("Origin")));
  }
  if (options_.allow_credentials) {
    h.Set("Access-Control-Allow-Credentials", "true");
  }
  if (!exposed_.empty()) {
    h.Set("Access-Control-Expose-Headers", exposed_);
  }
}

void Cors::OnResponse(server::RequestCtx& ctx, void*& state) const {
  Decorate(ctx, state);
}

bool Cors::OnStreamStart(server::RequestCtx& ctx, void*& state) const {
  Decorate(ctx, state);
  return false;
}

}  // namespace brisk::middleware
