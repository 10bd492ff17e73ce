#include "router/router.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "http/method.h"
#include "server/request_ctx.h"
#include "server/server.h"
#include "server/server_test_util.h"
#include "testing/counting_allocator.h"
#include "testing/raw_conn.h"

namespace brisk::router {
namespace {

using server::Reply;
using server::RequestCtx;
using server::RoundTrip;
using server::TestServer;
using Kind = Match::Kind;

void Nop(RequestCtx&, const Params&) {}

// " name=value" for each parameter.
std::string Describe(const Params& p) {
  std::string out;
  for (size_t i = 0; i < p.size(); ++i) {
    out += " ";
    out += p.name(i);
    out += "=";
    out += p.value(i);
  }
  return out;
}

// A handler that answers with its route's name and parameters.
Handler Echo(std::string name) {
  return [name](RequestCtx& ctx, const Params& p) {
    ctx.SetBody(name + Describe(p));
  };
}

// Looks `path` up and returns what a test compares: the kind, and for a
// match the pattern and parameters.
std::string Find(const Router& r, std::string_view method,
                 std::string_view path) {
  Params p;
  Match m = r.Lookup(method, path, p);
  switch (m.kind) {
    case Kind::kFound:
      return std::string(m.pattern) + Describe(p);
    case Kind::kOptions:
      return "options: " + m.AllowHeader();
    case Kind::kMethodNotAllowed:
      return "405: " + m.AllowHeader();
    case Kind::kRedirect:
      return m.add_slash ? "redirect: add /" : "redirect: drop /";
    case Kind::kNotFound:
      return "404";
  }
  return "?";
}

// --- registration: every refusal happens here, never at request time ---

TEST(RouterRegistrationTest, SameMethodAndPatternTwiceIsAlreadyExists) {
  Router r;
  ASSERT_TRUE(r.Get("/users/{id}", Nop).ok());
  absl::Status s = r.Get("/users/{id}", Nop);
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
  EXPECT_NE(s.message().find("GET /users/{id}"), std::string_view::npos) << s;
  EXPECT_TRUE(r.Post("/users/{id}", Nop).ok());
  EXPECT_TRUE(r.Head("/users/{id}", Nop).ok());  // explicit HEAD is allowed
  EXPECT_EQ(r.size(), 3u);
}

TEST(RouterRegistrationTest, TwoParameterNamesAtOnePositionConflict) {
  Router r;
  ASSERT_TRUE(r.Get("/users/{id}", Nop).ok());
  absl::Status s = r.Get("/users/{name}/posts", Nop);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("{name} conflicts with {id}"),
            std::string_view::npos)
      << s;
  EXPECT_EQ(r.Delete("/users/{user}", Nop).code(),
            absl::StatusCode::kInvalidArgument);
  // The same name goes on deeper, and other positions are independent.
  EXPECT_TRUE(r.Get("/users/{id}/posts/{post}", Nop).ok());
  EXPECT_TRUE(r.Get("/teams/{name}", Nop).ok());
}

TEST(RouterRegistrationTest, ConstraintsMustAgreeAtOnePosition) {
  Router r;
  ASSERT_TRUE(r.Get("/items/{id:int}", Nop).ok());
  EXPECT_EQ(r.Post("/items/{id}", Nop).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(r.Post("/items/{id:int}", Nop).ok());
}

TEST(RouterRegistrationTest, ParameterAndCatchAllAtOnePositionConflict) {
  Router a;
  ASSERT_TRUE(a.Get("/files/{name}", Nop).ok());
  EXPECT_EQ(a.Get("/files/{path...}", Nop).code(),
            absl::StatusCode::kInvalidArgument);
  Router b;
  ASSERT_TRUE(b.Get("/files/{path...}", Nop).ok());
  EXPECT_EQ(b.Post("/files/{name}/meta", Nop).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(b.Post("/files/{rest...}", Nop).code(),
            absl::StatusCode::kInvalidArgument);  // another catch-all name
  EXPECT_TRUE(b.Post("/files/{path...}", Nop).ok());
  EXPECT_TRUE(b.Get("/files/README", Nop).ok());  // static beside it is fine
}

TEST(RouterRegistrationTest, StaticBesideAParameterIsAllowed) {
  Router r;
  EXPECT_TRUE(r.Get("/users/{id}", Nop).ok());
  EXPECT_TRUE(r.Get("/users/new", Nop).ok());
  EXPECT_TRUE(r.Get("/users/{id}/edit", Nop).ok());
  EXPECT_TRUE(r.Get("/users/", Nop).ok());
  EXPECT_TRUE(r.Get("/users", Nop).ok());
}

TEST(RouterRegistrationTest, BadPatternsAreInvalidArgument) {
  const char* bad[] = {
      "",
      "users",
      "/a//b",
      "/a/./b",
      "/a/../b",
      "/a/..",
      "/a{id}",
      "/{id}x",
      "/{id}{x}",
      "/{}",
      "/{...}",
      "/{1a}",
      "/{a-b}",
      "/{id:float}",
      "/{a}/{a}",
      "/{a}/{a...}",
      "/{rest...}/",
      "/{rest...}/x",
      "/a%20b",
      "/a?b=1",
      "/a#frag",
      "/a\r\nX: y",
      "/{a",
      "/a}",
  };
  for (const char* p : bad) {
    Router r;
    absl::Status s = r.Get(p, Nop);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << p << ": " << s;
    EXPECT_EQ(r.size(), 0u) << p;
  }
}

TEST(RouterRegistrationTest, AtMostMaxParamsParameters) {
  std::string ok;
  for (size_t i = 0; i < Params::kMaxParams; ++i) {
    absl::StrAppend(&ok, "/{p", i, "}");
  }
  Router r;
  EXPECT_TRUE(r.Get(ok, Nop).ok());
  EXPECT_EQ(r.Get(ok + "/{one_more}", Nop).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RouterRegistrationTest, BadMethodsAndEmptyHandlers) {
  Router r;
  for (const char* m : {"CONNECT", "get", "PROPFIND", "", "G ET"}) {
    EXPECT_EQ(r.Handle(m, "/a", Nop).code(), absl::StatusCode::kInvalidArgument)
        << m;
  }
  EXPECT_EQ(r.Get("/a", Handler()).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(r.Handle("TRACE", "/a", Nop).ok());
  EXPECT_TRUE(r.Handle("PATCH", "/a", Nop).ok());
}

TEST(RouterRegistrationTest, ARefusedRouteLeavesNoTrace) {
  Router r;
  ASSERT_TRUE(r.Get("/files/{name}", Nop).ok());
  ASSERT_FALSE(r.Get("/files/{path...}", Nop).ok());
  ASSERT_FALSE(r.Get("/files/{other}/x", Nop).ok());
  EXPECT_EQ(r.size(), 1u);
  EXPECT_EQ(Find(r, "GET", "/files/a"), "/files/{name} name=a");
  EXPECT_EQ(Find(r, "GET", "/files/a/b"), "404");
  EXPECT_EQ(Find(r, "GET", "/files/a/x"), "404");
}

TEST(RouterRegistrationTest, NoRegistrationOnceTheHandlerIsTaken) {
  Router r;
  ASSERT_TRUE(r.Get("/a", Nop).ok());
  (void)r.handler();
  EXPECT_EQ(r.Get("/b", Nop).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.Group("/g").Get("/c", Nop).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.size(), 1u);
}

// --- matching ---

TEST(RouterLookupTest, StaticAndParameters) {
  Router r;
  ASSERT_TRUE(r.Get("/", Nop).ok());
  ASSERT_TRUE(r.Get("/users", Nop).ok());
  ASSERT_TRUE(r.Get("/users/{id}", Nop).ok());
  ASSERT_TRUE(r.Get("/users/{id}/posts/{post}", Nop).ok());
  ASSERT_TRUE(r.Get("/user", Nop).ok());
  EXPECT_EQ(Find(r, "GET", "/"), "/");
  EXPECT_EQ(Find(r, "GET", "/users"), "/users");
  EXPECT_EQ(Find(r, "GET", "/user"), "/user");
  EXPECT_EQ(Find(r, "GET", "/users/42"), "/users/{id} id=42");
  EXPECT_EQ(Find(r, "GET", "/users/42/posts/7"),
            "/users/{id}/posts/{post} id=42 post=7");
  EXPECT_EQ(Find(r, "GET", "/users/42/posts"), "404");
  EXPECT_EQ(Find(r, "GET", "/use"), "404");
  EXPECT_EQ(Find(r, "GET", "/usersx"), "404");
  EXPECT_EQ(Find(r, "GET", ""), "404");
  EXPECT_EQ(Find(r, "GET", "*"), "404");

  Params p;
  ASSERT_EQ(r.Lookup("GET", "/users/42/posts/7", p).kind, Kind::kFound);
  EXPECT_EQ(p.Get("id"), "42");
  EXPECT_EQ(p.Get("post"), "7");
  EXPECT_EQ(p.Get("nope"), "");
  EXPECT_TRUE(p.Has("post"));
  EXPECT_FALSE(p.Has("nope"));
  ASSERT_EQ(r.Lookup("GET", "/users", p).kind, Kind::kFound);
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(p.Get("id"), "");
}

TEST(RouterLookupTest, StaticBeatsParameterAndDeadEndsBacktrack) {
  Router r;
  ASSERT_TRUE(r.Get("/users/new", Nop).ok());
  ASSERT_TRUE(r.Get("/users/newest/all", Nop).ok());
  ASSERT_TRUE(r.Get("/users/{id}", Nop).ok());
  ASSERT_TRUE(r.Get("/users/{id}/edit", Nop).ok());
  ASSERT_TRUE(r.Get("/files/{path...}", Nop).ok());
  ASSERT_TRUE(r.Get("/files/a/b", Nop).ok());
  EXPECT_EQ(Find(r, "GET", "/users/new"), "/users/new");
  EXPECT_EQ(Find(r, "GET", "/users/new/edit"), "/users/{id}/edit id=new");
  EXPECT_EQ(Find(r, "GET", "/users/newest"), "/users/{id} id=newest");
  EXPECT_EQ(Find(r, "GET", "/users/newest/all"), "/users/newest/all");
  EXPECT_EQ(Find(r, "GET", "/users/newe"), "/users/{id} id=newe");
  EXPECT_EQ(Find(r, "GET", "/users/7/edit"), "/users/{id}/edit id=7");
  EXPECT_EQ(Find(r, "GET", "/files/a/b"), "/files/a/b");
  EXPECT_EQ(Find(r, "GET", "/files/a/b/c"), "/files/{path...} path=a/b/c");
  EXPECT_EQ(Find(r, "GET", "/files/a"), "/files/{path...} path=a");
}

TEST(RouterLookupTest, IntConstraint) {
  Router r;
  ASSERT_TRUE(r.Get("/items/{id:int}", Nop).ok());
  ASSERT_TRUE(r.Get("/items/{id:int}/tags", Nop).ok());
  ASSERT_TRUE(r.Get("/items/latest", Nop).ok());
  EXPECT_EQ(Find(r, "GET", "/items/42"), "/items/{id:int} id=42");
  EXPECT_EQ(Find(r, "GET", "/items/007/tags"), "/items/{id:int}/tags id=007");
  EXPECT_EQ(Find(r, "GET", "/items/latest"), "/items/latest");
  EXPECT_EQ(Find(r, "GET", "/items/abc"), "404");
  EXPECT_EQ(Find(r, "GET", "/items/-1"), "404");
  EXPECT_EQ(Find(r, "GET", "/items/4x2/tags"), "404");
}

TEST(RouterLookupTest, CatchAll) {
  Router r;
  ASSERT_TRUE(r.Get("/static/{path...}", Nop).ok());
  ASSERT_TRUE(r.Get("/static/favicon.ico", Nop).ok());
  EXPECT_EQ(Find(r, "GET", "/static/css/a.css"),
            "/static/{path...} path=css/a.css");
  EXPECT_EQ(Find(r, "GET", "/static/dir/"), "/static/{path...} path=dir/");
  EXPECT_EQ(Find(r, "GET", "/static/"), "/static/{path...} path=");
  EXPECT_EQ(Find(r, "GET", "/static/favicon.ico"), "/static/favicon.ico");
  EXPECT_EQ(Find(r, "GET", "/static/favicon.icon"),
            "/static/{path...} path=favicon.icon");
  EXPECT_EQ(Find(r, "GET", "/static"), "redirect: add /");
  EXPECT_EQ(Find(r, "GET", "/stat"), "404");

  Router root;
  ASSERT_TRUE(root.Get("/{path...}", Nop).ok());
  ASSERT_TRUE(root.Get("/health", Nop).ok());
  EXPECT_EQ(Find(root, "GET", "/"), "/{path...} path=");
  EXPECT_EQ(Find(root, "GET", "/health"), "/health");
  EXPECT_EQ(Find(root, "GET", "/a/b"), "/{path...} path=a/b");
}

TEST(RouterLookupTest, NotFoundAndMethodNotAllowedWithAllow) {
  Router r;
  ASSERT_TRUE(r.Get("/users/{id}", Nop).ok());
  ASSERT_TRUE(r.Put("/users/{id}", Nop).ok());
  ASSERT_TRUE(r.Delete("/users/{id}", Nop).ok());
  EXPECT_EQ(Find(r, "POST", "/users/1"),
            "405: GET, HEAD, PUT, DELETE, OPTIONS");
  EXPECT_EQ(Find(r, "PROPFIND", "/users/1"),
            "405: GET, HEAD, PUT, DELETE, OPTIONS");
  EXPECT_EQ(Find(r, "CONNECT", "/users/1"),
            "405: GET, HEAD, PUT, DELETE, OPTIONS");
  EXPECT_EQ(Find(r, "POST", "/users"), "404");
  EXPECT_EQ(Find(r, "PROPFIND", "/nothing"), "404");
}

TEST(RouterLookupTest, AllowIsTheUnionOfEveryRouteMatchingThePath) {
  Router r;
  ASSERT_TRUE(r.Get("/files/{path...}", Nop).ok());
  ASSERT_TRUE(r.Post("/files/upload", Nop).ok());
  // GET /files/upload falls back to the catch-all, which serves GET.
  EXPECT_EQ(Find(r, "GET", "/files/upload"), "/files/{path...} path=upload");
  EXPECT_EQ(Find(r, "POST", "/files/upload"), "/files/upload");
  EXPECT_EQ(Find(r, "PUT", "/files/upload"), "405: GET, HEAD, POST, OPTIONS");
  EXPECT_EQ(Find(r, "POST", "/files/other"), "405: GET, HEAD, OPTIONS");
}

TEST(RouterLookupTest, AutomaticHeadAndOptions) {
  Router r;
  ASSERT_TRUE(r.Get("/a", Nop).ok());
  ASSERT_TRUE(r.Post("/a", Nop).ok());
  ASSERT_TRUE(r.Get("/b", Nop).ok());
  ASSERT_TRUE(r.Head("/b", Nop).ok());
  ASSERT_TRUE(r.Options("/c", Nop).ok());
  ASSERT_TRUE(r.Post("/d", Nop).ok());

  Params p;
  Match head = r.Lookup(http::Method::kHead, "/a", p);
  Match get = r.Lookup(http::Method::kGet, "/a", p);
  ASSERT_EQ(head.kind, Kind::kFound);
  EXPECT_EQ(head.handler, get.handler);  // the GET route serves HEAD
  Match own = r.Lookup(http::Method::kHead, "/b", p);
  ASSERT_EQ(own.kind, Kind::kFound);
  EXPECT_NE(own.handler, r.Lookup(http::Method::kGet, "/b", p).handler);
  EXPECT_EQ(Find(r, "HEAD", "/d"), "405: POST, OPTIONS");  // no GET: no HEAD

  EXPECT_EQ(Find(r, "OPTIONS", "/a"), "options: GET, HEAD, POST, OPTIONS");
  EXPECT_EQ(Find(r, "OPTIONS", "/c"), "/c");  // its own route
  EXPECT_EQ(Find(r, "OPTIONS", "/nothing"), "404");
}

TEST(RouterLookupTest, OptionsOffMeansOptionsIsJustAMethod) {
  Router r({.handle_options = false});
  ASSERT_TRUE(r.Get("/a", Nop).ok());
  EXPECT_EQ(Find(r, "OPTIONS", "/a"), "405: GET, HEAD");
}

TEST(RouterLookupTest, TrailingSlashRedirectsToTheRegisteredForm) {
  Router r;
  ASSERT_TRUE(r.Get("/a", Nop).ok());
  ASSERT_TRUE(r.Get("/dir/", Nop).ok());
  ASSERT_TRUE(r.Post("/form/", Nop).ok());
  ASSERT_TRUE(r.Get("/users/{id}", Nop).ok());
  EXPECT_EQ(Find(r, "GET", "/a/"), "redirect: drop /");
  EXPECT_EQ(Find(r, "HEAD", "/a/"), "redirect: drop /");
  EXPECT_EQ(Find(r, "GET", "/dir"), "redirect: add /");
  EXPECT_EQ(Find(r, "POST", "/form"), "redirect: add /");
  EXPECT_EQ(Find(r, "GET", "/users/7/"), "redirect: drop /");
  // Only to a form that serves the method.
  EXPECT_EQ(Find(r, "GET", "/form"), "404");
  EXPECT_EQ(Find(r, "DELETE", "/a/"), "404");
  // Never from the root, never for a path that exists.
  EXPECT_EQ(Find(r, "GET", "/"), "404");
  EXPECT_EQ(Find(r, "POST", "/a"), "405: GET, HEAD, OPTIONS");

  Router off({.redirect_trailing_slash = false});
  ASSERT_TRUE(off.Get("/a", Nop).ok());
  EXPECT_EQ(Find(off, "GET", "/a/"), "404");
}

TEST(RouterLookupTest, LongPathsRedirectToo) {
  Router r;
  const std::string path = "/" + std::string(3000, 'x') + "/";
  ASSERT_TRUE(r.Get(path, Nop).ok());
  EXPECT_EQ(Find(r, "GET", path.substr(0, path.size() - 1)), "redirect: add /");
}

// --- groups and middleware ---

// Records the order in which middleware and handlers run.
Middleware Tag(std::vector<std::string>* log, std::string name) {
  return [log, name](Handler next) -> Handler {
    return
        [log, name, next = std::move(next)](RequestCtx& ctx, const Params& p) {
          log->push_back(name + ">");
          next(ctx, p);
          log->push_back("<" + name);
        };
  };
}

TEST(RouteGroupTest, PrefixAndMiddlewareInTheStatedOrder) {
  std::vector<std::string> log;
  Router r;
  RouteGroup api = r.Group("/api", {Tag(&log, "a"), Tag(&log, "b")});
  RouteGroup v1 = api.Group("/v1", {Tag(&log, "c")});
  v1.Use(Tag(&log, "d"));
  ASSERT_TRUE(v1.Get("/users/{id}", [&log](RequestCtx&, const Params& p) {
                  log.push_back("handler " + std::string(p.Get("id")));
                }).ok());
  ASSERT_TRUE(api.Get("/ping", [&log](RequestCtx&,
                                      const Params&) { log.push_back("ping"); })
                  .ok());
  EXPECT_EQ(v1.prefix(), "/api/v1");

  Params p;
  Match m = r.Lookup("GET", "/api/v1/users/9", p);
  ASSERT_EQ(m.kind, Kind::kFound);
  EXPECT_EQ(m.pattern, "/api/v1/users/{id}");
  RequestCtx unused;  // the handlers here never touch it
  (*m.handler)(unused, p);
  EXPECT_EQ(log, (std::vector<std::string>{"a>", "b>", "c>", "d>", "handler 9",
                                           "<d", "<c", "<b", "<a"}));
  log.clear();
  m = r.Lookup("GET", "/api/ping", p);
  ASSERT_EQ(m.kind, Kind::kFound);
  (*m.handler)(unused, p);
  // d was added to v1 only; the api group never had it.
  EXPECT_EQ(log, (std::vector<std::string>{"a>", "b>", "ping", "<b", "<a"}));
  EXPECT_EQ(Find(r, "GET", "/users/9"), "404");
}

TEST(RouteGroupTest, ConflictsAndBadPrefixesAreReportedByTheGroup) {
  Router r;
  RouteGroup g = r.Group("/g/{id}");
  ASSERT_TRUE(g.Get("/a", Nop).ok());
  EXPECT_EQ(r.Get("/g/{name}/b", Nop).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(g.Get("/a", Nop).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(r.Group("/trailing/").Get("/x", Nop).code(),
            absl::StatusCode::kInvalidArgument);  // "//"
  EXPECT_EQ(r.Group("noslash").Get("/x", Nop).code(),
            absl::StatusCode::kInvalidArgument);
  RouteGroup broken = r.Group("", {[](Handler) { return Handler(); }});
  EXPECT_EQ(broken.Get("/x", Nop).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Group("").Get("/x", Nop).code(), absl::StatusCode::kOk);
}

// --- allocation ---

TEST(RouterAllocTest, LookupsAllocateNothing) {
  Router r;
  ASSERT_TRUE(r.Get("/", Nop).ok());
  ASSERT_TRUE(r.Get("/users/{id}", Nop).ok());
  ASSERT_TRUE(r.Get("/users/new", Nop).ok());
  ASSERT_TRUE(r.Get("/users/{id}/edit", Nop).ok());
  ASSERT_TRUE(r.Get("/repos/{owner}/{repo}/issues/{number:int}", Nop).ok());
  ASSERT_TRUE(r.Get("/static/{path...}", Nop).ok());
  ASSERT_TRUE(r.Post("/dir/", Nop).ok());
  const std::pair<const char*, Kind> cases[] = {
      {"/", Kind::kFound},
      {"/users/42", Kind::kFound},
      {"/users/new", Kind::kFound},
      {"/users/new/edit", Kind::kFound},
      {"/repos/julienschmidt/httprouter/issues/42", Kind::kFound},
      {"/static/css/site.css", Kind::kFound},
      {"/nothing/here", Kind::kNotFound},
      {"/dir/", Kind::kMethodNotAllowed},
      {"/users/42/", Kind::kRedirect},  // drop the slash
  };
  Params p;
  size_t found = 0;
  testing::AllocationCounter count;
  for (int i = 0; i < 1000; ++i) {
    for (const auto& [path, kind] : cases) {
      Match m = r.Lookup(http::Method::kGet, path, p);
      found += m.kind == kind ? 1 : 0;
      found += p.Get("id").size();
    }
  }
  EXPECT_EQ(count.allocations(), 0u);
  EXPECT_GE(found, 9000u);
  // Adding the slash uses a stack buffer up to 512 bytes.
  ASSERT_TRUE(r.Get("/short/", Nop).ok());
  testing::AllocationCounter count2;
  EXPECT_EQ(r.Lookup(http::Method::kGet, "/short", p).kind, Kind::kRedirect);
  EXPECT_EQ(count2.allocations(), 0u);
}

// --- through a real server on 127.0.0.1 ---

class RouterServerTest : public ::testing::Test {
 protected:
  RouterServerTest() {
    EXPECT_TRUE(router_.Get("/users/{id}", Echo("user")).ok());
    EXPECT_TRUE(router_.Put("/users/{id}", Echo("put user")).ok());
    EXPECT_TRUE(router_.Get("/files/{name}", Echo("file")).ok());
    EXPECT_TRUE(router_.Get("/static/{path...}", Echo("static")).ok());
    EXPECT_TRUE(router_.Post("/items", Echo("items")).ok());
    EXPECT_TRUE(router_.Get("/dir/", Echo("dir")).ok());
    EXPECT_TRUE(router_.Get("/a b/", Echo("space")).ok());
  }

  Reply Send(std::string_view request_line, std::string_view extra = "") {
    return RoundTrip(server_->port(), std::string(request_line) +
                                          "\r\nHost: t\r\n" +
                                          std::string(extra) + "\r\n");
  }
  void Start() {
    server_ = std::make_unique<TestServer>(server::ServerOptions{},
                                           router_.handler());
  }

  Router router_;  // outlives the server
  std::unique_ptr<TestServer> server_;
};

TEST_F(RouterServerTest, RoutesParametersAndAnswersOfItsOwn) {
  Start();
  Reply r = Send("GET /users/42 HTTP/1.1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "user id=42");
  r = Send("PUT /users/42 HTTP/1.1", "Content-Length: 0\r\n");
  EXPECT_EQ(r.body, "put user id=42");

  r = Send("DELETE /users/42 HTTP/1.1");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("Allow"), "GET, HEAD, PUT, OPTIONS");

  r = Send("GET /nothing HTTP/1.1");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "Not Found\n");

  r = Send("OPTIONS /users/42 HTTP/1.1");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.Header("Allow"), "GET, HEAD, PUT, OPTIONS");
  EXPECT_EQ(r.body, "");

  r = Send("OPTIONS * HTTP/1.1");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.Header("Allow"), "GET, HEAD, POST, PUT, OPTIONS");

  r = Send("GET /static/css/site.css HTTP/1.1");
  EXPECT_EQ(r.body, "static path=css/site.css");
}

TEST_F(RouterServerTest, HeadIsServedByTheGetRouteWithoutABody) {
  Start();
  testing::RawConn c = server_->Connect();
  ASSERT_TRUE(c.Send("HEAD /users/12345 HTTP/1.1\r\nHost: t\r\n\r\n"));
  Reply r = server::ReadReply(c, /*head_request=*/true);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Length"), "13");  // "user id=12345"
  EXPECT_EQ(r.body, "");
  // The connection is still in step: the next answer is the next request's.
  ASSERT_TRUE(c.Send("GET /users/7 HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_EQ(server::ReadReply(c).body, "user id=7");
}

TEST_F(RouterServerTest, TrailingSlashRedirects) {
  Start();
  Reply r = Send("GET /users/42/?x=1&y=%20 HTTP/1.1");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.Header("Location"), "/users/42?x=1&y=%20");
  r = Send("GET /dir HTTP/1.1");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.Header("Location"), "/dir/");
  r = Send("POST /items/ HTTP/1.1", "Content-Length: 0\r\n");
  EXPECT_EQ(r.status, 308);
  EXPECT_EQ(r.Header("Location"), "/items");
  // The Location is the decoded path encoded again.
  r = Send("GET /a%20b HTTP/1.1");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.Header("Location"), "/a%20b/");
  // A path that normalizes to "/dir" is redirected to the clean form, never
  // to a scheme-relative "//host".
  r = Send("GET //dir HTTP/1.1");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.Header("Location"), "/dir/");
}

TEST_F(RouterServerTest, RoutesTheDecodedNormalizedPath) {
  Start();
  EXPECT_EQ(Send("GET /users/j%C3%B6rg HTTP/1.1").body, "user id=j\xC3\xB6rg");
  EXPECT_EQ(Send("GET /users/a%20b HTTP/1.1").body, "user id=a b");
  EXPECT_EQ(Send("GET /users/100%25 HTTP/1.1").body, "user id=100%");
  EXPECT_EQ(Send("GET /%75sers/7 HTTP/1.1").body, "user id=7");
  EXPECT_EQ(Send("GET //users//7 HTTP/1.1").body, "user id=7");
  EXPECT_EQ(Send("GET /static/../users/./7 HTTP/1.1").body, "user id=7");
  EXPECT_EQ(Send("GET /static/a/../../../etc/passwd HTTP/1.1").status, 404);
  EXPECT_EQ(Send("GET /users/a%zz HTTP/1.1").status, 400);
  EXPECT_EQ(Send("GET http://t/users/8?q HTTP/1.1").body, "user id=8");
}

TEST_F(RouterServerTest, AnEncodedSlashStaysInsideItsSegment) {
  Start();
  // %2F is part of the value, not a separator.
  Reply r = Send("GET /files/a%2Fb HTTP/1.1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "file name=a/b");
  EXPECT_EQ(Send("GET /files/a/b HTTP/1.1").status, 404);
  EXPECT_EQ(Send("GET /files/a%2fb%25%2F HTTP/1.1").body, "file name=a/b%/");
  EXPECT_EQ(Send("GET /users/x%2F..%2F..%2Fadmin HTTP/1.1").body,
            "user id=x/../../admin");
  // It cannot make a static segment either.
  EXPECT_EQ(Send("GET /users%2F7 HTTP/1.1").status, 404);
  // A catch-all is a path: its slashes are real, and it stays normalized.
  EXPECT_EQ(Send("GET /static/css%2Fa.css HTTP/1.1").body,
            "static path=css/a.css");
  EXPECT_EQ(Send("GET /static/a%2F..%2F..%2Fsecret HTTP/1.1").body,
            "static path=secret");
  EXPECT_EQ(Send("GET /static/%2E%2E/users/3%2F HTTP/1.1").body, "user id=3/");
  // A redirect keeps the escape.
  r = Send("GET /users/a%2Fb/ HTTP/1.1");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.Header("Location"), "/users/a%2Fb");
}

// A coroutine route keeps its parameters (and the decoded %2F storage)
// across its suspension, while other requests reuse the router's own.
TEST(RouterServerOptionsTest, CoroutineRoutesKeepTheirParameters) {
  Router router;
  ASSERT_TRUE(router
                  .Get("/users/{id}/files/{name}",
                       Coroutine([](RequestCtx& ctx, Params p) -> server::Task {
                         (void)co_await ctx.Sleep(absl::Milliseconds(50));
                         ctx.SetBody(std::string(p.Get("id")) + ":" +
                                     std::string(p.Get("name")));
                       }))
                  .ok());
  ASSERT_TRUE(router.Get("/fast/{x}", Echo("fast")).ok());
  TestServer ts({.threads = 1}, router.handler());
  testing::RawConn slow = ts.Connect();
  ASSERT_TRUE(slow.Send(server::Get("/users/7/files/a%2Fb")));
  // Lookups on the same loop while the first one sleeps.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(RoundTrip(ts.port(), server::Get("/fast/zz")).body, "fast x=zz");
  }
  Reply r = server::ReadReply(slow);
  EXPECT_EQ(r.body, "7:a/b");
}

TEST(RouterServerOptionsTest, RouteHandlersMayOwnMoveOnlyState) {
  Router router;
  auto prefix = std::make_unique<std::string>("owned ");
  ASSERT_TRUE(
      router
          .Get("/x/{v}",
               [p = std::move(prefix)](RequestCtx& ctx, const Params& params) {
                 ctx.SetBody(*p + std::string(params.Get("v")));
               })
          .ok());
  TestServer ts({}, router.handler());
  EXPECT_EQ(RoundTrip(ts.port(), server::Get("/x/7")).body, "owned 7");
}

TEST(RouterServerOptionsTest, CustomNotFound) {
  Router router(
      {.not_found = [](RequestCtx& ctx) { ctx.Error(404, "no such thing"); }});
  ASSERT_TRUE(router.Get("/a", Nop).ok());
  TestServer ts({}, router.handler());
  Reply r = RoundTrip(ts.port(), server::Get("/b"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "no such thing");
}

TEST(RouterServerOptionsTest, MiddlewareThroughTheServer) {
  Router router;
  RouteGroup api = router.Group(
      "/api", {[](Handler next) -> Handler {
        return [next = std::move(next)](RequestCtx& ctx, const Params& p) {
          if (ctx.request().header().Peek("X-Token") != "ok") {
            ctx.Error(401, "token");
            return;
          }
          next(ctx, p);
          ctx.response().header().Set("X-Seen", "yes");
        };
      }});
  ASSERT_TRUE(api.Get("/who/{name}", Echo("who")).ok());
  TestServer ts({}, router.handler());
  Reply r = RoundTrip(ts.port(), server::Get("/api/who/ann"));
  EXPECT_EQ(r.status, 401);
  r = RoundTrip(ts.port(), server::Get("/api/who/ann", "X-Token: ok\r\n"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "who name=ann");
  EXPECT_EQ(r.Header("X-Seen"), "yes");
}

// server::Middleware on a group: its response hook sees what a coroutine
// route made (after the task), and its OnRequest may answer.
TEST(RouterServerOptionsTest, ServerMiddlewareOnAGroup) {
  class Stamp : public server::Middleware {
   public:
    bool OnRequest(RequestCtx& ctx, void*&) const override {
      if (ctx.request().header().Peek("X-Token") != "ok") {
        ctx.Error(401, "token");
        return false;
      }
      return true;
    }
    void OnResponse(RequestCtx& ctx, void*&) const override {
      ctx.response().header().Set("X-Body-Size",
                                  std::to_string(ctx.response().body().size()));
    }
  };
  Router router;
  RouteGroup api = router.Group("/api", {Hooks(std::make_shared<Stamp>())});
  ASSERT_TRUE(api.Get("/later/{id}",
                      Coroutine([](RequestCtx& ctx, Params p) -> server::Task {
                        absl::Status s =
                            co_await ctx.Sleep(absl::Milliseconds(1));
                        EXPECT_TRUE(s.ok()) << s;
                        ctx.SetBody(std::string(p.Get("id")) + "!");
                      }))
                  .ok());
  ASSERT_TRUE(router.Get("/open", Echo("open")).ok());
  TestServer ts({}, router.handler());
  Reply r = RoundTrip(ts.port(), server::Get("/api/later/12"));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Header("X-Body-Size"), "5");  // its own answer, "token"
  r = RoundTrip(ts.port(), server::Get("/api/later/12", "X-Token: ok\r\n"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "12!");
  EXPECT_EQ(r.Header("X-Body-Size"), "3");
  r = RoundTrip(ts.port(), server::Get("/open"));
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.Has("X-Body-Size"));
}

TEST(RouterServerOptionsTest, DetachedHandlerKeepsACopyOfItsParams) {
  Router router;
  std::vector<std::thread> threads;
  ASSERT_TRUE(router
                  .Get("/later/{id}/{rest...}",
                       [&threads](RequestCtx& ctx, const Params& p) {
                         threads.emplace_back([d = ctx.Detach(), p]() mutable {
                           d.response().SetBody(std::string(p.Get("id")) + "," +
                                                std::string(p.Get("rest")));
                           d.Finish();
                         });
                       })
                  .ok());
  {
    TestServer ts({}, router.handler());
    Reply r = RoundTrip(ts.port(), server::Get("/later/5/a/b"));
    EXPECT_EQ(r.body, "5,a/b");
    r = RoundTrip(ts.port(), server::Get("/later/6/x%2Fy"));
    EXPECT_EQ(r.body, "6,x/y");
  }
  for (std::thread& t : threads) {
    t.join();
  }
}

// The server's per-request path stays allocation-free with the router in
// it: the loop thread's count over 2,000 keep-alive requests to a route
// with parameters (server/server_alloc_test.cc does the same without).
TEST(RouterServerAllocTest, RoutedRequestsAllocateNothingOnceWarm) {
  constexpr int kWarm = 500;
  constexpr int kMeasured = 2000;
  std::atomic<uint64_t> start{0};
  std::atomic<uint64_t> end{0};
  int n = 0;  // loop thread only
  Router router;
  ASSERT_TRUE(router
                  .Get("/repos/{owner}/{repo}/issues/{number:int}",
                       [&](RequestCtx& ctx, const Params& p) {
                         ++n;
                         if (n == kWarm) {
                           start = testing::ThreadAllocations();
                         } else if (n == kWarm + kMeasured) {
                           end = testing::ThreadAllocations();
                         }
                         ctx.SetBody(p.Get("number"));
                       })
                  .ok());
  ASSERT_TRUE(router.Get("/users/{id}", Nop).ok());
  TestServer ts({}, router.handler());
  testing::RawConn c = ts.Connect();
  const std::string req =
      server::Get("/repos/julienschmidt/httprouter/issues/42");
  for (int i = 0; i < kWarm + kMeasured; ++i) {
    ASSERT_TRUE(c.Send(req));
    ASSERT_EQ(server::ReadReply(c).body, "42") << i;
  }
  EXPECT_EQ(end.load() - start.load(), 0u);
}

}  // namespace
}  // namespace brisk::router
