// File: client/lb_client.h
//
// LBClient: fasthttp's LBClient. Spreads requests over several backends
// (one HostClient each, all on one event loop thread): each request goes to
// the backend with the fewest requests in flight, ties broken round-robin.
// A response the health check rejects (by default: an error, or a 5xx)
// penalizes its backend for `penalty` (it counts as one more request in
// flight), so a failing backend gets less traffic until it recovers.
//
// Every request has a deadline: `timeout` (1 s by default, as fasthttp's
// DefaultLBClientTimeout) for Do, or the one DoTimeout (a duration from now)
// or DoDeadline (a point in time) gives.
//
// Thread-safe: calls from any thread except the client's loop.

#ifndef BRISK_CLIENT_LB_CLIENT_H_
#define BRISK_CLIENT_LB_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

#include "client/host_client.h"
#include "client/options.h"
#include "http/message.h"

namespace brisk::client {

namespace client_internal {
class LoopThread;
}  // namespace client_internal

struct LBClientOptions {
  // Backends, "host:port" each.
  std::vector<std::string> addrs;
  // Options of each backend's HostClient (`addrs` is set per backend).
  HostClientOptions host;
  // Whether a result is healthy; nullptr: OK status and status code < 500.
  std::function<bool(const http::Request&, const http::Response&,
                     const absl::Status&)>
      health_check = nullptr;
  // Per-request deadline when the call gives none (fasthttp: 1 s).
  absl::Duration timeout = absl::Seconds(1);
  // How long a failed health check weighs on its backend (fasthttp: 3 s).
  absl::Duration penalty = absl::Seconds(3);
};

struct LBBackendStats {
  std::string addr;
  int64_t in_flight = 0;
  int64_t penalty = 0;
  uint64_t requests = 0;
};

class LBClient {
 public:
  explicit LBClient(LBClientOptions options);
  ~LBClient();
  LBClient(const LBClient&) = delete;
  LBClient& operator=(const LBClient&) = delete;

  absl::Status status() const { return status_; }
  [[nodiscard]] absl::Status Do(http::Request& req, http::Response& resp);
  [[nodiscard]] absl::Status DoTimeout(http::Request& req, http::Response& resp,
                                       absl::Duration timeout);
  [[nodiscard]] absl::Status DoDeadline(http::Request& req,
                                        http::Response& resp,
                                        absl::Time deadline);
  std::vector<LBBackendStats> stats() const;

 private:
  struct Backend {
    std::unique_ptr<HostClient> client;
    std::atomic<int64_t> in_flight{0};
    std::atomic<int64_t> penalty{0};
    std::atomic<uint64_t> requests{0};
  };
  Backend* Pick();
  void Penalize(Backend* b);

  const LBClientOptions options_;
  absl::Status status_;
  // The loop the backends' HostClients run on, and its thread.
  std::unique_ptr<client_internal::LoopThread> loop_;
  std::vector<std::unique_ptr<Backend>> backends_;
  std::atomic<uint64_t> next_{0};
};

}  // namespace brisk::client

#endif  // BRISK_CLIENT_LB_CLIENT_H_
