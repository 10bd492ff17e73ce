// Fuzzes what Router::Serve does with a request-target: parse it (URI),
// route the decoded path or, with an encoded slash, the escaped copy, decode
// the parameters, build a redirect's Location. The first byte picks the
// method. Aborts when an invariant breaks:
//   - the same lookup twice gives the same answer;
//   - a match's values are non-empty single segments (a catch-all aside) and
//     views into the path looked up; decoding them never moves that path;
//   - a decoded catch-all is normalized (no "//", no dot segment);
//   - a 405 never lists the method it refused;
//   - a redirect's twin has a route, and its Location is printable,
//     starts with one '/' and decodes back to the twin.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/method.h"
#include "http/uri.h"
#include "router/internal/escape.h"
#include "router/internal/tree.h"
#include "router/params.h"
#include "router/router.h"

namespace brisk::router {
namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "router_fuzzer: %s\n", what);
    std::abort();
  }
}

void Nop(server::RequestCtx&, const Params&) {}

const Router& Routes() {
  static const Router* r = [] {
    auto* router = new Router();
    const char* get[] = {
        "/",
        "/users",
        "/users/",
        "/users/new",
        "/users/{id}",
        "/users/{id}/edit",
        "/users/{id}/posts/{post:int}",
        "/files/{name}",
        "/static/{path...}",
        "/static/index.html",
        "/{a}/{b}/{c}/{d}",
        "/x%",  // refused ('%'): must change nothing
    };
    for (const char* p : get) {
      (void)router->Get(p, Nop);
    }
    (void)router->Post("/users", Nop);
    (void)router->Put("/users/{id}", Nop);
    (void)router->Delete("/dir/", Nop);
    (void)router->Options("/opt", Nop);
    return router;
  }();
  return *r;
}

bool Within(std::string_view inner, std::string_view outer) {
  return inner.data() >= outer.data() &&
         inner.data() + inner.size() <= outer.data() + outer.size();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

void CheckLocation(std::string_view twin, bool escaped) {
  std::string location;
  router_internal::AppendEncodedPath(location, twin, escaped);
  Check(!location.empty() && location[0] == '/', "Location not absolute");
  Check(location.size() < 2 || location[1] != '/', "Location starts //");
  std::string decoded;
  for (size_t i = 0; i < location.size(); ++i) {
    const char c = location[i];
    Check(c > 0x20 && c < 0x7f, "Location byte not printable");
    if (c == '%' && !escaped) {
      Check(i + 2 < location.size(), "Location escape cut");
      decoded += static_cast<char>(HexValue(location[i + 1]) << 4 |
                                   HexValue(location[i + 2]));
      i += 2;
    } else {
      decoded += c;
    }
  }
  if (!escaped) {
    Check(decoded == twin, "Location does not decode to the twin");
  }
}

void Run(http::Method method, std::string_view target) {
  http::URI uri;
  if (uri.Parse(target, "h") != http::ParseError::kNone || uri.is_asterisk()) {
    return;
  }
  const Router& r = Routes();
  std::string storage;
  std::string_view path = uri.path();
  const bool escaped = router_internal::HasEncodedSlash(uri.path_original());
  if (escaped) {
    path = router_internal::BuildEscapedPath(uri.path_original(), storage);
    Check(!path.empty() && path[0] == '/', "escaped path not absolute");
    Check(path.find("//") == std::string_view::npos, "escaped path has //");
  }
  Params p;
  const Match m = r.Lookup(method, path, p);
  Params again;
  const Match m2 = r.Lookup(method, path, again);
  Check(m.kind == m2.kind && m.handler == m2.handler &&
            m.allowed == m2.allowed && p.size() == again.size(),
        "lookup not deterministic");
  switch (m.kind) {
    case Match::Kind::kFound: {
      const bool catch_all = m.pattern.ends_with("...}");
      for (size_t i = 0; i < p.size(); ++i) {
        Check(p.value(i) == again.value(i), "values differ");
        Check(Within(p.value(i), path), "value outside the path");
        const bool last_catch_all = catch_all && i + 1 == p.size();
        if (!last_catch_all) {
          Check(!p.value(i).empty(), "empty parameter");
          Check(p.value(i).find('/') == std::string_view::npos,
                "parameter spans segments");
        }
      }
      if (escaped) {
        const char* before = storage.data();
        router_internal::DecodeEscapedValues(p, catch_all, storage);
        Check(storage.data() == before, "decoding moved the path");
        if (catch_all) {
          const std::string rest = "/" + std::string(p.value(p.size() - 1));
          Check(rest.find("//") == std::string::npos &&
                    rest.find("/../") == std::string::npos &&
                    !rest.ends_with("/.."),
                "catch-all not normalized");
        }
      }
      break;
    }
    case Match::Kind::kMethodNotAllowed:
      Check(m.allowed != 0, "405 without Allow");
      Check((m.allowed & router_internal::BitOf(method)) == 0 ||
                method == http::Method::kConnect ||
                method == http::Method::kOther,
            "405 lists the method it refused");
      break;
    case Match::Kind::kRedirect: {
      std::string twin(path);
      if (m.add_slash) {
        twin += '/';
      } else {
        twin.pop_back();
      }
      Params tp;
      const Match t = r.Lookup(method, twin, tp);
      Check(t.kind == Match::Kind::kFound || t.kind == Match::Kind::kOptions,
            "redirect to a path without a route");
      CheckLocation(twin, escaped);
      break;
    }
    case Match::Kind::kOptions:
      Check(method == http::Method::kOptions,
            "OPTIONS answer for another method");
      break;
    case Match::Kind::kNotFound:
      break;
  }
}

}  // namespace
}  // namespace brisk::router

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using brisk::http::Method;
  if (size == 0) {
    return 0;
  }
  static constexpr Method kMethods[] = {
      Method::kGet,     Method::kHead,  Method::kPost,    Method::kPut,
      Method::kDelete,  Method::kPatch, Method::kOptions, Method::kTrace,
      Method::kConnect, Method::kOther,
  };
  brisk::router::Run(
      kMethods[data[0] % 10],
      std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
