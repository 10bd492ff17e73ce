#include "http/response_header.h"

#include <string>

#include "gtest/gtest.h"

#include "http/status_code.h"
#include "testing/counting_allocator.h"

namespace brisk::http {
namespace {

ParseError ErrorOf(std::string_view raw) {
  ResponseHeader h;
  ParseResult r = h.Parse(raw);
  EXPECT_TRUE(r.failed()) << "accepted: " << raw;
  return r.error;
}

constexpr std::string_view kOk =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx\r\n"
    "Date: Thu, 26 Nov 2026 20:00:00 GMT\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Length: 13\r\n"
    "Keep-Alive: timeout=5, max=100\r\n"
    "\r\n"
    "Hello, World!";

TEST(ResponseHeaderTest, ParsesAStatusLineAndFields) {
  ResponseHeader h;
  ParseResult r = h.Parse(kOk);
  ASSERT_TRUE(r.done()) << ToString(r.error);
  EXPECT_EQ(kOk.substr(r.consumed), "Hello, World!");
  EXPECT_EQ(h.status_code(), 200);
  EXPECT_EQ(h.reason(), "OK");
  EXPECT_EQ(h.content_length(), 13);
  EXPECT_EQ(h.content_type(), "text/html; charset=utf-8");
  EXPECT_EQ(h.keep_alive_timeout(), 5);
  EXPECT_TRUE(h.keep_alive());
  EXPECT_EQ(h.framing(false), BodyFraming::kContentLength);
  EXPECT_EQ(h.framing(true), BodyFraming::kNone);
}

TEST(ResponseHeaderTest, IncompleteAtEveryByte) {
  std::string_view head = kOk.substr(0, kOk.size() - 13);
  ResponseHeader h;
  for (size_t n = 0; n < head.size(); ++n) {
    ASSERT_TRUE(h.Parse(head.substr(0, n)).incomplete()) << n;
  }
  ASSERT_TRUE(h.Parse(head).done());
}

TEST(ResponseHeaderTest, StatusLineCutAfterTheCode) {
  // Exactly "HTTP/1.0 302": the parser must not read past the end.
  ResponseHeader h;
  std::string raw = "HTTP/1.0 302";
  EXPECT_TRUE(h.Parse(raw).incomplete());
}

TEST(ResponseHeaderTest, Framing) {
  ResponseHeader h;
  ASSERT_TRUE(h.Parse("HTTP/1.1 204 No Content\r\n\r\n").done());
  EXPECT_EQ(h.framing(false), BodyFraming::kNone);
  h.Reset();
  ASSERT_TRUE(h.Parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n")
                  .done());
  EXPECT_EQ(h.framing(false), BodyFraming::kNone);
  h.Reset();
  ASSERT_TRUE(
      h.Parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").done());
  EXPECT_EQ(h.framing(false), BodyFraming::kChunked);
  h.Reset();
  ASSERT_TRUE(h.Parse("HTTP/1.1 200 OK\r\n\r\n").done());
  EXPECT_EQ(h.framing(false), BodyFraming::kUntilClose);
  h.Reset();
  ASSERT_TRUE(
      h.Parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n").done());
  EXPECT_EQ(h.framing(false), BodyFraming::kUntilClose);
  h.Reset();
  ASSERT_TRUE(h.Parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").done());
  EXPECT_EQ(h.framing(false), BodyFraming::kNone);
}

TEST(ResponseHeaderTest, EmptyReasonAndMissingSpace) {
  ResponseHeader h;
  ASSERT_TRUE(h.Parse("HTTP/1.1 200 \r\n\r\n").done());
  EXPECT_EQ(h.reason(), "");
  h.Reset();
  ASSERT_TRUE(h.Parse("HTTP/1.1 404\r\n\r\n").done());
  EXPECT_EQ(h.status_code(), 404);
}

TEST(ResponseHeaderTest, ConnectionCloseAndHttp10) {
  ResponseHeader h;
  ASSERT_TRUE(h.Parse("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n").done());
  EXPECT_FALSE(h.keep_alive());
  h.Reset();
  ASSERT_TRUE(h.Parse("HTTP/1.0 200 OK\r\n\r\n").done());
  EXPECT_FALSE(h.keep_alive());
}

TEST(ResponseHeaderStrictTest, Rejects) {
  EXPECT_EQ(ErrorOf("HTTP/1.1 20 OK\r\n\r\n"), ParseError::kBadStatusLine);
  EXPECT_EQ(ErrorOf("HTTP/1.1 2000 OK\r\n\r\n"), ParseError::kBadStatusLine);
  EXPECT_EQ(ErrorOf("HTTP/1.1 099 OK\r\n\r\n"), ParseError::kBadStatusLine);
  EXPECT_EQ(ErrorOf("HTTP/1.1  200 OK\r\n\r\n"), ParseError::kBadStatusLine);
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\nX: y\r\n\r\n"), ParseError::kBareLf);
  EXPECT_EQ(ErrorOf("HTTP/2.0 200 OK\r\n\r\n"),
            ParseError::kUnsupportedVersion);
  EXPECT_EQ(ErrorOf("ICY 200 OK\r\n\r\n"), ParseError::kBadVersion);
  EXPECT_EQ(
      ErrorOf(
          "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
      ParseError::kConflictingContentLength);
  EXPECT_EQ(
      ErrorOf("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: "
              "chunked\r\n\r\n"),
      ParseError::kContentLengthWithTransferEncoding);
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n"),
            ParseError::kObsFold);
}

TEST(ResponseHeaderTest, BuildAndSerialize) {
  ResponseHeader h;
  h.SetStatusCode(404);
  h.SetContentType("text/plain");
  h.SetContentLength(9);
  bytes::ByteBuffer out;
  ASSERT_EQ(h.AppendTo(out), WireError::kNone);
  EXPECT_EQ(out.view(),
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
            "Content-Length: 9\r\n\r\n");
  h.SetStatusCode(599);  // unregistered code
  out.Reset();
  ASSERT_EQ(h.AppendTo(out), WireError::kNone);
  EXPECT_EQ(out.view().substr(0, 35), "HTTP/1.1 599 Unknown Status Code\r\nC");
}

TEST(ResponseHeaderTest, StatusText) {
  EXPECT_EQ(StatusText(200), "OK");
  EXPECT_EQ(StatusText(431), "Request Header Fields Too Large");
  EXPECT_EQ(StatusText(799), "Unknown Status Code");
  EXPECT_EQ(StatusLine(503), "HTTP/1.1 503 Service Unavailable\r\n");
  EXPECT_EQ(StatusLine(42), "");
}

TEST(ResponseHeaderTest, BuildingAllocatesNothingOnceWarm) {
  ResponseHeader h;
  bytes::ByteBuffer out(1024);
  auto build = [&] {
    h.Reset();
    h.SetStatusCode(200);
    h.SetContentType("text/plain; charset=utf-8");
    h.SetContentLength(13);
    out.Reset();
    ASSERT_EQ(h.AppendTo(out), WireError::kNone);
  };
  build();
  testing::AllocationCounter count;
  for (int i = 0; i < 100; ++i) {
    build();
  }
  EXPECT_EQ(count.allocations(), 0u);
  ASSERT_TRUE(h.Parse(kOk).done());
  h.Reset();
  testing::AllocationCounter count2;
  ASSERT_TRUE(h.Parse(kOk).done());
  EXPECT_EQ(count2.allocations(), 0u);
}

}  // namespace
}  // namespace brisk::http
