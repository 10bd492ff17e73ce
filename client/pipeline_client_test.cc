#include "client/pipeline_client.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "client/client_test_util.h"
#include "client/host_client.h"
#include "http/message.h"
#include "testing/fake_server.h"
#include "testing/raw_conn.h"

namespace brisk::client {
namespace {

using std::chrono::milliseconds;
using testing::FakeServer;
using testing::RawConn;

// Answers each request with its path, in order; "/slow" after 300 ms and
// "/bye" by closing the connection without an answer.
void EchoPath(RawConn& c, int) {
  for (;;) {
    http::Request req;
    if (!ReadRequest(c, req)) {
      return;
    }
    std::string path(req.header().request_uri());
    if (path == "/bye") {
      return;
    }
    if (path == "/slow") {
      std::this_thread::sleep_for(milliseconds(300));
    }
    c.Send(absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: ", path.size(),
                        "\r\n\r\n", path));
  }
}

PipelineClientOptions For(const FakeServer& s) {
  PipelineClientOptions o;
  o.addr = absl::StrCat("127.0.0.1:", s.port());
  return o;
}

TEST(PipelineClientTest, ManyThreadsShareOneConnectionInOrder) {
  FakeServer s(EchoPath);
  PipelineClient client(For(s));
  ASSERT_TRUE(client.status().ok());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      http::Response resp;
      for (int i = 0; i < 100; ++i) {
        std::string path = absl::StrCat("/", t, "/", i);
        http::Request req = MakeGet(path);
        absl::Status st = client.DoTimeout(req, resp, absl::Seconds(10));
        EXPECT_TRUE(st.ok()) << st;
        EXPECT_EQ(resp.body(), path);
        ok += st.ok() && resp.body() == path;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 800);
  EXPECT_EQ(s.accepted(), 1);
  EXPECT_LE(client.stats().writes, 800u);
  EXPECT_EQ(client.stats().pending, 0u);
}

TEST(PipelineClientTest, TimedOutCallReturnsAndItsResponseIsDiscarded) {
  FakeServer s(EchoPath);
  PipelineClient client(For(s));
  http::Response resp;
  http::Request slow = MakeGet("/slow");
  absl::Status st = client.DoTimeout(slow, resp, absl::Milliseconds(50));
  EXPECT_TRUE(IsTimeout(st)) << st;
  http::Request fast = MakeGet("/fast");
  st = client.DoTimeout(fast, resp, absl::Seconds(5));
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(resp.body(), "/fast");
  EXPECT_EQ(client.stats().discarded, 1u);
  EXPECT_EQ(s.accepted(), 1);
}

TEST(PipelineClientTest, ServerCloseFailsPendingThenRecovers) {
  FakeServer s(EchoPath);
  PipelineClient client(For(s));
  http::Response resp;
  http::Request bye = MakeGet("/bye");
  absl::Status st = client.DoTimeout(bye, resp, absl::Seconds(5));
  EXPECT_TRUE(IsConnectionClosed(st)) << st;
  http::Request again = MakeGet("/again");
  st = client.DoTimeout(again, resp, absl::Seconds(5));
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(resp.body(), "/again");
  EXPECT_EQ(s.accepted(), 2);
}

// Two calls to /slow, each on a thread of its own with `timeout`, their
// statuses given to `check`; the caller joins the threads.
std::vector<std::thread> TwoSlowCalls(PipelineClient& client,
                                      absl::Duration timeout,
                                      void (*check)(const absl::Status&)) {
  std::vector<std::thread> slow;
  for (int i = 0; i < 2; ++i) {
    slow.emplace_back([&client, timeout, check] {
      http::Request req = MakeGet("/slow");
      http::Response resp;
      check(client.DoTimeout(req, resp, timeout));
    });
  }
  return slow;
}

TEST(PipelineClientTest, OverflowIsNoFreeConns) {
  FakeServer s(EchoPath);
  PipelineClientOptions o = For(s);
  o.max_pending_requests = 2;
  PipelineClient client(o);
  std::vector<std::thread> slow =
      TwoSlowCalls(client, absl::Seconds(5),
                   [](const absl::Status& st) { EXPECT_TRUE(st.ok()) << st; });
  for (int i = 0; i < 100 && client.stats().pending < 2; ++i) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  http::Request req = MakeGet("/third");
  http::Response resp;
  absl::Status st = client.Do(req, resp);
  EXPECT_TRUE(IsNoFreeConns(st)) << st;
  for (auto& t : slow) {
    t.join();
  }
}

// A full connection whose every call timed out is closed (its server may
// never answer): the next call gets a new one, not kNoFreeConns.
TEST(PipelineClientTest, FullConnectionOfTimedOutCallsIsReplaced) {
  FakeServer s(EchoPath);
  PipelineClientOptions o = For(s);
  o.max_pending_requests = 2;
  PipelineClient client(o);
  std::vector<std::thread> slow = TwoSlowCalls(
      client, absl::Milliseconds(50),
      [](const absl::Status& st) { EXPECT_TRUE(IsTimeout(st)) << st; });
  for (auto& t : slow) {
    t.join();
  }
  http::Request req = MakeGet("/after");
  http::Response resp;
  absl::Status st;
  // The Tick that closes it runs every 5 ms.
  for (int i = 0; i < 100; ++i) {
    st = client.DoTimeout(req, resp, absl::Seconds(5));
    if (!IsNoFreeConns(st)) {
      break;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(resp.body(), "/after");
  EXPECT_EQ(s.accepted(), 2);
}

// A response the client cannot take is the same error from both clients:
// one kind rule, one wording (client/errors.h ResponseParseError).
TEST(PipelineClientTest, BadResponsesAreWordedAsHostClientWordsThem) {
  FakeServer s([](RawConn& c, int) {
    for (http::Request req; ReadRequest(c, req);) {
      if (req.header().request_uri() == "/big") {
        c.Send(absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
                            std::string(100, 'x')));
      } else if (req.header().request_uri() == "/1xx") {
        for (int i = 0; i < 9; ++i) {
          c.Send("HTTP/1.1 100 Continue\r\n\r\n");
        }
      } else {
        c.Send("HTTP/1.1 200 OK\nbare-lf: yes\n\n");
      }
    }
  });
  const std::string addr = absl::StrCat("127.0.0.1:", s.port());
  PipelineClientOptions po = For(s);
  po.max_response_body_bytes = 10;
  HostClientOptions ho;
  ho.addrs = {addr};
  ho.max_response_body_bytes = 10;
  for (const char* path : {"/big", "/1xx", "/bad"}) {
    // A fresh client each: the pipeline fails its connection after each.
    PipelineClient pipeline(po);
    HostClient host(ho);
    http::Request preq = MakeGet(path);
    http::Request hreq = MakeGet(path);
    http::Response resp;
    const absl::Status p = pipeline.DoTimeout(preq, resp, absl::Seconds(5));
    const absl::Status h = host.DoTimeout(hreq, resp, absl::Seconds(5));
    EXPECT_FALSE(p.ok()) << path;
    EXPECT_EQ(KindOf(p), KindOf(h)) << path << ": " << p << " / " << h;
    EXPECT_EQ(p.message(), h.message()) << path;
  }
  http::Request big = MakeGet("/big");
  http::Response resp;
  PipelineClient pipeline(po);
  const absl::Status p = pipeline.DoTimeout(big, resp, absl::Seconds(5));
  EXPECT_TRUE(IsBodyTooLarge(p)) << p;
  EXPECT_NE(p.message().find("limit 10 bytes"), std::string_view::npos) << p;
}

TEST(PipelineClientTest, DialFailureAndBadOptions) {
  uint16_t port;
  {
    FakeServer s(EchoPath);
    port = s.port();
  }
  PipelineClientOptions o;
  o.addr = absl::StrCat("127.0.0.1:", port);
  PipelineClient client(o);
  http::Request req = MakeGet("/");
  http::Response resp;
  EXPECT_EQ(KindOf(client.Do(req, resp)), ErrorKind::kDial);
  PipelineClient bad(PipelineClientOptions{});
  EXPECT_FALSE(bad.status().ok());
  EXPECT_FALSE(bad.Do(req, resp).ok());
}

}  // namespace
}  // namespace brisk::client
