#include "http/wire.h"

#include <string>

#include "gtest/gtest.h"

#include "http/chunked.h"
#include "http/message.h"

namespace brisk::http {
namespace {

using namespace std::string_view_literals;

TEST(WireTest, TokensTargetsAndValues) {
  EXPECT_TRUE(IsToken("GET"));
  EXPECT_TRUE(IsToken("X-Custom_1.2~"));
  EXPECT_FALSE(IsToken(""));
  EXPECT_FALSE(IsToken("GET\r\n"));
  EXPECT_FALSE(IsToken("A B"));
  EXPECT_FALSE(IsToken("Name:"));
  EXPECT_TRUE(IsSafeRequestTarget("/a/b?c=%0d%0a"));
  EXPECT_FALSE(IsSafeRequestTarget(""));
  EXPECT_FALSE(IsSafeRequestTarget("/a b"));
  EXPECT_FALSE(IsSafeRequestTarget("/a\r\nX: y"));
  EXPECT_FALSE(IsSafeRequestTarget("/a\0b"sv));
  EXPECT_TRUE(IsSafeFieldValue(""));
  EXPECT_TRUE(IsSafeFieldValue("text/html; q=0.5\tx \x80\xff"));
  EXPECT_FALSE(IsSafeFieldValue("a\r\nInjected: yes"));
  EXPECT_FALSE(IsSafeFieldValue("a\nb"));
  EXPECT_FALSE(IsSafeFieldValue("a\rb"));
  EXPECT_FALSE(IsSafeFieldValue("a\0b"sv));
  EXPECT_FALSE(IsSafeFieldValue("a\x7f"));
  // Past the 16-byte block the scan uses.
  EXPECT_FALSE(IsSafeFieldValue(std::string(40, 'a') + "\n"));
}

TEST(WireTest, AppendFieldWritesNothingOnError) {
  bytes::ByteBuffer out;
  EXPECT_EQ(AppendField(out, "content-type", "text/plain", true),
            WireError::kNone);
  EXPECT_EQ(out.view(), "Content-Type: text/plain\r\n");
  out.Reset();
  EXPECT_EQ(AppendField(out, "X", "a\r\nSet-Cookie: s=1", true),
            WireError::kBadFieldValue);
  EXPECT_EQ(AppendField(out, "X\r\nY", "v", false), WireError::kBadFieldName);
  EXPECT_EQ(AppendField(out, "", "v", false), WireError::kBadFieldName);
  EXPECT_TRUE(out.empty());
}

TEST(WireTest, StatusLines) {
  bytes::ByteBuffer out;
  EXPECT_EQ(AppendStatusLine(out, 1, 200, ""), WireError::kNone);
  EXPECT_EQ(AppendStatusLine(out, 0, 404, ""), WireError::kNone);
  EXPECT_EQ(AppendStatusLine(out, 1, 299, "Fine"), WireError::kNone);
  EXPECT_EQ(out.view(),
            "HTTP/1.1 200 OK\r\nHTTP/1.0 404 Not Found\r\nHTTP/1.1 299 "
            "Fine\r\n");
  out.Reset();
  EXPECT_EQ(AppendStatusLine(out, 1, 200, "OK\r\nX: y"), WireError::kBadReason);
  EXPECT_EQ(AppendStatusLine(out, 1, 99, ""), WireError::kBadStatus);
  EXPECT_EQ(AppendStatusLine(out, 1, 1000, ""), WireError::kBadStatus);
  EXPECT_TRUE(out.empty());
}

TEST(WireTest, RequestRefusesEveryUnsafePart) {
  struct Case {
    std::string method, target, name, value;
    WireError want;
  };
  const Case cases[] = {
      {"GET\r\nX: y", "/", "A", "b", WireError::kBadMethod},
      {"G T", "/", "A", "b", WireError::kBadMethod},
      {"GET", "/a\r\nInjected: yes", "A", "b", WireError::kBadTarget},
      {"GET", "/a b", "A", "b", WireError::kBadTarget},
      {"GET", "/", "X\r\nInjected", "yes", WireError::kBadFieldName},
      {"GET", "/", "X", "a\r\nInjected: yes", WireError::kBadFieldValue},
      {"GET", "/", "X", std::string("a\0b", 3), WireError::kBadFieldValue},
  };
  for (const Case& c : cases) {
    Request req;
    req.header().SetMethod(c.method);
    req.header().SetRequestUri(c.target);
    req.header().Set("Host", "h");
    req.header().Add(c.name, c.value);
    bytes::ByteBuffer out;
    out.Append("before");
    EXPECT_EQ(req.AppendTo(out), c.want) << c.method << c.target << c.name;
    EXPECT_EQ(out.view(), "before");
  }
}

TEST(WireTest, ResponseRefusesUnsafeFields) {
  Response resp;
  resp.SetStatusCode(200);
  resp.header().Set("Location", "/x\r\nSet-Cookie: admin=1");
  bytes::ByteBuffer out;
  EXPECT_EQ(resp.AppendTo(out), WireError::kBadFieldValue);
  EXPECT_TRUE(out.empty());
}

// A caller's framing fields never reach the wire: the body goes whole with
// its own length.
TEST(WireTest, RequestFramingIsTheSerializers) {
  for (std::string_view te : {"chunked", "gzip", "gzip, chunked"}) {
    Request req;
    req.header().SetMethod("POST");
    req.header().SetRequestUri("/");
    req.header().Set("Host", "h");
    req.header().Set("Transfer-Encoding", te);
    req.SetBody("0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n");
    bytes::ByteBuffer out;
    ASSERT_EQ(req.AppendTo(out), WireError::kNone);
    Request back;
    ASSERT_TRUE(back.Parse(out.view()).done()) << out.view();
    EXPECT_FALSE(back.header().fields().Has("Transfer-Encoding")) << te;
    EXPECT_EQ(back.header().content_length(),
              static_cast<int64_t>(req.body().size()));
    EXPECT_EQ(back.body(), req.body());
  }
  // Content-Type has a setter on requests as on responses.
  Request typed;
  typed.header().SetMethod("POST");
  typed.header().Set("Host", "h");
  typed.SetContentType("application/json");
  typed.SetBody("{}");
  bytes::ByteBuffer typed_out;
  ASSERT_EQ(typed.AppendTo(typed_out), WireError::kNone);
  EXPECT_EQ(typed.header().content_type(), "application/json");
  EXPECT_NE(typed_out.view().find("Content-Type: application/json\r\n"),
            std::string_view::npos);
  // A POST without a body still says so.
  Request empty;
  empty.header().SetMethod("POST");
  empty.header().Set("Host", "h");
  bytes::ByteBuffer out;
  ASSERT_EQ(empty.AppendTo(out), WireError::kNone);
  EXPECT_NE(out.view().find("Content-Length: 0\r\n"), std::string_view::npos);
}

TEST(WireTest, ResponseFramingIsTheSerializers) {
  Response resp;
  resp.SetStatusCode(200);
  resp.header().Set("Transfer-Encoding", "chunked");
  resp.SetBody("hello");
  bytes::ByteBuffer out;
  ASSERT_EQ(resp.AppendTo(out), WireError::kNone);
  Response back;
  ASSERT_TRUE(back.Parse(out.view(), false).done()) << out.view();
  EXPECT_FALSE(back.header().fields().Has("Transfer-Encoding"));
  EXPECT_EQ(back.body(), "hello");
  // 204 carries neither a length nor a body.
  Response none;
  none.SetStatusCode(204);
  none.header().Set("Content-Length", "5");
  none.SetBody("hello");
  out.Reset();
  ASSERT_EQ(none.AppendTo(out), WireError::kNone);
  EXPECT_EQ(out.view().find("Content-Length"), std::string_view::npos);
  EXPECT_EQ(out.view().find("hello"), std::string_view::npos);
}

TEST(WireTest, UnsafeTrailerIsRefused) {
  HeaderFields trailers;
  trailers.Add("X-Sum", "1\r\n\r\nHTTP/1.1 200 OK");
  bytes::ByteBuffer out;
  EXPECT_EQ(AppendLastChunk(out, &trailers), WireError::kBadFieldValue);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace brisk::http
