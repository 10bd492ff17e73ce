#include "http/wire.h"

#include "bytes/conv.h"
#include "http/header_fields.h"
#include "http/internal/scanner.h"
#include "http/status_code.h"

namespace brisk::http {

std::string_view ToString(WireError e) {
  switch (e) {
    case WireError::kNone:
      return "ok";
    case WireError::kBadMethod:
      return "method is not a token";
    case WireError::kBadTarget:
      return "request-target is empty or holds a space or control byte";
    case WireError::kBadFieldName:
      return "field name is not a token";
    case WireError::kBadFieldValue:
      return "field value holds a control byte (CR, LF, NUL, ...)";
    case WireError::kBadReason:
      return "reason phrase holds a control byte (CR, LF, NUL, ...)";
    case WireError::kBadStatus:
      return "status code not sendable (outside 100-999, or a 1xx where a "
             "final answer must go)";
  }
  return "unknown wire error";
}

bool IsToken(std::string_view s) {
  return !s.empty() &&
         http_internal::FindTokenStop(s.data(), s.data() + s.size()) ==
             s.data() + s.size();
}

bool IsSafeRequestTarget(std::string_view s) {
  return !s.empty() &&
         http_internal::FindTargetStop(s.data(), s.data() + s.size()) ==
             s.data() + s.size();
}

bool IsSafeFieldValue(std::string_view s) {
  const char* p = s.data();
  const char* end = p + s.size();
  for (;;) {
    p = http_internal::FindFieldValueStop(p, end);
    if (p == end) {
      return true;
    }
    if (*p != '\t') {
      return false;
    }
    ++p;
  }
}

WireError AppendField(bytes::ByteBuffer& out, std::string_view name,
                      std::string_view value, bool canonical) {
  if (!IsToken(name)) {
    return WireError::kBadFieldName;
  }
  if (!IsSafeFieldValue(value)) {
    return WireError::kBadFieldValue;
  }
  if (canonical) {
    AppendCanonicalName(out, name);
  } else {
    out.Append(name);
  }
  out.Append(": ");
  out.Append(value);
  out.Append("\r\n");
  return WireError::kNone;
}

WireError AppendStatusLine(bytes::ByteBuffer& out, int minor, int code,
                           std::string_view reason) {
  if (code < 100 || code > 999) {
    return WireError::kBadStatus;
  }
  if (reason.empty()) {
    if (std::string_view line = minor == 1 ? StatusLine(code) : "";
        !line.empty()) {
      out.Append(line);  // precomputed "HTTP/1.1 200 OK\r\n"
      return WireError::kNone;
    }
    reason = StatusText(code);
  } else if (!IsSafeFieldValue(reason)) {
    return WireError::kBadReason;
  }
  out.Append(minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ");
  bytes::AppendUint(out, static_cast<uint64_t>(code));
  out.Append(' ');
  out.Append(reason);
  out.Append("\r\n");
  return WireError::kNone;
}

}  // namespace brisk::http
