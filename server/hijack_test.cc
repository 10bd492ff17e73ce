// Connections taken over by a handler (RequestCtx::Hijack, server/hijacked.h):
// what the server refuses to hand over, the counts, the protocol's own
// timeouts, and shutdown. How the bytes are split is segmentation_test's;
// TLS is tls_test's.

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "gtest/gtest.h"

#include "server/server.h"
#include "server/server_test_util.h"
#include "testing/raw_conn.h"

namespace brisk::server {
namespace {

using std::chrono::milliseconds;

constexpr char kUpgrade[] =
    "GET /up HTTP/1.1\r\nHost: a\r\nUpgrade: echo\r\n"
    "Connection: upgrade\r\n\r\n";

TEST(HijackTest, CountedInStatsAndConnectionStates) {
  std::mutex mu;
  std::vector<ConnState> states;
  ServerOptions o;
  o.on_conn_state = [&](uint64_t, const boost::asio::ip::tcp::endpoint&,
                        ConnState s) {
    std::lock_guard<std::mutex> lock(mu);
    states.push_back(s);
  };
  TestServer ts(o, DescribeOrHijack);
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(kUpgrade));
  ASSERT_TRUE(c.ReadUntil("\r\n\r\n"));
  EXPECT_EQ(c.buffer().substr(0, 32), "HTTP/1.1 101 Switching Protocols");
  // The handler is reading: the connection is open and hijacked.
  ASSERT_TRUE(c.Send("ab"));
  ASSERT_TRUE(c.ReadUntil("\r\n\r\nab"));
  ServerStats st = ts.server().stats();
  EXPECT_EQ(st.hijacked, 1u);
  EXPECT_EQ(st.hijacked_open, 1u);
  EXPECT_EQ(st.open_connections, 1u);
  EXPECT_EQ(st.workers_busy, 0u);  // no worker is held
  ASSERT_TRUE(c.Send("QUIT"));
  ASSERT_TRUE(c.ReadUntilClose());
  EXPECT_EQ(c.buffer().substr(c.buffer().size() - 9), "QUIT<bye>");
  for (int i = 0; i < 500 && ts.server().stats().open_connections > 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  st = ts.server().stats();
  EXPECT_EQ(st.hijacked, 1u);
  EXPECT_EQ(st.hijacked_open, 0u);
  EXPECT_EQ(st.open_connections, 0u);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(states,
            (std::vector<ConnState>{ConnState::kNew, ConnState::kActive,
                                    ConnState::kHijacked, ConnState::kClosed}));
}

TEST(HijackTest, PeerEndReachesTheHandler) {
  TestServer ts({}, DescribeOrHijack);
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(absl::StrCat(kUpgrade, "xy")));
  ASSERT_TRUE(c.ReadUntil("xy"));
  c.ShutdownWrite();  // the client's end: Read says end of stream
  ASSERT_TRUE(c.ReadUntilClose());
  EXPECT_EQ(c.buffer().substr(c.buffer().size() - 16), "xy<OUT_OF_RANGE>");
}

// Read on the socket (not the leftover) appends at most `max` bytes, and a
// read that times out leaves the connection readable.
TEST(HijackTest, ReadTakesAtMostMaxAndOutlivesItsTimeout) {
  TestServer ts({}, [](RequestCtx& ctx) {
    ctx.SetStatusCode(101);
    ctx.response().header().Set("Upgrade", "x");
    (void)ctx.Hijack([](Hijacked& conn) -> Task {
      static constexpr size_t kMax[] = {3, 100, 100, 100};
      for (size_t max : kMax) {
        bytes::ByteBuffer buf;
        absl::Status r = co_await conn.Read(buf, max, absl::Milliseconds(300));
        std::string said = std::string(buf.view()) + "|";
        if (!r.ok()) {
          said = absl::StrCat("<", absl::StatusCodeToString(r.code()), ">|");
        }
        absl::Status w = co_await conn.Write(said);
        if (!w.ok()) {
          co_return;
        }
      }
    });
  });
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(kUpgrade));
  ASSERT_TRUE(c.ReadUntil("\r\n\r\n"));
  c.Take(c.buffer().size());
  ASSERT_TRUE(c.Send("abcdefghij"));
  ASSERT_TRUE(c.ReadUntil("<DEADLINE_EXCEEDED>|"));
  ASSERT_TRUE(c.Send("k"));
  ASSERT_TRUE(c.ReadUntilClose());
  EXPECT_EQ(c.buffer(), "abc|defghij|<DEADLINE_EXCEEDED>|k|");
}

// A 101 goes out only as a hijack, to an HTTP/1.1 request, naming its
// protocol; otherwise it is a 500 and nothing is taken over.
TEST(HijackTest, UnsendableUpgradesAre500s) {
  std::atomic<int> hijacks{0};
  TestServer ts({}, [&](RequestCtx& ctx) {
    const std::string_view path = ctx.request().header().request_uri();
    ctx.SetStatusCode(101);
    if (path != "/no-upgrade-field") {
      ctx.response().header().Set("Upgrade", "echo");
    }
    if (path != "/no-hijack") {
      absl::Status s = ctx.Hijack([&](Hijacked&) -> Task {
        ++hijacks;
        co_return;
      });
      EXPECT_TRUE(s.ok()) << s;
    }
  });
  for (std::string_view req :
       {"GET /no-hijack HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /no-upgrade-field HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"}) {
    testing::RawConn c = ts.Connect();
    ASSERT_TRUE(c.Send(req));
    Reply r = ReadReply(c);
    ASSERT_TRUE(r.ok) << req;
    EXPECT_EQ(r.status, 500) << req;
    if (req.find("/no-hijack") == std::string_view::npos) {
      // A refused hijack ends the connection after the 500.
      EXPECT_TRUE(c.ReadUntilClose()) << req;
    }
  }
  EXPECT_EQ(hijacks.load(), 0);
  EXPECT_EQ(ts.server().stats().unsafe_responses, 3u);
  EXPECT_EQ(ts.server().stats().hijacked, 0u);
}

TEST(HijackTest, HijackIsRefusedTwiceAndBeforeAStreamedBodyIsRead) {
  Seen twice;
  TestServer ts({.max_request_body_bytes = 4, .stream_request_body = true},
                [&](RequestCtx& ctx) {
                  if (ctx.body_streamed()) {
                    // The body is still arriving: it cannot be taken over.
                    absl::Status s = ctx.Hijack(EchoUntilQuit);
                    ctx.Error(500, s.ToString());
                    return;
                  }
                  ctx.SetStatusCode(101);
                  ctx.response().header().Set("Upgrade", "echo");
                  EXPECT_TRUE(ctx.Hijack(EchoUntilQuit).ok());
                  twice.Set(ctx.Hijack(EchoUntilQuit));
                });
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(
      "POST /s HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n0123456789"));
  Reply r = ReadReply(c);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("FAILED_PRECONDITION"), std::string::npos) << r.body;
  EXPECT_TRUE(c.ReadUntilClose());

  testing::RawConn u = ts.Connect();
  ASSERT_TRUE(u.Send(absl::StrCat(kUpgrade, "QUIT")));
  EXPECT_TRUE(absl::IsFailedPrecondition(twice.Get()));
  ASSERT_TRUE(u.ReadUntilClose());
  EXPECT_NE(u.buffer().find("QUIT<bye>"), std::string::npos);
}

// A coroutine handler may hijack after it waited.
TEST(HijackTest, FromATask) {
  TestServer ts({}, Coroutine([](RequestCtx& ctx) -> Task {
                  absl::Status s = co_await ctx.Sleep(absl::Milliseconds(5));
                  EXPECT_TRUE(s.ok());
                  ctx.SetStatusCode(101);
                  ctx.response().header().Set("Upgrade", "echo");
                  s = ctx.Hijack(EchoUntilQuit);
                  EXPECT_TRUE(s.ok()) << s;
                }));
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(absl::StrCat(kUpgrade, "hiQUIT")));
  ASSERT_TRUE(c.ReadUntilClose());
  EXPECT_NE(c.buffer().find("101 Switching"), std::string::npos);
  EXPECT_EQ(c.buffer().substr(c.buffer().size() - 11), "hiQUIT<bye>");
}

// Writes `n` MiB to `conn`; the first error to `status`; then `done`.
Task WriteMiBs(Hijacked& conn, int n, absl::Status& status, bool& done) {
  const std::string chunk(1 << 20, 'w');
  for (int i = 0; i < n; ++i) {
    absl::Status w = co_await conn.Write(chunk);
    if (!w.ok()) {
      status = w;
      break;
    }
  }
  done = true;
}

// The HTTP timeouts no longer apply (idle far longer than idle_timeout);
// the protocol's own do, one direction at a time: a Read's timeout does not
// touch a Write pending beside it.
TEST(HijackTest, OwnTimeoutsOnlyAndPerDirection) {
  Seen read_status;
  TestServer ts(
      {.header_read_timeout = absl::Milliseconds(100),
       .idle_timeout = absl::Milliseconds(100)},
      [&](RequestCtx& ctx) {
        ctx.SetStatusCode(101);
        ctx.response().header().Set("Upgrade", "x");
        (void)ctx.Hijack([&](Hijacked& conn) -> Task {
          // A writer beside the read: 3 MiB the client does not read yet.
          bool writer_done = false;
          absl::Status write_status;
          boost::asio::co_spawn(conn.get_executor(),
                                WriteMiBs(conn, 3, write_status, writer_done),
                                boost::asio::detached);
          bytes::ByteBuffer buf;
          absl::Status r = co_await conn.Read(buf, 64, absl::Milliseconds(400));
          read_status.Set(r);
          // The writer goes on and finishes once the client reads.
          while (!writer_done) {
            boost::asio::steady_timer t(conn.get_executor(),
                                        std::chrono::milliseconds(10));
            auto [ec] = co_await t.async_wait(
                boost::asio::as_tuple(boost::asio::use_awaitable));
            (void)ec;
          }
          // (Not a ?: inside the co_await: gcc 12 miscompiles it.)
          std::string last = "<written>";
          if (!write_status.ok()) {
            last = write_status.ToString();
          }
          absl::Status w = co_await conn.Write(last);
          (void)w;
        });
      });
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(kUpgrade));
  // Idle past the HTTP timeouts, reading nothing: the read times out.
  EXPECT_TRUE(absl::IsDeadlineExceeded(read_status.Get()));
  ASSERT_TRUE(c.ReadUntilClose(milliseconds(10000)));
  const std::string& got = c.buffer();
  EXPECT_EQ(got.size() - got.find("\r\n\r\n") - 4, (3u << 20) + 9);
  EXPECT_EQ(got.substr(got.size() - 9), "<written>");
}

// Shutdown tells a hijacked connection (its pending Read is cancelled once),
// lets it say goodbye and read the answer, and waits for it.
TEST(HijackTest, ShutdownTellsThenWaits) {
  Seen notice;
  std::promise<void> reading;
  TestServer ts({}, [&](RequestCtx& ctx) {
    ctx.SetStatusCode(101);
    ctx.response().header().Set("Upgrade", "x");
    (void)ctx.Hijack([&](Hijacked& conn) -> Task {
      bytes::ByteBuffer buf;
      reading.set_value();
      absl::Status r = co_await conn.Read(buf, 64);
      notice.Set(r);
      EXPECT_TRUE(absl::IsCancelled(conn.cancelled()));
      absl::Status w = co_await conn.Write("<going away>");
      EXPECT_TRUE(w.ok());
      r = co_await conn.Read(buf, 64);  // the peer's answer
      const std::string answer = "<got " + std::string(buf.view()) + ">";
      w = co_await conn.Write(answer);
    });
  });
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(kUpgrade));
  reading.get_future().wait();
  std::thread peer([&c] {
    // The client answers the goodbye.
    if (c.ReadUntil("<going away>", milliseconds(10000))) {
      (void)c.Send("ok");
    }
  });
  ShutdownReport report = ts.server().Shutdown(absl::Seconds(20));
  peer.join();
  EXPECT_TRUE(absl::IsCancelled(notice.Get()));
  EXPECT_TRUE(report.drained);
  EXPECT_EQ(report.hard_closed, 0u);
  ASSERT_TRUE(c.ReadUntilClose());
  EXPECT_EQ(c.buffer().substr(c.buffer().size() - 20), "<going away><got ok>");
}

// A handler that ignores the notice is closed at Shutdown's deadline: its
// calls return Cancelled and it ends.
TEST(HijackTest, ShutdownDeadlineClosesIt) {
  Seen after;
  std::promise<void> reading;
  TestServer ts({.logger = [](std::string_view) {}}, [&](RequestCtx& ctx) {
    ctx.SetStatusCode(101);
    ctx.response().header().Set("Upgrade", "x");
    (void)ctx.Hijack([&](Hijacked& conn) -> Task {
      bytes::ByteBuffer buf;
      reading.set_value();
      absl::Status r = co_await conn.Read(buf, 64);  // the notice
      r = co_await conn.Read(buf, 64);               // ignored
      after.Set(r);
      r = co_await conn.Write("late");
      EXPECT_TRUE(absl::IsCancelled(r)) << r;
    });
  });
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(kUpgrade));
  reading.get_future().wait();
  ShutdownReport report = ts.server().Shutdown(absl::Milliseconds(200));
  EXPECT_FALSE(report.drained);
  EXPECT_EQ(report.hard_closed, 1u);
  absl::Status s = after.Get();
  EXPECT_TRUE(absl::IsCancelled(s)) << s;
  EXPECT_EQ(s.message(), "server shutting down");
  EXPECT_TRUE(c.ReadUntilClose());
}

// A handler that throws is logged and counted; the connection closes.
TEST(HijackTest, HandlerThatThrowsClosesTheConnection) {
  std::mutex mu;
  std::vector<std::string> lines;
  ServerOptions o;
  o.logger = [&](std::string_view l) {
    std::lock_guard<std::mutex> lock(mu);
    lines.emplace_back(l);
  };
  TestServer ts(o, [](RequestCtx& ctx) {
    ctx.SetStatusCode(101);
    ctx.response().header().Set("Upgrade", "x");
    (void)ctx.Hijack([](Hijacked& conn) -> Task {
      absl::Status w = co_await conn.Write("before");
      (void)w;
      throw std::runtime_error("boom");
    });
  });
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(kUpgrade));
  ASSERT_TRUE(c.ReadUntilClose());
  EXPECT_EQ(c.buffer().substr(c.buffer().size() - 6), "before");
  EXPECT_EQ(ts.server().stats().handler_exceptions, 1u);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "hijack handler threw: boom");
}

}  // namespace
}  // namespace brisk::server
