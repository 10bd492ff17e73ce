// File: client/host_client.h
//
// HostClient: fasthttp's HostClient for one host (one or more addresses used
// round-robin), with the two problems its users report most fixed by design:
//
//   - A connection the server closed is never reused: an idle connection is
//     watched for readability, so the server's FIN or RST evicts it at once,
//     and a server's `Keep-Alive: timeout=N` lowers that connection's idle
//     limit to N minus a margin. A request that still fails on a reused
//     connection before any response byte arrived is retried on a fresh one
//     when that is safe (idempotent method, nothing written, or retry_if).
//   - A timeout really cancels: DoTimeout/DoDeadline put one deadline on the
//     queue wait, resolve, connect, write and read; at expiry the connection
//     is closed and its slot freed at once, so slow hosts cannot fill the
//     pool. When all max_conns are busy a request waits in a FIFO queue (up to
//     max_conn_wait_timeout or its deadline) instead of failing at once.
//
// Bounds: each blocking call comes in three forms, as fasthttp's: without a
// bound beyond the options' timeouts (Do, Get), within a duration from now
// (DoTimeout, GetTimeout, DoStreamTimeout) and by a point in time
// (DoDeadline, GetDeadline; DoStream and AsyncDo take theirs as an argument).
//
// Threads: the client runs on one io_context: its own thread (the first
// constructor) or the caller's loop (the second). The blocking calls
// (Do..., Get..., DoStream...) block the calling thread and may be called from
// any thread except the client's loop thread; AsyncDo is awaited in a coroutine
// on any loop. The request and response belong to the caller and must outlive
// the call; the response owns everything it holds when the call returns (no
// views into client buffers).
//
// Allocation: none per call in steady state (warm connections, warm request
// and response objects).
//
// Errors: see client/errors.h (kind, phase, attempts in every status).

#ifndef BRISK_CLIENT_HOST_CLIENT_H_
#define BRISK_CLIENT_HOST_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/cancellation_signal.hpp"
#include "boost/asio/io_context.hpp"

#include "client/body_sink.h"
#include "client/errors.h"
#include "client/internal/submitter.h"
#include "client/options.h"
#include "http/message.h"

namespace brisk::client {

namespace client_internal {
class HostPool;
class LoopThread;
}  // namespace client_internal

// BodySink (client/body_sink.h): receives a streamed response
// body, std::function<absl::Status(std::string_view piece)>.

struct HostClientStats {
  uint64_t open_conns = 0;  // busy + idle + dialing
  uint64_t idle_conns = 0;
  uint64_t waiting = 0;            // calls queued for a connection
  uint64_t dials = 0;              // connections opened so far
  uint64_t reuses = 0;             // calls served on a reused connection
  uint64_t retries = 0;            // attempts after the first
  uint64_t evicted_by_server = 0;  // idle connections the server closed
  uint64_t timeouts = 0;
  uint64_t tls_handshakes = 0;  // https: handshakes done (full + resumed)
  uint64_t tls_resumed = 0;     // of which resumed a session
};

class HostClient {
 public:
  // Runs on its own thread. Check status() before use: options that fail
  // Validate() make every call return that error.
  explicit HostClient(HostClientOptions options);
  // Runs on `loop`, which must outlive the client and be run by the caller.
  HostClient(HostClientOptions options, boost::asio::io_context& loop);
  // Closes every connection; calls in flight fail with kClosed.
  ~HostClient();
  HostClient(const HostClient&) = delete;
  HostClient& operator=(const HostClient&) = delete;

  absl::Status status() const { return status_; }

  // Sends `req` and reads the answer into `resp` (Reset() first). No
  // deadline beyond the options' read/write/dial timeouts.
  [[nodiscard]] absl::Status Do(http::Request& req, http::Response& resp);
  [[nodiscard]] absl::Status DoTimeout(http::Request& req, http::Response& resp,
                                       absl::Duration timeout);
  [[nodiscard]] absl::Status DoDeadline(http::Request& req,
                                        http::Response& resp,
                                        absl::Time deadline);
  // Like DoDeadline, but the body goes to `sink` piece by piece as it
  // arrives (resp gets the header, and an empty body), so a large response
  // is never held whole. `sink` runs on the client's loop thread; a non-OK
  // return stops the transfer (the connection is closed) and is returned.
  [[nodiscard]] absl::Status DoStream(
      http::Request& req, http::Response& resp, const BodySink& sink,
      absl::Time deadline = absl::InfiniteFuture());
  // DoStream within `timeout` from now.
  [[nodiscard]] absl::Status DoStreamTimeout(http::Request& req,
                                             http::Response& resp,
                                             const BodySink& sink,
                                             absl::Duration timeout);
  // GET `path_and_query` into `resp` (as Do, DoTimeout, DoDeadline).
  [[nodiscard]] absl::Status Get(std::string_view path_and_query,
                                 http::Response& resp);
  [[nodiscard]] absl::Status GetTimeout(std::string_view path_and_query,
                                        http::Response& resp,
                                        absl::Duration timeout);
  [[nodiscard]] absl::Status GetDeadline(std::string_view path_and_query,
                                         http::Response& resp,
                                         absl::Time deadline);

  // In a coroutine. On the client's loop thread, `cancel` (a
  // cancellation_signal's slot, used by this call alone) interrupts it at
  // once: the connection is closed or the queue left, and the call returns
  // kCancelled. From another loop (a server's coroutine handler) the call
  // is handed to the client's loop and the coroutine resumes on its own
  // loop (a thread hop each way); `cancel` reaches it across the loops.
  boost::asio::awaitable<absl::Status> AsyncDo(
      http::Request& req, http::Response& resp,
      absl::Time deadline = absl::InfiniteFuture(),
      boost::asio::cancellation_slot cancel = {});

  // On the loop thread (the second constructor): closes every connection;
  // calls in flight and later ones fail with kClosed. Run the loop until
  // they completed before destroying the client.
  void Close();

  HostClientStats stats() const;
  const HostClientOptions& options() const { return options_; }
  boost::asio::io_context& loop() { return *loop_; }

 private:
  [[nodiscard]] absl::Status Run(http::Request& req, http::Response& resp,
                                 absl::Time deadline, const BodySink* sink);

  HostClientOptions options_;
  absl::Status status_;
  // The first constructor's loop and its thread.
  std::unique_ptr<client_internal::LoopThread> own_loop_;
  boost::asio::io_context* loop_;
  std::unique_ptr<client_internal::HostPool> pool_;
};

}  // namespace brisk::client

#endif  // BRISK_CLIENT_HOST_CLIENT_H_
