// websocket's pure functions: frame headers against RFC 6455's own examples
// and every receiving rule, masking in pieces, UTF-8 (whole and byte by
// byte), and the opening handshake's checks.

#include <string>
#include <vector>

#include "gtest/gtest.h"

#include "bytes/byte_buffer.h"
#include "http/request_header.h"
#include "websocket/deflate.h"
#include "websocket/frame.h"
#include "websocket/handshake.h"
#include "websocket/utf8.h"

namespace brisk::websocket {
namespace {

using namespace std::string_literals;

const FrameRules kFromClient{.expect_masked = true};
const FrameRules kFromServer{.expect_masked = false};

FrameError Parse(std::string_view data, const FrameRules& rules,
                 FrameHeader* out = nullptr) {
  FrameHeader h;
  FrameError e = ParseFrameHeader(data, rules, h);
  if (out != nullptr) {
    *out = h;
  }
  return e;
}

// RFC 6455 §5.7.
TEST(FrameTest, TheRfcExamples) {
  FrameHeader h;
  const std::string unmasked = "\x81\x05Hello";
  ASSERT_EQ(Parse(unmasked, kFromServer, &h), FrameError::kNone);
  EXPECT_TRUE(h.fin);
  EXPECT_EQ(h.opcode, Opcode::kText);
  EXPECT_EQ(h.length, 5u);
  EXPECT_EQ(h.header_bytes, 2u);

  std::string masked = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
  ASSERT_EQ(Parse(masked, kFromClient, &h), FrameError::kNone);
  ASSERT_EQ(h.header_bytes, 6u);
  ApplyMask(masked.data() + 6, 5, h.mask);
  EXPECT_EQ(masked.substr(6), "Hello");

  // A fragmented text message: "Hel" then "lo".
  ASSERT_EQ(Parse("\x01\x03Hel", kFromServer, &h), FrameError::kNone);
  EXPECT_FALSE(h.fin);
  ASSERT_EQ(Parse("\x80\x02lo", kFromServer, &h), FrameError::kNone);
  EXPECT_TRUE(h.fin);
  EXPECT_EQ(h.opcode, Opcode::kContinuation);

  // 256 bytes (16-bit length) and 64 KiB (64-bit length).
  ASSERT_EQ(Parse(std::string("\x82\x7E\x01\x00", 4), kFromServer, &h),
            FrameError::kNone);
  EXPECT_EQ(h.length, 256u);
  EXPECT_EQ(h.header_bytes, 4u);
  ASSERT_EQ(Parse(std::string("\x82\x7F\x00\x00\x00\x00\x00\x01\x00\x00", 10),
                  kFromServer, &h),
            FrameError::kNone);
  EXPECT_EQ(h.length, 65536u);
  EXPECT_EQ(h.header_bytes, 10u);
}

TEST(FrameTest, IncompleteHeadersAskForMore) {
  const std::string whole(
      "\x82\xFF\x00\x00\x00\x00\x00\x01\x00\x00"
      "abcd",
      14);
  for (size_t n = 0; n < whole.size(); ++n) {
    FrameHeader h;
    EXPECT_EQ(Parse(whole.substr(0, n), kFromClient, &h), FrameError::kNone);
    EXPECT_EQ(h.header_bytes, 0u) << n;
  }
  FrameHeader h;
  ASSERT_EQ(Parse(whole, kFromClient, &h), FrameError::kNone);
  EXPECT_EQ(h.header_bytes, 14u);
  EXPECT_EQ(h.length, 65536u);
}

TEST(FrameTest, EveryReceivingRule) {
  struct Case {
    std::string bytes;
    FrameRules rules;
    FrameError want;
  };
  const FrameRules small{.expect_masked = false, .max_payload = 100};
  const FrameRules deflate{.expect_masked = false, .allow_rsv1 = true};
  const std::vector<Case> cases = {
      {"\xA1\x00"s, kFromServer, FrameError::kReservedBits},  // RSV2
      {"\x91\x00"s, kFromServer, FrameError::kReservedBits},  // RSV3
      {"\xC1\x00"s, kFromServer, FrameError::kReservedBits},  // RSV1, no ext
      {"\xC9\x00"s, deflate, FrameError::kReservedBits},      // RSV1 on ping
      {"\xC1\x00"s, deflate, FrameError::kNone},
      {"\x83\x00"s, kFromServer, FrameError::kBadOpcode},
      {"\x87\x00"s, kFromServer, FrameError::kBadOpcode},
      {"\x8B\x00"s, kFromServer, FrameError::kBadOpcode},
      {"\x8F\x00"s, kFromServer, FrameError::kBadOpcode},
      {"\x09\x00"s, kFromServer, FrameError::kFragmentedControl},
      {"\x08\x00"s, kFromServer, FrameError::kFragmentedControl},
      {"\x89\x7E\x00\x7E"s, kFromServer, FrameError::kControlTooLong},
      {"\x81\x00"s, kFromClient, FrameError::kMaskRequired},
      {"\x81\x80\x00\x00\x00\x00"s, kFromServer, FrameError::kMaskForbidden},
      {std::string("\x82\x7F\x80\x00\x00\x00\x00\x00\x00\x00", 10), kFromServer,
       FrameError::kBadLength},
      {"\x82\x65"s, small, FrameError::kTooBig},  // 101 > 100
      {"\x82\x64"s, small, FrameError::kNone},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Parse(c.bytes, c.rules), c.want)
        << testing::PrintToString(c.bytes) << " " << ToString(c.want);
  }
}

TEST(FrameTest, WrittenHeadersParseBack) {
  const uint8_t key[4] = {1, 2, 3, 4};
  for (uint64_t len :
       {0ull, 1ull, 125ull, 126ull, 65535ull, 65536ull, (1ull << 40)}) {
    for (bool masked : {false, true}) {
      char buf[kMaxHeaderBytes];
      const size_t n = WriteFrameHeader(buf, true, false, Opcode::kBinary, len,
                                        masked ? key : nullptr);
      FrameHeader h;
      ASSERT_EQ(Parse(std::string_view(buf, n), {.expect_masked = masked}, &h),
                FrameError::kNone);
      EXPECT_EQ(h.header_bytes, n);
      EXPECT_EQ(h.length, len);
      EXPECT_EQ(h.opcode, Opcode::kBinary);
      EXPECT_TRUE(h.fin);
      if (masked) {
        EXPECT_EQ(h.mask[3], 4);
      }
    }
  }
}

TEST(FrameTest, MaskingInPiecesEqualsWhole) {
  const std::array<uint8_t, 4> key = {0x37, 0xfa, 0x21, 0x3d};
  std::string data;
  for (int i = 0; i < 100; ++i) {
    data += static_cast<char>(i * 7);
  }
  std::string whole = data;
  ApplyMask(whole.data(), whole.size(), key);
  for (size_t cut = 0; cut <= data.size(); ++cut) {
    std::string pieces = data;
    ApplyMask(pieces.data(), cut, key, 0);
    ApplyMask(pieces.data() + cut, pieces.size() - cut, key, cut);
    ASSERT_EQ(pieces, whole) << cut;
  }
  ApplyMask(whole.data(), whole.size(), key);
  EXPECT_EQ(whole, data);  // its own inverse
}

TEST(Utf8Test, ValidAndInvalidWholeAndBytewise) {
  const std::vector<std::string> valid = {
      "",
      "plain ASCII, more than eight bytes long",
      "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5",  // κόσμε
      "\xEF\xBF\xBF",                                  // U+FFFF
      "\xF4\x8F\xBF\xBF",                              // U+10FFFF
      "\xED\x9F\xBF",                                  // U+D7FF
      "\xEE\x80\x80",                                  // U+E000
      std::string("nul \0 inside", 12),
  };
  const std::vector<std::string> invalid = {
      "\x80",              // a lone continuation
      "\xC0\xAF",          // overlong '/'
      "\xC1\xBF",          // overlong
      "\xE0\x80\xAF",      // overlong
      "\xE0\x9F\xBF",      // overlong U+07FF
      "\xF0\x8F\xBF\xBF",  // overlong U+FFFF
      "\xED\xA0\x80",      // surrogate U+D800
      "\xED\xBF\xBF",      // surrogate U+DFFF
      "\xF4\x90\x80\x80",  // over U+10FFFF
      "\xF5\x80\x80\x80",  // lead byte over F4
      "\xFF",              // never valid
      "ok\xE2\x82",        // cut short at the end
      "abcdefgh\xCE\x41",  // a non-continuation after a lead byte
  };
  for (const std::string& s : valid) {
    EXPECT_TRUE(IsValidUtf8(s)) << testing::PrintToString(s);
    Utf8Validator v;
    for (char c : s) {
      ASSERT_TRUE(v.Feed(std::string_view(&c, 1)));
    }
    EXPECT_TRUE(v.complete());
  }
  for (const std::string& s : invalid) {
    EXPECT_FALSE(IsValidUtf8(s)) << testing::PrintToString(s);
    Utf8Validator v;
    bool fed = true;
    for (char c : s) {
      fed = fed && v.Feed(std::string_view(&c, 1));
    }
    EXPECT_FALSE(fed && v.complete()) << testing::PrintToString(s);
  }
  // A bad byte fails as soon as it is fed (Autobahn's "fail fast").
  Utf8Validator v;
  EXPECT_TRUE(v.Feed("\xCE\xBA\xE1\xBD"));
  EXPECT_FALSE(v.complete());
  EXPECT_FALSE(v.Feed("\xC0"));
  EXPECT_FALSE(v.Feed("a"));  // stays failed
}

// A parsed header with its own storage (a parse's views point into `text`).
http::RequestHeader ParseRequest(const std::string& text) {
  http::RequestHeader h;
  http::ParseResult r = h.Parse(text);
  EXPECT_FALSE(r.incomplete() || r.failed()) << text;
  http::RequestHeader own;
  h.CopyTo(own);
  return own;
}

TEST(HandshakeTest, AcceptKeyOfTheRfc) {
  EXPECT_EQ(AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(HandshakeTest, ClientHelloChecks) {
  const std::string ok_fields =
      "Host: server.example.com\r\nUpgrade: websocket\r\n"
      "Connection: keep-alive, Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\nOrigin: http://example.com\r\n";
  ClientHello hello;
  http::RequestHeader good =
      ParseRequest("GET /chat HTTP/1.1\r\n" + ok_fields + "\r\n");
  EXPECT_EQ(CheckClientHello(good, hello).status, 0);
  EXPECT_EQ(hello.key, "dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_EQ(hello.origin, "http://example.com");
  EXPECT_TRUE(IsUpgradeRequest(good));

  struct Bad {
    std::string request;
    int status;
  };
  const std::string key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
  const std::vector<Bad> bad = {
      {"POST /chat HTTP/1.1\r\n" + ok_fields, 405},
      {"GET /chat HTTP/1.0\r\n" + ok_fields, 400},
      {"GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n" + key +
           "Sec-WebSocket-Version: 13\r\n",
       426},
      {"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n" + key +
           "Sec-WebSocket-Version: 13\r\n",
       400},
      {"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
       "Connection: upgrade\r\n" +
           key + "Sec-WebSocket-Version: 8\r\n",
       426},
      {"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
       "Connection: upgrade\r\nSec-WebSocket-Key: c2hvcnQ=\r\n"
       "Sec-WebSocket-Version: 13\r\n",
       400},
      {"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
       "Connection: upgrade\r\n" +
           key + key + "Sec-WebSocket-Version: 13\r\n",
       400},
      {"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
       "Connection: upgrade\r\n" +
           key +
           "Sec-WebSocket-Version: 13\r\nOrigin: http://a\r\n"
           "Origin: http://evil\r\n",
       400},
  };
  for (const Bad& b : bad) {
    http::RequestHeader h = ParseRequest(b.request + "\r\n");
    EXPECT_EQ(CheckClientHello(h, hello).status, b.status) << b.request;
  }
}

TEST(HandshakeTest, SubprotocolAndOrigin) {
  http::RequestHeader h = ParseRequest(
      "GET / HTTP/1.1\r\nHost: a\r\nSec-WebSocket-Protocol: superchat, chat\r\n"
      "Sec-WebSocket-Protocol: v2\r\n\r\n");
  const std::vector<std::string> ours = {"chat", "superchat"};
  EXPECT_EQ(ChooseSubprotocol(h, ours), "chat");  // our preference
  const std::vector<std::string> v2 = {"v3", "v2"};
  EXPECT_EQ(ChooseSubprotocol(h, v2), "v2");  // from the second field line
  const std::vector<std::string> none = {"mqtt"};
  EXPECT_EQ(ChooseSubprotocol(h, none), "");

  EXPECT_TRUE(SameOrigin("", "a.example"));
  EXPECT_TRUE(SameOrigin("https://A.example:8443", "a.example:8443"));
  EXPECT_FALSE(SameOrigin("https://a.example:8443", "a.example"));
  EXPECT_FALSE(SameOrigin("http://evil.example", "a.example"));
  EXPECT_FALSE(SameOrigin("null", "a.example"));
}

TEST(DeflateTest, ServerNegotiation) {
  DeflateParams p;
  std::string answer;
  // Python websockets' default offer: context takeover is turned off by
  // default, kept on request.
  ASSERT_TRUE(NegotiateDeflate("permessage-deflate; client_max_window_bits",
                               false, p, answer));
  EXPECT_EQ(answer,
            "permessage-deflate; server_no_context_takeover; "
            "client_no_context_takeover");
  EXPECT_TRUE(p.server_no_context_takeover && p.client_no_context_takeover);
  ASSERT_TRUE(NegotiateDeflate("permessage-deflate; client_max_window_bits",
                               true, p, answer));
  EXPECT_EQ(answer, "permessage-deflate");
  EXPECT_FALSE(p.server_no_context_takeover || p.client_no_context_takeover);
  // What the client asks of the server is kept.
  ASSERT_TRUE(
      NegotiateDeflate("permessage-deflate; server_no_context_takeover; "
                       "server_max_window_bits=10",
                       true, p, answer));
  EXPECT_EQ(answer,
            "permessage-deflate; server_no_context_takeover; "
            "server_max_window_bits=10");
  EXPECT_EQ(p.server_max_window_bits, 10);
  // Bad offers are declined; a later good one is taken.
  for (std::string_view bad :
       {"permessage-deflate; server_max_window_bits=8",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; client_max_window_bits=07",
        "permessage-deflate; server_no_context_takeover; "
        "server_no_context_takeover",
        "permessage-deflate; unknown=1", "x-webkit-deflate-frame", ""}) {
    EXPECT_FALSE(NegotiateDeflate(bad, false, p, answer)) << bad;
  }
  ASSERT_TRUE(NegotiateDeflate(
      "permessage-deflate; server_max_window_bits=8, permessage-deflate; "
      "server_max_window_bits=\"12\"",
      true, p, answer));
  EXPECT_EQ(p.server_max_window_bits, 12);
}

TEST(DeflateTest, RfcExampleAndRoundTrips) {
  // RFC 7692 §7.2.3.1: "Hello" as one compressed message.
  Inflater inf;
  bytes::ByteBuffer out;
  ASSERT_TRUE(
      inf.Inflate("\xf2\x48\xcd\xc9\xc9\x07\x00"s, out, 100, false).ok());
  EXPECT_EQ(out.view(), "Hello");
  // §7.2.3.2: the same message again, with the context kept, is shorter.
  out.Reset();
  ASSERT_TRUE(inf.Inflate("\xf2\x00\x11\x00\x00"s, out, 100, false).ok());
  EXPECT_EQ(out.view(), "Hello");

  const std::string json =
      R"({"user":"ada","id":12345,"tags":["a","b","c"],"text":"hello, hello"})";
  for (bool takeover : {false, true}) {
    Deflater d(6, 15);
    Inflater i;
    size_t second = 0;
    for (int round = 0; round < 3; ++round) {
      bytes::ByteBuffer z;
      ASSERT_TRUE(d.Compress(json, z, !takeover).ok());
      EXPECT_LT(z.size(), json.size());
      if (round == 1) {
        second = z.size();
      }
      bytes::ByteBuffer back;
      ASSERT_TRUE(i.Inflate(z.view(), back, 1 << 20, !takeover).ok());
      EXPECT_EQ(back.view(), json);
    }
    if (takeover) {
      EXPECT_LT(second, 20u) << "a repeated message costs a few bytes";
    }
  }
}

TEST(DeflateTest, InflatedSizeIsBoundedAndGarbageRefused) {
  // 8 MiB of zeros compress to a few KiB: a bomb for a 1 MiB limit.
  const std::string zeros(8 << 20, '\0');
  Deflater d(9, 15);
  bytes::ByteBuffer z;
  ASSERT_TRUE(d.Compress(zeros, z, true).ok());
  EXPECT_LT(z.size(), 16u * 1024);
  Inflater i;
  bytes::ByteBuffer out;
  absl::Status s = i.Inflate(z.view(), out, 1 << 20, true);
  EXPECT_TRUE(absl::IsResourceExhausted(s)) << s;
  EXPECT_LE(out.size(), 1u << 20);
  // Exactly at the limit is fine.
  out.Reset();
  bytes::ByteBuffer exact;
  ASSERT_TRUE(d.Compress(zeros.substr(0, 1000), exact, true).ok());
  EXPECT_TRUE(i.Inflate(exact.view(), out, 1000, true).ok());
  EXPECT_EQ(out.size(), 1000u);
  // Not deflate at all.
  out.Reset();
  s = i.Inflate("\xff\xff\xff\xff garbage", out, 1 << 20, true);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
}

}  // namespace
}  // namespace brisk::websocket
