// Compress and Decompress (middleware/compress.h) through the real server:
// negotiation, what is never compressed, Vary and ETag, 304 on the encoded
// tag, streamed responses decodable piece by piece as they arrive, request
// bodies decoded (and refused: unknown coding, corrupt, bomb) however the
// bytes were split, and no allocation per compressed response once warm.

#include "middleware/compress.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"

#include "bytes/byte_buffer.h"
#include "compress/compress.h"
#include "http/chunked.h"
#include "server/alloc_window.h"
#include "server/middleware.h"
#include "server/server.h"
#include "server/server_test_util.h"
#include "testing/json_like.h"
#include "testing/raw_conn.h"

namespace brisk::middleware {
namespace {

using compress::Encoding;
using server::Get;
using server::Reply;
using server::RequestCtx;
using server::RoundTrip;
using server::TestServer;

std::shared_ptr<Compress> Make(CompressOptions o = {}) {
  absl::StatusOr<std::shared_ptr<Compress>> c = Compress::Create(std::move(o));
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

// Serves `body` as `type`, with the fields in `extra` ("Name: value" pairs).
server::Handler Serve(
    std::string body, std::string type = "application/json",
    std::vector<std::pair<std::string, std::string>> extra = {},
    int status = 200) {
  return [=](RequestCtx& ctx) {
    ctx.SetStatusCode(status);
    ctx.SetContentType(type);
    for (const auto& [k, v] : extra) {
      ctx.response().header().Add(k, v);
    }
    ctx.SetBody(body);
  };
}

std::string Decoded(const Reply& r) {
  std::optional<Encoding> e = compress::FromName(r.Header("Content-Encoding"));
  if (!e) {
    return r.body;
  }
  bytes::ByteBuffer out;
  absl::Status s = compress::DecodeAll(*e, r.body, out);
  EXPECT_TRUE(s.ok()) << s;
  return std::string(out.view());
}

TEST(CompressTest, NegotiatesAndEveryCodingDecodes) {
  const std::string body = testing::JsonLike(20000);
  TestServer ts({}, server::Wrap({Make()}, Serve(body)));
  struct Case {
    std::string accept;
    std::string want;
  };
  for (const Case& c : std::vector<Case>{
           {"gzip", "gzip"},
           {"gzip, deflate, br, zstd", "zstd"},  // today's browsers
           {"gzip, deflate, br", "br"},
           {"br;q=0.5, gzip", "gzip"},
           {"*", "zstd"},
           {"zstd;q=0, *", "br"},
           {"deflate", ""},  // not in the default order
           {"identity", ""},
           {"gzip;q=0", ""},
       }) {
    Reply r =
        RoundTrip(ts.port(), Get("/", "Accept-Encoding: " + c.accept + "\r\n"));
    ASSERT_EQ(r.status, 200) << c.accept;
    EXPECT_EQ(r.Header("Content-Encoding"), c.want) << c.accept;
    EXPECT_EQ(r.Header("Vary"), "Accept-Encoding") << c.accept;
    EXPECT_EQ(Decoded(r), body) << c.accept;
    if (!c.want.empty()) {
      EXPECT_LT(r.body.size(), body.size() / 3) << c.accept;
      EXPECT_EQ(r.Header("Content-Length"), std::to_string(r.body.size()));
    }
  }
  // No Accept-Encoding: identity, still Vary.
  Reply r = RoundTrip(ts.port(), Get("/"));
  EXPECT_FALSE(r.Has("Content-Encoding"));
  EXPECT_EQ(r.Header("Vary"), "Accept-Encoding");
  EXPECT_EQ(r.body, body);
}

TEST(CompressTest, DeflateAndLevelsWhenConfigured) {
  const std::string body = testing::JsonLike(20000);
  CompressOptions o;
  o.encodings = {Encoding::kDeflate, Encoding::kGzip};
  o.gzip_level = 1;
  TestServer ts({}, server::Wrap({Make(o)}, Serve(body)));
  Reply r =
      RoundTrip(ts.port(), Get("/", "Accept-Encoding: gzip, deflate\r\n"));
  EXPECT_EQ(r.Header("Content-Encoding"), "deflate");
  EXPECT_EQ(Decoded(r), body);
}

TEST(CompressTest, BadOptionsAreRefused) {
  CompressOptions o;
  o.gzip_level = 10;
  EXPECT_EQ(Compress::Create(o).status().code(),
            absl::StatusCode::kInvalidArgument);
  o = {};
  o.encodings = {Encoding::kIdentity};
  EXPECT_EQ(Compress::Create(o).status().code(),
            absl::StatusCode::kInvalidArgument);
}

struct NeverCase {
  std::string name;
  server::Handler handler;
  std::string request;
  bool vary;  // the response still says it varies by coding
};

TEST(CompressTest, WhatIsNeverCompressed) {
  const std::string body = testing::JsonLike(5000);
  const std::string accept = "Accept-Encoding: gzip\r\n";
  std::vector<NeverCase> cases;
  cases.push_back({"small", Serve("{\"a\":1}"), Get("/", accept), false});
  cases.push_back({"png", Serve(body, "image/png"), Get("/", accept), false});
  cases.push_back(
      {"encoded", Serve(body, "application/json", {{"Content-Encoding", "br"}}),
       Get("/", accept), false});
  cases.push_back({"no-transform",
                   Serve(body, "application/json",
                         {{"Cache-Control", "public, no-transform"}}),
                   Get("/", accept), false});
  cases.push_back({"range",
                   Serve(body, "application/json",
                         {{"Content-Range", "bytes 0-4999/9999"}}, 206),
                   Get("/", accept), false});
  cases.push_back(
      {"204", Serve("", "application/json", {}, 204), Get("/", accept), false});
  cases.push_back({"head", Serve(body),
                   "HEAD / HTTP/1.1\r\nHost: t\r\n" + accept + "\r\n", true});
  for (NeverCase& c : cases) {
    TestServer ts({}, server::Wrap({Make()}, std::move(c.handler)));
    testing::RawConn conn = ts.Connect();
    ASSERT_TRUE(conn.Send(c.request));
    Reply r = server::ReadReply(conn, c.name == "head");
    EXPECT_TRUE(r.ok) << c.name;
    EXPECT_NE(r.Header("Content-Encoding"), "gzip") << c.name;
    EXPECT_EQ(r.Has("Vary"), c.vary) << c.name << "\n" << r.head;
  }
}

TEST(CompressTest, BodiesOverMaxBytesAreSentAsTheyAre) {
  CompressOptions o;
  o.max_bytes = 10000;
  TestServer ts({}, server::Wrap({Make(o)}, Serve(testing::JsonLike(20000))));
  Reply r = RoundTrip(ts.port(), Get("/", "Accept-Encoding: gzip\r\n"));
  EXPECT_FALSE(r.Has("Content-Encoding"));
  EXPECT_EQ(r.body, testing::JsonLike(20000));
}

TEST(CompressTest, IncompressibleBodyIsSentAsItIs) {
  std::string noise(4096, '\0');
  uint32_t x = 1;
  for (char& ch : noise) {
    x = x * 1103515245 + 12345;
    ch = static_cast<char>(x >> 24);
  }
  TestServer ts({}, server::Wrap({Make()}, Serve(noise, "text/plain")));
  Reply r = RoundTrip(ts.port(), Get("/", "Accept-Encoding: gzip\r\n"));
  EXPECT_FALSE(r.Has("Content-Encoding"));
  EXPECT_EQ(r.body, noise);
}

TEST(CompressTest, VaryIsAddedToTheHandlers) {
  TestServer ts({}, server::Wrap({Make()}, Serve(testing::JsonLike(5000),
                                                 "application/json",
                                                 {{"Vary", "Cookie"}})));
  Reply r = RoundTrip(ts.port(), Get("/", "Accept-Encoding: br\r\n"));
  EXPECT_NE(r.head.find("Vary: Cookie\r\nVary: Accept-Encoding"),
            std::string::npos)
      << r.head;
}

TEST(CompressTest, EncodedRepresentationHasItsOwnETag) {
  const std::string body = testing::JsonLike(5000);
  TestServer strong({}, server::Wrap({Make()}, Serve(body, "application/json",
                                                     {{"ETag", "\"v1\""}})));
  Reply r = RoundTrip(strong.port(), Get("/", "Accept-Encoding: gzip\r\n"));
  EXPECT_EQ(r.Header("ETag"), "\"v1-gzip\"");
  r = RoundTrip(strong.port(), Get("/"));
  EXPECT_EQ(r.Header("ETag"), "\"v1\"");
  // The encoded tag comes back: 304, nothing compressed.
  r = RoundTrip(strong.port(), Get("/",
                                   "Accept-Encoding: gzip\r\n"
                                   "If-None-Match: \"x\", \"v1-gzip\"\r\n"));
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(r.Header("ETag"), "\"v1-gzip\"");
  EXPECT_EQ(r.body, "");
  // Another coding's tag does not match this one.
  r = RoundTrip(strong.port(), Get("/",
                                   "Accept-Encoding: zstd\r\n"
                                   "If-None-Match: \"v1-gzip\"\r\n"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("ETag"), "\"v1-zstd\"");
  TestServer weak({}, server::Wrap({Make()}, Serve(body, "application/json",
                                                   {{"ETag", "W/\"v2\""}})));
  r = RoundTrip(weak.port(), Get("/", "Accept-Encoding: br\r\n"));
  EXPECT_EQ(r.Header("ETag"), "W/\"v2-br\"");
  r = RoundTrip(weak.port(), Get("/",
                                 "Accept-Encoding: br\r\n"
                                 "If-None-Match: \"v2-br\"\r\n"));
  EXPECT_EQ(r.status, 304);
}

// Streams `pieces`, waiting before each one after the first until the
// test has seen the previous one decoded (`seen` counts them).
server::Handler StreamPieces(std::vector<std::string> pieces,
                             std::atomic<int>* seen, int64_t length = -1) {
  return server::Coroutine(
      [pieces, seen, length](RequestCtx& ctx) -> server::Task {
        ctx.SetContentType("text/plain");
        ctx.response().header().SetContentLength(length);
        for (size_t i = 0; i < pieces.size(); ++i) {
          for (int wait = 0;
               seen != nullptr && *seen < static_cast<int>(i) && wait < 1000;
               ++wait) {
            absl::Status s = co_await ctx.Sleep(absl::Milliseconds(5));
            if (!s.ok()) {
              co_return;
            }
          }
          absl::Status s = co_await ctx.StreamWrite(pieces[i]);
          if (!s.ok()) {
            co_return;
          }
        }
      });
}

TEST(CompressTest, StreamedPiecesDecodeAsTheyArrive) {
  for (Encoding e : {Encoding::kGzip, Encoding::kBrotli, Encoding::kZstd}) {
    const std::vector<std::string> pieces = {
        testing::JsonLike(3000), testing::JsonLike(5000).substr(100),
        "the end"};
    std::atomic<int> seen{0};
    TestServer ts({}, server::Wrap({Make()}, StreamPieces(pieces, &seen)));
    testing::RawConn c = ts.Connect();
    ASSERT_TRUE(c.Send(Get(
        "/", "Accept-Encoding: " + std::string(compress::Name(e)) + "\r\n")));
    ASSERT_TRUE(c.ReadUntil("\r\n\r\n"));
    const size_t head_end = c.buffer().find("\r\n\r\n") + 4;
    const std::string head = c.Take(head_end);
    EXPECT_NE(head.find("Content-Encoding: " + std::string(compress::Name(e))),
              std::string::npos)
        << head;
    EXPECT_NE(head.find("Transfer-Encoding: chunked"), std::string::npos);
    http::ChunkedDecoder chunks(http::ChunkedLimits{});
    bytes::ByteBuffer coded;
    std::unique_ptr<compress::Decoder> dec =
        std::move(compress::Decoder::Create(e)).value();
    dec->Start();
    bytes::ByteBuffer plain;
    std::string want;
    size_t used = 0;
    bool done = false;
    // Decodes what arrived so far.
    auto take = [&] {
      http::DecodeResult d =
          chunks.Decode(std::string_view(c.buffer()).substr(used), coded);
      ASSERT_FALSE(d.failed());
      used += d.consumed;
      done = d.done();
      ASSERT_TRUE(dec->Write(coded.view(), plain).ok());
      coded.Reset();
    };
    for (size_t i = 0; i < pieces.size(); ++i) {
      want += pieces[i];
      // Read until what arrived decodes to everything sent so far.
      take();
      for (int reads = 0; plain.view() != want && reads < 200; ++reads) {
        ASSERT_GT(c.ReadSome(), 0) << Name(e) << " piece " << i;
        take();
      }
      ASSERT_EQ(plain.view(), want) << Name(e) << " piece " << i;
      seen = static_cast<int>(i) + 1;
    }
    for (int reads = 0; !done && reads < 200; ++reads) {
      ASSERT_GT(c.ReadSome(), 0);
      take();
    }
    EXPECT_TRUE(done);
    EXPECT_TRUE(dec->Finish().ok()) << Name(e);
    EXPECT_EQ(plain.view(), want);
  }
}

TEST(CompressTest, ShortStatedStreamIsNotCompressed) {
  TestServer ts({},
                server::Wrap({Make()}, StreamPieces({"hello"}, nullptr, 5)));
  Reply r = RoundTrip(ts.port(), Get("/", "Accept-Encoding: gzip\r\n"));
  EXPECT_FALSE(r.Has("Content-Encoding"));
  EXPECT_EQ(r.body, "hello");
}

TEST(CompressTest, HeadStreamIsNotCompressedButVaries) {
  TestServer ts(
      {},
      server::Wrap({Make()}, StreamPieces({testing::JsonLike(4000)}, nullptr)));
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(
      c.Send("HEAD / HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n" +
             Get("/", "Accept-Encoding: gzip\r\n")));
  Reply head = server::ReadReply(c, true);
  EXPECT_FALSE(head.Has("Content-Encoding"));
  EXPECT_EQ(head.Header("Vary"), "Accept-Encoding");
  Reply get = server::ReadReply(c);
  EXPECT_EQ(get.Header("Content-Encoding"), "gzip");
  EXPECT_EQ(Decoded(get), testing::JsonLike(4000));
}

// --- Decompress ---

server::Handler EchoBody() {
  return [](RequestCtx& ctx) {
    ctx.SetContentType("application/octet-stream");
    ctx.SetBody(std::string(ctx.request().body()) + "|" +
                std::string(ctx.request().header().Peek("Content-Encoding")) +
                "|" + std::to_string(ctx.request().header().content_length()));
  };
}

std::string Encode(Encoding e, std::string_view in) {
  std::unique_ptr<compress::Encoder> enc =
      std::move(compress::Encoder::Create(e)).value();
  bytes::ByteBuffer out;
  EXPECT_TRUE(
      compress::CompressAll(*enc, compress::DefaultLevel(e), in, out).ok());
  return std::string(out.view());
}

std::string Post(std::string_view coding, std::string_view body) {
  return "POST /up HTTP/1.1\r\nHost: t\r\nContent-Encoding: " +
         std::string(coding) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         std::string(body);
}

TEST(DecompressTest, RequestBodiesAreDecodedBeforeTheHandler) {
  TestServer ts({}, server::Wrap({std::make_shared<Decompress>()}, EchoBody()));
  const std::string body = testing::JsonLike(3000);
  for (Encoding e : {Encoding::kGzip, Encoding::kDeflate, Encoding::kBrotli,
                     Encoding::kZstd}) {
    Reply r = RoundTrip(ts.port(), Post(compress::Name(e), Encode(e, body)));
    EXPECT_EQ(r.status, 200) << Name(e);
    EXPECT_EQ(r.body, body + "||" + std::to_string(body.size())) << Name(e);
  }
  Reply r = RoundTrip(ts.port(), Post("identity", "plain"));
  EXPECT_EQ(r.body, "plain|identity|5");
  // Chunked and gzip.
  const std::string z = Encode(Encoding::kGzip, body);
  bytes::ByteBuffer chunked;
  http::AppendChunk(chunked, std::string_view(z).substr(0, 10));
  http::AppendChunk(chunked, std::string_view(z).substr(10));
  (void)http::AppendLastChunk(chunked);
  r = RoundTrip(ts.port(),
                "POST /up HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\n"
                "Transfer-Encoding: chunked\r\n\r\n" +
                    std::string(chunked.view()));
  EXPECT_EQ(r.body, body + "||" + std::to_string(body.size()));
}

TEST(DecompressTest, EveryContentEncodingLineCountsAndEmptyBodiesPass) {
  TestServer ts({}, server::Wrap({std::make_shared<Decompress>()}, EchoBody()));
  const std::string body = testing::JsonLike(2000);
  const std::string z = Encode(Encoding::kGzip, body);
  // "identity" then "gzip" on two lines is "identity, gzip": gzip.
  Reply r =
      RoundTrip(ts.port(),
                "POST /up HTTP/1.1\r\nHost: t\r\nContent-Encoding: identity\r\n"
                "Content-Encoding: gzip\r\nContent-Length: " +
                    std::to_string(z.size()) + "\r\n\r\n" + z);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, body + "||" + std::to_string(body.size()));
  r = RoundTrip(ts.port(),
                "POST /up HTTP/1.1\r\nHost: t\r\nContent-Encoding: \r\n"
                "Content-Encoding: gzip\r\nContent-Length: " +
                    std::to_string(z.size()) + "\r\n\r\n" + z);
  EXPECT_EQ(r.body, body + "||" + std::to_string(body.size()));
  // Two real codings on two lines are stacked: 415, as on one line.
  r = RoundTrip(ts.port(),
                "POST /up HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\n"
                "Content-Encoding: br\r\nContent-Length: 2\r\n\r\nxx");
  EXPECT_EQ(r.status, 415);
  // No body: nothing to decode.
  r = RoundTrip(ts.port(), Get("/", "Content-Encoding: gzip\r\n"));
  EXPECT_EQ(r.status, 200);
  r = RoundTrip(ts.port(), Post("gzip", ""));
  EXPECT_EQ(r.status, 200);
}

TEST(DecompressTest, RefusalsAreTypedAnswers) {
  compress::DecodeLimits limits;
  limits.max_output_bytes = 1 << 20;
  TestServer ts(
      {}, server::Wrap({std::make_shared<Decompress>(limits)}, EchoBody()));
  Reply r = RoundTrip(ts.port(), Post("compress", "xx"));
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(r.Header("Accept-Encoding"), "gzip, deflate, br, zstd");
  r = RoundTrip(ts.port(), Post("gzip, br", "xx"));
  EXPECT_EQ(r.status, 415);
  r = RoundTrip(ts.port(), Post("gzip", "not gzip at all"));
  EXPECT_EQ(r.status, 400);
  r = RoundTrip(ts.port(),
                Post("gzip", Encode(Encoding::kGzip, "cut").substr(0, 12)));
  EXPECT_EQ(r.status, 400);
  // A bomb: 64 MiB of zeros in a few KiB.
  r = RoundTrip(ts.port(), Post("zstd", Encode(Encoding::kZstd,
                                               std::string(64 << 20, '\0'))));
  EXPECT_EQ(r.status, 413);
  EXPECT_TRUE(r.Has("Connection"));
  // By default a compressed body may not decode past the server's default
  // body limit (4 MiB): it buys nothing a plain body would not get.
  TestServer plain({},
                   server::Wrap({std::make_shared<Decompress>()}, EchoBody()));
  r = RoundTrip(plain.port(), Post("gzip", Encode(Encoding::kGzip,
                                                  testing::JsonLike(5 << 20))));
  EXPECT_EQ(r.status, 413);
  r = RoundTrip(plain.port(), Post("gzip", Encode(Encoding::kGzip,
                                                  testing::JsonLike(3 << 20))));
  EXPECT_EQ(r.status, 200);
}

TEST(DecompressTest, SameAnswerAtEverySplit) {
  TestServer ts({}, server::Wrap({std::make_shared<Decompress>()}, EchoBody()));
  const std::string body = testing::JsonLike(400);
  const std::string req =
      Post("gzip", Encode(Encoding::kGzip, body)) + Get("/after");
  const std::string want = body + "||" + std::to_string(body.size());
  for (size_t cut = 1; cut < req.size(); ++cut) {
    testing::RawConn c = ts.Connect();
    ASSERT_TRUE(c.Send(req.substr(0, cut)));
    ASSERT_TRUE(c.Send(req.substr(cut)));
    Reply r = server::ReadReply(c);
    ASSERT_EQ(r.body, want) << cut;
    ASSERT_EQ(server::ReadReply(c).status, 200) << cut;
  }
  // One byte per write, a refused body among them: the same answers.
  const std::string refused = Post("gzip", "not gzip");
  for (const std::string& stream : {req, refused + Get("/never")}) {
    testing::RawConn c = ts.Connect();
    for (char ch : stream) {
      if (!c.Send(std::string_view(&ch, 1))) {
        // Only the refused body may end the connection under the sender
        // (its 400 closes it while /never is still being sent).
        ASSERT_NE(stream, req);
        break;
      }
    }
    Reply r = server::ReadReply(c);
    if (stream == req) {
      EXPECT_EQ(r.body, want);
      EXPECT_EQ(server::ReadReply(c).status, 200);
    } else {
      EXPECT_EQ(r.status, 400);
      EXPECT_TRUE(c.ReadUntilClose());  // closed: /never is not read
      EXPECT_EQ(c.buffer().find("HTTP/1.1"), std::string::npos) << c.buffer();
    }
  }
}

// Allocations on the loop thread per compressed response, once warm.
TEST(CompressAllocTest, CompressedResponsesAllocateNothingOnceWarm) {
  for (Encoding e : {Encoding::kGzip, Encoding::kBrotli, Encoding::kZstd}) {
    server::AllocationWindow w(50, 200);
    TestServer ts(
        {},
        server::Wrap({Make()}, w.Wrap(Serve(testing::JsonLike(64 * 1024)))));
    testing::RawConn c = ts.Connect();
    const std::string req =
        Get("/", "Accept-Encoding: " + std::string(compress::Name(e)) + "\r\n");
    // One more than the window: its last compression happens after the
    // handler call that closes it.
    for (int i = 0; i <= w.total(); ++i) {
      ASSERT_TRUE(c.Send(req));
      Reply r = server::ReadReply(c);
      ASSERT_EQ(r.Header("Content-Encoding"), compress::Name(e));
    }
    EXPECT_EQ(w.allocations(), 0u)
        << Name(e) << ": allocations over 200 compressed 64 KiB responses";
  }
}

}  // namespace
}  // namespace brisk::middleware
