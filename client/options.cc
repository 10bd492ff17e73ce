#include "client/options.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace brisk::client {
namespace {

absl::Status Bad(const char* field, const char* why) {
  return absl::InvalidArgumentError(
      absl::StrCat("HostClientOptions.", field, ": ", why));
}

}  // namespace

absl::Status Validate(const HostClientOptions& o) {
  if (o.addrs.empty()) {
    return Bad("addrs", "needs at least one host:port");
  }
  for (const std::string& a : o.addrs) {
    http::HostPort hp;
    if (!http::SplitHostPort(a, hp) || hp.port_number == 0) {
      return Bad("addrs", "each address must be host:port (port 1-65535)");
    }
  }
  if (o.max_conns <= 0) {
    return Bad("max_conns", "must be positive");
  }
  if (o.max_idempotent_call_attempts <= 0) {
    return Bad("max_idempotent_call_attempts", "must be positive");
  }
  for (auto [name, d] :
       {std::pair{"max_conn_wait_timeout", o.max_conn_wait_timeout},
        std::pair{"max_idle_conn_duration", o.max_idle_conn_duration},
        std::pair{"max_conn_duration", o.max_conn_duration},
        std::pair{"dial_timeout", o.dial_timeout},
        std::pair{"read_timeout", o.read_timeout},
        std::pair{"write_timeout", o.write_timeout}}) {
    if (d <= absl::ZeroDuration()) {
      return Bad(name, "must be positive");
    }
  }
  if (o.keep_alive_margin < absl::ZeroDuration()) {
    return Bad("keep_alive_margin", "must not be negative");
  }
  if (o.read_buffer_bytes < 64) {
    return Bad("read_buffer_bytes", "must be at least 64");
  }
  if (o.max_header_bytes < 64) {
    return Bad("max_header_bytes", "must be at least 64");
  }
  if (o.tls != nullptr && o.tls->is_server()) {
    return Bad("tls", "is a server context (use tls::Context::MakeClient)");
  }
  return absl::OkStatus();
}

}  // namespace brisk::client
