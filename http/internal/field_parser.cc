#include "http/internal/field_parser.h"

#include <limits>

#include "bytes/conv.h"

namespace brisk::http::http_internal {
namespace {

// Calls f(element) for each non-empty element of a comma-separated list,
// with surrounding OWS removed.
template <typename F>
void ForEachListElement(std::string_view value, F&& f) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view elem = bytes::TrimOws(value.substr(0, comma));
    if (!elem.empty()) {
      f(elem);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    value.remove_prefix(comma + 1);
  }
}

}  // namespace

ParseError OnContentLength(std::string_view value, int64_t& length) {
  std::optional<uint64_t> v = bytes::ParseUint(value);
  if (!v || *v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return ParseError::kBadContentLength;
  }
  if (length >= 0 && static_cast<uint64_t>(length) != *v) {
    return ParseError::kConflictingContentLength;
  }
  length = static_cast<int64_t>(*v);
  return ParseError::kNone;
}

ParseError OnTransferEncoding(std::string_view value, TransferCodings& te) {
  te.present = true;
  bool empty = true;
  ForEachListElement(value, [&](std::string_view coding) {
    empty = false;
    if (bytes::EqualsLowercase(coding, "chunked")) {
      ++te.chunked_count;
      te.chunked_last = true;
    } else {
      te.chunked_last = false;
      te.other = true;
    }
  });
  if (empty) {
    return ParseError::kBadTransferEncoding;
  }
  return ParseError::kNone;
}

void OnConnection(std::string_view value, ConnectionTokens& c) {
  ForEachListElement(value, [&](std::string_view token) {
    if (bytes::EqualsLowercase(token, "close")) {
      c.close = true;
    } else if (bytes::EqualsLowercase(token, "keep-alive")) {
      c.keep_alive = true;
    } else if (bytes::EqualsLowercase(token, "upgrade")) {
      c.upgrade = true;
    }
  });
}

}  // namespace brisk::http::http_internal
