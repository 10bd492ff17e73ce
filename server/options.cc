#include "server/options.h"

#include <thread>

#include "absl/strings/str_cat.h"

namespace brisk::server {
namespace {

absl::Status Bad(const char* field, const std::string& why) {
  return absl::InvalidArgumentError(
      absl::StrCat("ServerOptions.", field, ": ", why));
}

}  // namespace

absl::Status Validate(const ServerOptions& o) {
  if (o.concurrency <= 0)
    return Bad("concurrency", "must be positive");
  if (o.max_connections <= 0) {
    return Bad("max_connections", "must be positive");
  }
  if (o.threads < 0)
    return Bad("threads", "must be 0 (one per core) or more");
  // The smallest useful request, "GET / HTTP/1.1\r\nHost: x\r\n\r\n".
  constexpr size_t kSmallestRequest = 27;
  if (o.read_buffer_bytes < kSmallestRequest) {
    return Bad("read_buffer_bytes",
               absl::StrCat("must be at least ", kSmallestRequest));
  }
  if (o.max_header_bytes < kSmallestRequest) {
    return Bad("max_header_bytes",
               absl::StrCat("must be at least ", kSmallestRequest));
  }
  if (o.max_uri_bytes == 0 || o.max_uri_bytes >= o.max_header_bytes) {
    return Bad("max_uri_bytes", "must be positive and below max_header_bytes");
  }
  for (auto [name, d] :
       {std::pair{"header_read_timeout", o.header_read_timeout},
        std::pair{"body_read_timeout", o.body_read_timeout},
        std::pair{"read_timeout", o.read_timeout},
        std::pair{"stream_read_timeout", o.stream_read_timeout},
        std::pair{"send_timeout", o.send_timeout},
        std::pair{"write_timeout", o.write_timeout},
        std::pair{"idle_timeout", o.idle_timeout},
        std::pair{"max_idle_worker_duration", o.max_idle_worker_duration},
        std::pair{"linger_timeout", o.linger_timeout},
        std::pair{"tls_handshake_timeout", o.tls_handshake_timeout}}) {
    if (d <= absl::ZeroDuration())
      return Bad(name, "must be positive");
  }
  if (o.max_conns_per_ip < 0) {
    return Bad("max_conns_per_ip", "must be 0 (no limit) or more");
  }
  if (o.max_requests_per_conn < 0) {
    return Bad("max_requests_per_conn", "must be 0 (no limit) or more");
  }
  if (o.tls != nullptr && !o.tls->is_server()) {
    return Bad("tls", "is a client context (make it with MakeServer)");
  }
  if (o.blocking_handler &&
      (o.blocking_threads == 0 || o.blocking_queue == 0)) {
    return Bad("blocking_threads",
               "blocking handlers need threads and a queue");
  }
  return absl::OkStatus();
}

std::string_view ToString(ConnState s) {
  switch (s) {
    case ConnState::kNew:
      return "new";
    case ConnState::kActive:
      return "active";
    case ConnState::kIdle:
      return "idle";
    case ConnState::kHijacked:
      return "hijacked";
    case ConnState::kClosed:
      return "closed";
  }
  return "unknown";
}

int EffectiveThreads(const ServerOptions& o) {
  if (o.threads > 0)
    return o.threads;
  unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

}  // namespace brisk::server
