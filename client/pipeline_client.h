// File: client/pipeline_client.h
//
// PipelineClient: fasthttp's PipelineClient. Several requests are in flight
// on each connection (HTTP/1.1 pipelining) and responses are matched to
// requests in order. For servers that answer pipelined requests (brisk,
// fasthttp, nginx) it needs far fewer connections and system calls than
// HostClient.
//
//   - Requests are serialized when submitted (the caller's request is not
//     read afterwards) and written in batches: everything queued while a
//     write is in progress leaves with the next write.
//   - A call whose deadline passes returns kTimeout at once. Its request may
//     already be on the wire and cannot be taken back: its response is read
//     and discarded, so the calls behind it keep their order. The caller's
//     response object is never touched after the call returned.
//   - A connection error fails every call pending on that connection with
//     kConnectionClosed (pipelined requests are not retried: the server may
//     have acted on them).
//   - At most max_pending_requests per connection; a new connection is
//     opened (up to max_conns) when all are full; beyond that kNoFreeConns.
//
// Thread-safe: Do/DoTimeout/DoDeadline from any thread (not the client's own
// loop). Allocation: none per call in steady state.

#ifndef BRISK_CLIENT_PIPELINE_CLIENT_H_
#define BRISK_CLIENT_PIPELINE_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/io_context.hpp"

#include "client/errors.h"
#include "http/message.h"
#include "tls/context.h"

namespace brisk::client {

struct PipelineClientOptions {
  // "host:port" (an IP literal or a name).
  std::string addr;
  // Connections (fasthttp: MaxConns, 1).
  int max_conns = 1;
  // Requests in flight per connection (fasthttp: MaxPendingRequests, 1024).
  int max_pending_requests = 1024;
  // https: the TLS client context (see HostClientOptions::tls); nullptr
  // speaks cleartext.
  std::shared_ptr<const tls::Context> tls = nullptr;
  // https: SNI and the name checked; empty: addr's host.
  std::string tls_server_name = "";
  // Resolve + connect + the TLS handshake.
  absl::Duration dial_timeout = absl::Seconds(3);
  // The deadline of a call made without one (Do): its response must be
  // complete within this, or it fails with kTimeout. fasthttp: none.
  absl::Duration timeout = absl::Seconds(60);
  // A connection with nothing pending this long is closed (fasthttp:
  // MaxIdleConnDuration, 10 s).
  absl::Duration max_idle_conn_duration = absl::Seconds(10);
  uint64_t max_response_body_bytes = 0;  // 0: no limit
  size_t read_buffer_bytes = 64 * 1024;
  size_t max_header_bytes = 16 * 1024;
  std::string user_agent = "brisk";
};

struct PipelineClientStats {
  uint64_t conns = 0;
  uint64_t pending = 0;    // requests in flight
  uint64_t writes = 0;     // write system calls (batches)
  uint64_t discarded = 0;  // responses of timed-out calls
};

namespace client_internal {
class LoopThread;
class Pipeline;
}  // namespace client_internal

class PipelineClient {
 public:
  // Runs on its own thread.
  explicit PipelineClient(PipelineClientOptions options);
  // Runs on `loop` (run by the caller; it must outlive the client). Destroy
  // the client on the loop thread with no call in flight.
  PipelineClient(PipelineClientOptions options, boost::asio::io_context& loop);
  ~PipelineClient();
  PipelineClient(const PipelineClient&) = delete;
  PipelineClient& operator=(const PipelineClient&) = delete;

  absl::Status status() const { return status_; }
  [[nodiscard]] absl::Status Do(http::Request& req, http::Response& resp);
  [[nodiscard]] absl::Status DoTimeout(http::Request& req, http::Response& resp,
                                       absl::Duration timeout);
  [[nodiscard]] absl::Status DoDeadline(http::Request& req,
                                        http::Response& resp,
                                        absl::Time deadline);
  // Loop thread (the second constructor): fails pending calls and closes
  // the connections; run the loop until it runs out of work before
  // destroying the client.
  void Close();
  // In a coroutine on any loop: the client's own (the second constructor;
  // the call starts at once) or another, such as a server's coroutine
  // handler (the call is handed over; a thread hop each way).
  boost::asio::awaitable<absl::Status> AsyncDo(
      http::Request& req, http::Response& resp,
      absl::Time deadline = absl::InfiniteFuture());
  PipelineClientStats stats() const;

 private:
  PipelineClientOptions options_;
  absl::Status status_;
  // The first constructor's loop and its thread (before impl_, which lives
  // on it).
  std::unique_ptr<client_internal::LoopThread> own_loop_;
  std::unique_ptr<client_internal::Pipeline> impl_;
};

}  // namespace brisk::client

#endif  // BRISK_CLIENT_PIPELINE_CLIENT_H_
