// Coroutine handlers (RequestCtx::Continue, server::Coroutine): they sleep,
// stream with back-pressure, keep pipelined order, and see the client leave
// or the server hard-close at every kind of co_await.

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "server/server.h"
#include "server/server_test_util.h"
#include "testing/raw_conn.h"

namespace brisk::server {
namespace {

using std::chrono::milliseconds;

TEST(TaskTest, SleepingHandlerAnswersAfterItsSleep) {
  TestServer ts({}, Coroutine([](RequestCtx& ctx) -> Task {
                  const auto start = std::chrono::steady_clock::now();
                  absl::Status s = co_await ctx.Sleep(absl::Milliseconds(50));
                  const auto slept = std::chrono::steady_clock::now() - start;
                  ctx.SetBody(absl::StrCat(
                      s.ok() ? "ok" : "error",
                      slept >= milliseconds(45) ? " slept" : " woke early"));
                }));
  Reply r = RoundTrip(ts.port(), Get("/"));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok slept");
}

// While one connection's handler sleeps, the loop serves the others: a
// sleeping handler holds no thread.
TEST(TaskTest, ManySleepingHandlersShareOneLoop) {
  TestServer ts({.threads = 1}, Coroutine([](RequestCtx& ctx) -> Task {
                  std::string_view path = ctx.request().header().request_uri();
                  if (path == "/slow") {
                    (void)co_await ctx.Sleep(absl::Milliseconds(300));
                  }
                  ctx.SetBody(path);
                }));
  std::vector<testing::RawConn> slow;
  for (int i = 0; i < 50; ++i) {
    slow.push_back(ts.Connect());
    ASSERT_TRUE(slow.back().Send(Get("/slow")));
  }
  // The fast one is answered while the 50 still sleep.
  testing::RawConn fast = ts.Connect();
  ASSERT_TRUE(fast.Send(Get("/fast")));
  Reply f = ReadReply(fast);
  EXPECT_EQ(f.body, "/fast");
  for (testing::RawConn& c : slow) {
    EXPECT_EQ(c.buffer(), "") << "a sleeper answered before the fast one";
  }
  for (testing::RawConn& c : slow) {
    Reply r = ReadReply(c);
    EXPECT_EQ(r.body, "/slow");
  }
}

// A coroutine request between plain ones in one pipelined batch: answers
// leave in request order, the earlier ones without waiting for the sleeper.
TEST(TaskTest, PipelinedOrderIsKept) {
  TestServer ts({}, [](RequestCtx& ctx) {
    std::string_view path = ctx.request().header().request_uri();
    if (path == "/slow") {
      ctx.Continue([](RequestCtx& c) -> Task {
        (void)co_await c.Sleep(absl::Milliseconds(200));
        c.SetBody("slow");
      }(ctx));
      return;
    }
    ctx.SetBody(path);
  });
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/a") + Get("/slow") + Get("/b")));
  Reply a = ReadReply(c);
  EXPECT_EQ(a.body, "/a");
  // "/a" went out before the sleeper finished.
  EXPECT_EQ(c.buffer(), "");
  Reply slow = ReadReply(c);
  EXPECT_EQ(slow.body, "slow");
  Reply b = ReadReply(c);
  EXPECT_EQ(b.body, "/b");
}

TEST(TaskTest, StreamWriteChunkedAndWithLength) {
  TestServer ts({}, Coroutine([](RequestCtx& ctx) -> Task {
                  if (ctx.request().header().request_uri() == "/length") {
                    ctx.response().header().SetContentLength(10);
                  }
                  for (std::string_view piece : {"one,", "two,", "th"}) {
                    absl::Status s = co_await ctx.StreamWrite(piece);
                    if (!s.ok()) {
                      co_return;
                    }
                    (void)co_await ctx.Sleep(absl::Milliseconds(5));
                  }
                }));
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/chunked")));
  Reply r = ReadReply(c);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.Header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(r.body, "one,two,th");
  ASSERT_TRUE(c.Send(Get("/length")));
  Reply l = ReadReply(c);
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.Header("Content-Length"), "10");
  EXPECT_EQ(l.body, "one,two,th");
  // The connection goes on after both.
  ASSERT_TRUE(c.Send(Get("/length")));
  EXPECT_TRUE(ReadReply(c).ok);
}

// A HEAD request's streamed response: the head, no body, and the
// connection goes on.
TEST(TaskTest, StreamedHeadWritesNoBody) {
  TestServer ts({}, Coroutine([](RequestCtx& ctx) -> Task {
                  (void)co_await ctx.StreamWrite("not for HEAD");
                }));
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\n"));
  Reply r = ReadReply(c, /*head_request=*/true);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.body, "");
  // The framing its GET would have (found by the attack review: it said
  // Content-Length: 0).
  EXPECT_EQ(r.Header("Transfer-Encoding"), "chunked");
  EXPECT_FALSE(r.Has("Content-Length"));
  ASSERT_TRUE(c.Send(Get("/")));
  Reply g = ReadReply(c);
  EXPECT_EQ(g.body, "not for HEAD");
}

TEST(TaskTest, ClientGoneDuringSleepIsSeen) {
  Seen seen;
  std::atomic<bool> cancelled_matches{false};
  TestServer ts({}, Coroutine([&](RequestCtx& ctx) -> Task {
                  absl::Status s = co_await ctx.Sleep(absl::Hours(1));
                  cancelled_matches = (ctx.cancelled() == s);
                  seen.Set(s);
                }));
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/")));
  std::this_thread::sleep_for(milliseconds(50));  // let it fall asleep
  c.Close();
  absl::Status s = seen.Get();
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_TRUE(cancelled_matches);
}

// Half-closing after the request is leaving, as Go's net/http sees it.
TEST(TaskTest, ResetAndHalfCloseCountAsGone) {
  for (bool reset : {true, false}) {
    Seen seen;
    TestServer ts({}, Coroutine([&](RequestCtx& ctx) -> Task {
                    absl::Status s = co_await ctx.Sleep(absl::Hours(1));
                    seen.Set(s);
                  }));
    testing::RawConn c = ts.Connect();
    ASSERT_TRUE(c.Send(Get("/")));
    std::this_thread::sleep_for(milliseconds(50));
    if (reset) {
      c.Reset();
    } else {
      c.ShutdownWrite();
    }
    absl::Status s = seen.Get();
    EXPECT_TRUE(absl::IsUnavailable(s)) << (reset ? "reset: " : "fin: ") << s;
    if (!reset) {
      // Nothing made up is sent to a client that left: no empty 200.
      EXPECT_TRUE(c.ReadUntilClose());
      EXPECT_EQ(c.buffer(), "");
    }
  }
}

// A stream cut short by the client leaving does not end with a proper
// last chunk (the attack review saw "0\r\n\r\n" after tick 1).
TEST(TaskTest, StreamCutShortByAGoneClientHasNoLastChunk) {
  Seen seen;
  TestServer ts({}, Coroutine([&](RequestCtx& ctx) -> Task {
                  absl::Status s = co_await ctx.StreamWrite("tick 1\n");
                  if (s.ok()) {
                    s = co_await ctx.Sleep(absl::Hours(1));
                  }
                  seen.Set(s);
                }));
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/")));
  ASSERT_TRUE(c.ReadUntil("tick 1\n"));
  c.ShutdownWrite();
  EXPECT_TRUE(absl::IsUnavailable(seen.Get()));
  EXPECT_TRUE(c.ReadUntilClose());
  EXPECT_EQ(c.buffer().find("\r\n0\r\n\r\n"), std::string::npos) << c.buffer();
}

// A pipelined request behind the sleeper is not a departure.
TEST(TaskTest, PipelinedBytesAreNotADeparture) {
  TestServer ts({}, Coroutine([](RequestCtx& ctx) -> Task {
                  absl::Status s = co_await ctx.Sleep(absl::Milliseconds(100));
                  ctx.SetBody(s.ok() ? "ok" : s.ToString());
                }));
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/1")));
  std::this_thread::sleep_for(milliseconds(20));
  ASSERT_TRUE(c.Send(Get("/2")));
  EXPECT_EQ(ReadReply(c).body, "ok");
  EXPECT_EQ(ReadReply(c).body, "ok");
}

// A client that stops reading: StreamWrite suspends (back-pressure); when
// the client then leaves, the suspended write fails with its status.
TEST(TaskTest, ClientGoneDuringBlockedStreamWriteIsSeen) {
  Seen seen;
  std::atomic<int> writes{0};
  TestServer ts({}, Coroutine([&](RequestCtx& ctx) -> Task {
                  static const std::string big(256 * 1024, 'x');
                  for (;;) {
                    absl::Status s = co_await ctx.StreamWrite(big);
                    if (!s.ok()) {
                      seen.Set(s);
                      co_return;
                    }
                    ++writes;
                  }
                }));
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/")));
  // Wait until the socket buffers are full and the writes stop.
  int last = -1;
  for (int i = 0; i < 200 && writes.load() != last; ++i) {
    last = writes.load();
    std::this_thread::sleep_for(milliseconds(20));
  }
  c.Reset();
  absl::Status s = seen.Get();
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
}

TEST(TaskTest, ShutdownDeadlineCancelsPendingAwaits) {
  Seen seen;
  auto ts = std::make_unique<TestServer>(
      ServerOptions{}, Coroutine([&](RequestCtx& ctx) -> Task {
        absl::Status s = co_await ctx.Sleep(absl::Hours(1));
        seen.Set(s);
        // Awaits after the cancellation fail at once with the same status.
        absl::Status again = co_await ctx.Sleep(absl::Hours(1));
        if (again != s) {
          ADD_FAILURE() << "second sleep: " << again;
        }
      }));
  testing::RawConn c = ts->Connect();
  ASSERT_TRUE(c.Send(Get("/")));
  std::this_thread::sleep_for(milliseconds(50));
  ShutdownReport rep = ts->server().Shutdown(absl::Milliseconds(100));
  EXPECT_FALSE(rep.drained);
  EXPECT_EQ(rep.hard_closed, 1u);
  absl::Status s = seen.Get();
  EXPECT_TRUE(absl::IsCancelled(s)) << s;
  EXPECT_TRUE(c.ReadUntilClose());
}

// Graceful shutdown lets a sleeping handler finish; its answer closes the
// connection.
TEST(TaskTest, GracefulShutdownWaitsForTheHandler) {
  TestServer ts({}, Coroutine([](RequestCtx& ctx) -> Task {
                  absl::Status s = co_await ctx.Sleep(absl::Milliseconds(200));
                  ctx.SetBody(s.ok() ? "finished" : s.ToString());
                }));
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/")));
  std::this_thread::sleep_for(milliseconds(50));
  ShutdownReport rep = ts.server().Shutdown(absl::Seconds(10));
  EXPECT_TRUE(rep.drained);
  Reply r = ReadReply(c);
  EXPECT_EQ(r.body, "finished");
  EXPECT_EQ(r.Header("Connection"), "close");
}

TEST(TaskTest, ThrowingHandlerIs500AndTheConnectionGoesOn) {
  TestServer ts({}, Coroutine([](RequestCtx& ctx) -> Task {
                  std::string_view path = ctx.request().header().request_uri();
                  if (path == "/before") {
                    throw std::runtime_error("before any await");
                  }
                  (void)co_await ctx.Sleep(absl::Milliseconds(1));
                  if (path == "/after") {
                    throw std::runtime_error("after an await");
                  }
                  ctx.SetBody("fine");
                }));
  testing::RawConn c = ts.Connect();
  for (std::string_view path : {"/before", "/after"}) {
    ASSERT_TRUE(c.Send(Get(path)));
    Reply r = ReadReply(c);
    EXPECT_EQ(r.status, 500) << path;
  }
  ASSERT_TRUE(c.Send(Get("/ok")));
  EXPECT_EQ(ReadReply(c).body, "fine");
  EXPECT_EQ(ts.server().stats().handler_exceptions, 2u);
}

// Thrown mid-stream: the body cannot be ended honestly, so the connection
// closes without its last chunk.
TEST(TaskTest, ThrowMidStreamTruncates) {
  TestServer ts({}, Coroutine([](RequestCtx& ctx) -> Task {
                  (void)co_await ctx.StreamWrite("part");
                  throw std::runtime_error("mid-stream");
                }));
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/")));
  EXPECT_TRUE(c.ReadUntilClose());
  EXPECT_NE(c.buffer().find("4\r\npart\r\n"), std::string::npos);
  EXPECT_EQ(c.buffer().find("\r\n0\r\n\r\n"), std::string::npos) << c.buffer();
}

// Move-only state (a unique_ptr) goes into a DetachedCtx's callback.
TEST(TaskTest, StreamWriteCallbacksTakeMoveOnlyFunctions) {
  std::promise<absl::Status> done;
  TestServer ts({}, [&](RequestCtx& ctx) {
    DetachedCtx d = ctx.Detach();
    auto owned = std::make_unique<std::string>("owned");
    const std::string_view data = *owned;  // lives in the callback
    DetachedCtx* raw = new DetachedCtx(std::move(d));
    raw->StreamWrite(data,
                     [&done, owned = std::move(owned), raw](absl::Status s) {
                       done.set_value(s);
                       raw->Finish();
                       delete raw;
                     });
  });
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/")));
  Reply r = ReadReply(c);
  EXPECT_EQ(r.body, "owned");
  EXPECT_TRUE(done.get_future().get().ok());
}

}  // namespace
}  // namespace brisk::server

namespace brisk::server {
namespace {

// The result of a co_await goes into a variable before it is tested: gcc 12
// miscompiles `if ((co_await ctx.Sleep(d)).ok())` (see request_ctx.h).
Task SuspendOnce(RequestCtx& ctx) {
  absl::Status s = co_await ctx.Sleep(absl::ZeroDuration());
  if (s.ok()) {
    ctx.SetBody("after a zero sleep");
  }
}

TEST(TaskTest, FreeFunctionTaskSuspendingOnAZeroSleep) {
  TestServer ts({}, [](RequestCtx& ctx) { ctx.Continue(SuspendOnce(ctx)); });
  testing::RawConn c = ts.Connect();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Send(Get("/")));
    EXPECT_EQ(ReadReply(c).body, "after a zero sleep");
  }
}

}  // namespace
}  // namespace brisk::server

namespace brisk::server {
namespace {

// A Handler may own move-only state.
TEST(TaskTest, HandlersMayOwnMoveOnlyState) {
  auto greeting = std::make_unique<std::string>("owned hello");
  TestServer ts(
      {}, [g = std::move(greeting)](RequestCtx& ctx) { ctx.SetBody(*g); });
  EXPECT_EQ(RoundTrip(ts.port(), Get("/")).body, "owned hello");
}

}  // namespace
}  // namespace brisk::server

namespace brisk::server {
namespace {

// A shutdown deadline reaches a StreamWrite suspended by a client that
// stopped reading.
TEST(TaskTest, ShutdownDeadlineCancelsABlockedStreamWrite) {
  Seen seen;
  std::atomic<int> writes{0};
  auto ts = std::make_unique<TestServer>(
      ServerOptions{}, Coroutine([&](RequestCtx& ctx) -> Task {
        static const std::string big(256 * 1024, 'x');
        for (;;) {
          absl::Status s = co_await ctx.StreamWrite(big);
          if (!s.ok()) {
            seen.Set(s);
            co_return;
          }
          ++writes;
        }
      }));
  testing::RawConn c = ts->Connect();
  ASSERT_TRUE(c.Send(Get("/")));
  // Until the handler wrote and then stopped (the socket is full); on a
  // loaded machine the request may not even have been read at first.
  int last = -1;
  for (int i = 0; i < 500 && (writes.load() == 0 || writes.load() != last);
       ++i) {
    last = writes.load();
    std::this_thread::sleep_for(milliseconds(20));
  }
  ShutdownReport rep = ts->server().Shutdown(absl::Milliseconds(100));
  EXPECT_FALSE(rep.drained);
  absl::Status s = seen.Get();
  EXPECT_TRUE(absl::IsCancelled(s)) << s;
}

// 10,000 handlers asleep at once on one loop, all answered when they wake;
// the memory each holds is printed (bench/coroutine_compare.py measures it
// against fasthttp and net/http). The clients are a Python child process,
// so the 10,000 client sockets do not count against this process's
// descriptors.
constexpr char kSleepersClient[] = R"py(
import resource, socket, sys
n, port = int(sys.argv[1]), int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
conns = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
    conns.append(s)
print("sent", flush=True)
awake = 0
for s in conns:
    s.settimeout(300)
    data = b""
    while b"awake" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    awake += b"awake" in data
print(awake, flush=True)
)py";

TEST(TaskTest, TenThousandSleepersOnOneLoop) {
  rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
#if defined(__SANITIZE_THREAD__)
  constexpr int kSleepers = 2000;  // TSan serves a hundred times slower
#else
  constexpr int kSleepers = 10000;
#endif
  ASSERT_GE(rl.rlim_cur, kSleepers + 100u);
  std::atomic<int> asleep{0};
  std::atomic<bool> wake{false};
  TestServer ts({.threads = 1}, Coroutine([&](RequestCtx& ctx) -> Task {
                  ++asleep;
                  while (!wake.load()) {
                    absl::Status s =
                        co_await ctx.Sleep(absl::Milliseconds(500));
                    if (!s.ok()) {
                      co_return;
                    }
                  }
                  ctx.SetBody("awake");
                }));
  const uint64_t before = ProcessRss();
  const std::string script = std::string(::testing::TempDir()) + "/sleepers.py";
  { std::ofstream(script) << kSleepersClient; }
  const std::string cmd =
      absl::StrCat("python3 ", script, " ", kSleepers, " ", ts.port());
  FILE* child = popen(cmd.c_str(), "r");
  ASSERT_NE(child, nullptr);
  char line[64] = {};
  ASSERT_NE(fgets(line, sizeof(line), child), nullptr);
  EXPECT_EQ(std::string(line), "sent\n");
  for (int i = 0; i < 6000 && asleep.load() < kSleepers; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(asleep.load(), kSleepers);
  const uint64_t after = ProcessRss();
  std::printf(
      "%d sleeping handlers on one loop: %.0f bytes each (server RSS "
      "growth / %d)\n",
      kSleepers, (after - before) / static_cast<double>(kSleepers), kSleepers);
  wake = true;
  line[0] = '\0';
  EXPECT_NE(fgets(line, sizeof(line), child), nullptr);
  EXPECT_EQ(std::string(line), absl::StrCat(kSleepers, "\n"));
  EXPECT_EQ(pclose(child), 0);
}

}  // namespace
}  // namespace brisk::server
