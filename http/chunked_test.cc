#include "http/chunked.h"

#include <string>

#include "gtest/gtest.h"

#include "http/body_reader.h"
#include "testing/counting_allocator.h"

namespace brisk::http {
namespace {

// Decodes `in` whole; returns the body or "ERROR:<reason>".
std::string DecodeAll(std::string_view in, ChunkedLimits limits = {}) {
  ChunkedDecoder d(limits);
  bytes::ByteBuffer out;
  DecodeResult r = d.Decode(in, out);
  if (r.failed()) {
    return "ERROR:" + std::string(ToString(r.error));
  }
  if (r.incomplete()) {
    return "INCOMPLETE";
  }
  EXPECT_EQ(r.consumed, in.size());
  return std::string(out.view());
}

TEST(ChunkedDecoderTest, DecodesChunks) {
  EXPECT_EQ(DecodeAll("5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"),
            "hello, world");
  EXPECT_EQ(DecodeAll("0\r\n\r\n"), "");
  EXPECT_EQ(DecodeAll("A\r\n0123456789\r\n0\r\n\r\n"), "0123456789");
  EXPECT_EQ(DecodeAll("a\r\n0123456789\r\n000\r\n\r\n"), "0123456789");
}

TEST(ChunkedDecoderTest, SkipsExtensions) {
  EXPECT_EQ(DecodeAll("5;name=value\r\nhello\r\n0;last\r\n\r\n"), "hello");
  EXPECT_EQ(DecodeAll("5 ; a=\"q;x\" ; b\r\nhello\r\n0\r\n\r\n"), "hello");
}

TEST(ChunkedDecoderTest, ParsesTrailers) {
  ChunkedDecoder d;
  bytes::ByteBuffer out;
  std::string in =
      "3\r\nabc\r\n0\r\nX-Checksum: 123\r\nX-Other:  v \r\n\r\nNEXT";
  DecodeResult r = d.Decode(in, out);
  ASSERT_TRUE(r.done());
  EXPECT_EQ(in.substr(r.consumed), "NEXT");
  EXPECT_EQ(d.trailers().Peek("x-checksum"), "123");
  EXPECT_EQ(d.trailers().Peek("x-other"), "v");
}

TEST(ChunkedDecoderTest, ByteByByte) {
  std::string in = "5;e=1\r\nhello\r\n1\r\n!\r\n0\r\nT: 1\r\n\r\n";
  ChunkedDecoder d;
  bytes::ByteBuffer out;
  std::string pending;
  DecodeResult r;
  for (char c : in) {
    pending += c;
    r = d.Decode(pending, out);
    ASSERT_FALSE(r.failed()) << ToString(r.error);
    pending.erase(0, r.consumed);
  }
  ASSERT_TRUE(r.done());
  EXPECT_EQ(out.view(), "hello!");
  EXPECT_EQ(d.trailers().Peek("t"), "1");
}

TEST(ChunkedDecoderTest, RejectsMalformed) {
  const char* bad[] = {
      "\r\nhello\r\n0\r\n\r\n",           // no size
      "x\r\n",                            // not hex
      "-5\r\nhello\r\n0\r\n\r\n",         // sign
      " 5\r\nhello\r\n0\r\n\r\n",         // leading space
      "0x5\r\nhello\r\n0\r\n\r\n",        // 0x prefix
      "5\nhello\r\n0\r\n\r\n",            // bare LF
      "5\r\nhelloXX0\r\n\r\n",            // data not followed by CRLF
      "5\r\nhello\n0\r\n\r\n",            // LF without CR after data
      "5 garbage\r\nhello\r\n0\r\n\r\n",  // extension without ';'
      "5;a\x01\r\nhello\r\n0\r\n\r\n",    // control byte in extension
      "8000000000000000\r\n",             // 2^63
      "10000000000000000\r\n",            // 2^64
      "0\r\nBad Trailer\r\n\r\n",         // trailer without colon
      "0\r\nX: a\x01\r\n\r\n",            // control byte in trailer
      "0\r\n folded\r\n\r\n",             // obs-fold in trailer
      "0\r\nX: y\n\r\n",                  // bare LF in trailer
  };
  for (const char* in : bad) {
    std::string got = DecodeAll(in);
    EXPECT_EQ(got.substr(0, 6), "ERROR:") << "accepted: " << in;
  }
}

TEST(ChunkedDecoderTest, Limits) {
  EXPECT_EQ(
      DecodeAll("5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", {.max_body_bytes = 8}),
      "ERROR:body too large");
  EXPECT_EQ(DecodeAll("5\r\nhello\r\n0\r\n\r\n", {.max_body_bytes = 5}),
            "hello");
  // An extension that never ends.
  std::string endless = "5;" + std::string(5000, 'a');
  EXPECT_EQ(DecodeAll(endless), "ERROR:malformed chunked body");
  // Trailers past their limit.
  std::string trailers = "0\r\n";
  for (int i = 0; i < 100; ++i) {
    trailers += "X-T: " + std::string(100, 'v') + "\r\n";
  }
  trailers += "\r\n";
  EXPECT_EQ(DecodeAll(trailers, {.max_trailer_bytes = 1024}),
            "ERROR:header section too large");
}

TEST(ChunkedDecoderTest, HugeDeclaredSizeFailsBeforeReadingWithALimit) {
  EXPECT_EQ(DecodeAll("7fffffffffffffff\r\n", {.max_body_bytes = 1 << 20}),
            "ERROR:body too large");
}

TEST(ChunkedEncoderTest, RoundTrip) {
  bytes::ByteBuffer wire;
  AppendChunk(wire, "hello");
  AppendChunk(wire, "");  // skipped: an empty chunk would end the body
  AppendChunk(wire, std::string(300, 'x'));
  HeaderFields trailers;
  trailers.Add("X-Sum", "42");
  ASSERT_EQ(AppendLastChunk(wire, &trailers), WireError::kNone);
  EXPECT_EQ(wire.view().substr(0, 10), "5\r\nhello\r\n");
  EXPECT_EQ(wire.view().substr(10, 5), "12c\r\n");
  ChunkedDecoder d;
  bytes::ByteBuffer out;
  ASSERT_TRUE(d.Decode(wire.view(), out).done());
  EXPECT_EQ(out.view(), "hello" + std::string(300, 'x'));
  EXPECT_EQ(d.trailers().Peek("X-Sum"), "42");
}

TEST(ChunkedDecoderTest, NoAllocationOnceWarm) {
  std::string in = "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n";
  ChunkedDecoder d;
  bytes::ByteBuffer out(256);
  ASSERT_TRUE(d.Decode(in, out).done());
  testing::AllocationCounter count;
  for (int i = 0; i < 100; ++i) {
    d.Reset();
    out.Reset();
    ASSERT_TRUE(d.Decode(in, out).done());
  }
  EXPECT_EQ(count.allocations(), 0u);
}

TEST(BodyReaderTest, ContentLengthInPieces) {
  BodyReader r;
  ASSERT_EQ(r.Start(BodyFraming::kContentLength, 10, 0), ParseError::kNone);
  bytes::ByteBuffer body;
  DecodeResult d = r.Read("01234", body);
  EXPECT_TRUE(d.incomplete());
  EXPECT_EQ(d.consumed, 5u);
  d = r.Read("56789EXTRA", body);
  EXPECT_TRUE(d.done());
  EXPECT_EQ(d.consumed, 5u);  // the pipelined next request is left alone
  EXPECT_EQ(body.view(), "0123456789");
}

TEST(BodyReaderTest, ContentLengthOverTheLimitFailsAtStart) {
  BodyReader r;
  EXPECT_EQ(r.Start(BodyFraming::kContentLength, 1 << 20, 1024),
            ParseError::kBodyTooLarge);
  EXPECT_EQ(StatusCodeFor(ParseError::kBodyTooLarge), 413);
}

// Over the limit, a chunked body stops before the size line that passes it,
// at the same byte however the input was split; with a higher limit it
// goes on from there (how the server switches a body to streaming).
TEST(BodyReaderTest, ChunkedLimitStopsAtTheSizeLineAndCanBeRaised) {
  const std::string_view in = "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\nNEXT";
  for (size_t cut = 0; cut <= in.size(); ++cut) {
    BodyReader r;
    ASSERT_EQ(r.Start(BodyFraming::kChunked, -1, 5), ParseError::kNone);
    bytes::ByteBuffer body;
    size_t pos = 0;
    DecodeResult d = r.Read(in.substr(0, cut), body);
    pos += d.consumed;
    if (!d.failed()) {
      d = r.Read(in.substr(pos), body);
      pos += d.consumed;
    }
    ASSERT_TRUE(d.failed()) << cut;
    EXPECT_EQ(d.error, ParseError::kBodyTooLarge);
    EXPECT_EQ(pos, 8u) << "cut at " << cut;  // before "4\r\n"
    EXPECT_EQ(body.view(), "abc");
    r.RaiseLimit(100);
    d = r.Read(in.substr(pos), body);
    EXPECT_TRUE(d.done());
    EXPECT_EQ(in.substr(pos + d.consumed), "NEXT");
    EXPECT_EQ(body.view(), "abcdefg");
  }
}

TEST(BodyReaderTest, UntilCloseAndTruncation) {
  BodyReader r;
  ASSERT_EQ(r.Start(BodyFraming::kUntilClose, -1, 8), ParseError::kNone);
  bytes::ByteBuffer body;
  EXPECT_TRUE(r.Read("abc", body).incomplete());
  EXPECT_TRUE(r.Close().done());
  EXPECT_EQ(body.view(), "abc");
  ASSERT_EQ(r.Start(BodyFraming::kUntilClose, -1, 8), ParseError::kNone);
  EXPECT_EQ(r.Read("0123456789", body).error, ParseError::kBodyTooLarge);

  ASSERT_EQ(r.Start(BodyFraming::kContentLength, 10, 0), ParseError::kNone);
  (void)r.Read("0123", body);
  EXPECT_EQ(r.Close().error, ParseError::kTruncatedBody);
  ASSERT_EQ(r.Start(BodyFraming::kChunked, -1, 0), ParseError::kNone);
  (void)r.Read("5\r\nhel", body);
  EXPECT_EQ(r.Close().error, ParseError::kTruncatedBody);
}

}  // namespace
}  // namespace brisk::http
