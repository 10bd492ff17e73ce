#include "server/internal/response_writer.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace brisk::server::server_internal {
namespace {

using Framing = ResponseWriter::Framing;

class ResponseWriterTest : public ::testing::Test {
 protected:
  ResponseWriter Writer() {
    return ResponseWriter(options_,
                          [this](std::string_view l) { log_.emplace_back(l); });
  }
  // The head without the Date line (it changes every second).
  static std::string Head(const bytes::ByteBuffer& out) {
    std::string s(out.view());
    size_t d = s.find("Date: ");
    if (d != std::string::npos) {
      s.erase(d, s.find("\r\n", d) + 2 - d);
    }
    return s;
  }
  ServerOptions options_{.idle_timeout = absl::Seconds(7)};
  std::vector<std::string> log_;
};

TEST_F(ResponseWriterTest, FramingAndConnectionFieldsAreTheServers) {
  ResponseWriter w = Writer();
  http::Response r;
  r.SetStatusCode(200);
  r.header().Set("Content-Length", "999");
  r.header().Set("Transfer-Encoding", "chunked");
  r.header().Set("Connection", "upgrade");
  r.SetBody("hello");
  bytes::ByteBuffer out;
  ASSERT_EQ(w.AppendResponse(r, false, true, 1, out), http::WireError::kNone);
  EXPECT_EQ(Head(out),
            "HTTP/1.1 200 OK\r\nServer: brisk\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 5\r\nKeep-Alive: timeout=7\r\n\r\nhello");
  out.Reset();
  ASSERT_EQ(w.AppendResponse(r, false, false, 0, out), http::WireError::kNone);
  EXPECT_NE(Head(out).find("Connection: close\r\n"), std::string::npos);
  out.Reset();
  // HTTP/1.0 keep-alive says so.
  ASSERT_EQ(w.AppendResponse(r, false, true, 0, out), http::WireError::kNone);
  EXPECT_NE(Head(out).find("Connection: keep-alive\r\n"), std::string::npos);
}

TEST_F(ResponseWriterTest, UpgradeIsA101ThatNamesItsProtocol) {
  ResponseWriter w = Writer();
  http::Response r;
  r.SetStatusCode(101);
  r.header().Set("Upgrade", "websocket");
  r.header().Set("Connection", "close");  // the server's field
  r.header().Set("Content-Length", "5");  // the server's field
  r.header().Set("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  r.SetBody("hello");  // a 101 has no body
  bytes::ByteBuffer out;
  ASSERT_EQ(w.AppendResponse(r, false, true, 1, out, Framing::kUpgrade),
            http::WireError::kNone);
  EXPECT_EQ(Head(out),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            "Sec-Websocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
            "Server: brisk\r\nConnection: upgrade\r\n\r\n");
  // Without an Upgrade field, to an HTTP/1.0 request, or as an ordinary
  // answer, a 101 is refused.
  out.Reset();
  EXPECT_EQ(w.AppendResponse(r, false, true, 0, out, Framing::kUpgrade),
            http::WireError::kBadStatus);
  EXPECT_EQ(w.AppendResponse(r, false, true, 1, out),
            http::WireError::kBadStatus);
  r.header().Del("Upgrade");
  EXPECT_EQ(w.AppendResponse(r, false, true, 1, out, Framing::kUpgrade),
            http::WireError::kBadStatus);
  EXPECT_TRUE(out.empty());
  // AppendChecked answers 500 instead, and the connection closes.
  bool keep = true;
  EXPECT_EQ(w.AppendChecked(r, false, keep, 1, out, Framing::kUpgrade),
            http::WireError::kBadStatus);
  EXPECT_FALSE(keep);
  EXPECT_EQ(Head(out).substr(0, 36), "HTTP/1.1 500 Internal Server Error\r\n");
  EXPECT_NE(Head(out).find("Connection: close\r\n"), std::string::npos);
  // Any other status is not an upgrade.
  r.Reset();
  r.SetStatusCode(200);
  out.Reset();
  EXPECT_EQ(w.AppendResponse(r, false, true, 1, out, Framing::kUpgrade),
            http::WireError::kBadStatus);
}

TEST_F(ResponseWriterTest, HeadStreamsAndNoBodyStatuses) {
  ResponseWriter w = Writer();
  http::Response r;
  r.SetStatusCode(200);
  r.header().SetContentLength(42);  // a HEAD handler states the length
  bytes::ByteBuffer out;
  ASSERT_EQ(w.AppendResponse(r, true, true, 1, out), http::WireError::kNone);
  EXPECT_NE(Head(out).find("Content-Length: 42\r\n"), std::string::npos);
  out.Reset();
  ASSERT_EQ(w.AppendHead(r, false, true, 1, Framing::kChunked, out),
            http::WireError::kNone);
  EXPECT_NE(Head(out).find("Transfer-Encoding: chunked\r\n"),
            std::string::npos);
  for (int code : {204, 304}) {
    http::Response none;
    none.SetStatusCode(code);
    none.SetBody("not sent");
    out.Reset();
    ASSERT_EQ(w.AppendResponse(none, false, true, 1, out),
              http::WireError::kNone);
    EXPECT_EQ(Head(out).find("Content-Length"), std::string::npos) << code;
    EXPECT_EQ(Head(out).find("not sent"), std::string::npos) << code;
  }
}

TEST_F(ResponseWriterTest, UnsafeResponsesBecome500) {
  ResponseWriter w = Writer();
  http::Response r;
  r.SetStatusCode(200);
  r.header().Set("X", "a\r\nSet-Cookie: s=1");
  bytes::ByteBuffer out;
  bool keep = true;
  EXPECT_EQ(w.AppendChecked(r, false, keep, 1, out),
            http::WireError::kBadFieldValue);
  EXPECT_TRUE(keep);
  EXPECT_EQ(Head(out).rfind("HTTP/1.1 500 ", 0), 0u) << Head(out);
  EXPECT_EQ(Head(out).find("Set-Cookie"), std::string::npos);
  ASSERT_EQ(log_.size(), 1u);
  // A 1xx as the final answer is refused too.
  http::Response interim;
  interim.SetStatusCode(103);
  out.Reset();
  EXPECT_EQ(w.AppendResponse(interim, false, true, 1, out),
            http::WireError::kBadStatus);
  EXPECT_TRUE(out.empty());
}

TEST_F(ResponseWriterTest, ErrorHandlerShapesErrorsAndCannotBreakThem) {
  options_.error_handler = [](const ErrorInfo& info, http::Response& resp) {
    if (info.status == 400) {
      resp.SetContentType("application/json");
      resp.SetBody("{\"status\":400}");
    } else if (info.status == 500) {
      resp.header().Set("X-Bad", "a\nb");  // unsafe: a fixed 500 goes out
    } else {
      throw std::runtime_error("handler bug");
    }
  };
  ResponseWriter w = Writer();
  http::Response r;
  w.FillError(r, 400, http::ParseError::kBareLf, "bare LF");
  EXPECT_EQ(r.body(), "{\"status\":400}");
  w.FillError(r, 408, http::ParseError::kNone, "timeout");
  EXPECT_EQ(r.body(), "timeout\n");  // the default, after a logged throw
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_NE(log_[0].find("error_handler threw"), std::string::npos);
  // The handler makes the 500 unsafe as well: the fixed answer, and close.
  http::Response bad;
  bad.SetStatusCode(200);
  bad.header().Set("X", "\r");
  bytes::ByteBuffer out;
  bool keep = true;
  (void)w.AppendChecked(bad, false, keep, 1, out);
  EXPECT_FALSE(keep);
  EXPECT_EQ(out.view(),
            "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n");
}

}  // namespace
}  // namespace brisk::server::server_internal
