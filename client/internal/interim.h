// File: client/internal/interim.h
//
// How every brisk client treats the status of a response head before the
// final response: one rule, shared by HostClient and PipelineClient.

#ifndef BRISK_CLIENT_INTERNAL_INTERIM_H_
#define BRISK_CLIENT_INTERNAL_INTERIM_H_

#include <string_view>

#include "absl/status/status.h"

#include "client/errors.h"

namespace brisk::client::client_internal {

// Interim (1xx) responses a client skips before one final response; more is
// a malformed response (a server looping on `100 Continue` must not grow the
// client without bound).
inline constexpr int kMaxInterimResponses = 8;

enum class Head {
  kInterim,  // 1xx other than 101: skip it and read the next head
  kFinal,    // the response to the request
  kTooMany,  // over kMaxInterimResponses: fail as malformed
};

// Classifies a parsed head's `status`, counting interim heads in `seen`.
// 101 Switching Protocols is final: HTTP ends on that connection, which is
// never reused (callers check EndsHttp()).
inline Head ClassifyHead(int status, int& seen) {
  if (status < 100 || status >= 200 || status == 101) {
    return Head::kFinal;
  }
  return ++seen > kMaxInterimResponses ? Head::kTooMany : Head::kInterim;
}

// The error for a response whose heads ran past kMaxInterimResponses.
[[nodiscard]] inline absl::Status TooManyInterimError(int attempts,
                                                      std::string_view host) {
  return ResponseError(false, attempts, host, "too many 1xx responses");
}

// Whether the connection can carry no more HTTP after this final status.
inline bool EndsHttp(int status) {
  return status == 101;
}

}  // namespace brisk::client::client_internal

#endif  // BRISK_CLIENT_INTERNAL_INTERIM_H_
