// The server's answers must not depend on how TCP split the bytes: each
// conversation below goes through a real socket in one write, split in two
// at every byte offset, and one byte per write, and every transcript must
// equal the one-write transcript.

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"

#include "server/server_test_util.h"
#include "testing/raw_conn.h"

namespace brisk::server {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

// Every conversation ends with the server closing the connection (a request
// with "Connection: close" or an error), so a transcript is all bytes until
// EOF.
std::vector<std::string> Conversations() {
  const std::string close_get =
      "GET /last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
  const std::string chunked_head =
      "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  // A chunk whose data is a whole request: split anywhere, it stays data.
  const std::string inner =
      "\r\nPOST /smuggled HTTP/1.1\r\nHost: a\r\nContent-Length: 17\r\n\r\n"
      "0123456789abcdef";
  const std::string lookalike = "GET /no HTTP/1.1\r\nHost: a\r\n\r\nxxxx";
  return {
      // Chunked with extensions, several chunks and trailers.
      chunked_head + "4;ext=1\r\nWiki\r\n5;a=\"b c\"\r\npedia\r\n" +
          "e\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: t\r\nY: 2\r\n\r\n" +
          close_get,
      // The reported smuggling case: a chunk that looks like a request.
      chunked_head + absl::StrCat(absl::Hex(inner.size())) + "\r\n" + inner +
          "\r\n0\r\n\r\n" + close_get,
      // Pipelined mix of bodiless, Content-Length and chunked requests.
      "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
      "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world"
      "POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n"
      "GET /4?q=1 HTTP/1.1\r\nHost: a\r\n\r\n" +
          close_get,
      // A Content-Length body that looks like a request.
      absl::StrCat("POST /cl HTTP/1.1\r\nHost: a\r\nContent-Length: ",
                   lookalike.size(), "\r\n\r\n", lookalike, close_get),
      // 100-continue (the interim answer depends on timing; it is removed
      // from the transcripts before they are compared).
      "POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
      "Content-Length: 5\r\n\r\nhello" +
          close_get,
      // Empty lines before a request line are skipped.
      "\r\n\r\nGET /lead HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
      // HTTP/1.0 with a body: the connection closes after it.
      "POST /old HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc",
      // Errors: a bad chunk size, Content-Length with Transfer-Encoding, a
      // bare LF, and data not followed by CRLF.
      chunked_head + "5\r\nhello\r\nzz\r\n",
      "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      "GET /lf HTTP/1.1\nHost: a\r\n\r\n",
      chunked_head + "3\r\nabcX\r\n0\r\n\r\n",
  };
}

// All bytes until the server closes, with the fields that change between
// runs (Date) and the timing-dependent 100 Continue removed.
std::string Transcript(uint16_t port, const std::vector<std::string>& parts,
                       microseconds pause) {
  testing::RawConn c;
  if (!c.Connect(port)) {
    return "<connect failed>";
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      std::this_thread::sleep_for(pause);
    }
    if (!c.Send(parts[i])) {
      break;  // the server answered an error and closed early
    }
  }
  if (!c.ReadUntilClose(milliseconds(5000))) {
    return "<no close>" + c.buffer();
  }
  std::string t = c.buffer();
  t = absl::StrReplaceAll(t, {{"HTTP/1.1 100 Continue\r\n\r\n", ""}});
  for (size_t p = t.find("Date: "); p != std::string::npos;
       p = t.find("Date: ", p)) {
    t.erase(p, t.find("\r\n", p) + 2 - p);
  }
  return t;
}

TEST(SegmentationTest, SplitAtEveryOffsetAnswersAsOneWrite) {
  TestServer ts({.read_buffer_bytes = 64}, Describe);
  int splits = 0;
  for (const std::string& conv : Conversations()) {
    const std::string whole = Transcript(ts.port(), {conv}, microseconds(0));
    ASSERT_NE(whole.find("HTTP/1.1"), std::string::npos) << conv;
    for (size_t cut = 1; cut < conv.size(); ++cut) {
      std::string split = Transcript(
          ts.port(), {conv.substr(0, cut), conv.substr(cut)}, milliseconds(2));
      ASSERT_EQ(split, whole) << "split at " << cut << " of:\n" << conv;
      ++splits;
    }
  }
  EXPECT_GT(splits, 1000);
  std::printf("%d splits of %zu conversations, all answered as one write\n",
              splits, Conversations().size());
}

// A server that streams bodies over 8 bytes to a coroutine handler reading
// them piece by piece (a plain handler for /p...: it sees body_streamed()).
ServerOptions Streaming() {
  return {.read_buffer_bytes = 64,
          .max_request_body_bytes = 8,
          .stream_request_body = true};
}

void StreamingHandler(RequestCtx& ctx) {
  if (ctx.request().header().request_uri().substr(0, 2) == "/p") {
    Describe(ctx);
  } else {
    ctx.Continue(DescribeStreamed(ctx));
  }
}

// The conversations above plus ones for the streaming switch: a
// Content-Length body over the limit with a request pipelined behind, a
// chunked body crossing the limit in the middle of a chunk, and a plain
// handler given a streamed body.
std::vector<std::string> StreamingConversations() {
  std::vector<std::string> all = Conversations();
  const std::string close_get =
      "GET /last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
  all.push_back(
      "POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\n\r\n"
      "0123456789012345678901234567890123456789" +
      close_get);
  all.push_back(
      "POST /cross HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nabcde\r\nc\r\nfghijklmnopq\r\n3;x=y\r\nrst\r\n0\r\nT: 1\r\n\r\n" +
      close_get);
  all.push_back(
      "POST /plain HTTP/1.1\r\nHost: a\r\nContent-Length: 20\r\n\r\n"
      "01234567890123456789");
  return all;
}

TEST(SegmentationTest, StreamedBodiesSplitAtEveryOffsetAnswerAsOneWrite) {
  TestServer ts(Streaming(), StreamingHandler);
  int splits = 0;
  for (const std::string& conv : StreamingConversations()) {
    const std::string whole = Transcript(ts.port(), {conv}, microseconds(0));
    ASSERT_NE(whole.find("HTTP/1.1"), std::string::npos) << conv;
    for (size_t cut = 1; cut < conv.size(); ++cut) {
      std::string split = Transcript(
          ts.port(), {conv.substr(0, cut), conv.substr(cut)}, milliseconds(2));
      ASSERT_EQ(split, whole) << "split at " << cut << " of:\n" << conv;
      ++splits;
    }
    std::vector<std::string> bytes;
    for (char ch : conv) {
      bytes.emplace_back(1, ch);
    }
    EXPECT_EQ(Transcript(ts.port(), bytes, microseconds(100)), whole) << conv;
  }
  EXPECT_GT(splits, 1000);
  std::printf(
      "streaming server: %d splits of %zu conversations, all answered "
      "as one write\n",
      splits, StreamingConversations().size());
}

TEST(SegmentationTest, OneBytePerWriteAnswersAsOneWrite) {
  TestServer ts({.read_buffer_bytes = 64}, Describe);
  for (const std::string& conv : Conversations()) {
    const std::string whole = Transcript(ts.port(), {conv}, microseconds(0));
    std::vector<std::string> bytes;
    for (char ch : conv) {
      bytes.emplace_back(1, ch);
    }
    EXPECT_EQ(Transcript(ts.port(), bytes, microseconds(100)), whole) << conv;
  }
}

// Connections a handler takes over (RequestCtx::Hijack): the response goes
// first, then every byte after the request — and after its body — is the
// new protocol's, in order, whatever the split; none is parsed as HTTP.
std::vector<std::string> HijackConversations() {
  return {
      "GET /up HTTP/1.1\r\nHost: a\r\nUpgrade: echo\r\n"
      "Connection: upgrade\r\n\r\nhello GET /x HTTP/1.1\r\n\r\nQUIT",
      // An earlier pipelined request is answered first.
      "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /up HTTP/1.1\r\nHost: a\r\n\r\n"
      "0\r\n\r\nQUIT",
      // A body is the request's, what follows it the protocol's: whole in
      // the header's buffer, spilled beyond it, chunked.
      "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nabcde"
      "GET /QUIT",
      "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n" +
          std::string(100, 'b') + "tail QUIT",
      "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\n\r\nxyzQUIT",
      // Any response may precede a hijack (it says Connection: close).
      "GET /take HTTP/1.1\r\nHost: a\r\n\r\nrawQUIT",
  };
}

TEST(SegmentationTest, HijackedStreamsSplitAnywhereLoseNothing) {
  TestServer ts({.read_buffer_bytes = 64}, DescribeOrHijack);
  for (const std::string& conv : HijackConversations()) {
    const std::string whole = Transcript(ts.port(), {conv}, microseconds(0));
    // The response, then the protocol's bytes from the first after the
    // request, then the handler's goodbye.
    ASSERT_NE(whole.find("<bye>"), std::string::npos) << whole;
    EXPECT_EQ(whole.substr(whole.size() - 9), "QUIT<bye>") << whole;
    EXPECT_EQ(whole.find("<OUT_OF_RANGE>"), std::string::npos) << whole;
    for (size_t cut = 1; cut < conv.size(); ++cut) {
      std::string split = Transcript(
          ts.port(), {conv.substr(0, cut), conv.substr(cut)}, milliseconds(2));
      ASSERT_EQ(split, whole) << "split at " << cut << " of:\n" << conv;
    }
    std::vector<std::string> bytes;
    for (char ch : conv) {
      bytes.emplace_back(1, ch);
    }
    EXPECT_EQ(Transcript(ts.port(), bytes, microseconds(100)), whole) << conv;
  }
  // The whole transcripts, checked byte for byte once.
  EXPECT_EQ(Transcript(ts.port(), {HijackConversations()[0]}, microseconds(0)),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\n"
            "Server: brisk\r\nConnection: upgrade\r\n\r\n"
            "hello GET /x HTTP/1.1\r\n\r\nQUIT<bye>");
  EXPECT_EQ(Transcript(ts.port(), {HijackConversations()[3]}, microseconds(0)),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\n"
            "Server: brisk\r\nConnection: upgrade\r\n\r\n"
            "tail QUIT<bye>");
  EXPECT_EQ(Transcript(ts.port(), {HijackConversations()[5]}, microseconds(0)),
            "HTTP/1.1 200 OK\r\nServer: brisk\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 5\r\nConnection: close\r\n\r\ntakenrawQUIT<bye>");
}

// The reproduction from the report: one write gives one answer, the same
// bytes split after the chunk-size digit must not give two.
TEST(SegmentationTest, ChunkSizeSplitFromItsLineDoesNotSmuggle) {
  TestServer ts({}, Describe);
  const std::string inner =
      "\r\nPOST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 17\r\n\r\n"
      "0123456789abcdefg";
  const std::string body =
      absl::StrCat(absl::Hex(inner.size())) + "\r\n" + inner + "\r\n0\r\n\r\n";
  const std::string head =
      "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
      "Connection: close\r\n\r\n";
  const std::string whole =
      Transcript(ts.port(), {head + body}, microseconds(0));
  const std::string split = Transcript(
      ts.port(), {head + body.substr(0, 1), body.substr(1)}, milliseconds(300));
  EXPECT_EQ(split, whole);
  EXPECT_EQ(split.find("/echo [17]"), std::string::npos);
  size_t answers = 0;
  for (size_t p = split.find("HTTP/1.1 "); p != std::string::npos;
       p = split.find("HTTP/1.1 ", p + 1)) {
    ++answers;
  }
  EXPECT_EQ(answers, 1u) << split;
}

}  // namespace
}  // namespace brisk::server
