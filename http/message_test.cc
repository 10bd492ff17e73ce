#include "http/message.h"

#include <string>

#include "gtest/gtest.h"

#include "bytes/byte_buffer_pool.h"
#include "http/testdata/messages.h"
#include "testing/counting_allocator.h"

namespace brisk::http {
namespace {

TEST(RequestTest, ParsesHeaderAndBody) {
  Request req;
  std::string raw =
      "POST /form?x=1 HTTP/1.1\r\nHost: example.com\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: 13\r\n\r\nname=a+b&id=7GET";
  ParseResult r = req.Parse(raw);
  ASSERT_TRUE(r.done()) << ToString(r.error);
  EXPECT_EQ(raw.substr(r.consumed), "GET");
  EXPECT_EQ(req.body(), "name=a+b&id=7");
  EXPECT_EQ(req.PostArgs().Peek("name"), "a b");
  EXPECT_EQ(req.uri().path(), "/form");
  EXPECT_EQ(req.uri().host(), "example.com");
  EXPECT_EQ(req.uri().query_args().Peek("x"), "1");
  EXPECT_EQ(req.uri_error(), ParseError::kNone);
}

TEST(RequestTest, ChunkedBodyAndIncomplete) {
  Request req;
  std::string raw =
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\n\r\n";
  for (size_t n = 0; n < raw.size(); ++n) {
    req.Reset();
    ASSERT_TRUE(req.Parse(std::string_view(raw).substr(0, n)).incomplete())
        << n;
  }
  req.Reset();
  ASSERT_TRUE(req.Parse(raw).done());
  EXPECT_EQ(req.body(), "abc");
}

TEST(RequestTest, BodyLimit) {
  Request req;
  ParseResult r = req.Parse(
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n", 10);
  ASSERT_TRUE(r.failed());
  EXPECT_EQ(r.error, ParseError::kBodyTooLarge);
}

TEST(RequestTest, BuildsAndSerializesWithContentLength) {
  Request req;
  req.header().SetMethod("PUT");
  req.header().SetRequestUri("/item/1");
  req.header().Set("Host", "api");
  req.SetBody("{\"a\":1}");
  bytes::ByteBuffer out;
  ASSERT_EQ(req.AppendTo(out), WireError::kNone);
  EXPECT_EQ(out.view(),
            "PUT /item/1 HTTP/1.1\r\nHost: api\r\nContent-Length: 7\r\n\r\n"
            "{\"a\":1}");
}

TEST(RequestTest, CopyToIsDeep) {
  std::string raw =
      "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi";
  Request req;
  ASSERT_TRUE(req.Parse(raw).done());
  Request copy;
  req.CopyTo(copy);
  raw.assign(raw.size(), '#');
  req.Reset();
  EXPECT_EQ(copy.body(), "hi");
  EXPECT_EQ(copy.header().request_uri(), "/a");
  EXPECT_EQ(copy.uri().path(), "/a");
}

TEST(RequestTest, LargeBodyGoesBackToThePoolOnReset) {
  bytes::ByteBufferPool& pool = bytes::ByteBufferPool::Default();
  Request req;
  req.SetBody(std::string(kMaxRetainedBodyBytes * 2, 'x'));
  const char* big = req.body().data();
  size_t idle_before = pool.idle();
  req.Reset();
  EXPECT_EQ(pool.idle(), idle_before + 1);
  bytes::ByteBuffer b = pool.Get();  // LIFO: the buffer the request gave back
  EXPECT_EQ(b.data(), big);
  pool.Put(std::move(b));

  req.body_buffer() = bytes::ByteBuffer(128);  // not from the shared pool
  req.SetBody("small");
  const char* small = req.body().data();
  idle_before = pool.idle();
  req.Reset();
  EXPECT_EQ(pool.idle(), idle_before) << "small bodies stay with the request";
  req.SetBody("again");
  EXPECT_EQ(req.body().data(), small);
}

TEST(ResponseTest, ParsesAndSerializes) {
  Response resp;
  std::string raw = std::string(testdata::kNginxResponse) + "Hello, World!";
  ASSERT_TRUE(resp.Parse(raw, false).done());
  EXPECT_EQ(resp.status_code(), 200);
  EXPECT_EQ(resp.body(), "Hello, World!");
  Response head;
  ParseResult r = head.Parse(testdata::kNginxResponse, /*head_request=*/true);
  ASSERT_TRUE(r.done());
  EXPECT_EQ(head.body(), "");
}

TEST(ResponseTest, UntilCloseStaysIncomplete) {
  Response resp;
  EXPECT_TRUE(
      resp.Parse("HTTP/1.1 200 OK\r\n\r\nsome bytes", false).incomplete());
}

TEST(ResponseTest, BuildSetsContentLengthAndHeadOmitsBody) {
  Response resp;
  resp.SetStatusCode(200);
  resp.SetContentType("text/plain");
  resp.SetBody("Hello, World!");
  bytes::ByteBuffer out;
  ASSERT_EQ(resp.AppendTo(out), WireError::kNone);
  EXPECT_EQ(out.view(),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
            "Content-Length: 13\r\n\r\nHello, World!");
  out.Reset();
  ASSERT_EQ(resp.AppendTo(out, /*head_request=*/true), WireError::kNone);
  EXPECT_EQ(out.view(),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
            "Content-Length: 13\r\n\r\n");
  Response none;
  none.SetStatusCode(304);
  none.SetBody("ignored");
  out.Reset();
  ASSERT_EQ(none.AppendTo(out), WireError::kNone);
  EXPECT_EQ(out.view(), "HTTP/1.1 304 Not Modified\r\n\r\n");
}

TEST(MessageTest, ParseAndSerializeTypicalRequestAndResponseAllocateNothing) {
  // The allocation proof: a warm Request and Response parse and
  // re-serialize a typical exchange with zero allocations.
  Request req;
  Response resp;
  bytes::ByteBuffer out(4096);
  std::string request(testdata::kBrowserGet);
  std::string response =
      std::string(testdata::kNginxResponse) + "Hello, World!";
  auto exchange = [&] {
    req.Reset();
    ASSERT_TRUE(req.Parse(request).done());
    (void)req.uri().path();
    out.Reset();
    ASSERT_EQ(req.AppendTo(out), WireError::kNone);
    resp.Reset();
    ASSERT_TRUE(resp.Parse(response, false).done());
    out.Reset();
    ASSERT_EQ(resp.AppendTo(out), WireError::kNone);
  };
  exchange();
  exchange();
  testing::AllocationCounter count;
  for (int i = 0; i < 100; ++i) {
    exchange();
  }
  EXPECT_EQ(count.allocations(), 0u);
}

}  // namespace
}  // namespace brisk::http
