#include "client/errors.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

#include "bytes/conv.h"

namespace brisk::client {
namespace {

constexpr char kPayloadUrl[] = "brisk.client.ErrorKind";

absl::StatusCode CodeFor(ErrorKind k) {
  switch (k) {
    case ErrorKind::kNone:
      return absl::StatusCode::kOk;
    case ErrorKind::kNoFreeConns:
      return absl::StatusCode::kResourceExhausted;
    case ErrorKind::kTimeout:
      return absl::StatusCode::kDeadlineExceeded;
    case ErrorKind::kConnectionClosed:
    case ErrorKind::kDial:
    case ErrorKind::kClosed:
      return absl::StatusCode::kUnavailable;
    case ErrorKind::kBodyTooLarge:
      return absl::StatusCode::kOutOfRange;
    case ErrorKind::kTooManyRedirects:
      return absl::StatusCode::kFailedPrecondition;
    case ErrorKind::kMalformedResponse:
      return absl::StatusCode::kDataLoss;
    case ErrorKind::kCancelled:
      return absl::StatusCode::kCancelled;
    case ErrorKind::kInvalidRequest:
      return absl::StatusCode::kInvalidArgument;
    case ErrorKind::kTlsHandshake:
      return absl::StatusCode::kUnavailable;
    case ErrorKind::kTlsVerification:
      return absl::StatusCode::kUnauthenticated;
    case ErrorKind::kTlsAlert:
      return absl::StatusCode::kAborted;
  }
  return absl::StatusCode::kUnknown;
}

constexpr std::string_view kIn = " in ";

struct KindPhase {
  ErrorKind kind = ErrorKind::kNone;
  Phase phase = Phase::kQueue;
};

// The payload MakeError wrote, read back; kNone for other statuses.
KindPhase Decode(const absl::Status& s) {
  KindPhase out;
  if (s.ok()) {
    return out;
  }
  auto p = s.GetPayload(kPayloadUrl);
  if (!p) {
    return out;
  }
  const std::string text(*p);
  const size_t in = text.rfind(kIn);
  if (in == std::string::npos) {
    return out;
  }
  const std::string_view kind = std::string_view(text).substr(0, in);
  const std::string_view phase = std::string_view(text).substr(in + kIn.size());
  for (int k = 1; k <= static_cast<int>(kLastErrorKind); ++k) {
    if (ToString(static_cast<ErrorKind>(k)) == kind) {
      out.kind = static_cast<ErrorKind>(k);
    }
  }
  for (int f = 0; f <= static_cast<int>(Phase::kRead); ++f) {
    if (ToString(static_cast<Phase>(f)) == phase) {
      out.phase = static_cast<Phase>(f);
    }
  }
  return out;
}

}  // namespace

std::string_view ToString(ErrorKind k) {
  switch (k) {
    case ErrorKind::kNone:
      return "ok";
    case ErrorKind::kNoFreeConns:
      return "no free connections";
    case ErrorKind::kTimeout:
      return "timeout";
    case ErrorKind::kConnectionClosed:
      return "connection closed";
    case ErrorKind::kBodyTooLarge:
      return "body too large";
    case ErrorKind::kTooManyRedirects:
      return "too many redirects";
    case ErrorKind::kDial:
      return "dial failed";
    case ErrorKind::kMalformedResponse:
      return "malformed response";
    case ErrorKind::kCancelled:
      return "cancelled";
    case ErrorKind::kInvalidRequest:
      return "invalid request";
    case ErrorKind::kClosed:
      return "client closed";
    case ErrorKind::kTlsHandshake:
      return "tls handshake failed";
    case ErrorKind::kTlsVerification:
      return "tls verification failed";
    case ErrorKind::kTlsAlert:
      return "tls alert";
  }
  return "unknown";
}

std::string_view ToString(Phase p) {
  switch (p) {
    case Phase::kQueue:
      return "queue";
    case Phase::kResolve:
      return "resolve";
    case Phase::kConnect:
      return "connect";
    case Phase::kHandshake:
      return "handshake";
    case Phase::kWrite:
      return "write";
    case Phase::kRead:
      return "read";
  }
  return "unknown";
}

absl::Status MakeError(ErrorKind kind, Phase phase, int attempts,
                       std::string_view host, std::string_view detail) {
  if (kind == ErrorKind::kNone) {
    return absl::OkStatus();
  }
  std::string msg = absl::StrCat(
      "brisk client: ", bytes::ToAbsl(ToString(kind)), " in ",
      bytes::ToAbsl(ToString(phase)), " after ", attempts,
      attempts == 1 ? " attempt" : " attempts", " (", bytes::ToAbsl(host), ")");
  if (!detail.empty()) {
    absl::StrAppend(&msg, ": ", bytes::ToAbsl(detail));
  }
  absl::Status s(CodeFor(kind), msg);
  // Readable in Status::ToString(): "timeout in read".
  s.SetPayload(
      kPayloadUrl,
      absl::Cord(absl::StrCat(bytes::ToAbsl(ToString(kind)), bytes::ToAbsl(kIn),
                              bytes::ToAbsl(ToString(phase)))));
  return s;
}

ErrorKind KindOf(const absl::Status& s) {
  return Decode(s).kind;
}

Phase PhaseOf(const absl::Status& s) {
  return Decode(s).phase;
}

absl::Status ResponseError(bool over_limit, int attempts, std::string_view host,
                           std::string_view detail) {
  return MakeError(
      over_limit ? ErrorKind::kBodyTooLarge : ErrorKind::kMalformedResponse,
      Phase::kRead, attempts, host, detail);
}

absl::Status ResponseParseError(http::ParseError e, int attempts,
                                std::string_view host,
                                uint64_t max_body_bytes) {
  const bool over_limit = e == http::ParseError::kBodyTooLarge;
  if (over_limit && max_body_bytes != 0) {
    return ResponseError(true, attempts, host,
                         absl::StrCat("limit ", max_body_bytes, " bytes"));
  }
  return ResponseError(over_limit, attempts, host, http::ToString(e));
}

absl::Status TlsError(const absl::Status& engine_error, Phase phase,
                      int attempts, std::string_view host) {
  ErrorKind kind = ErrorKind::kTlsHandshake;
  if (absl::IsUnauthenticated(engine_error)) {
    kind = ErrorKind::kTlsVerification;
  } else if (absl::IsAborted(engine_error)) {
    kind = ErrorKind::kTlsAlert;
  } else if (phase != Phase::kHandshake) {
    // A broken record, or an end mid-record, after the handshake: the
    // connection failed mid-exchange (curl's 56).
    kind = ErrorKind::kConnectionClosed;
  }
  const absl::string_view why = engine_error.message();
  return MakeError(kind, phase, attempts, host,
                   std::string_view(why.data(), why.size()));
}

}  // namespace brisk::client
