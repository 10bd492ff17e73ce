#include "server/server.h"

#include <any>
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "server/server_test_util.h"
#include "testing/process.h"
#include "testing/raw_conn.h"

namespace brisk::server {
namespace {

using std::chrono::milliseconds;

// Bounded wait for the server to close every connection (lingering closes
// and idle waits end asynchronously).
void WaitUntilNoConnections(Server& s) {
  for (int i = 0; i < 500 && s.stats().open_connections != 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
}

// The handler most tests share.
void Routes(RequestCtx& ctx) {
  std::string_view path = ctx.request().header().request_uri();
  if (path == "/echo") {
    ctx.SetBody(ctx.request().body());
  } else if (path == "/num") {
    ctx.SetBody(absl::StrCat(ctx.connection_id(), ",", ctx.request_number()));
  } else if (path == "/throw") {
    throw std::runtime_error("boom");
  } else if (path == "/detach-throw") {
    DetachedCtx d = ctx.Detach();
    throw std::runtime_error("after detach");
  } else if (path == "/close") {
    ctx.SetConnectionClose();
    ctx.SetBody("bye");
  } else if (path == "/teapot") {
    ctx.Error(418, "short and stout");
  } else {
    ctx.SetContentType("text/plain");
    ctx.SetBody("Hello, World!");
  }
}

TEST(ServerTest, AnswersWithServerDateLengthAndKeepAliveHint) {
  TestServer ts({.idle_timeout = absl::Seconds(7)}, Routes);
  Reply r = RoundTrip(ts.port(), Get("/"));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "Hello, World!");
  EXPECT_EQ(r.Header("Server"), "brisk");
  EXPECT_EQ(r.Header("Content-Length"), "13");
  EXPECT_EQ(r.Header("Content-Type"), "text/plain");
  EXPECT_EQ(r.Header("Keep-Alive"), "timeout=7");
  EXPECT_EQ(r.Header("Date").size(), 29u);
  EXPECT_FALSE(r.Has("Connection"));
}

TEST(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  TestServer ts({}, Routes);
  testing::RawConn c = ts.Connect();
  std::string first_id;
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(c.Send(Get("/num")));
    Reply r = ReadReply(c);
    ASSERT_TRUE(r.ok);
    std::string id = r.body.substr(0, r.body.find(','));
    if (i == 1) {
      first_id = id;
    }
    EXPECT_EQ(id, first_id);
    EXPECT_EQ(r.body.substr(r.body.find(',') + 1), std::to_string(i));
  }
  EXPECT_EQ(ts.server().stats().requests, 5u);
}

TEST(ServerTest, StatsCountBytesAndWorkers) {
  TestServer ts({}, [](RequestCtx& ctx) { ctx.SetBody("0123456789"); });
  testing::RawConn c = ts.Connect();
  const std::string req = Get("/x");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Send(req));
    ASSERT_TRUE(ReadReply(c).ok);
  }
  // A worker went idle after each answer; bytes were counted both ways.
  ServerStats st;
  for (int i = 0; i < 500; ++i) {
    st = ts.server().stats();
    if (st.workers_busy == 0 && st.bytes_read == 3 * req.size()) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(st.bytes_read, 3 * req.size());
  EXPECT_GE(st.bytes_written, 3u * 10u);
  EXPECT_EQ(st.workers_busy, 0u);
  EXPECT_GE(st.workers_created, 1u);
  EXPECT_EQ(st.workers_idle, st.workers_created - st.workers_expired);
}

TEST(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  TestServer ts({}, Routes);
  testing::RawConn c = ts.Connect();
  std::string batch;
  for (int i = 0; i < 20; ++i) {
    batch += "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: " +
             std::to_string(std::to_string(i).size()) + "\r\n\r\n" +
             std::to_string(i);
  }
  batch += Get("/");
  ASSERT_TRUE(c.Send(batch));
  for (int i = 0; i < 20; ++i) {
    Reply r = ReadReply(c);
    ASSERT_TRUE(r.ok) << i;
    EXPECT_EQ(r.body, std::to_string(i));
  }
  Reply last = ReadReply(c);
  EXPECT_EQ(last.body, "Hello, World!");
}

TEST(ServerTest, PipelinedBatchLargerThanTheReadBuffer) {
  TestServer ts({.read_buffer_bytes = 64}, Routes);
  testing::RawConn c = ts.Connect();
  std::string batch;
  for (int i = 0; i < 50; ++i) {
    batch += Get("/num");
  }
  ASSERT_TRUE(c.Send(batch));
  for (int i = 1; i <= 50; ++i) {
    Reply r = ReadReply(c);
    ASSERT_TRUE(r.ok) << i;
    EXPECT_EQ(r.body.substr(r.body.find(',') + 1), std::to_string(i));
  }
}

TEST(ServerTest, Http10ClosesUnlessKeepAliveAsked) {
  TestServer ts({}, Routes);
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send("GET / HTTP/1.0\r\n\r\n"));
  Reply r = ReadReply(c);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.Header("Connection"), "close");
  EXPECT_TRUE(c.ReadUntilClose());

  testing::RawConn k = ts.Connect();
  ASSERT_TRUE(k.Send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  r = ReadReply(k);
  EXPECT_EQ(r.Header("Connection"), "keep-alive");
  ASSERT_TRUE(k.Send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  EXPECT_TRUE(ReadReply(k).ok);
}

TEST(ServerTest, ConnectionCloseFromClientOrHandlerIsHonoured) {
  TestServer ts({}, Routes);
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/", "Connection: close\r\n") + Get("/")));
  Reply r = ReadReply(c);
  EXPECT_EQ(r.Header("Connection"), "close");
  EXPECT_TRUE(c.ReadUntilClose());
  EXPECT_TRUE(c.buffer().empty()) << "answered past Connection: close";

  testing::RawConn h = ts.Connect();
  ASSERT_TRUE(h.Send(Get("/close")));
  r = ReadReply(h);
  EXPECT_EQ(r.body, "bye");
  EXPECT_EQ(r.Header("Connection"), "close");
  EXPECT_TRUE(h.ReadUntilClose());
}

TEST(ServerTest, HeadHasTheLengthButNoBody) {
  TestServer ts({}, Routes);
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\n" + Get("/num")));
  Reply r = ReadReply(c, /*head_request=*/true);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.Header("Content-Length"), "13");
  EXPECT_EQ(r.body, "");
  // The next response starts right after the head: no stray body bytes.
  Reply next = ReadReply(c);
  EXPECT_EQ(next.body.substr(next.body.find(',') + 1), "2");
}

TEST(ServerTest, BodiesArriveInPiecesAndChunked) {
  TestServer ts({}, Routes);
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(
      c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n"
             "\r\n0123"));
  std::this_thread::sleep_for(milliseconds(30));
  ASSERT_TRUE(c.Send("456789"));
  EXPECT_EQ(ReadReply(c).body, "0123456789");

  ASSERT_TRUE(
      c.Send("POST /echo HTTP/1.1\r\nHost: t\r\n"
             "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"));
  std::this_thread::sleep_for(milliseconds(30));
  ASSERT_TRUE(c.Send("6\r\n world\r\n0\r\n\r\n" + Get("/num")));
  EXPECT_EQ(ReadReply(c).body, "hello world");
  Reply r = ReadReply(c);
  EXPECT_EQ(r.body.substr(r.body.find(',') + 1), "3");
}

TEST(ServerTest, ExpectContinueGetsAnInterimResponse) {
  TestServer ts({}, Routes);
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(
      c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n"
             "Expect: 100-continue\r\n\r\n"));
  ASSERT_TRUE(c.ReadUntil("\r\n\r\n"));
  EXPECT_EQ(c.Take(c.buffer().find("\r\n\r\n") + 4),
            "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(c.Send("data"));
  EXPECT_EQ(ReadReply(c).body, "data");
}

struct BadCase {
  const char* name;
  std::string request;
  int status;
};

TEST(ServerTest, BadRequestsGetTheirStatusThenALingeringClose) {
  ServerOptions o;
  o.max_header_bytes = 1024;
  o.max_uri_bytes = 256;
  o.max_request_body_bytes = 100;
  TestServer ts(o, Routes);
  std::vector<BadCase> cases = {
      {"bare LF", "GET / HTTP/1.1\nHost: t\n\n", 400},
      {"no Host", "GET / HTTP/1.1\r\n\r\n", 400},
      {"obs-fold", "GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n", 400},
      {"CL and TE",
       "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
       "Transfer-Encoding: chunked\r\n\r\n",
       400},
      {"URI too long", Get("/" + std::string(300, 'a')), 414},
      {"header too large", Get("/", "X: " + std::string(2000, 'a') + "\r\n"),
       431},
      {"body too large",
       "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n", 413},
      {"gzip TE",
       "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
       501},
      {"HTTP/2.0", "GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505},
      {"bad chunk",
       "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
       "zz\r\n",
       400},
  };
  for (const BadCase& bc : cases) {
    testing::RawConn c = ts.Connect();
    ASSERT_TRUE(c.Send(bc.request)) << bc.name;
    Reply r = ReadReply(c);
    ASSERT_TRUE(r.ok) << bc.name;
    EXPECT_EQ(r.status, bc.status) << bc.name;
    EXPECT_EQ(r.Header("Connection"), "close") << bc.name;
    EXPECT_FALSE(r.body.empty()) << bc.name;
    // The server shut its write side (FIN, not RST) and closes.
    EXPECT_TRUE(c.ReadUntilClose()) << bc.name;
    EXPECT_FALSE(c.reset()) << bc.name;
  }
  EXPECT_EQ(ts.server().stats().parse_errors, cases.size());
  // Still serving.
  EXPECT_EQ(RoundTrip(ts.port(), Get("/")).status, 200);
}

TEST(ServerTest, ErrorHandlerShapesErrorResponses) {
  ServerOptions o;
  o.error_handler = [](const ErrorInfo& info, http::Response& resp) {
    resp.SetContentType("application/json");
    resp.SetBody(absl::StrCat("{\"status\":", info.status, "}"));
  };
  TestServer ts(o, Routes);
  Reply r = RoundTrip(ts.port(), "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "{\"status\":400}");
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
}

TEST(ServerTest, SlowHeaderGets408) {
  TestServer ts({.header_read_timeout = absl::Milliseconds(200)}, Routes);
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHo"));
  Reply r = ReadReply(c);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 408);
  EXPECT_TRUE(c.ReadUntilClose());
  EXPECT_GE(ts.server().stats().timeouts, 1u);
}

// Every phase of a request has a bound by default; here shortened.
TEST(ServerTest, StalledBodiesGet408) {
  TestServer ts({.body_read_timeout = absl::Milliseconds(200)}, Routes);
  const std::string stalls[] = {
      // Content-Length: 10 and no byte of it.
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n",
      // A chunk started, never finished.
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
      "\r\n5\r\nab",
      // Inside a chunk-size line.
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
      "\r\n5",
  };
  for (const std::string& stall : stalls) {
    testing::RawConn c = ts.Connect();
    ASSERT_TRUE(c.Send(stall));
    Reply r = ReadReply(c);
    ASSERT_TRUE(r.ok) << stall;
    EXPECT_EQ(r.status, 408);
    EXPECT_TRUE(c.ReadUntilClose());
  }
  EXPECT_GE(ts.server().stats().timeouts, 3u);
}

// A body dripped a byte at a time makes progress forever: read_timeout
// bounds the whole body.
TEST(ServerTest, DrippedBodyEndsAtTheReadTimeout) {
  TestServer ts({.read_timeout = absl::Milliseconds(300)}, Routes);
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(
      c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n"));
  const auto start = std::chrono::steady_clock::now();
  bool answered = false;
  for (int i = 0; i < 100 && !answered; ++i) {
    c.Send("x");  // fails once the server closed
    answered = c.ReadSome(milliseconds(50)) > 0 || c.eof();
  }
  ASSERT_TRUE(answered);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_NE(c.buffer().find(" 408 "), std::string::npos) << c.buffer();
}

// A client that never reads a large response is dropped after
// send_timeout of no progress, freeing its worker and socket.
TEST(ServerTest, ClientThatNeverReadsIsDropped) {
  const std::string big(50 * 1024 * 1024, 'x');
  TestServer ts({.send_timeout = absl::Milliseconds(300)},
                [&](RequestCtx& ctx) { ctx.SetBody(big); });
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/")));
  for (int i = 0; i < 300 && ts.server().stats().requests == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  for (int i = 0; i < 300 && ts.server().stats().open_connections != 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(ts.server().stats().open_connections, 0u);
  EXPECT_GE(ts.server().stats().timeouts, 1u);
}

TEST(ServerTest, IdleConnectionsCloseAfterTheIdleTimeout) {
  TestServer ts({.idle_timeout = absl::Milliseconds(200)}, Routes);
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/")));
  Reply r = ReadReply(c);
  EXPECT_EQ(r.Header("Keep-Alive"), "timeout=1");  // rounded up to 1 s
  EXPECT_TRUE(c.ReadUntilClose(std::chrono::seconds(3)));
  EXPECT_TRUE(c.buffer().empty());
}

TEST(ServerTest, HandlerExceptionIs500AndTheConnectionGoesOn) {
  std::vector<std::string> log;
  std::mutex mu;
  ServerOptions o;
  o.logger = [&](std::string_view line) {
    std::lock_guard<std::mutex> lock(mu);
    log.emplace_back(line);
  };
  TestServer ts(o, Routes);
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/throw") + Get("/detach-throw") + Get("/")));
  EXPECT_EQ(ReadReply(c).status, 500);
  EXPECT_EQ(ReadReply(c).status, 500);
  EXPECT_EQ(ReadReply(c).status, 200);
  EXPECT_EQ(ts.server().stats().handler_exceptions, 2u);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_NE(log[0].find("boom"), std::string::npos);
}

TEST(ServerTest, CtxKnowsItsConnectionAndCarriesUserValues) {
  TestServer ts({}, [](RequestCtx& ctx) {
    EXPECT_EQ(ctx.UserValue("user"), nullptr);
    ctx.SetUserValue("user", std::string("ada"));
    ctx.SetUserValue("user", std::string("grace"));  // replaces
    ctx.SetUserValue("n", 7);
    const std::any* user = ctx.UserValue("user");
    const std::any* n = ctx.UserValue("n");
    ASSERT_NE(user, nullptr);
    ASSERT_NE(n, nullptr);
    EXPECT_TRUE(ctx.remote_endpoint().address().is_loopback());
    EXPECT_NE(ctx.local_endpoint().port(), 0);
    EXPECT_LE(absl::AbsDuration(absl::Now() - ctx.start_time()),
              absl::Seconds(5));
    ctx.SetBody(absl::StrCat(std::any_cast<std::string>(*user), ",",
                             std::any_cast<int>(*n), ",",
                             ctx.local_endpoint().address().to_string()));
  });
  testing::RawConn c = ts.Connect();
  // Values do not leak from one request to the next (the lambda checks).
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(c.Send(Get("/")));
    EXPECT_EQ(ReadReply(c).body, "grace,7,127.0.0.1");
  }
}

TEST(ServerTest, CustomStatusAndUnknownReason) {
  TestServer ts({}, Routes);
  Reply r = RoundTrip(ts.port(), Get("/teapot"));
  EXPECT_EQ(r.status, 418);
  EXPECT_EQ(r.body, "short and stout");
}

// Waits (bounded) for a handler to park a detached request in `held`, and
// takes it; empty if none came.
DetachedCtx TakeHeld(std::mutex& mu, std::vector<DetachedCtx>& held) {
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!held.empty()) {
        DetachedCtx d = std::move(held.back());
        held.pop_back();
        return d;
      }
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  return DetachedCtx();
}

// A handler that parks requests at /park until the test releases them.
struct Parking {
  std::mutex mu;
  std::vector<DetachedCtx> parked;
  std::atomic<int> count{0};

  Handler handler() {
    return [this](RequestCtx& ctx) {
      if (ctx.request().header().request_uri() == "/park") {
        std::lock_guard<std::mutex> lock(mu);
        parked.push_back(ctx.Detach());
        count.fetch_add(1);
        return;
      }
      Routes(ctx);
    };
  }
  void WaitFor(int n) {
    for (int i = 0; i < 500 && count.load() < n; ++i) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    ASSERT_GE(count.load(), n);
  }
  void FinishAll(std::string_view body) {
    std::lock_guard<std::mutex> lock(mu);
    for (DetachedCtx& d : parked) {
      d.response().SetBody(body);
      d.Finish();
    }
    parked.clear();
  }
};

TEST(ServerTest, DetachedRequestsFinishFromAnotherThread) {
  Parking p;
  TestServer ts({}, p.handler());
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/park") + Get("/num")));
  p.WaitFor(1);
  // Another connection is served meanwhile.
  EXPECT_EQ(RoundTrip(ts.port(), Get("/")).status, 200);
  std::thread t([&] { p.FinishAll("later"); });
  t.join();
  EXPECT_EQ(ReadReply(c).body, "later");
  Reply r = ReadReply(c);
  EXPECT_EQ(r.body.substr(r.body.find(',') + 1), "2");
}

TEST(ServerTest, DetachedHandleDroppedWithoutFinishAnswers500) {
  Parking p;
  TestServer ts({}, p.handler());
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/park")));
  p.WaitFor(1);
  {
    std::lock_guard<std::mutex> lock(p.mu);
    p.parked.clear();
  }
  Reply r = ReadReply(c);
  EXPECT_EQ(r.status, 500);
  ASSERT_TRUE(c.Send(Get("/")));
  EXPECT_EQ(ReadReply(c).status, 200);
}

TEST(ServerTest, StreamedBodiesChunkedAndWithLength) {
  std::mutex mu;
  std::vector<DetachedCtx> held;
  auto handler = [&](RequestCtx& ctx) {
    std::lock_guard<std::mutex> lock(mu);
    if (ctx.request().header().request_uri() == "/len") {
      ctx.response().header().SetContentLength(6);
    }
    held.push_back(ctx.Detach());
  };
  TestServer ts({}, handler);
  auto stream = [&](std::string_view path) {
    testing::RawConn c = ts.Connect();
    EXPECT_TRUE(c.Send(Get(path)));
    DetachedCtx d = TakeHeld(mu, held);
    EXPECT_TRUE(d);
    for (std::string_view piece : {"ab", "cd", "ef"}) {
      std::promise<absl::Status> written;
      d.StreamWrite(piece, [&](absl::Status s) { written.set_value(s); });
      EXPECT_TRUE(written.get_future().get().ok());
    }
    d.Finish();
    Reply r = ReadReply(c);
    EXPECT_EQ(r.body, "abcdef");
    return r;
  };
  Reply chunked = stream("/chunked");
  EXPECT_EQ(chunked.Header("Transfer-Encoding"), "chunked");
  Reply len = stream("/len");
  EXPECT_EQ(len.Header("Content-Length"), "6");
}

// A handler copying request data into a header must not write a second
// header line (or a reason phrase a second status line): the server answers
// 500 and logs, and the connection goes on.
TEST(ServerTest, UnsafeResponseFieldsAreNeverWritten) {
  std::mutex mu;
  std::vector<std::string> log;
  ServerOptions o;
  o.logger = [&](std::string_view line) {
    std::lock_guard<std::mutex> lock(mu);
    log.emplace_back(line);
  };
  TestServer ts(o, [](RequestCtx& ctx) {
    std::string_view q = ctx.request().uri().query_string();
    if (q == "name") {
      ctx.response().header().Set("X-A\r\nSet-Cookie", "x");
    } else if (q == "nul") {
      ctx.response().header().Set("X-Echo", std::string_view("a\0b", 3));
    } else {
      ctx.response().header().Set("X-Echo", "v\r\nSet-Cookie: admin=1");
    }
    ctx.SetBody("body");
  });
  testing::RawConn c = ts.Connect();
  for (std::string_view q : {"value", "name", "nul"}) {
    ASSERT_TRUE(c.Send(Get("/?" + std::string(q))));
    Reply r = ReadReply(c);
    ASSERT_TRUE(r.ok) << q;
    EXPECT_EQ(r.status, 500) << q;
    EXPECT_FALSE(r.Has("Set-Cookie")) << r.head;
    EXPECT_EQ(r.head.find("X-Echo"), std::string::npos) << r.head;
  }
  EXPECT_EQ(ts.server().stats().requests, 3u);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_FALSE(log.empty());
  EXPECT_NE(log[0].find("answered 500"), std::string::npos) << log[0];
}

// A 1xx as the final answer would pair later pipelined answers with the
// wrong requests: it becomes a 500, and the next request gets its own.
TEST(ServerTest, HandlerInterimStatusIsAnError) {
  TestServer ts({.logger = [](std::string_view) {}}, [](RequestCtx& ctx) {
    if (ctx.request().header().request_uri() == "/interim") {
      ctx.SetStatusCode(100);
    } else {
      ctx.SetBody("second");
    }
  });
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/interim") + Get("/next")));
  Reply first = ReadReply(c);
  EXPECT_EQ(first.status, 500);
  Reply second = ReadReply(c);
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, "second");
}

// A streamed 204 or 304 (or HEAD) carries no body, not even chunked framing.
TEST(ServerTest, StreamedNoBodyStatusesWriteNoBody) {
  std::mutex mu;
  std::vector<DetachedCtx> held;
  TestServer ts({}, [&](RequestCtx& ctx) {
    std::string_view path = ctx.request().header().request_uri();
    ctx.SetStatusCode(path == "/304" ? 304 : 204);
    std::lock_guard<std::mutex> lock(mu);
    held.push_back(ctx.Detach());
  });
  for (std::string_view path : {"/204", "/304"}) {
    testing::RawConn c = ts.Connect();
    ASSERT_TRUE(c.Send(Get(path)));
    DetachedCtx d = TakeHeld(mu, held);
    ASSERT_TRUE(d);
    std::promise<absl::Status> written;
    d.StreamWrite("not a body", [&](absl::Status s) { written.set_value(s); });
    EXPECT_TRUE(written.get_future().get().ok());
    d.Finish();
    // The next request's answer must follow the head directly.
    ASSERT_TRUE(c.Send(Get("/204")));
    DetachedCtx d2 = TakeHeld(mu, held);
    ASSERT_TRUE(d2);
    d2.Finish();
    ASSERT_TRUE(c.ReadUntil("\r\n\r\nHTTP/1.1 204"));
    ASSERT_TRUE(c.ReadUntil("\r\n\r\n", milliseconds(2000)));
    EXPECT_EQ(c.buffer().find("Transfer-Encoding"), std::string::npos)
        << c.buffer();
    EXPECT_EQ(c.buffer().find("not a body"), std::string::npos) << c.buffer();
  }
}

// StreamWrite then Finish at once: both commands may reach the loop before
// the worker resumes; the write must still go out and its callback run,
// and no state may leak into the next request on the connection.
TEST(ServerTest, StreamWriteThenFinishLosesNothing) {
  std::mutex mu;
  std::vector<DetachedCtx> held;
  TestServer ts({}, [&](RequestCtx& ctx) {
    std::lock_guard<std::mutex> lock(mu);
    held.push_back(ctx.Detach());
  });
  testing::RawConn c = ts.Connect();
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(c.Send(Get("/")));
    DetachedCtx d = TakeHeld(mu, held);
    ASSERT_TRUE(d);
    std::promise<absl::Status> written;
    d.StreamWrite("piece", [&](absl::Status s) { written.set_value(s); });
    d.Finish();
    auto f = written.get_future();
    ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready)
        << "the write's callback never ran (round " << i << ")";
    EXPECT_TRUE(f.get().ok());
    Reply r = ReadReply(c);
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.body, "piece") << "round " << i;
  }
}

TEST(ServerTest, StreamWriteReportsAGoneClient) {
  std::mutex mu;
  std::vector<DetachedCtx> held;
  TestServer ts({}, [&](RequestCtx& ctx) {
    std::lock_guard<std::mutex> lock(mu);
    held.push_back(ctx.Detach());
  });
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/")));
  DetachedCtx d = TakeHeld(mu, held);
  ASSERT_TRUE(d);
  c.Reset();
  std::string big(1 << 20, 'x');
  absl::Status last;
  for (int i = 0; i < 50; ++i) {
    std::promise<absl::Status> written;
    d.StreamWrite(big, [&](absl::Status s) { written.set_value(s); });
    last = written.get_future().get();
    if (!last.ok()) {
      break;
    }
  }
  EXPECT_TRUE(absl::IsUnavailable(last)) << last;
  d.Finish();
}

TEST(ServerTest, ConcurrencyLimitAnswers503AndRecovers) {
  Parking p;
  TestServer ts({.concurrency = 1}, p.handler());
  testing::RawConn busy = ts.Connect();
  ASSERT_TRUE(busy.Send(Get("/park")));
  p.WaitFor(1);
  Reply r = RoundTrip(ts.port(), Get("/"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Header("Connection"), "close");
  p.FinishAll("done");
  EXPECT_EQ(ReadReply(busy).body, "done");
  EXPECT_EQ(RoundTrip(ts.port(), Get("/")).status, 200);
  EXPECT_GE(ts.server().stats().refused, 1u);
}

TEST(ServerTest, MaxConnectionsCountsIdleOnes) {
  TestServer ts({.max_connections = 1}, Routes);
  testing::RawConn first = ts.Connect();
  ASSERT_TRUE(first.Send(Get("/")));
  ASSERT_TRUE(ReadReply(first).ok);  // now idle, still open
  Reply r = RoundTrip(ts.port(), Get("/"));
  EXPECT_EQ(r.status, 503);
  first.Close();
  Reply ok;
  for (int i = 0; i < 100 && ok.status != 200; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
    ok = RoundTrip(ts.port(), Get("/"));
  }
  EXPECT_EQ(ok.status, 200);
}

TEST(ServerTest, MaxConnsPerIpAnswers429) {
  TestServer ts({.max_conns_per_ip = 2}, Routes);
  testing::RawConn a = ts.Connect();
  testing::RawConn b = ts.Connect();
  ASSERT_TRUE(a.Send(Get("/")) && b.Send(Get("/")));
  ASSERT_TRUE(ReadReply(a).ok && ReadReply(b).ok);
  Reply r = RoundTrip(ts.port(), Get("/"));
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(ts.server().stats().refused_per_ip, 1u);
}

TEST(ServerTest, MaxRequestsPerConnClosesAfterTheLast) {
  TestServer ts({.max_requests_per_conn = 2}, Routes);
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/") + Get("/") + Get("/")));
  EXPECT_FALSE(ReadReply(c).Has("Connection"));
  EXPECT_EQ(ReadReply(c).Header("Connection"), "close");
  EXPECT_TRUE(c.ReadUntilClose());
  EXPECT_TRUE(c.buffer().empty());
}

TEST(ServerTest, DisableKeepAlive) {
  TestServer ts({.disable_keepalive = true}, Routes);
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/")));
  EXPECT_EQ(ReadReply(c).Header("Connection"), "close");
  EXPECT_TRUE(c.ReadUntilClose());
}

TEST(ServerTest, ConnectionStateHooksSeeTheLifecycle) {
  std::mutex mu;
  std::vector<ConnState> seen;
  ServerOptions o;
  o.on_conn_state = [&](uint64_t, const boost::asio::ip::tcp::endpoint& ep,
                        ConnState s) {
    EXPECT_TRUE(ep.address().is_loopback());
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(s);
  };
  {
    TestServer ts(o, Routes);
    testing::RawConn c = ts.Connect();
    ASSERT_TRUE(c.Send(Get("/")));
    ASSERT_TRUE(ReadReply(c).ok);
    ASSERT_TRUE(c.Send(Get("/close")));
    ASSERT_TRUE(ReadReply(c).ok);
    EXPECT_TRUE(c.ReadUntilClose());
  }
  std::lock_guard<std::mutex> lock(mu);
  std::vector<ConnState> want = {ConnState::kNew, ConnState::kActive,
                                 ConnState::kIdle, ConnState::kActive,
                                 ConnState::kClosed};
  EXPECT_EQ(seen, want);
}

TEST(ServerTest, AbruptDisconnectsLeaveNothingBehind) {
  TestServer ts({}, Routes);
  // Warm the server so lazily created state is not counted as a leak.
  ASSERT_EQ(RoundTrip(ts.port(), Get("/")).status, 200);
  WaitUntilNoConnections(ts.server());
  const int fds = testing::OpenFileDescriptors();
  for (int i = 0; i < 50; ++i) {
    testing::RawConn c = ts.Connect();
    switch (i % 5) {
      case 0:
        c.Send("GET / HT");  // mid-header, then FIN
        break;
      case 1:
        c.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 9\r\n\r\nab");
        c.Reset();  // mid-body, RST
        break;
      case 2:
        c.Send(Get("/"));
        c.ShutdownWrite();  // half-close after the request
        EXPECT_EQ(ReadReply(c).status, 200);
        break;
      case 3:
        c.Send(Get("/") + Get("/"));
        c.Reset();  // before reading responses
        break;
      default:
        break;  // connect and leave
    }
  }
  // Connections that sent nothing reach accept() late (TCP_DEFER_ACCEPT),
  // so "no open connection" alone does not mean all were seen: wait
  // (bounded) for the descriptors too.
  for (int i = 0; i < 500 && (ts.server().stats().open_connections != 0 ||
                              testing::OpenFileDescriptors() != fds);
       ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(ts.server().stats().open_connections, 0u);
  EXPECT_EQ(testing::OpenFileDescriptors(), fds);
  EXPECT_EQ(RoundTrip(ts.port(), Get("/")).status, 200);
}

TEST(ServerTest, ShutdownClosesIdleAndFinishesInFlight) {
  Parking p;
  auto ts = std::make_unique<TestServer>(ServerOptions{}, p.handler());
  testing::RawConn idle = ts->Connect();
  ASSERT_TRUE(idle.Send(Get("/")));
  ASSERT_TRUE(ReadReply(idle).ok);
  testing::RawConn busy = ts->Connect();
  ASSERT_TRUE(busy.Send(Get("/park")));
  p.WaitFor(1);
  std::thread finisher([&] {
    EXPECT_TRUE(idle.ReadUntilClose());  // closed at once by Shutdown
    p.FinishAll("last");
  });
  ShutdownReport rep = ts->server().Shutdown();
  finisher.join();
  EXPECT_TRUE(rep.drained);
  EXPECT_EQ(rep.hard_closed, 0u);
  Reply r = ReadReply(busy);
  EXPECT_EQ(r.body, "last");
  EXPECT_EQ(r.Header("Connection"), "close");
  EXPECT_TRUE(busy.ReadUntilClose());
  testing::RawConn after;
  EXPECT_FALSE(after.Connect(ts->port())) << "still accepting";
}

TEST(ServerTest, ShutdownDeadlineHardClosesWhatRemains) {
  Parking p;
  TestServer ts({}, p.handler());
  testing::RawConn busy = ts.Connect();
  ASSERT_TRUE(busy.Send(Get("/park")));
  p.WaitFor(1);
  std::thread finisher([&] {
    // The handle is finished long after the deadline: too late to answer.
    EXPECT_TRUE(busy.ReadUntilClose());
    p.FinishAll("too late");
  });
  ShutdownReport rep = ts.server().Shutdown(absl::Milliseconds(100));
  finisher.join();
  EXPECT_FALSE(rep.drained);
  EXPECT_EQ(rep.hard_closed, 1u);
  EXPECT_EQ(busy.buffer(), "");
}

TEST(ServerTest, BlockingHandlersRunOffTheLoop) {
  std::atomic<int> in_handler{0};
  std::atomic<int> max_in_handler{0};
  ServerOptions o;
  o.blocking_handler = true;
  o.blocking_threads = 4;
  TestServer ts(o, [&](RequestCtx& ctx) {
    int now = in_handler.fetch_add(1) + 1;
    int prev = max_in_handler.load();
    while (now > prev && !max_in_handler.compare_exchange_weak(prev, now)) {
    }
    std::this_thread::sleep_for(milliseconds(100));
    in_handler.fetch_sub(1);
    ctx.SetBody("slept");
  });
  std::vector<std::thread> clients;
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back(
        [&] { EXPECT_EQ(RoundTrip(ts.port(), Get("/")).body, "slept"); });
  }
  for (auto& t : clients) {
    t.join();
  }
  // One loop thread, yet the sleeping handlers overlapped.
  EXPECT_GE(max_in_handler.load(), 2);
}

TEST(ServerTest, ManyThreadsShareThePortWithReusePort) {
  TestServer ts({.threads = 2}, Routes);
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        ok += RoundTrip(ts.port(), Get("/")).status == 200;
      }
    });
  }
  for (auto& t : clients) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 100);
}

TEST(ServerTest, ListenReportsBadAddressesAndOptions) {
  Server bad_addr({}, Routes);
  EXPECT_EQ(bad_addr.Listen("nonsense").code(),
            absl::StatusCode::kInvalidArgument);
  Server bad_host({}, Routes);
  EXPECT_EQ(bad_host.Listen("example.com:80").code(),
            absl::StatusCode::kInvalidArgument);
  Server bad_opts({.concurrency = 0}, Routes);
  EXPECT_EQ(bad_opts.Listen("127.0.0.1:0").code(),
            absl::StatusCode::kInvalidArgument);
  TestServer ts({}, Routes);
  Server taken({.reuseport = false}, Routes);
  EXPECT_EQ(taken.Listen(absl::StrCat("127.0.0.1:", ts.port())).code(),
            absl::StatusCode::kUnavailable);
}

TEST(ServerDeathTest, TouchingTheCtxAfterTheHandlerAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        std::atomic<RequestCtx*> saved{nullptr};
        TestServer ts({}, [&](RequestCtx& ctx) {
          saved = &ctx;
          ctx.SetBody("x");
        });
        RoundTrip(ts.port(), Get("/"));
        (void)saved.load()->request();
      },
      "RequestCtx used after its handler returned");
}

}  // namespace
}  // namespace brisk::server
