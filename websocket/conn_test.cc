// websocket::Conn through the real server and a raw socket: the same bytes
// split anywhere give the same conversation, keep-alive pings and the dead
// peer, the server's shutdown handshake, and a reader that stops reading.

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

#include "server/server_test_util.h"
#include "testing/raw_conn.h"
#include "websocket/frame.h"
#include "websocket/test_util.h"
#include "websocket/websocket.h"

namespace brisk::websocket {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr char kHandshake[] =
    "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n";

// A client's frame: `b0` (FIN, RSV, opcode), masked with a fixed key.
std::string ClientFrame(uint8_t b0, std::string_view payload) {
  const uint8_t key[4] = {0x11, 0x22, 0x33, 0x44};
  char head[kMaxHeaderBytes];
  size_t n =
      WriteFrameHeader(head, (b0 & 0x80) != 0, (b0 & 0x40) != 0,
                       static_cast<Opcode>(b0 & 0x0F), payload.size(), key);
  std::string body(payload);
  ApplyMask(body.data(), body.size(), {0x11, 0x22, 0x33, 0x44});
  return std::string(head, n) + body;
}

std::string CloseFrame(uint16_t code) {
  return ClientFrame(0x88, std::string{static_cast<char>(code >> 8),
                                       static_cast<char>(code & 0xFF)});
}

// All bytes until the server closes.
std::string Transcript(uint16_t port, const std::vector<std::string>& parts) {
  testing::RawConn c;
  if (!c.Connect(port)) {
    return "<connect failed>";
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      std::this_thread::sleep_for(microseconds(300));
    }
    if (!c.Send(parts[i])) {
      break;
    }
  }
  if (!c.ReadUntilClose(milliseconds(5000))) {
    return "<no close>" + c.buffer();
  }
  std::string t = c.buffer();
  const size_t d = t.find("Date: ");
  if (d != std::string::npos) {
    t.erase(d, t.find("\r\n", d) + 2 - d);
  }
  return t;
}

TEST(ConnTest, SplitAnywhereSameConversation) {
  static const Options options;
  server::TestServer ts({.read_buffer_bytes = 64}, [](server::RequestCtx& ctx) {
    (void)Upgrade(ctx, options, Echo);
  });
  // A fragmented text with a ping between its fragments, a binary message,
  // then the client's close.
  const std::string conv =
      std::string(kHandshake) + ClientFrame(0x01, "Hel") +
      ClientFrame(0x89, "p") + ClientFrame(0x80, "lo \xE2\x9C\x93") +
      ClientFrame(0x82, std::string(300, 'b')) + CloseFrame(1000);
  const std::string whole = Transcript(ts.port(), {conv});
  const std::string expected_frames =
      std::string("\x8A\x01p", 3) + "\x81\x09" + "Hello \xE2\x9C\x93" +
      std::string("\x82\x7E\x01\x2C", 4) + std::string(300, 'b') +
      std::string("\x88\x02\x03\xE8", 4);
  ASSERT_GE(whole.size(), expected_frames.size()) << whole;
  EXPECT_EQ(whole.substr(whole.size() - expected_frames.size()),
            expected_frames);
  EXPECT_NE(whole.find("Sec-Websocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
            std::string::npos)
      << whole;
  for (size_t cut = 1; cut < conv.size(); ++cut) {
    ASSERT_EQ(Transcript(ts.port(), {conv.substr(0, cut), conv.substr(cut)}),
              whole)
        << "split at " << cut;
  }
  // The frames one byte per write.
  std::vector<std::string> bytes = {kHandshake};
  for (char ch : conv.substr(sizeof(kHandshake) - 1)) {
    bytes.emplace_back(1, ch);
  }
  EXPECT_EQ(Transcript(ts.port(), bytes), whole);
}

// Silence gets a ping; a peer that answers stays; one that does not is
// dropped after pong_timeout, and the session's Read says why.
TEST(ConnTest, KeepAlivePingsAndDropsTheDeadPeer) {
  static const Options options{.ping_interval = absl::Milliseconds(100),
                               .pong_timeout = absl::Milliseconds(300)};
  server::Seen seen;
  server::TestServer ts({}, [&](server::RequestCtx& ctx) {
    (void)Upgrade(ctx, options, [&](Conn& conn) -> server::Task {
      for (;;) {
        absl::StatusOr<Message> m = co_await conn.Read();
        if (!m.ok()) {
          seen.Set(m.status());
          co_return;
        }
      }
    });
  });
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(kHandshake));
  ASSERT_TRUE(c.ReadUntil("\r\n\r\n"));
  c.Take(c.buffer().size());
  // The first ping, answered.
  ASSERT_TRUE(c.ReadUntil(std::string("\x89\x00", 2)));
  c.Take(c.buffer().size());
  ASSERT_TRUE(c.Send(ClientFrame(0x8A, "")));
  // Alive: pinged again after the next silence; this one goes unanswered.
  ASSERT_TRUE(c.ReadUntil(std::string("\x89\x00", 2)));
  EXPECT_TRUE(c.ReadUntilClose(milliseconds(5000)));
  absl::Status s = seen.Get();
  EXPECT_TRUE(absl::IsDeadlineExceeded(s)) << s;
  EXPECT_EQ(s.message(), "websocket: the peer did not answer a ping");
}

// A connection that had a message keeps its read pending for
// hold_read_buffer, then gives its buffer back and waits holding none: the
// hold's end is neither a dead peer nor a reason to ping, and the next
// message is read as before.
TEST(ConnTest, TheEndOfAReadHoldIsQuiet) {
  static const Options options{.hold_read_buffer = absl::Milliseconds(10),
                               .ping_interval = absl::Seconds(30)};
  server::TestServer ts(
      {}, [](server::RequestCtx& ctx) { (void)Upgrade(ctx, options, Echo); });
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(kHandshake));
  ASSERT_TRUE(c.ReadUntil("\r\n\r\n"));
  c.Take(c.buffer().size());
  ASSERT_TRUE(c.Send(ClientFrame(0x82, "one")));
  ASSERT_TRUE(c.ReadUntil("one"));
  c.Take(c.buffer().size());
  // Past the hold (measured on the deadline tick: up to a second more).
  std::this_thread::sleep_for(milliseconds(2500));
  ASSERT_TRUE(c.Send(ClientFrame(0x82, "two")));
  ASSERT_TRUE(c.ReadUntil("two"));
  EXPECT_EQ(c.buffer(), std::string("\x82\x03two", 5)) << "no ping, no close";
}

// Shutdown: the session's Read sends 1001, the client answers, the session
// ends with Cancelled and the server drains.
TEST(ConnTest, ShutdownClosesWith1001) {
  static const Options options;
  server::Seen seen;
  server::TestServer ts({}, [&](server::RequestCtx& ctx) {
    (void)Upgrade(ctx, options, [&](Conn& conn) -> server::Task {
      absl::StatusOr<Message> m = co_await conn.Read();
      seen.Set(m.status());
    });
  });
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(kHandshake));
  ASSERT_TRUE(c.ReadUntil("\r\n\r\n"));
  c.Take(c.buffer().size());
  std::thread client([&c] {
    const std::string going_away =
        std::string("\x88\x16\x03\xE9", 4) + "server shutting down";
    if (c.ReadUntil(going_away, milliseconds(10000))) {
      (void)c.Send(CloseFrame(1001));
    }
  });
  server::ShutdownReport report = ts.server().Shutdown(absl::Seconds(20));
  client.join();
  EXPECT_TRUE(report.drained);
  absl::Status s = seen.Get();
  EXPECT_TRUE(absl::IsCancelled(s)) << s;
  EXPECT_TRUE(c.ReadUntilClose());
}

// A close with a reason: the session sees the peer's code and words, the
// echo carries the code.
TEST(ConnTest, PeerCloseCodeAndReason) {
  static const Options options;
  std::atomic<int> code{0};
  server::Seen seen;
  server::TestServer ts({}, [&](server::RequestCtx& ctx) {
    (void)Upgrade(ctx, options, [&](Conn& conn) -> server::Task {
      absl::StatusOr<Message> m = co_await conn.Read();
      code = conn.close_code();
      seen.Set(absl::Status(m.status().code(), conn.close_reason()));
    });
  });
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(c.Send(std::string(kHandshake) +
                     ClientFrame(0x88, std::string("\x0F\xA0going", 7))));
  ASSERT_TRUE(c.ReadUntilClose());
  absl::Status s = seen.Get();
  EXPECT_TRUE(absl::IsOutOfRange(s)) << s;
  EXPECT_EQ(s.message(), "going");
  EXPECT_EQ(code.load(), 4000);
  const std::string echo("\x88\x02\x0F\xA0", 4);
  EXPECT_EQ(c.buffer().substr(c.buffer().size() - 4), echo);
}

// Decided from a frame's header, without its payload: a continuation that
// takes the message past max_message_bytes (1009), and a text frame whose
// first bytes are not UTF-8 (1007) — the rest of either is never sent.
TEST(ConnTest, LimitsAndBadTextFailBeforeThePayload) {
  static const Options options{.max_message_bytes = 1000};
  server::TestServer ts(
      {}, [](server::RequestCtx& ctx) { (void)Upgrade(ctx, options, Echo); });
  // A header promising `length` bytes, masked, with none of them.
  auto header_only = [](uint8_t b0, uint64_t length) {
    const uint8_t key[4] = {1, 2, 3, 4};
    char head[kMaxHeaderBytes];
    const size_t n =
        WriteFrameHeader(head, (b0 & 0x80) != 0, false,
                         static_cast<Opcode>(b0 & 0x0F), length, key);
    return std::string(head, n);
  };
  {
    testing::RawConn c = ts.Connect();
    ASSERT_TRUE(c.Send(std::string(kHandshake) +
                       ClientFrame(0x02, std::string(600, 'a')) +
                       header_only(0x80, 500)));
    EXPECT_TRUE(c.ReadUntilClose(milliseconds(5000)));
    EXPECT_NE(c.buffer().find("\x03\xF1"), std::string::npos) << "close 1009";
  }
  {
    testing::RawConn c = ts.Connect();
    // A text frame claiming 900 bytes: only its first 402 are sent.
    std::string payload = std::string("\xC0\xAF", 2) + std::string(400, 'x');
    ApplyMask(payload.data(), payload.size(), {1, 2, 3, 4});
    ASSERT_TRUE(
        c.Send(std::string(kHandshake) + header_only(0x81, 900) + payload));
    EXPECT_TRUE(c.ReadUntilClose(milliseconds(5000)));
    EXPECT_NE(c.buffer().find("\x03\xEF"), std::string::npos) << "close 1007";
  }
}

// permessage-deflate agreed in the handshake: RFC 7692's compressed "Hello"
// (§7.2.3.1) arrives as "Hello"; the echo, under min_bytes, goes plain.
TEST(ConnTest, DeflatedMessageOfTheRfc) {
  static const Options options{.deflate = {.enabled = true}};
  server::Seen seen;
  std::string got;
  server::TestServer ts({}, [&](server::RequestCtx& ctx) {
    (void)Upgrade(ctx, options, [&](Conn& conn) -> server::Task {
      absl::StatusOr<Message> m = co_await conn.Read();
      if (!m.ok()) {
        seen.Set(m.status());
        co_return;
      }
      got = std::string(m->data);
      absl::Status w = co_await conn.Write(m->data, m->type);
      seen.Set(w);
    });
  });
  testing::RawConn c = ts.Connect();
  std::string hs(kHandshake);
  hs.insert(hs.size() - 2,
            "Sec-WebSocket-Extensions: permessage-deflate; "
            "client_max_window_bits\r\n");
  ASSERT_TRUE(c.Send(
      hs + ClientFrame(0xC1, std::string("\xf2\x48\xcd\xc9\xc9\x07\x00", 7))));
  absl::Status s = seen.Get();
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(got, "Hello");
  ASSERT_TRUE(c.ReadUntil(std::string("\x81\x05Hello", 7)));
  EXPECT_NE(c.buffer().find("Sec-Websocket-Extensions: permessage-deflate; "
                            "server_no_context_takeover; "
                            "client_no_context_takeover\r\n"),
            std::string::npos)
      << c.buffer();
}

}  // namespace
}  // namespace brisk::websocket
