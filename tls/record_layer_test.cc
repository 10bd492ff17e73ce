// Two RecordLayers with crossed secrets, one playing the peer: every suite,
// records split anywhere, padding, key updates whole and in pieces, and
// each thing a peer may not send after the handshake. (The layer against
// OpenSSL itself, the real peer, is in engine_test and interop_test.)

#include "tls/record_layer.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "gtest/gtest.h"

#include "bytes/byte_buffer.h"

namespace brisk::tls {
namespace {

constexpr uint16_t kSuites[] = {0x1301, 0x1302, 0x1303};

size_t HashLen(uint16_t suite) {
  return suite == 0x1302 ? 48 : 32;
}

// `server` reads what `client` writes and the other way round.
struct Peers {
  explicit Peers(uint16_t suite, uint64_t client_seq = 0) {
    const std::string c2s(HashLen(suite), 'c');
    const std::string s2c(HashLen(suite), 's');
    auto s = RecordLayer::Make(suite, c2s, s2c, client_seq, 0);
    auto c = RecordLayer::Make(suite, s2c, c2s, 0, client_seq,
                               /*client=*/true);
    EXPECT_TRUE(s.ok()) << s.status();
    EXPECT_TRUE(c.ok()) << c.status();
    server = std::move(*s);
    client = std::move(*c);
  }
  std::unique_ptr<RecordLayer> server;
  std::unique_ptr<RecordLayer> client;
};

struct Opened {
  absl::Status status;
  std::string plain;
  size_t consumed = 0;
  std::string out;  // what the reader wrote back (alerts, key updates)
};

// Opens `wire` at once, or fed `step` bytes more at a time.
Opened Open(RecordLayer& r, std::string_view wire, size_t step = 0) {
  Opened o;
  bytes::ByteBuffer plain;
  bytes::ByteBuffer out;
  size_t start = 0;  // not consumed yet
  size_t end = step == 0 ? wire.size() : 0;
  for (;;) {
    size_t consumed = 0;
    size_t n = 0;
    o.status = r.Open(wire.substr(start, end - start), consumed, plain, n, out);
    start += consumed;
    if (!o.status.ok() || end == wire.size() || r.peer_closed()) {
      break;
    }
    end = std::min(wire.size(), end + step);
  }
  if (!o.status.ok()) {
    r.TakeAlert(out);
  }
  o.consumed = start;
  o.plain = std::string(plain.view());
  o.out = std::string(out.view());
  return o;
}

std::string Sealed(RecordLayer& r, uint8_t type, std::string_view content,
                   size_t padding = 0) {
  bytes::ByteBuffer out;
  r.Seal(type, content, out, padding);
  return std::string(out.view());
}

std::string Written(RecordLayer& r, std::string_view plain) {
  bytes::ByteBuffer out;
  r.Write(plain, out);
  return std::string(out.view());
}

TEST(RecordLayerTest, DataEverySuiteAnySplit) {
  for (uint16_t suite : kSuites) {
    Peers p(suite);
    const std::string big(40000, 'x');
    std::string wire = Written(*p.client, "GET / HTTP/1.1\r\n\r\n");
    wire += Written(*p.client, "");  // an empty record is allowed
    wire += Written(*p.client, big);
    EXPECT_EQ(wire.size(), 5 + 18 + 17 + 5 + 17 + 3 * (5 + 17) + 40000u);
    Opened whole = Open(*p.server, wire);
    ASSERT_TRUE(whole.status.ok()) << suite << whole.status;
    EXPECT_EQ(whole.plain, "GET / HTTP/1.1\r\n\r\n" + big);
    EXPECT_EQ(whole.consumed, wire.size());
    EXPECT_EQ(whole.out, "");
    for (size_t step : {1, 7, 4096}) {
      Peers q(suite);
      std::string w = Written(*q.client, "GET / HTTP/1.1\r\n\r\n");
      w += Written(*q.client, big);
      Opened split = Open(*q.server, w, step);
      ASSERT_TRUE(split.status.ok()) << suite << " step " << step;
      EXPECT_EQ(split.plain, "GET / HTTP/1.1\r\n\r\n" + big);
    }
    // The other way.
    Opened back = Open(*p.client, Written(*p.server, "HTTP/1.1 200 OK"));
    ASSERT_TRUE(back.status.ok());
    EXPECT_EQ(back.plain, "HTTP/1.1 200 OK");
  }
}

TEST(RecordLayerTest, PaddingIsStripped) {
  Peers p(0x1301);
  Opened o = Open(*p.server,
                  Sealed(*p.client, kContentApplicationData, "padded", 300));
  ASSERT_TRUE(o.status.ok()) << o.status;
  EXPECT_EQ(o.plain, "padded");
}

TEST(RecordLayerTest, MakeRefusesWhatItCannotDo) {
  EXPECT_FALSE(RecordLayer::Make(0x1304, std::string(32, 'a'),
                                 std::string(32, 'b'), 0, 0)
                   .ok());
  EXPECT_FALSE(RecordLayer::Make(0x1302, std::string(32, 'a'),
                                 std::string(32, 'b'), 0, 0)
                   .ok());
}

// The peer's key update is applied; when it asks, one answer goes back
// and the peer reads on under the new keys both ways.
TEST(RecordLayerTest, KeyUpdatesWholeAndInPieces) {
  for (uint16_t suite : kSuites) {
    Peers p(suite);
    bytes::ByteBuffer w;
    p.client->UpdateKeys(w);  // requested
    std::string wire(w.view());
    wire += Written(*p.client, "after");
    Opened o = Open(*p.server, wire);
    ASSERT_TRUE(o.status.ok()) << o.status;
    EXPECT_EQ(o.plain, "after");
    ASSERT_FALSE(o.out.empty()) << "the answer";
    Opened answer = Open(*p.client, o.out + Written(*p.server, "reply"));
    ASSERT_TRUE(answer.status.ok()) << answer.status;
    EXPECT_EQ(answer.plain, "reply");
    EXPECT_EQ(answer.out, "") << "update_not_requested is not answered";

    // The same message in three records: type, length, request (this
    // sender does not switch its keys after it, so what it seals next is
    // refused).
    Peers q(suite);
    std::string q_wire = Sealed(*q.client, kContentHandshake, "\x18");
    q_wire += Sealed(*q.client, kContentHandshake, std::string("\0\0", 2));
    q_wire += Sealed(*q.client, kContentHandshake, std::string("\1\1", 2));
    Opened q_o = Open(*q.server, q_wire);
    ASSERT_TRUE(q_o.status.ok()) << q_o.status;
    EXPECT_FALSE(q_o.out.empty()) << "answered";
    // Data under the client's old key no longer opens.
    Opened stale = Open(*q.server, Written(*q.client, "old key"));
    EXPECT_FALSE(stale.status.ok());
  }
}

// Many requests before the reader writes: one answer (RFC 8446 §4.6.3).
// Requests that keep coming while this side writes no data (a body being
// read) get one answer in all, not one per read; after data, the next
// request is answered again.
TEST(RecordLayerTest, NoPileOfAnswersWhileSilent) {
  Peers p(0x1301);
  std::string answers;
  for (int i = 0; i < 100; ++i) {
    bytes::ByteBuffer w;
    p.client->UpdateKeys(w);
    p.client->Write("x", w);
    Opened o = Open(*p.server, w.view());
    ASSERT_TRUE(o.status.ok()) << i << o.status;
    answers += o.out;
  }
  EXPECT_EQ(answers.size(), 5 + 5 + 1 + 16u) << "one KeyUpdate in all";
  const std::string data = Written(*p.server, "response");
  bytes::ByteBuffer w;
  p.client->UpdateKeys(w);
  Opened again = Open(*p.server, w.view());
  EXPECT_EQ(again.out.size(), 5 + 5 + 1 + 16u);
  Opened at_client = Open(*p.client, answers + data + again.out);
  ASSERT_TRUE(at_client.status.ok()) << at_client.status;
  EXPECT_EQ(at_client.plain, "response");
}

TEST(RecordLayerTest, ManyRequestsOneAnswer) {
  Peers p(0x1301);
  std::string wire;
  for (int i = 0; i < 5; ++i) {
    bytes::ByteBuffer w;
    p.client->UpdateKeys(w);
    wire += std::string(w.view());
  }
  Opened o = Open(*p.server, wire);
  ASSERT_TRUE(o.status.ok()) << o.status;
  Opened answer = Open(*p.client, o.out);
  ASSERT_TRUE(answer.status.ok());
  EXPECT_EQ(o.out.size(), 5 + 5 + 1 + 16u) << "one KeyUpdate record";
}

TEST(RecordLayerTest, WritesMoveToTheNextKeyByThemselves) {
  Peers p(0x1301, kRecordsPerKey - 1);
  const std::string wire = Written(*p.client, std::string(40000, 'k'));
  Opened o = Open(*p.server, wire);
  ASSERT_TRUE(o.status.ok()) << o.status;
  EXPECT_EQ(o.plain, std::string(40000, 'k'));
  EXPECT_EQ(wire.size(), 4 * (5 + 17) + 40000 + 5u) << "3 records + update";
  EXPECT_EQ(o.out, "") << "not requested, not answered";
}

// A client takes (and drops) the server's NewSessionTickets, whole or in
// pieces; one of an impossible length fails.
TEST(RecordLayerTest, ClientSkipsTickets) {
  Peers p(0x1301);
  std::string ticket("\x04\x00\x00\x20", 4);
  ticket += std::string(32, 't');
  std::string wire = Sealed(*p.server, kContentHandshake, ticket);
  wire += Sealed(*p.server, kContentHandshake, ticket.substr(0, 10));
  wire += Sealed(*p.server, kContentHandshake, ticket.substr(10));
  wire += Written(*p.server, "response");
  for (size_t step : {0, 1}) {
    Peers q(0x1301);
    std::string w = Sealed(*q.server, kContentHandshake, ticket);
    w += Sealed(*q.server, kContentHandshake, ticket.substr(0, 10));
    w += Sealed(*q.server, kContentHandshake, ticket.substr(10));
    w += Written(*q.server, "response");
    Opened o = Open(*q.client, w, step);
    ASSERT_TRUE(o.status.ok()) << o.status;
    EXPECT_EQ(o.plain, "response");
    EXPECT_EQ(o.out, "");
  }
  Opened o = Open(*p.client, wire);
  ASSERT_TRUE(o.status.ok());
  Opened huge = Open(*p.client, Sealed(*p.server, kContentHandshake,
                                       std::string("\x04\x02\x00\x00", 4)));
  EXPECT_EQ(huge.status.code(), absl::StatusCode::kInvalidArgument);
  // A ticket cut by data.
  Peers r(0x1301);
  std::string cut = Sealed(*r.server, kContentHandshake, ticket.substr(0, 10));
  cut += Written(*r.server, "data");
  EXPECT_FALSE(Open(*r.client, cut).status.ok());
}

TEST(RecordLayerTest, CloseNotifyEndsReading) {
  Peers p(0x1303);
  bytes::ByteBuffer w;
  p.client->Write("last", w);
  p.client->Close(w);
  p.client->Write("ignored", w);
  Opened o = Open(*p.server, w.view());
  ASSERT_TRUE(o.status.ok()) << o.status;
  EXPECT_EQ(o.plain, "last");
  EXPECT_TRUE(p.server->peer_closed());
}

TEST(RecordLayerTest, AlertsFromThePeer) {
  Peers p(0x1301);
  std::string wire = Sealed(*p.client, kContentAlert, std::string("\1\x5a", 2));
  wire += Written(*p.client, "still here");  // user_canceled is not the end
  wire += Sealed(*p.client, kContentAlert, std::string("\2\x28", 2));
  Opened o = Open(*p.server, wire);
  EXPECT_EQ(o.plain, "still here");
  EXPECT_EQ(o.status.code(), absl::StatusCode::kAborted) << o.status;
  EXPECT_NE(o.status.message().find("handshake failure"), std::string::npos)
      << o.status;
}

// Each of these (seventeen) fails the connection, and the matching fatal
// alert goes back (the reader's `out` opens on the writer's side as that
// alert).
TEST(RecordLayerTest, WhatAPeerMayNotSend) {
  struct Case {
    const char* name;
    std::string (*make)(RecordLayer& client);
    uint8_t alert;
  };
  const Case cases[] = {
      {"bad tag",
       [](RecordLayer& c) {
         std::string w = Written(c, "data");
         w.back() ^= 1;
         return w;
       },
       kAlertBadRecordMac},
      {"plaintext handshake record",
       [](RecordLayer&) { return std::string("\x16\x03\x03\x00\x01\x01", 6); },
       kAlertUnexpectedMessage},
      {"change_cipher_spec after the handshake",
       [](RecordLayer&) { return std::string("\x14\x03\x03\x00\x01\x01", 6); },
       kAlertUnexpectedMessage},
      {"wrong version",
       [](RecordLayer& c) {
         std::string w = Written(c, "data");
         w[2] = 0x01;
         return w;
       },
       kAlertDecodeError},
      {"record longer than 2^14 + 256",
       [](RecordLayer&) { return std::string("\x17\x03\x03\x41\x01", 5); },
       kAlertRecordOverflow},
      {"record shorter than a tag",
       [](RecordLayer&) {
         return std::string("\x17\x03\x03\x00\x10", 5) + std::string(16, 0);
       },
       kAlertDecodeError},
      {"content longer than 2^14",
       [](RecordLayer& c) {
         return Sealed(c, kContentApplicationData,
                       std::string(kMaxPlaintext + 1, 'x'));
       },
       kAlertRecordOverflow},
      {"padding past 2^14 + 1 in all",
       [](RecordLayer& c) {
         return Sealed(c, kContentApplicationData, "x", kMaxPlaintext);
       },
       kAlertRecordOverflow},
      {"no content type (all zeros)",
       [](RecordLayer& c) { return Sealed(c, 0, "", 10); },
       kAlertUnexpectedMessage},
      {"unknown content type",
       [](RecordLayer& c) { return Sealed(c, 99, "x"); },
       kAlertUnexpectedMessage},
      {"empty handshake record",
       [](RecordLayer& c) { return Sealed(c, kContentHandshake, ""); },
       kAlertUnexpectedMessage},
      {"a NewSessionTicket to a server",
       [](RecordLayer& c) {
         return Sealed(c, kContentHandshake, std::string("\x04\0\0\x01\0", 5));
       },
       kAlertUnexpectedMessage},
      {"a KeyUpdate of the wrong length",
       [](RecordLayer& c) {
         return Sealed(c, kContentHandshake,
                       std::string("\x18\0\0\x02\0\0", 6));
       },
       kAlertDecodeError},
      {"a KeyUpdate with a bad request",
       [](RecordLayer& c) {
         return Sealed(c, kContentHandshake,
                       std::string("\x18\0\0\x01\x07", 5));
       },
       kAlertIllegalParameter},
      {"a KeyUpdate not at the end of its record",
       [](RecordLayer& c) {
         return Sealed(c, kContentHandshake,
                       std::string("\x18\0\0\x01\0\x18", 6));
       },
       kAlertUnexpectedMessage},
      {"data inside a handshake message in pieces",
       [](RecordLayer& c) {
         std::string w = Sealed(c, kContentHandshake, std::string("\x18\0", 2));
         return w + Written(c, "data");
       },
       kAlertUnexpectedMessage},
      {"a malformed alert",
       [](RecordLayer& c) { return Sealed(c, kContentAlert, "\1"); },
       kAlertDecodeError},
  };
  for (const Case& k : cases) {
    for (size_t step : {0, 1}) {
      Peers p(0x1301);
      const std::string good = Written(*p.client, "good");
      const std::string wire = good + k.make(*p.client);
      Opened o = Open(*p.server, wire, step);
      EXPECT_EQ(o.status.code(), absl::StatusCode::kInvalidArgument)
          << k.name << ": " << o.status;
      EXPECT_EQ(o.plain, "good") << k.name << ": the data before it";
      // The alert, as the peer reads it.
      Opened alert = Open(*p.client, o.out);
      EXPECT_EQ(alert.status.code(), absl::StatusCode::kAborted) << k.name;
      std::string expect = "the peer sent alert: ";
      expect += SSL_alert_desc_string_long(k.alert);
      EXPECT_NE(alert.status.message().find(expect), std::string::npos)
          << k.name << ": " << alert.status;
    }
  }
}

}  // namespace
}  // namespace brisk::tls
