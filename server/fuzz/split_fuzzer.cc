// Drives brisk's real server — sockets, loop, worker, parsers — with bytes
// and split points chosen by the fuzzer. The stream is sent on one
// connection in one write and on another in pieces (with pauses, so the
// server reads them separately); both are half-closed and read to the end.
// The two transcripts must be identical: the answer never depends on where
// TCP split the bytes. Twice: a server that buffers bodies, and one that
// streams those over 8 bytes to a coroutine handler reading them piece by
// piece (a plain handler there, for paths starting with /p, gets 413).
//
// Input: byte 0 = number of cuts (mod 4), then one byte per cut (its offset
// as a fraction of the stream), then the stream.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "server/server.h"
#include "server/server_test_util.h"
#include "testing/raw_conn.h"

namespace {

using brisk::server::RequestCtx;

using brisk::server::Describe;
using brisk::server::DescribeStreamed;

brisk::server::Server* Start(bool stream) {
  brisk::server::ServerOptions o;
  o.threads = 1;
  o.read_buffer_bytes = 64;  // small: bodies spill across reads
  o.header_read_timeout = absl::Seconds(2);
  o.body_read_timeout = absl::Seconds(2);
  o.linger_timeout = absl::Milliseconds(200);
  o.logger = [](std::string_view) {};
  brisk::server::Handler h = Describe;
  if (stream) {
    o.stream_request_body = true;
    o.max_request_body_bytes = 8;
    h = [](RequestCtx& ctx) {
      if (ctx.request().header().request_uri().substr(0, 2) == "/p") {
        Describe(ctx);
      } else {
        ctx.Continue(DescribeStreamed(ctx));
      }
    };
  }
  auto* s = new brisk::server::Server(o, std::move(h));
  if (!s->Listen("127.0.0.1:0").ok()) {
    std::fprintf(stderr, "split_fuzzer: cannot listen\n");
    std::abort();
  }
  s->Start();  // runs until the process exits
  return s;
}

brisk::server::Server& TheServer(bool stream) {
  static brisk::server::Server* buffering = Start(false);
  static brisk::server::Server* streaming = Start(true);
  return stream ? *streaming : *buffering;
}

// Everything the server sent until it closed, Date and the timing-dependent
// 100 Continue removed.
std::string Transcript(bool stream,
                       const std::vector<std::string_view>& parts) {
  // Four connections per input, each leaving a socket in TIME_WAIT for a
  // minute: spread over 64 source addresses, or a long run uses up the
  // ephemeral ports (connect fails, or reuses a port mid-close).
  static uint8_t source = 0;
  source = static_cast<uint8_t>(source % 64 + 1);
  brisk::testing::RawConn c;
  if (!c.Connect(TheServer(stream).port(), source)) {
    std::fprintf(stderr, "split_fuzzer: connect: %s\n", std::strerror(errno));
    std::abort();
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (!c.Send(parts[i])) {
      break;  // the server answered an error and closed
    }
  }
  c.ShutdownWrite();
  if (!c.ReadUntilClose(std::chrono::seconds(8))) {
    std::string sizes;
    for (std::string_view p : parts) {
      sizes += std::to_string(p.size()) + " ";
    }
    brisk::testing::RawConn probe;
    const bool alive = probe.Connect(TheServer(stream).port()) &&
                       probe.Send("GET /probe HTTP/1.1\r\nHost: a\r\n\r\n") &&
                       probe.ReadUntil("\r\n\r\n", std::chrono::seconds(2));
    const brisk::server::ServerStats st = TheServer(stream).stats();
    std::fprintf(stderr,
                 "split_fuzzer (%s server): the server did not close; parts "
                 "%s; got %zu bytes:\n%s\n--- a new connection %s; open %llu, "
                 "timeouts %llu\n",
                 stream ? "streaming" : "buffering", sizes.c_str(),
                 c.buffer().size(), c.buffer().c_str(),
                 alive ? "is answered" : "is NOT answered",
                 static_cast<unsigned long long>(st.open_connections),
                 static_cast<unsigned long long>(st.timeouts));
    std::abort();
  }
  std::string t = c.buffer();
  const std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
  for (size_t p = t.find(cont); p != std::string::npos; p = t.find(cont, p)) {
    t.erase(p, cont.size());
  }
  for (size_t p = t.find("\r\nDate: "); p != std::string::npos;
       p = t.find("\r\nDate: ", p)) {
    t.erase(p, t.find("\r\n", p + 2) - p);
  }
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) {
    return 0;
  }
  const size_t cuts = data[0] % 4;
  if (size < 1 + cuts) {
    return 0;
  }
  std::string_view stream(reinterpret_cast<const char*>(data + 1 + cuts),
                          size - 1 - cuts);
  if (stream.empty()) {
    return 0;
  }
  std::vector<size_t> at;
  for (size_t i = 0; i < cuts; ++i) {
    at.push_back(1 + data[1 + i] * (stream.size() - 1) / 256);
  }
  std::sort(at.begin(), at.end());
  at.erase(std::unique(at.begin(), at.end()), at.end());
  std::vector<std::string_view> pieces;
  size_t prev = 0;
  for (size_t a : at) {
    if (a > prev && a < stream.size()) {
      pieces.push_back(stream.substr(prev, a - prev));
      prev = a;
    }
  }
  pieces.push_back(stream.substr(prev));
  for (bool streaming : {false, true}) {
    const std::string whole = Transcript(streaming, {stream});
    const std::string split = Transcript(streaming, pieces);
    if (whole != split) {
      std::fprintf(stderr,
                   "split_fuzzer (%s server): answers differ\n--- whole:\n%s\n"
                   "--- split:\n%s\n",
                   streaming ? "streaming" : "buffering", whole.c_str(),
                   split.c_str());
      std::abort();
    }
  }
  return 0;
}
