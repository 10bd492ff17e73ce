// File: client/options.h
//
// HostClientOptions: every knob of a HostClient, with its default and
// fasthttp's next to it where they differ.
//
//   brisk::client::HostClientOptions o{.addrs = {"127.0.0.1:8080"},
//                                      .max_conns = 64};

#ifndef BRISK_CLIENT_OPTIONS_H_
#define BRISK_CLIENT_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

#include "compress/compress.h"
#include "http/message.h"
#include "tls/context.h"

namespace brisk::client {

struct HostClientOptions {
  // "host:port" of the servers, used round-robin for new connections.
  // fasthttp: Addr (comma-separated).
  std::vector<std::string> addrs;
  // Connections open at once (busy + idle). fasthttp: 512.
  int max_conns = 512;
  // How long a request waits in the FIFO queue for a connection when all
  // max_conns are busy, before kNoFreeConns (the call's deadline, if
  // sooner, wins). fasthttp: 0 (fail at once with ErrNoFreeConns).
  absl::Duration max_conn_wait_timeout = absl::Seconds(3);
  // An idle connection older than this is closed. fasthttp: 10 s. A server's
  // `Keep-Alive: timeout=N` lowers it for that connection to N minus
  // keep_alive_margin, so a server-closed connection is never reused.
  absl::Duration max_idle_conn_duration = absl::Seconds(10);
  absl::Duration keep_alive_margin = absl::Seconds(1);
  // A connection older than this is closed after its current request.
  // fasthttp: unlimited (0). Infinite here means unlimited.
  absl::Duration max_conn_duration = absl::InfiniteDuration();
  // https: the TLS client context — what to trust (the system's store by
  // default), a client certificate, or insecure_skip_verify — made with
  // tls::Context::MakeClient and shared by any number of clients. nullptr
  // speaks cleartext HTTP. fasthttp: IsTLS and TLSConfig.
  std::shared_ptr<const tls::Context> tls = nullptr;
  // https: the name sent as SNI and checked against the server's
  // certificate; empty: each address's host. fasthttp: TLSConfig.ServerName.
  std::string tls_server_name = "";
  // Resolve + connect, and then the TLS handshake (for https) with a
  // dial_timeout of its own. fasthttp: 3 s (DefaultDialTimeout).
  absl::Duration dial_timeout = absl::Seconds(3);
  // Longest wait for more of the response (read) or for the server to take
  // more of the request (write): no progress for this long fails the call
  // with kTimeout. A call's own deadline (DoTimeout, DoDeadline) bounds it
  // as a whole. Infinite means none. fasthttp: ReadTimeout/WriteTimeout,
  // unlimited; nginx's proxy_read_timeout/proxy_send_timeout: 60 s.
  absl::Duration read_timeout = absl::Seconds(60);
  absl::Duration write_timeout = absl::Seconds(60);
  // Attempts of a request that failed on a reused connection before any
  // response byte arrived. fasthttp: 5 (DefaultMaxIdemponentCallAttempts).
  int max_idempotent_call_attempts = 5;
  // Whether to retry a request that is not idempotent (POST) after such a
  // failure; nullptr: only idempotent methods, or when nothing was written.
  // fasthttp: RetryIf.
  std::function<bool(const http::Request&)> retry_if = nullptr;
  // Largest response body; over it: kBodyTooLarge. 0 means no limit
  // (fasthttp: MaxResponseBodySize, 0 = no limit).
  uint64_t max_response_body_bytes = 0;
  // Bytes per read; separate from the header limit (fasthttp ties them:
  // ReadBufferSize 4096 is its header limit too).
  size_t read_buffer_bytes = 4096;
  size_t max_header_bytes = 16 * 1024;
  // User-Agent sent when the request has none; empty sends none.
  // fasthttp: "fasthttp".
  std::string user_agent = "brisk";
  // Write header names as Content-Type (canonical) or exactly as set.
  // fasthttp: DisableHeaderNamesNormalizing = false.
  bool normalize_header_names = true;
  // Ask for compressed responses and decode them before returning them
  // (client/decode.h). Off: fasthttp's default (Go's transport: on).
  bool decompress = false;
  // Limits of that decoding (a decoded body over them: kBodyTooLarge).
  compress::DecodeLimits decode_limits = {};
};

// InvalidArgument naming the first field that cannot work; OK otherwise.
[[nodiscard]] absl::Status Validate(const HostClientOptions& options);

}  // namespace brisk::client

#endif  // BRISK_CLIENT_OPTIONS_H_
