// Timeout (middleware/timeout.h) and RequestCtx::SetHandlerTimeout through
// the real server: a Task past its time gets DeadlineExceeded and the
// client 503; a Task on time is untouched, and so is the next request on
// the connection (an earlier timer cannot fire into it); a stream already
// started ends without its last chunk; a backend call through the
// cancellation slot is interrupted too.

#include "middleware/timeout.h"

#include <atomic>
#include <memory>
#include <string>

#include "gtest/gtest.h"

#include "server/middleware.h"
#include "server/server.h"
#include "server/server_test_util.h"
#include "testing/raw_conn.h"

namespace brisk::middleware {
namespace {

using server::Get;
using server::Reply;
using server::TestServer;

// /slow sleeps 30 s, /quick 1 ms, /stream writes then sleeps; each answers
// how its sleep ended.
server::Handler Sleeper(std::atomic<int>* deadline_seen) {
  return server::Coroutine(
      [deadline_seen](server::RequestCtx& ctx) -> server::Task {
        const std::string path(ctx.request().uri().path());
        if (path == "/stream") {
          absl::Status w = co_await ctx.StreamWrite("started ");
          EXPECT_TRUE(w.ok()) << w;
        }
        absl::Status s = co_await ctx.Sleep(
            path == "/quick" ? absl::Milliseconds(1) : absl::Seconds(30));
        if (absl::IsDeadlineExceeded(s)) {
          ++*deadline_seen;
          EXPECT_EQ(s.message(), "handler timeout");
          EXPECT_TRUE(absl::IsDeadlineExceeded(ctx.cancelled()));
        }
        ctx.SetBody(s.ok() ? "slept" : std::string(s.message()));
      });
}

TEST(TimeoutTest, ATaskPastItsTimeIsA503) {
  std::atomic<int> seen{0};
  TestServer ts(
      {}, server::Wrap({std::make_shared<Timeout>(absl::Milliseconds(50))},
                       Sleeper(&seen)));
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/slow")));
  Reply r = server::ReadReply(c);
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("handler timeout"), std::string::npos) << r.body;
  EXPECT_TRUE(c.ReadUntilClose());  // the connection ends after it
  EXPECT_EQ(seen, 1);
  EXPECT_GE(ts.server().stats().timeouts, 1u);
}

TEST(TimeoutTest, OnTimeIsUntouchedAndTheNextRequestToo) {
  std::atomic<int> seen{0};
  // Only /quick has a limit (100 ms); /slow-ish after it on the same
  // connection sleeps past that moment with none.
  TestServer ts({}, [&seen](server::RequestCtx& ctx) {
    const bool quick = ctx.request().uri().path() == "/quick";
    if (quick) {
      ctx.SetHandlerTimeout(absl::Milliseconds(100));
    }
    ctx.Continue([](server::RequestCtx& ctx, bool quick) -> server::Task {
      absl::Status s = co_await ctx.Sleep(quick ? absl::Milliseconds(1)
                                                : absl::Milliseconds(300));
      ctx.SetBody(s.ok() ? "slept" : std::string(s.message()));
    }(ctx, quick));
    (void)seen;
  });
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/quick")));
  Reply r = server::ReadReply(c);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "slept");
  ASSERT_TRUE(c.Send(Get("/later")));
  r = server::ReadReply(c);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "slept");  // the first request's timer did not fire here
}

TEST(TimeoutTest, AStartedStreamEndsWithoutItsEnd) {
  std::atomic<int> seen{0};
  TestServer ts(
      {}, server::Wrap({std::make_shared<Timeout>(absl::Milliseconds(50))},
                       Sleeper(&seen)));
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(Get("/stream")));
  ASSERT_TRUE(c.ReadUntilClose());
  const std::string& got = c.buffer();
  EXPECT_NE(got.find("200 OK"), std::string::npos) << got;
  EXPECT_NE(got.find("started "), std::string::npos) << got;
  const std::string body = got.substr(got.find("\r\n\r\n") + 4);
  EXPECT_EQ(body, "8\r\nstarted \r\n") << got;  // no last chunk
  EXPECT_EQ(seen, 1);
}

TEST(TimeoutTest, PlainHandlersAreNotInterrupted) {
  TestServer ts(
      {}, server::Wrap({std::make_shared<Timeout>(absl::Milliseconds(1))},
                       [](server::RequestCtx& ctx) { ctx.SetBody("plain"); }));
  Reply r = server::RoundTrip(ts.port(), Get("/"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "plain");
}

}  // namespace
}  // namespace brisk::middleware
