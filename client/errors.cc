#include "client/errors.h"

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
  }
  return absl::StatusCode::kUnknown;
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
  const char payload[2] = {static_cast<char>(kind), static_cast<char>(phase)};
  s.SetPayload(kPayloadUrl, absl::Cord(std::string(payload, 2)));
  return s;
}

ErrorKind KindOf(const absl::Status& s) {
  if (s.ok()) {
    return ErrorKind::kNone;
  }
  auto p = s.GetPayload(kPayloadUrl);
  if (!p || p->size() != 2) {
    return ErrorKind::kNone;
  }
  return static_cast<ErrorKind>(static_cast<uint8_t>((*p)[0]));
}

Phase PhaseOf(const absl::Status& s) {
  if (s.ok()) {
    return Phase::kQueue;
  }
  auto p = s.GetPayload(kPayloadUrl);
  if (!p || p->size() != 2) {
    return Phase::kQueue;
  }
  return static_cast<Phase>(static_cast<uint8_t>((*p)[1]));
}

}  // namespace brisk::client
