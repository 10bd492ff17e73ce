// File: client/errors.h
//
// The client's error kinds. Every failed call returns an absl::Status whose
// kind is one of these (read it with KindOf or a predicate, never by matching
// the message) and whose message names the phase that failed and how many
// attempts were made, e.g.
//   "brisk client: timeout in read after 1 attempt (example.com:80)".

#ifndef BRISK_CLIENT_ERRORS_H_
#define BRISK_CLIENT_ERRORS_H_

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"

#include "http/parse_error.h"

namespace brisk::client {

enum class ErrorKind : uint8_t {
  kNone = 0,
  // Every connection was busy for max_conn_wait_timeout (fasthttp's
  // ErrNoFreeConns). Status code ResourceExhausted.
  kNoFreeConns,
  // The call's deadline passed; the connection it used was closed.
  // DeadlineExceeded.
  kTimeout,
  // The server closed the connection before a complete response (and the
  // request could not be retried). Unavailable.
  kConnectionClosed,
  // The response body is larger than max_response_body_bytes. OutOfRange.
  kBodyTooLarge,
  // More redirects than allowed. FailedPrecondition.
  kTooManyRedirects,
  // Name resolution or connect failed. Unavailable.
  kDial,
  // The response is not valid HTTP/1.1. DataLoss.
  kMalformedResponse,
  // The caller cancelled the call. Cancelled.
  kCancelled,
  // The request cannot be sent (bad URI, no host). InvalidArgument.
  kInvalidRequest,
  // The client is shutting down. Unavailable.
  kClosed,
  // HTTPS: the TLS handshake failed (no common version or cipher, the
  // server hung up mid-handshake, bytes that are not TLS). Unavailable.
  kTlsHandshake,
  // HTTPS: the server's certificate failed verification (untrusted,
  // expired, another host's); the message has OpenSSL's reason.
  // Unauthenticated.
  kTlsVerification,
  // HTTPS: the server sent a TLS alert (it refused the client's
  // certificate, or the connection broke); the message names it.
  // Aborted.
  kTlsAlert,
};
// The last kind (for tables and tests that go through them all).
inline constexpr ErrorKind kLastErrorKind = ErrorKind::kTlsAlert;

// Where a call was when it failed.
enum class Phase : uint8_t {
  kQueue,
  kResolve,
  kConnect,
  kHandshake,  // TLS
  kWrite,
  kRead,
};

std::string_view ToString(ErrorKind k);
std::string_view ToString(Phase p);

// Builds the status for `kind` (see the file comment for the message).
[[nodiscard]] absl::Status MakeError(ErrorKind kind, Phase phase, int attempts,
                                     std::string_view host,
                                     std::string_view detail = "");

// The error for a response the client cannot take (phase kRead), the one
// place that chooses between the two kinds: kBodyTooLarge when it is over a
// limit (max_response_body_bytes, a decoding limit), kMalformedResponse
// otherwise (not HTTP/1.1, too many 1xx heads, a body that cannot be
// decoded).
[[nodiscard]] absl::Status ResponseError(bool over_limit, int attempts,
                                         std::string_view host,
                                         std::string_view detail);

// ResponseError for a response that failed to parse with `e`: over the
// limit for http::ParseError::kBodyTooLarge (the detail names
// `max_body_bytes`, the limit the body passed, when it is not 0), the
// parser's words as the detail otherwise.
[[nodiscard]] absl::Status ResponseParseError(http::ParseError e, int attempts,
                                              std::string_view host,
                                              uint64_t max_body_bytes = 0);

// The error for a tls::Engine failure in `phase`: kTlsVerification,
// kTlsAlert, kTlsHandshake during the handshake, kConnectionClosed for a
// broken record after it; OpenSSL's words as the detail.
[[nodiscard]] absl::Status TlsError(const absl::Status& engine_error,
                                    Phase phase, int attempts,
                                    std::string_view host);

// kNone for OK or for a status the client did not make.
ErrorKind KindOf(const absl::Status& s);
// The phase a client error happened in (kQueue for other statuses).
Phase PhaseOf(const absl::Status& s);

inline bool IsNoFreeConns(const absl::Status& s) {
  return KindOf(s) == ErrorKind::kNoFreeConns;
}
inline bool IsTimeout(const absl::Status& s) {
  return KindOf(s) == ErrorKind::kTimeout;
}
inline bool IsConnectionClosed(const absl::Status& s) {
  return KindOf(s) == ErrorKind::kConnectionClosed;
}
inline bool IsBodyTooLarge(const absl::Status& s) {
  return KindOf(s) == ErrorKind::kBodyTooLarge;
}
inline bool IsTls(const absl::Status& s) {
  const ErrorKind k = KindOf(s);
  return k == ErrorKind::kTlsHandshake || k == ErrorKind::kTlsVerification ||
         k == ErrorKind::kTlsAlert;
}

}  // namespace brisk::client

#endif  // BRISK_CLIENT_ERRORS_H_
