// Shared by the server's tests: a server on 127.0.0.1:0 and a response
// reader over testing::RawConn.

#ifndef BRISK_SERVER_SERVER_TEST_UTIL_H_
#define BRISK_SERVER_SERVER_TEST_UTIL_H_

#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"

#include "http/message.h"
#include "server/server.h"
#include "testing/raw_conn.h"
#include "testing/tls_certs.h"
#include "tls/context.h"

namespace brisk::server {

// One response read from a raw connection, copied out of its buffer.
struct Reply {
  bool ok = false;  // a complete response arrived
  int status = 0;
  std::string head;  // status line and fields
  std::string body;

  // Value of the first field `name` (case-insensitive), or "".
  std::string Header(std::string_view name) const;
  bool Has(std::string_view name) const;
};

// Reads one response (bounded wait). `head_request`: no body follows.
Reply ReadReply(testing::RawConn& conn, bool head_request = false);

// Sends `request` on a new connection and reads one response.
Reply RoundTrip(uint16_t port, std::string_view request);

inline std::string Get(std::string_view path,
                       std::string_view extra_fields = "") {
  return std::string("GET ") + std::string(path) + " HTTP/1.1\r\nHost: t\r\n" +
         std::string(extra_fields) + "\r\n";
}

// Answers with everything the server understood of the request,
// "METHOD target [n] body", so a difference in parsing shows in a
// transcript.
void Describe(RequestCtx& ctx);
// The whole body read through ReadBodyPiece (streamed or buffered), or the
// first error.
boost::asio::awaitable<absl::StatusOr<std::string>> ReadWholeBody(
    RequestCtx& ctx);
// Describe for a coroutine handler: the body through ReadWholeBody; a read
// error is answered 400 with its status.
Task DescribeStreamed(RequestCtx& ctx);

// What a handler's co_await returned, handed to the test thread (the first
// Set counts; the test thread gets its own copy, code and message).
class Seen {
 public:
  void Set(absl::Status s);
  // Bounded wait (10 s); DeadlineExceeded("the handler never got there")
  // if nothing was set.
  absl::Status Get();

 private:
  std::mutex mu_;
  bool set_ = false;
  std::promise<absl::Status> promise_;
};

// A hijack handler (RequestCtx::Hijack) that echoes what comes, in pieces
// of up to 7 bytes, until the stream holds "QUIT" (then "<bye>") or a read
// fails (then "<" and the status code's name, "<OUT_OF_RANGE>" for the
// peer's end); then it returns and the connection closes.
Task EchoUntilQuit(Hijacked& conn);
// Describe, except for two paths that take the connection over with
// EchoUntilQuit: "/up" after a `101 Switching Protocols` (Upgrade: echo),
// "/take" after a 200 "taken". A failed Hijack answers 500 with its status.
void DescribeOrHijack(RequestCtx& ctx);

// This process's resident set and its peak since ResetPeakRss(), in bytes
// (/proc/self/status; the peak is reset through /proc/self/clear_refs).
uint64_t ProcessRss();
uint64_t PeakRss();
void ResetPeakRss();

// A server TLS context for `pair` of the test PKI (testing/tls_certs.h),
// asking for client certificates signed by `client_ca` when given; a
// failure fails the test.
std::shared_ptr<const tls::Context> TestServerTls(
    const testing::PemPair& pair = testing::SharedTestPki().server,
    std::string client_ca = "");

// Starts a server on 127.0.0.1:0 (one thread unless set) and shuts it down
// when destroyed.
class TestServer {
 public:
  TestServer(ServerOptions options, Handler handler);
  ~TestServer();
  Server& server() { return *server_; }
  uint16_t port() const { return server_->port(); }
  testing::RawConn Connect();

 private:
  std::unique_ptr<Server> server_;
};

}  // namespace brisk::server

#endif  // BRISK_SERVER_SERVER_TEST_UTIL_H_
