#include "client/client.h"

#include <mutex>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "client/client_test_util.h"
#include "http/message.h"
#include "testing/fake_server.h"
#include "testing/raw_conn.h"

namespace brisk::client {
namespace {

using testing::FakeServer;
using testing::RawConn;

// Reads one request; returns "METHOD target host body" or "" at EOF.
std::string Describe(RawConn& c) {
  http::Request req;
  if (!ReadRequest(c, req)) {
    return "";
  }
  return absl::StrCat(
      std::string(req.header().method()), " ",
      std::string(req.header().request_uri()), " ",
      std::string(req.header().host()), " ", std::string(req.body()),
      req.header().Peek("Authorization").empty() ? "" : " auth");
}

std::string Reply(int code, std::string_view body,
                  std::string_view extra = "") {
  return absl::StrCat("HTTP/1.1 ", code, " X\r\nContent-Length: ", body.size(),
                      "\r\n", std::string(extra), "\r\n", std::string(body));
}

TEST(SplitUrlTest, AbsoluteHttpAndHttpsUrls) {
  Url u;
  ASSERT_TRUE(SplitUrl("http://example.com/a?b#frag", u).ok());
  EXPECT_FALSE(u.https);
  EXPECT_EQ(u.host_port, "example.com:80");
  EXPECT_EQ(u.host, "example.com");
  EXPECT_EQ(u.target, "/a?b");
  EXPECT_EQ(u.origin(), "http://example.com");
  ASSERT_TRUE(SplitUrl("HTTP://[::1]:8080", u).ok());
  EXPECT_EQ(u.host_port, "[::1]:8080");
  EXPECT_EQ(u.host, "[::1]:8080");
  EXPECT_EQ(u.target, "/");
  ASSERT_TRUE(SplitUrl("http://h:81?q=1", u).ok());
  EXPECT_EQ(u.target, "/?q=1");
  ASSERT_TRUE(SplitUrl("https://api.example.com/v1", u).ok());
  EXPECT_TRUE(u.https);
  EXPECT_EQ(u.host_port, "api.example.com:443");
  EXPECT_EQ(u.host, "api.example.com");
  EXPECT_EQ(u.origin(), "https://api.example.com");
  ASSERT_TRUE(SplitUrl("https://h:8443/", u).ok());
  EXPECT_EQ(u.host, "h:8443");
  ASSERT_TRUE(SplitUrl("https://h:80/", u).ok());
  EXPECT_EQ(u.host, "h:80");  // 80 is not https's default
  // The target goes as given: not decoded, not normalized, an empty query
  // kept; the fragment dropped wherever it starts.
  ASSERT_TRUE(SplitUrl("http://h/a%zz/../%00?#x", u).ok());
  EXPECT_EQ(u.target, "/a%zz/../%00?");
  ASSERT_TRUE(SplitUrl("HTTPS://h#x/y", u).ok());
  EXPECT_TRUE(u.https);
  EXPECT_EQ(u.host_port, "h:443");
  EXPECT_EQ(u.target, "/");
  ASSERT_TRUE(SplitUrl("http://[::1]/v6", u).ok());
  EXPECT_EQ(u.host_port, "[::1]:80");
  EXPECT_EQ(u.host, "[::1]");
  for (const char* bad :
       {"ftp://h/", "http://", "https://", "http://h:0/", "http://h:99999/",
        "http://user@h/", "/path", "http:/h", "http://[::1/", "", "h:80"}) {
    absl::Status s = SplitUrl(bad, u);
    EXPECT_EQ(KindOf(s), ErrorKind::kInvalidRequest) << bad;
  }
}

TEST(ClientTest, RoutesByUrlAndHostHeaderOneClientPerHost) {
  FakeServer a([](RawConn& c, int) {
    for (std::string r; !(r = Describe(c)).empty();) {
      c.Send(Reply(200, "a:" + r));
    }
  });
  FakeServer b([](RawConn& c, int) {
    for (std::string r; !(r = Describe(c)).empty();) {
      c.Send(Reply(200, "b:" + r));
    }
  });
  Client client;
  http::Response resp;
  ASSERT_TRUE(
      client.Get(absl::StrCat("http://127.0.0.1:", a.port(), "/x?y"), resp)
          .ok());
  EXPECT_EQ(resp.body(), absl::StrCat("a:GET /x?y 127.0.0.1:", a.port(), " "));
  http::Request req;
  req.header().SetMethod("GET");
  req.header().SetRequestUri("/by-host");
  req.header().Set("Host", absl::StrCat("127.0.0.1:", b.port()));
  ASSERT_TRUE(client.Do(req, resp).ok());
  EXPECT_EQ(resp.body(),
            absl::StrCat("b:GET /by-host 127.0.0.1:", b.port(), " "));
  ASSERT_TRUE(client
                  .Post(absl::StrCat("http://127.0.0.1:", a.port(), "/p"),
                        "text/plain", "data", resp)
                  .ok());
  EXPECT_EQ(resp.body(),
            absl::StrCat("a:POST /p 127.0.0.1:", a.port(), " data"));
  EXPECT_EQ(client.hosts(), 2u);
  EXPECT_EQ(a.accepted(), 1);

  http::Request none;
  none.header().SetRequestUri("/no-host");
  EXPECT_EQ(KindOf(client.Do(none, resp)), ErrorKind::kInvalidRequest);
}

// Get, Post and DoStream come with a duration (…Timeout) and a point in
// time (…Deadline, DoStream's argument); each bounds the call.
TEST(ClientTest, GetPostAndDoStreamTakeATimeoutOrADeadline) {
  FakeServer s([](RawConn& c, int) {
    for (std::string r; !(r = Describe(c)).empty();) {
      if (absl::StrContains(r, "/stall")) {
        c.ReadUntilClose(std::chrono::seconds(30));
        return;
      }
      c.Send(Reply(200, r));
    }
  });
  Client client;
  const std::string base = absl::StrCat("http://127.0.0.1:", s.port());
  const std::string host = absl::StrCat("127.0.0.1:", s.port());
  http::Response resp;
  ASSERT_TRUE(client.GetTimeout(base + "/g", resp, absl::Seconds(10)).ok());
  EXPECT_EQ(resp.body(), absl::StrCat("GET /g ", host, " "));
  ASSERT_TRUE(
      client.GetDeadline(base + "/d", resp, absl::Now() + absl::Seconds(10))
          .ok());
  EXPECT_EQ(resp.body(), absl::StrCat("GET /d ", host, " "));
  ASSERT_TRUE(client
                  .PostTimeout(base + "/p", "text/plain", "one", resp,
                               absl::Seconds(10))
                  .ok());
  EXPECT_EQ(resp.body(), absl::StrCat("POST /p ", host, " one"));
  ASSERT_TRUE(client
                  .PostDeadline(base + "/q", "text/plain", "two", resp,
                                absl::Now() + absl::Seconds(10))
                  .ok());
  EXPECT_EQ(resp.body(), absl::StrCat("POST /q ", host, " two"));

  const absl::Time start = absl::Now();
  const absl::Duration short_bound = absl::Milliseconds(100);
  absl::Status st = client.GetTimeout(base + "/stall", resp, short_bound);
  EXPECT_TRUE(IsTimeout(st)) << st;
  st = client.GetDeadline(base + "/stall", resp, absl::Now() + short_bound);
  EXPECT_TRUE(IsTimeout(st)) << st;
  st = client.PostTimeout(base + "/stall", "", "x", resp, short_bound);
  EXPECT_TRUE(IsTimeout(st)) << st;
  st = client.PostDeadline(base + "/stall", "", "x", resp,
                           absl::Now() + short_bound);
  EXPECT_TRUE(IsTimeout(st)) << st;
  http::Request req;
  req.header().SetMethod("GET");
  req.header().SetRequestUri(base + "/stall");
  st = client.DoStreamTimeout(
      req, resp, [](std::string_view) { return absl::OkStatus(); },
      short_bound);
  EXPECT_TRUE(IsTimeout(st)) << st;
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

// RFC 3986 §5.2 against http://h:81/dir/start?x=1 (cases from the attack
// review: "?q" lost the path, "../" was sent as is, "file:" was a path).
TEST(ResolveLocationTest, ReferencesResolveAsRfc3986Says) {
  Url base;
  ASSERT_TRUE(SplitUrl("http://h:81/dir/start?x=1", base).ok());
  const std::pair<const char*, const char*> cases[] = {
      {"http://other/x", "http://other/x"},
      {"HTTPS://other/x", "HTTPS://other/x"},
      {"//other:8080/y", "http://other:8080/y"},
      {"/abs?q=1#frag", "http://h:81/abs?q=1"},
      {"?q=1", "http://h:81/dir/start?q=1"},
      {"next", "http://h:81/dir/next"},
      {"../up", "http://h:81/up"},
      {"./a/../b", "http://h:81/dir/b"},
      {"../../../../x", "http://h:81/x"},
      {"a?p=../x", "http://h:81/dir/a?p=../x"},
      {"#only", "http://h:81/dir/start?x=1"},
  };
  for (const auto& [location, want] : cases) {
    std::string url;
    ASSERT_TRUE(ResolveLocation(location, base, url).ok()) << location;
    EXPECT_EQ(url, want) << location;
  }
  // The scheme of the base goes with relative references.
  Url secure;
  ASSERT_TRUE(SplitUrl("https://s/dir/start", secure).ok());
  for (const auto& [location, want] :
       {std::pair{"//other/y", "https://other/y"},
        std::pair{"../up", "https://s/up"},
        std::pair{"http://plain/", "http://plain/"}}) {
    std::string url;
    ASSERT_TRUE(ResolveLocation(location, secure, url).ok()) << location;
    EXPECT_EQ(url, want) << location;
  }
  for (const char* bad : {"file:///etc/passwd", "ftp://h/x",
                          "javascript:alert(1)", "mailto:a@b"}) {
    std::string url;
    absl::Status s = ResolveLocation(bad, base, url);
    EXPECT_EQ(KindOf(s), ErrorKind::kInvalidRequest) << bad;
  }
}

TEST(ClientTest, FollowsRedirectsWithinTheLimit) {
  FakeServer b([](RawConn& c, int) {
    for (std::string r; !(r = Describe(c)).empty();) {
      c.Send(Reply(200, "b:" + r));
    }
  });
  std::string b_url = absl::StrCat("http://127.0.0.1:", b.port());
  FakeServer a([&](RawConn& c, int) {
    for (std::string r; !(r = Describe(c)).empty();) {
      if (r.rfind("GET /dir/rel ", 0) == 0) {
        c.Send(Reply(302, "", "Location: next\r\n"));
      } else if (r.rfind("GET /dir/next ", 0) == 0) {
        c.Send(Reply(200, "relative ok"));
      } else if (r.rfind("POST /form ", 0) == 0) {
        c.Send(Reply(303, "", "Location: /done\r\n"));
      } else if (r.rfind("GET /done ", 0) == 0) {
        c.Send(Reply(200, "after 303: " + r));
      } else if (r.rfind("GET /away ", 0) == 0) {
        c.Send(Reply(307, "", "Location: " + b_url + "/there\r\n"));
      } else if (r.rfind("GET /loop ", 0) == 0) {
        c.Send(Reply(302, "", "Location: /loop\r\n"));
      } else {
        c.Send(Reply(404, "?"));
      }
    }
  });
  std::string a_url = absl::StrCat("http://127.0.0.1:", a.port());
  Client client;
  http::Response resp;
  ASSERT_TRUE(client.Get(a_url + "/dir/rel", resp).ok());
  EXPECT_EQ(resp.body(), "relative ok");

  ASSERT_TRUE(client.Post(a_url + "/form", "text/plain", "x=1", resp).ok());
  EXPECT_EQ(resp.body(),
            absl::StrCat("after 303: GET /done 127.0.0.1:", a.port(), " "));

  http::Request req;
  req.header().SetMethod("GET");
  req.header().SetRequestUri(a_url + "/away");
  req.header().Set("Authorization", "secret");
  ASSERT_TRUE(client.DoRedirects(req, resp).ok());
  // Another host: the credentials stayed behind.
  EXPECT_EQ(resp.body(),
            absl::StrCat("b:GET /there 127.0.0.1:", b.port(), " "));

  absl::Status s = client.Get(a_url + "/loop", resp);
  EXPECT_EQ(KindOf(s), ErrorKind::kTooManyRedirects) << s;
  http::Request loop;
  loop.header().SetMethod("GET");
  loop.header().SetRequestUri(a_url + "/loop");
  s = client.DoRedirects(loop, resp, 3);
  EXPECT_EQ(KindOf(s), ErrorKind::kTooManyRedirects) << s;
  EXPECT_NE(s.message().find("more than 3"), std::string_view::npos) << s;
}

// Leaving the host (another port counts) leaves every credential behind,
// and a request body is never resent to another host by a 307/308.
TEST(ClientTest, RedirectsToAnotherHostStripCredentialsAndKeepBodies) {
  std::mutex mu;
  std::vector<std::string> seen;  // what b received
  FakeServer b([&](RawConn& c, int) {
    for (;;) {
      http::Request req;
      http::ParseResult r;
      while (!(r = req.Parse(c.buffer())).done()) {
        if (r.failed() || c.ReadSome(std::chrono::seconds(10)) <= 0) {
          return;
        }
      }
      std::string fields;
      for (size_t i = 0; i < req.header().fields().size(); ++i) {
        fields += std::string(req.header().fields()[i].name) + ";";
      }
      c.Take(r.consumed);
      {
        std::lock_guard<std::mutex> lock(mu);
        seen.push_back(fields);
      }
      c.Send(Reply(200, "b"));
    }
  });
  std::string b_url = absl::StrCat("http://127.0.0.1:", b.port());
  FakeServer a([&](RawConn& c, int) {
    for (std::string r; !(r = Describe(c)).empty();) {
      c.Send(Reply(r.rfind("POST", 0) == 0 ? 308 : 302, "moved",
                   "Location: " + b_url + "/there\r\n"));
    }
  });
  std::string a_url = absl::StrCat("http://127.0.0.1:", a.port());
  ClientOptions o;
  o.sensitive_headers = {"X-Api-Key"};
  Client client(o);
  http::Request req;
  req.header().SetMethod("GET");
  req.header().SetRequestUri(a_url + "/here");
  req.header().Set("Authorization", "Bearer secret");
  req.header().Set("Proxy-Authorization", "Basic secret");
  req.header().Set("Cookie", "session=secret");
  req.header().Set("X-Api-Key", "secret");
  req.header().Set("X-Other", "kept");
  http::Response resp;
  ASSERT_TRUE(client.DoRedirects(req, resp).ok());
  EXPECT_EQ(resp.body(), "b");
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(seen.size(), 1u);
    for (const char* name :
         {"Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key"}) {
      EXPECT_EQ(seen[0].find(name), std::string::npos) << seen[0];
    }
    EXPECT_NE(seen[0].find("X-Other"), std::string::npos) << seen[0];
  }
  // A POST answered 308 to another host: the 308 is the answer.
  http::Response post;
  ASSERT_TRUE(client.Post(a_url + "/form", "text/plain", "body", post).ok());
  EXPECT_EQ(post.status_code(), 308);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(seen.size(), 1u);
}

// With a sink, the body of a 3xx that is the answer reaches it; only the
// bodies of redirects that are followed are dropped.
TEST(ClientTest, ARedirectThatIsTheAnswerKeepsItsStreamedBody) {
  FakeServer b([](RawConn& c, int) {
    for (std::string r; !(r = Describe(c)).empty();) {
      c.Send(Reply(200, "from b"));
    }
  });
  std::string b_url = absl::StrCat("http://127.0.0.1:", b.port());
  FakeServer a([&](RawConn& c, int) {
    for (std::string r; !(r = Describe(c)).empty();) {
      if (r.rfind("GET /empty ", 0) == 0) {
        c.Send(Reply(302, "no location", "Location: \r\n"));
      } else if (r.rfind("POST ", 0) == 0) {
        c.Send(Reply(307, "not resent", "Location: " + b_url + "/\r\n"));
      } else {
        c.Send(Reply(302, "followed", "Location: " + b_url + "/\r\n"));
      }
    }
  });
  std::string a_url = absl::StrCat("http://127.0.0.1:", a.port());
  Client client;
  struct Case {
    const char* method;
    const char* path;
    int status;
    const char* body;
  };
  for (const Case& k : {Case{"GET", "/empty", 302, "no location"},
                        Case{"POST", "/form", 307, "not resent"},
                        Case{"GET", "/moved", 200, "from b"}}) {
    http::Request req;
    req.header().SetMethod(k.method);
    req.header().SetRequestUri(a_url + k.path);
    if (std::string_view(k.method) == "POST") {
      req.SetBody("data");
    }
    http::Response resp;
    std::string got;
    const BodySink sink = [&](std::string_view piece) {
      got.append(piece);
      return absl::OkStatus();
    };
    ASSERT_TRUE(
        client.DoRedirects(req, resp, -1, absl::InfiniteFuture(), &sink).ok())
        << k.path;
    EXPECT_EQ(resp.status_code(), k.status) << k.path;
    EXPECT_EQ(got, k.body) << k.path;
  }
}

TEST(ClientTest, HostMapIsBounded) {
  std::vector<std::unique_ptr<FakeServer>> servers;
  for (int i = 0; i < 5; ++i) {
    servers.push_back(std::make_unique<FakeServer>([](RawConn& c, int) {
      while (ReadRequest(c)) {
        c.Send(Reply(200, "ok"));
      }
    }));
  }
  ClientOptions o;
  o.max_hosts = 2;
  Client client(o);
  http::Response resp;
  for (auto& s : servers) {
    ASSERT_TRUE(
        client.Get(absl::StrCat("http://127.0.0.1:", s->port(), "/"), resp)
            .ok());
    EXPECT_LE(client.hosts(), 2u);
  }
  o.max_hosts = 100;
  o.max_idle_host_duration = absl::Milliseconds(1);
  Client expiring(o);
  for (auto& s : servers) {
    ASSERT_TRUE(
        expiring.Get(absl::StrCat("http://127.0.0.1:", s->port(), "/"), resp)
            .ok());
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_LE(expiring.hosts(), 1u);
}

}  // namespace
}  // namespace brisk::client
