#include "client/host_client.h"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/cancellation_signal.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/steady_timer.hpp"
#include "gtest/gtest.h"

#include "bytes/conv.h"
#include "client/client_test_util.h"
#include "http/message.h"
#include "testing/fake_server.h"
#include "testing/raw_conn.h"

namespace brisk::client {
namespace {

using std::chrono::milliseconds;
using testing::FakeServer;
using testing::RawConn;

std::string Ok(std::string_view body, std::string_view extra = "") {
  return absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: ", body.size(),
                      "\r\n", std::string(extra), "\r\n", std::string(body));
}

HostClientOptions For(const FakeServer& s) {
  HostClientOptions o;
  o.addrs = {absl::StrCat("127.0.0.1:", s.port())};
  return o;
}

// Answers every request on every connection with "hi".
void Answer(RawConn& c, int) {
  while (ReadRequest(c)) {
    c.Send(Ok("hi", "X-Test: yes\r\n"));
  }
}

TEST(HostClientTest, ReusesOneKeepAliveConnection) {
  FakeServer s(Answer);
  HostClient client(For(s));
  ASSERT_TRUE(client.status().ok());
  http::Response resp;
  for (int i = 0; i < 5; ++i) {
    http::Request req = MakeGet();
    ASSERT_TRUE(client.Do(req, resp).ok());
    EXPECT_EQ(resp.status_code(), 200);
    EXPECT_EQ(resp.body(), "hi");
    EXPECT_EQ(req.header().host(), absl::StrCat("127.0.0.1:", s.port()));
  }
  EXPECT_EQ(s.accepted(), 1);
  EXPECT_EQ(client.stats().reuses, 4u);
  // The response owns its header: still readable after more calls.
  http::Response kept;
  http::Request req = MakeGet();
  ASSERT_TRUE(client.Do(req, kept).ok());
  ASSERT_TRUE(client.Do(req, resp).ok());
  EXPECT_EQ(kept.header().Peek("X-Test"), "yes");
}

TEST(HostClientTest, ServerClosedIdleConnectionIsNeverReused) {
  // Each connection answers one request, then the server closes it after
  // 50 ms (shorter than the client's idle limit), without a Keep-Alive hint.
  FakeServer s([](RawConn& c, int) {
    if (ReadRequest(c)) {
      c.Send(Ok("one"));
      std::this_thread::sleep_for(milliseconds(50));
    }
  });
  HostClient client(For(s));
  http::Response resp;
  for (int i = 0; i < 3; ++i) {
    http::Request req = MakeGet();
    absl::Status st = client.Do(req, resp);
    ASSERT_TRUE(st.ok()) << st;
    std::this_thread::sleep_for(milliseconds(200));
  }
  EXPECT_EQ(s.accepted(), 3);
  EXPECT_EQ(client.stats().retries, 0u) << "a closed connection was reused";
  EXPECT_GE(client.stats().evicted_by_server, 2u);
}

TEST(HostClientTest, KeepAliveHintLowersTheIdleLimit) {
  // The server announces timeout=2 and really closes after 1.5 s; with a
  // 1 s margin the client keeps each connection idle at most 1 s.
  FakeServer s([](RawConn& c, int) {
    while (ReadRequest(c)) {
      c.Send(Ok("k", "Keep-Alive: timeout=2\r\n"));
      if (c.ReadSome(milliseconds(1500)) < 0) {
        return;  // idle too long: close, as announced (a bit early)
      }
    }
  });
  HostClientOptions o = For(s);
  o.keep_alive_margin = absl::Seconds(1);
  HostClient client(o);
  http::Response resp;
  http::Request req = MakeGet();
  ASSERT_TRUE(client.Do(req, resp).ok());
  std::this_thread::sleep_for(milliseconds(300));
  ASSERT_TRUE(client.Do(req, resp).ok());  // reused: within 1 s
  EXPECT_EQ(s.accepted(), 1);
  std::this_thread::sleep_for(milliseconds(1200));
  ASSERT_TRUE(client.Do(req, resp).ok());  // past 1 s: a new connection
  EXPECT_EQ(s.accepted(), 2);
  EXPECT_EQ(client.stats().retries, 0u);
}

// First connection: answers one request, then reads the next and closes
// without answering (the server's close raced the client's reuse).
void CloseOnSecond(RawConn& c, int index) {
  if (index == 0) {
    if (ReadRequest(c)) {
      c.Send(Ok("first"));
    }
    ReadRequest(c);
    return;
  }
  Answer(c, index);
}

TEST(HostClientTest, IdempotentRequestIsRetriedOnAFreshConnection) {
  FakeServer s(CloseOnSecond);
  HostClient client(For(s));
  http::Response resp;
  http::Request req = MakeGet();
  ASSERT_TRUE(client.Do(req, resp).ok());
  absl::Status st = client.Do(req, resp);
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(resp.body(), "hi");
  EXPECT_EQ(client.stats().retries, 1u);
}

TEST(HostClientTest, PostIsNotRetriedUnlessAllowed) {
  FakeServer s(CloseOnSecond);
  HostClient client(For(s));
  http::Response resp;
  http::Request get = MakeGet();
  ASSERT_TRUE(client.Do(get, resp).ok());
  http::Request post;
  post.header().SetMethod("POST");
  post.header().SetRequestUri("/");
  post.SetBody("payload");
  absl::Status st = client.Do(post, resp);
  EXPECT_TRUE(IsConnectionClosed(st)) << st;
  EXPECT_NE(st.message().find("read"), std::string_view::npos) << st;

  FakeServer s2(CloseOnSecond);
  HostClientOptions o = For(s2);
  o.retry_if = [](const http::Request&) { return true; };
  HostClient retrying(o);
  ASSERT_TRUE(retrying.Do(get, resp).ok());
  st = retrying.Do(post, resp);
  EXPECT_TRUE(st.ok()) << st;
}

TEST(HostClientTest, TimeoutsReallyCancelAndFreeTheSlot) {
  std::atomic<bool> answer{false};
  FakeServer s([&](RawConn& c, int) {
    while (ReadRequest(c)) {
      if (answer.load()) {
        c.Send(Ok("late"));
      }  // otherwise never answer
    }
  });
  HostClientOptions o = For(s);
  o.max_conns = 4;
  HostClient client(o);
  std::vector<std::thread> threads;
  std::atomic<int> timeouts{0};
  std::atomic<int> other{0};
  for (int t = 0; t < 10; ++t) {
    threads.emplace_back([&] {
      http::Response resp;
      for (int i = 0; i < 10; ++i) {
        http::Request req = MakeGet();
        absl::Status st = client.DoTimeout(req, resp, absl::Milliseconds(50));
        (IsTimeout(st) ? timeouts : other)++;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(timeouts.load(), 100);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(client.stats().open_conns, 0u) << "timed-out calls kept slots";
  answer = true;
  http::Request req = MakeGet();
  http::Response resp;
  absl::Status st = client.DoTimeout(req, resp, absl::Seconds(5));
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(resp.body(), "late");
}

TEST(HostClientTest, NoFreeConnsOnlyAfterTheWait) {
  FakeServer s([](RawConn& c, int) {
    while (ReadRequest(c)) {
      std::this_thread::sleep_for(milliseconds(400));
      c.Send(Ok("slow"));
    }
  });
  HostClientOptions o = For(s);
  o.max_conns = 1;
  o.max_conn_wait_timeout = absl::Milliseconds(100);
  HostClient client(o);
  std::thread busy([&] {
    http::Request req = MakeGet();
    http::Response resp;
    EXPECT_TRUE(client.Do(req, resp).ok());
  });
  std::this_thread::sleep_for(milliseconds(100));
  http::Request req = MakeGet();
  http::Response resp;
  absl::Status st = client.Do(req, resp);
  EXPECT_TRUE(IsNoFreeConns(st)) << st;
  EXPECT_NE(st.message().find("queue"), std::string_view::npos) << st;
  busy.join();
}

TEST(HostClientTest, WaitersGetConnectionsInTurnWithoutLostWakeups) {
  FakeServer s(Answer);
  HostClientOptions o = For(s);
  o.max_conns = 2;
  o.max_conn_wait_timeout = absl::Seconds(30);
  HostClient client(o);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      http::Response resp;
      for (int i = 0; i < 50; ++i) {
        http::Request req = MakeGet();
        absl::Status st = client.Do(req, resp);
        EXPECT_TRUE(st.ok()) << st;
        ok += st.ok();
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(ok.load(), 400);
  EXPECT_LE(s.accepted(), 2);
}

TEST(HostClientTest, BodiesChunkedUntilCloseAndTooLarge) {
  FakeServer s([](RawConn& c, int index) {
    if (!ReadRequest(c)) {
      return;
    }
    switch (index) {
      case 0:
        c.Send(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n");
        break;
      case 1:
        c.Send("HTTP/1.1 200 OK\r\n\r\nuntil");
        std::this_thread::sleep_for(milliseconds(20));
        c.Send(" close");
        return;  // closes
      default:
        c.Send(Ok(std::string(100, 'x')));
        break;
    }
    ReadRequest(c);
  });
  HostClientOptions o = For(s);
  HostClient client(o);
  http::Response resp;
  http::Request req = MakeGet();
  req.header().Set("Connection", "close");
  ASSERT_TRUE(client.Do(req, resp).ok());
  EXPECT_EQ(resp.body(), "abcdef");
  absl::Status st = client.Do(req, resp);
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(resp.body(), "until close");

  HostClientOptions small = o;
  small.max_response_body_bytes = 10;
  HostClient limited(small);
  st = limited.Do(req, resp);
  EXPECT_TRUE(IsBodyTooLarge(st)) << st;
}

TEST(HostClientTest, MalformedAndTruncatedResponses) {
  FakeServer s([](RawConn& c, int index) {
    if (!ReadRequest(c)) {
      return;
    }
    if (index == 0) {
      c.Send("HTTP/1.1 200 OK\nbare-lf: yes\n\n");
    } else {
      c.Send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");  // then EOF
    }
  });
  HostClient client(For(s));
  http::Response resp;
  http::Request req = MakeGet();
  absl::Status st = client.Do(req, resp);
  EXPECT_EQ(KindOf(st), ErrorKind::kMalformedResponse) << st;
  st = client.Do(req, resp);
  EXPECT_TRUE(IsConnectionClosed(st)) << st;
  EXPECT_NE(st.message().find("mid-response"), std::string_view::npos) << st;
}

// CR, LF or NUL given by the caller never reach the wire: the call fails
// with kInvalidRequest, nothing is sent, and the connection stays usable.
TEST(HostClientTest, UnsafeRequestPartsAreRefused) {
  std::atomic<int> requests{0};
  FakeServer s([&](RawConn& c, int) {
    while (ReadRequest(c)) {
      ++requests;
      c.Send(Ok("hi"));
    }
  });
  HostClient client(For(s));
  http::Response resp;
  auto bad = [&](auto edit) {
    http::Request req = MakeGet();
    edit(req);
    absl::Status st = client.Do(req, resp);
    EXPECT_EQ(KindOf(st), ErrorKind::kInvalidRequest) << st;
  };
  bad([](http::Request& r) { r.header().Set("X", "a\r\nInjected: yes"); });
  bad([](http::Request& r) { r.header().Set("X\r\nInjected", "yes"); });
  bad([](http::Request& r) { r.header().SetRequestUri("/a\r\nX: y"); });
  bad([](http::Request& r) { r.header().SetMethod("GET /x HTTP/1.1\r\n"); });
  bad([](http::Request& r) {
    r.header().Set("X", std::string_view("a\0b", 3));
  });
  http::Request good = MakeGet();
  ASSERT_TRUE(client.Do(good, resp).ok());
  EXPECT_EQ(resp.body(), "hi");
  EXPECT_EQ(requests.load(), 1);
  EXPECT_EQ(s.accepted(), 1);
}

TEST(HostClientTest, EndlessInterimResponsesAreMalformed) {
  // A server looping on 100 Continue (bounded here: the test must end).
  FakeServer s([](RawConn& c, int) {
    if (!ReadRequest(c)) {
      return;
    }
    for (int i = 0; i < 100000; ++i) {
      if (!c.Send("HTTP/1.1 100 Continue\r\n\r\n")) {
        return;
      }
    }
  });
  HostClient client(For(s));
  http::Request req = MakeGet();
  http::Response resp;
  absl::Status st = client.DoTimeout(req, resp, absl::Seconds(10));
  EXPECT_EQ(KindOf(st), ErrorKind::kMalformedResponse) << st;
  EXPECT_NE(st.message().find("1xx"), std::string_view::npos) << st;
  EXPECT_EQ(client.stats().open_conns, 0u);
}

TEST(HostClientTest, SwitchingProtocolsEndsHttpOnTheConnection) {
  FakeServer s([](RawConn& c, int) {
    while (ReadRequest(c)) {
      c.Send(
          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n"
          "Connection: Upgrade\r\n\r\n");
    }
  });
  HostClient client(For(s));
  http::Response resp;
  for (int i = 0; i < 2; ++i) {
    http::Request req = MakeGet();
    ASSERT_TRUE(client.Do(req, resp).ok());
    EXPECT_EQ(resp.status_code(), 101);
  }
  // Never returned to the pool: each call dialed its own connection.
  EXPECT_EQ(s.accepted(), 2);
  EXPECT_EQ(client.stats().reuses, 0u);
}

TEST(HostClientTest, ResetMidResponseIsConnectionClosed) {
  FakeServer s([](RawConn& c, int) {
    if (ReadRequest(c)) {
      c.Send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
      std::this_thread::sleep_for(milliseconds(20));
      c.Reset();  // RST, not FIN
    }
  });
  HostClient client(For(s));
  http::Request req = MakeGet();
  http::Response resp;
  absl::Status st = client.Do(req, resp);
  EXPECT_TRUE(IsConnectionClosed(st)) << st;
  EXPECT_EQ(client.stats().retries, 0u) << "response bytes had arrived";
  EXPECT_EQ(client.stats().open_conns, 0u);
}

TEST(HostClientTest, OneBytePerIntervalHitsTheDeadline) {
  FakeServer s([](RawConn& c, int) {
    if (!ReadRequest(c)) {
      return;
    }
    std::string r = Ok("slow body");
    for (char ch : r) {
      if (!c.Send(std::string_view(&ch, 1))) {
        return;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
  });
  HostClient client(For(s));
  http::Response resp;
  http::Request req = MakeGet();
  absl::Status st = client.DoTimeout(req, resp, absl::Milliseconds(150));
  EXPECT_TRUE(IsTimeout(st)) << st;
  EXPECT_EQ(client.stats().open_conns, 0u);
}

TEST(HostClientTest, ServerThatNeverReadsTimesOutTheWrite) {
  FakeServer s([](RawConn& c, int) {
    c.ReadSome(std::chrono::seconds(10));  // reads one chunk, then stalls
    std::this_thread::sleep_for(milliseconds(600));
  });
  HostClient client(For(s));
  http::Request req;
  req.header().SetMethod("POST");
  req.header().SetRequestUri("/upload");
  req.SetBody(std::string(32 << 20, 'u'));
  http::Response resp;
  absl::Status st = client.DoTimeout(req, resp, absl::Milliseconds(200));
  EXPECT_TRUE(IsTimeout(st)) << st;
  EXPECT_NE(st.message().find("write"), std::string_view::npos) << st;
}

TEST(HostClientTest, DialFailuresAndBadOptions) {
  uint16_t closed_port;
  {
    FakeServer s(Answer);
    closed_port = s.port();
  }
  HostClientOptions o;
  o.addrs = {absl::StrCat("127.0.0.1:", closed_port)};
  HostClient client(o);
  http::Request req = MakeGet();
  http::Response resp;
  absl::Status st = client.Do(req, resp);
  EXPECT_EQ(KindOf(st), ErrorKind::kDial) << st;
  EXPECT_NE(st.message().find("connect"), std::string_view::npos) << st;
  EXPECT_EQ(client.stats().open_conns, 0u);

  HostClient no_addr(HostClientOptions{});
  EXPECT_EQ(no_addr.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(no_addr.Do(req, resp).code(), absl::StatusCode::kInvalidArgument);
  HostClientOptions bad;
  bad.addrs = {"no-port"};
  EXPECT_FALSE(Validate(bad).ok());
  bad.addrs = {"h:1"};
  bad.max_conns = 0;
  EXPECT_FALSE(Validate(bad).ok());
}

TEST(HostClientTest, ResolvesNames) {
  FakeServer s(Answer);
  HostClientOptions o;
  o.addrs = {absl::StrCat("localhost:", s.port())};
  HostClient client(o);
  http::Request req = MakeGet();
  http::Response resp;
  absl::Status st = client.Do(req, resp);
  ASSERT_TRUE(st.ok()) << st;
  // RFC 9112 §3.2: a port other than 80 goes with the host.
  EXPECT_EQ(req.header().host(), absl::StrCat("localhost:", s.port()));
}

TEST(HostClientTest, ResponseErrorsChooseTheirKindInOnePlace) {
  absl::Status big = ResponseError(true, 1, "h:1", "limit 10 bytes");
  EXPECT_TRUE(IsBodyTooLarge(big)) << big;
  EXPECT_EQ(PhaseOf(big), Phase::kRead);
  EXPECT_EQ(big.message(),
            "brisk client: body too large in read after 1 attempt (h:1): "
            "limit 10 bytes");
  EXPECT_EQ(KindOf(ResponseError(false, 1, "h:1", "x")),
            ErrorKind::kMalformedResponse);
  // From the parser: the limit named when known, else the parser's words.
  EXPECT_EQ(ResponseParseError(http::ParseError::kBodyTooLarge, 1, "h:1", 10),
            big);
  absl::Status unknown_limit =
      ResponseParseError(http::ParseError::kBodyTooLarge, 2, "h:1");
  EXPECT_TRUE(IsBodyTooLarge(unknown_limit)) << unknown_limit;
  EXPECT_EQ(unknown_limit.message(),
            "brisk client: body too large in read after 2 attempts (h:1): "
            "body too large");
  absl::Status bad = ResponseParseError(http::ParseError::kBadChunk, 1, "h:1");
  EXPECT_EQ(KindOf(bad), ErrorKind::kMalformedResponse) << bad;
  EXPECT_TRUE(absl::EndsWith(bad.message(), bytes::ToAbsl(http::ToString(
                                                http::ParseError::kBadChunk))))
      << bad;
}

TEST(HostClientTest, ErrorsCarryKindPhaseAndAttempts) {
  absl::Status st =
      MakeError(ErrorKind::kTimeout, Phase::kRead, 2, "h:1", "slow");
  EXPECT_EQ(st.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(st.message(),
            "brisk client: timeout in read after 2 attempts (h:1): slow");
  EXPECT_TRUE(IsTimeout(st));
  EXPECT_EQ(PhaseOf(st), Phase::kRead);
  EXPECT_EQ(KindOf(absl::DeadlineExceededError("other")), ErrorKind::kNone);
  EXPECT_EQ(KindOf(absl::OkStatus()), ErrorKind::kNone);
  // Printed, the kind is words, not bytes.
  EXPECT_NE(st.ToString().find("[brisk.client.ErrorKind='timeout in read']"),
            std::string::npos)
      << st.ToString();
  for (int k = 1; k <= static_cast<int>(kLastErrorKind); ++k) {
    for (int p = 0; p <= static_cast<int>(Phase::kRead); ++p) {
      absl::Status e =
          MakeError(static_cast<ErrorKind>(k), static_cast<Phase>(p), 1, "h:1");
      EXPECT_EQ(KindOf(e), static_cast<ErrorKind>(k));
      EXPECT_EQ(PhaseOf(e), static_cast<Phase>(p));
    }
  }
}

}  // namespace
}  // namespace brisk::client

namespace brisk::client {
namespace {

// AsyncDo on the caller's loop, cancelled through a cancellation slot.
TEST(HostClientAsyncTest, AsyncDoOnTheLoopAndCancellation) {
  std::atomic<bool> answer{true};
  FakeServer s([&](RawConn& c, int) {
    while (ReadRequest(c)) {
      if (answer.load()) {
        c.Send(Ok("async"));
      }
    }
  });
  boost::asio::io_context io;
  HostClientOptions o = For(s);
  o.max_conns = 1;
  HostClient client(o, io);
  http::Request req = MakeGet();
  http::Response resp;
  absl::Status first = absl::UnknownError("not run");
  absl::Status cancelled = first;
  absl::Status queued = first;
  // The client keeps work on the loop (its submission and idle watches):
  // run until the condition, bounded.
  auto run_until = [&](auto done) {
    for (int i = 0; i < 500 && !done(); ++i) {
      io.run_for(std::chrono::milliseconds(10));
    }
  };
  boost::asio::cancellation_signal cancel_read, cancel_queue;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        first = co_await client.AsyncDo(req, resp);
        answer = false;
      },
      boost::asio::detached);
  run_until([&] { return first.code() != absl::StatusCode::kUnknown; });
  ASSERT_TRUE(first.ok()) << first;
  EXPECT_EQ(resp.body(), "async");

  // One call waits for a response that never comes; a second waits in the
  // queue for the only connection. Both are cancelled.
  http::Request req2 = MakeGet();
  http::Response resp2;
  boost::asio::co_spawn(
      io, client.AsyncDo(req, resp, absl::InfiniteFuture(), cancel_read.slot()),
      [&](std::exception_ptr, absl::Status st) { cancelled = st; });
  boost::asio::co_spawn(
      io,
      client.AsyncDo(req2, resp2, absl::InfiniteFuture(), cancel_queue.slot()),
      [&](std::exception_ptr, absl::Status st) { queued = st; });
  boost::asio::steady_timer t(io, std::chrono::milliseconds(100));
  t.async_wait([&](boost::system::error_code) {
    EXPECT_EQ(client.stats().waiting, 1u);
    cancel_queue.emit(boost::asio::cancellation_type::terminal);
    cancel_read.emit(boost::asio::cancellation_type::terminal);
  });
  run_until([&] {
    return cancelled.code() != absl::StatusCode::kUnknown &&
           queued.code() != absl::StatusCode::kUnknown;
  });
  EXPECT_EQ(KindOf(cancelled), ErrorKind::kCancelled) << cancelled;
  EXPECT_EQ(KindOf(queued), ErrorKind::kCancelled) << queued;
  EXPECT_EQ(client.stats().open_conns, 0u);
}

}  // namespace
}  // namespace brisk::client

namespace brisk::client {
namespace {

// "/stall" gets a head and 2 of its 10 body bytes, then nothing until the
// client gives up; anything else gets "hi".
void StallOnCue(RawConn& c, int) {
  for (http::Request req; ReadRequest(c, req);) {
    if (req.header().request_uri() == "/stall") {
      c.Send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab");
      c.ReadUntilClose(std::chrono::seconds(30));
      return;
    }
    c.Send(Ok("hi"));
  }
}

// Get and DoStream come with a duration (…Timeout) and a point in time
// (…Deadline, DoStream's argument) as Do does; each bounds the call.
TEST(HostClientTest, GetAndDoStreamTakeATimeoutOrADeadline) {
  FakeServer s(StallOnCue);
  HostClient client(
      For(s));  // read_timeout 60 s: only the call's bound ends it
  http::Response resp;
  ASSERT_TRUE(client.GetTimeout("/", resp, absl::Seconds(10)).ok());
  EXPECT_EQ(resp.body(), "hi");
  ASSERT_TRUE(
      client.GetDeadline("/", resp, absl::Now() + absl::Seconds(10)).ok());
  EXPECT_EQ(resp.body(), "hi");

  const absl::Time start = absl::Now();
  absl::Status st = client.GetTimeout("/stall", resp, absl::Milliseconds(100));
  EXPECT_TRUE(IsTimeout(st)) << st;
  st =
      client.GetDeadline("/stall", resp, absl::Now() + absl::Milliseconds(100));
  EXPECT_TRUE(IsTimeout(st)) << st;

  std::string got;
  const BodySink sink = [&](std::string_view piece) {
    got.append(piece);
    return absl::OkStatus();
  };
  http::Request req = MakeGet("/stall");
  st = client.DoStreamTimeout(req, resp, sink, absl::Milliseconds(100));
  EXPECT_TRUE(IsTimeout(st)) << st;
  EXPECT_EQ(got, "ab");  // what came before the stall
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));

  got.clear();
  http::Request fine = MakeGet("/");
  st = client.DoStreamTimeout(fine, resp, sink, absl::Seconds(10));
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(got, "hi");
  EXPECT_EQ(client.stats().timeouts, 3u);
}

TEST(HostClientStreamTest, LargeBodyArrivesInPiecesAndTheSinkCanStop) {
  const std::string big(1 << 20, 'b');
  FakeServer s([&](RawConn& c, int) {
    while (ReadRequest(c)) {
      c.Send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
      for (int i = 0; i < 16; ++i) {
        c.Send(absl::StrCat("10000\r\n", big.substr(0, 65536), "\r\n"));
      }
      c.Send("0\r\n\r\n");
    }
  });
  HostClient client(For(s));
  http::Request req = MakeGet("/big");
  http::Response resp;
  size_t total = 0;
  size_t pieces = 0;
  size_t largest = 0;
  absl::Status st = client.DoStream(req, resp, [&](std::string_view piece) {
    total += piece.size();
    ++pieces;
    largest = std::max(largest, piece.size());
    return absl::OkStatus();
  });
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(total, big.size());
  EXPECT_EQ(resp.body(), "");
  EXPECT_EQ(resp.header().Peek("Transfer-Encoding"), "chunked");
  EXPECT_GT(pieces, 1u);
  EXPECT_LE(largest, 64u * 1024) << "the body was buffered whole";

  // A sink that stops: its status comes back, the connection is dropped.
  st = client.DoStream(req, resp, [&](std::string_view) {
    return absl::AbortedError("enough");
  });
  EXPECT_EQ(st.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(client.stats().idle_conns, 0u);
  // And the client goes on.
  st = client.DoStream(req, resp,
                       [](std::string_view) { return absl::OkStatus(); });
  EXPECT_TRUE(st.ok()) << st;
}

}  // namespace
}  // namespace brisk::client
