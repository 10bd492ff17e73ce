// Cors (middleware/cors.h) through the real server, checked against the
// Fetch standard's CORS protocol (§3.2): preflights allowed and refused
// (origin, method, header), safelisted methods and headers, the fields of
// actual responses, credentials (never "*"), Vary, "null", streamed
// responses, and the options Create() refuses.

#include "middleware/cors.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

#include "server/middleware.h"
#include "server/server.h"
#include "server/server_test_util.h"

namespace brisk::middleware {
namespace {

using server::Get;
using server::Reply;
using server::RoundTrip;
using server::TestServer;

std::shared_ptr<Cors> Make(CorsOptions o) {
  absl::StatusOr<std::shared_ptr<Cors>> c = Cors::Create(std::move(o));
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

server::Handler Hello() {
  return [](server::RequestCtx& ctx) {
    ctx.response().header().Set("X-Total", "7");
    ctx.SetBody("hello");
  };
}

std::string Preflight(std::string_view origin, std::string_view method,
                      std::string_view headers = "") {
  std::string r =
      "OPTIONS /api HTTP/1.1\r\nHost: t\r\nOrigin: " + std::string(origin) +
      "\r\nAccess-Control-Request-Method: " + std::string(method) + "\r\n";
  if (!headers.empty()) {
    r += "Access-Control-Request-Headers: " + std::string(headers) + "\r\n";
  }
  return r + "\r\n";
}

CorsOptions AppOptions() {
  CorsOptions o;
  o.allowed_origins = {"https://app.example.com", "null"};
  o.allowed_methods = {"GET", "PUT", "DELETE"};
  o.allowed_headers = {"Content-Type", "Authorization"};
  o.exposed_headers = {"X-Total"};
  o.allow_credentials = true;
  o.max_age = absl::Minutes(10);
  return o;
}

TEST(CorsTest, PreflightAllowed) {
  TestServer ts({}, server::Wrap({Make(AppOptions())}, Hello()));
  Reply r = RoundTrip(ts.port(), Preflight("https://app.example.com", "PUT",
                                           "content-type, authorization"));
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(r.Header("Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(r.Header("Access-Control-Allow-Methods"), "GET, PUT, DELETE");
  EXPECT_EQ(r.Header("Access-Control-Allow-Headers"),
            "content-type, authorization");
  EXPECT_EQ(r.Header("Access-Control-Max-Age"), "600");
  for (const char* v :
       {"Vary: Access-Control-Request-Method",
        "Vary: Access-Control-Request-Headers", "Vary: Origin"}) {
    EXPECT_NE(r.head.find(v), std::string::npos) << v << "\n" << r.head;
  }
  // Safelisted methods and headers need no listing.
  r = RoundTrip(ts.port(), Preflight("https://app.example.com", "POST",
                                     "Accept, Accept-Language"));
  EXPECT_EQ(r.status, 204);
  // "null" is an origin only because it is listed.
  r = RoundTrip(ts.port(), Preflight("null", "GET"));
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "null");
}

TEST(CorsTest, PreflightRefusedWithoutCorsFields) {
  TestServer ts({}, server::Wrap({Make(AppOptions())}, Hello()));
  struct Case {
    std::string request;
    std::string why;
  };
  for (const Case& c : std::vector<Case>{
           {Preflight("https://evil.example", "GET"), "origin"},
           {Preflight("https://app.example.com.evil.example", "GET"), "origin"},
           {Preflight("http://app.example.com", "GET"), "origin"},  // scheme
           {Preflight("https://app.example.com", "PATCH"), "method"},
           {Preflight("https://app.example.com", "put"), "method"},  // case
           {Preflight("https://app.example.com", "GET", "X-Secret"), "header"},
           {Preflight("https://app.example.com", "GET",
                      "content-type, x-secret"),
            "header"},
       }) {
    Reply r = RoundTrip(ts.port(), c.request);
    EXPECT_EQ(r.status, 403) << c.why << "\n" << c.request;
    EXPECT_NE(r.body.find(c.why), std::string::npos) << r.body;
    EXPECT_FALSE(r.Has("Access-Control-Allow-Origin")) << c.request;
    EXPECT_FALSE(r.Has("Access-Control-Allow-Methods")) << c.request;
  }
}

TEST(CorsTest, ActualResponsesAreDecorated) {
  bool ran = false;
  TestServer ts(
      {}, server::Wrap({Make(AppOptions())}, [&ran](server::RequestCtx& ctx) {
        ran = true;
        ctx.Error(404, "no such item");
      }));
  Reply r =
      RoundTrip(ts.port(), Get("/api", "Origin: https://app.example.com\r\n"));
  EXPECT_TRUE(ran);
  EXPECT_EQ(r.status, 404);  // whatever the handler answered
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "https://app.example.com");
  EXPECT_EQ(r.Header("Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(r.Header("Access-Control-Expose-Headers"), "X-Total");
  EXPECT_EQ(r.Header("Vary"), "Origin");
  // A refused origin: the handler runs, the page cannot read the answer.
  r = RoundTrip(ts.port(), Get("/api", "Origin: https://evil.example\r\n"));
  EXPECT_FALSE(r.Has("Access-Control-Allow-Origin"));
  EXPECT_EQ(r.Header("Vary"), "Origin");
  // No Origin: not CORS, but the answer still varies by it for caches.
  r = RoundTrip(ts.port(), Get("/api"));
  EXPECT_FALSE(r.Has("Access-Control-Allow-Origin"));
  EXPECT_EQ(r.Header("Vary"), "Origin");
  // OPTIONS without Access-Control-Request-Method is no preflight.
  r = RoundTrip(ts.port(),
                "OPTIONS /api HTTP/1.1\r\nHost: t\r\nOrigin: "
                "https://app.example.com\r\n\r\n");
  EXPECT_EQ(r.status, 404);
  // Two Origin lines are no origin anyone sent.
  r = RoundTrip(ts.port(), Get("/api",
                               "Origin: https://app.example.com\r\n"
                               "Origin: https://app.example.com\r\n"));
  EXPECT_FALSE(r.Has("Access-Control-Allow-Origin"));
}

TEST(CorsTest, AnyOriginWithoutCredentialsIsAStar) {
  CorsOptions o;
  o.allowed_origins = {"*"};
  o.allowed_headers = {"*"};
  TestServer ts({}, server::Wrap({Make(o)}, Hello()));
  Reply r = RoundTrip(ts.port(), Get("/", "Origin: https://a.example\r\n"));
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "*");
  EXPECT_FALSE(r.Has("Access-Control-Allow-Credentials"));
  EXPECT_FALSE(r.Has("Vary"));  // the same for every origin
  r = RoundTrip(ts.port(), Preflight("https://b.example", "GET", "X-Anything"));
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(r.Header("Access-Control-Allow-Headers"), "X-Anything");
}

TEST(CorsTest, AFunctionDecidesAndTheOriginIsEchoed) {
  CorsOptions o;
  o.allow_origin = [](std::string_view origin) {
    return origin.ends_with(".example.org");
  };
  TestServer ts({}, server::Wrap({Make(o)}, Hello()));
  Reply r = RoundTrip(ts.port(), Get("/", "Origin: https://x.example.org\r\n"));
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "https://x.example.org");
  EXPECT_EQ(r.Header("Vary"), "Origin");
  r = RoundTrip(ts.port(), Get("/", "Origin: https://x.example.com\r\n"));
  EXPECT_FALSE(r.Has("Access-Control-Allow-Origin"));
}

TEST(CorsTest, StreamedResponsesAreDecoratedToo) {
  TestServer ts(
      {}, server::Wrap(
              {Make(AppOptions())},
              server::Coroutine([](server::RequestCtx& ctx) -> server::Task {
                absl::Status s = co_await ctx.StreamWrite("part");
                EXPECT_TRUE(s.ok()) << s;
              })));
  Reply r =
      RoundTrip(ts.port(), Get("/", "Origin: https://app.example.com\r\n"));
  EXPECT_EQ(r.body, "part");
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "https://app.example.com");
}

TEST(CorsTest, CreateRefusesWhatCannotWork) {
  CorsOptions o;
  EXPECT_FALSE(Cors::Create(o).ok());  // nothing may pass
  o.allowed_origins = {"*"};
  o.allow_credentials = true;
  EXPECT_FALSE(Cors::Create(o).ok());  // "*" with credentials
  o = AppOptions();
  o.allowed_headers = {"*"};
  EXPECT_FALSE(Cors::Create(o).ok());
  o = AppOptions();
  o.exposed_headers = {"*"};
  EXPECT_FALSE(Cors::Create(o).ok());
  o = AppOptions();
  o.allowed_origins = {"https://a.example", "*"};
  o.allow_credentials = false;
  EXPECT_FALSE(Cors::Create(o).ok());  // "*" among others
  o = AppOptions();
  o.allowed_origins = {"https://a.example\r\nX-Evil: 1"};
  EXPECT_FALSE(Cors::Create(o).ok());
  o = AppOptions();
  o.allowed_methods = {""};
  EXPECT_FALSE(Cors::Create(o).ok());
  EXPECT_TRUE(Cors::Create(AppOptions()).ok());
}

}  // namespace
}  // namespace brisk::middleware
