// File: http/internal/field_parser.h
//
// The header-section scanner shared by RequestHeader and ResponseHeader:
// finding the end of a header section incrementally, and parsing field lines
// strictly (RFC 9112 §5). Not API.

#ifndef BRISK_HTTP_INTERNAL_FIELD_PARSER_H_
#define BRISK_HTTP_INTERNAL_FIELD_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/base/optimization.h"

#include "http/header_fields.h"
#include "http/internal/scanner.h"
#include "http/parse_error.h"

namespace brisk::http::http_internal {

// Skips the empty lines (CRLF) RFC 9112 §2.2 lets a server ignore before a
// request line. Returns the offset of the first other byte.
inline size_t SkipLeadingCrlf(std::string_view buf) {
  size_t i = 0;
  while (buf.size() - i >= 2 && buf[i] == '\r' && buf[i + 1] == '\n') {
    i += 2;
  }
  return i;
}

// Looks for the blank line that ends a header section, scanning only bytes at
// or after `from` (earlier bytes were scanned by a previous call). Returns the
// offset just past it, 0 when not there yet, or sets `error` on a bare LF.
inline size_t FindHeaderEnd(std::string_view buf, size_t from,
                            ParseError& error) {
  const size_t start = SkipLeadingCrlf(buf);
  size_t i = from > start ? from : start;
  while (i < buf.size()) {
    const void* nl = std::memchr(buf.data() + i, '\n', buf.size() - i);
    if (nl == nullptr) {
      return 0;
    }
    i = static_cast<size_t>(static_cast<const char*>(nl) - buf.data());
    if (i == start || buf[i - 1] != '\r') {
      error = ParseError::kBareLf;
      return 0;
    }
    if (i >= start + 4 && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
      return i + 1;
    }
    ++i;
  }
  return 0;
}

// `scanned` when the bytes hold an error but the parser could not yet say
// which comes first (a version needs all of its bytes): from then on every
// call parses everything, as a first call does.
inline constexpr size_t kParseEverything = ~size_t{0};

// The incremental protocol shared by both headers: while a header is
// incomplete only the new bytes are searched for its end (`scanned` keeps
// how far a previous call got); `parse_complete(buf)` runs when the end may
// be there. Enforces `max_header_bytes` on complete and incomplete headers.
// The verdict never depends on how the bytes arrived: it is always what
// parse_complete says of them (the first error in byte order).
template <typename ParseComplete>
ParseResult ParseIncrementally(std::string_view buf, size_t& scanned,
                               size_t max_header_bytes,
                               ParseComplete&& parse_complete) {
  if (scanned != 0 && scanned != kParseEverything) {
    ParseError error = ParseError::kNone;
    size_t end = FindHeaderEnd(buf, scanned > 3 ? scanned - 3 : 0, error);
    if (error != ParseError::kNone) {
      // The answer is parse_complete's, now or once it has the bytes it
      // needs to decide.
      scanned = kParseEverything;
    } else if (end == 0) {
      if (buf.size() > max_header_bytes) {
        // An error before the limit is the answer, as in one read.
        scanned = 0;
        ParseResult r = parse_complete(buf);
        return r.failed() ? r : ParseResult::Error(ParseError::kHeaderTooLarge);
      }
      scanned = buf.size();
      return ParseResult::Incomplete();
    }
  }
  ParseResult r = parse_complete(buf);
  if (r.incomplete()) {
    if (buf.size() > max_header_bytes) {
      return ParseResult::Error(ParseError::kHeaderTooLarge);
    }
    if (scanned != kParseEverything) {
      scanned = buf.size();
    }
  } else {
    scanned = 0;
    if (r.done() && r.consumed > max_header_bytes) {
      return ParseResult::Error(ParseError::kHeaderTooLarge);
    }
  }
  return r;
}

// Checks `HTTP/d.d` at p (8 bytes available). Sets `minor` for HTTP/1.x.
inline ParseError ParseVersion(const char* p, int& minor) {
  if (std::string_view(p, 5) != "HTTP/" || p[6] != '.' ||
      static_cast<unsigned>(p[5] - '0') > 9 ||
      static_cast<unsigned>(p[7] - '0') > 9) {
    return ParseError::kBadVersion;
  }
  if (p[5] != '1' || (p[7] != '0' && p[7] != '1')) {
    return ParseError::kUnsupportedVersion;
  }
  minor = p[7] - '0';
  return ParseError::kNone;
}

// Parses field lines from `p` up to and including the blank line that ends
// the section. Each field goes to `fields` (as offsets from `base`) and to
// `on_field(name, value, index)`, which may reject it by returning an error.
// Returns kNone and advances `p` past the section, or returns an error; if
// the section is not complete, returns kNone with `incomplete` set.
template <typename OnField>
ParseError ParseFieldLines(const char*& p, const char* base, const char* end,
                           size_t max_fields, HeaderFields& fields,
                           bool& incomplete, OnField&& on_field) {
  for (;;) {
    if (ABSL_PREDICT_FALSE(p == end)) {
      incomplete = true;
      return ParseError::kNone;
    }
    char c = *p;
    if (c == '\r') {
      if (end - p < 2) {
        incomplete = true;
        return ParseError::kNone;
      }
      if (p[1] != '\n') {
        return ParseError::kBadHeaderName;
      }
      p += 2;
      return ParseError::kNone;
    }
    if (c == '\n') {
      return ParseError::kBareLf;
    }
    if (c == ' ' || c == '\t') {
      return ParseError::kObsFold;
    }

    const char* name = p;
    p = FindTokenStop(p, end);
    if (ABSL_PREDICT_FALSE(p == end)) {
      incomplete = true;
      return ParseError::kNone;
    }
    if (ABSL_PREDICT_FALSE(*p != ':')) {
      return (*p == ' ' || *p == '\t') ? ParseError::kSpaceBeforeColon
                                       : ParseError::kBadHeaderName;
    }
    const char* name_end = p++;
    if (ABSL_PREDICT_FALSE(name_end == name)) {
      return ParseError::kBadHeaderName;
    }
    while (p < end && (*p == ' ' || *p == '\t')) {
      ++p;
    }
    const char* value = p;
    for (;;) {
      p = FindFieldValueStop(p, end);
      if (p < end && *p == '\t') {
        ++p;
        continue;
      }
      break;
    }
    if (ABSL_PREDICT_FALSE(p == end || (*p == '\r' && end - p < 2))) {
      incomplete = true;
      return ParseError::kNone;
    }
    if (*p == '\n') {
      return ParseError::kBareLf;
    }
    if (*p != '\r' || p[1] != '\n') {
      return ParseError::kBadHeaderValue;
    }
    const char* value_end = p;
    p += 2;
    while (value_end > value &&
           (value_end[-1] == ' ' || value_end[-1] == '\t')) {
      --value_end;
    }
    if (ABSL_PREDICT_FALSE(fields.size() >= max_fields)) {
      return ParseError::kTooManyHeaders;
    }
    Slice n{static_cast<uint32_t>(name - base),
            static_cast<uint32_t>(name_end - name), false};
    Slice v{static_cast<uint32_t>(value - base),
            static_cast<uint32_t>(value_end - value), false};
    fields.AddParsed(n, v);
    ParseError e = on_field(
        std::string_view(name, static_cast<size_t>(name_end - name)),
        std::string_view(value, static_cast<size_t>(value_end - value)),
        fields.size() - 1);
    if (ABSL_PREDICT_FALSE(e != ParseError::kNone)) {
      return e;
    }
  }
}

// Whether a field name is one a header caches or that affects framing
// (edits of other names need no re-indexing).
inline bool IsFramingOrCachedName(std::string_view name) {
  switch (name.size()) {
    case 4:
      return TokenEqualsLowercase(name, "host");
    case 6:
      return TokenEqualsLowercase(name, "cookie") ||
             TokenEqualsLowercase(name, "expect");
    case 10:
      return TokenEqualsLowercase(name, "connection") ||
             TokenEqualsLowercase(name, "user-agent") ||
             TokenEqualsLowercase(name, "keep-alive");
    case 12:
      return TokenEqualsLowercase(name, "content-type");
    case 14:
      return TokenEqualsLowercase(name, "content-length");
    case 17:
      return TokenEqualsLowercase(name, "transfer-encoding");
    default:
      return false;
  }
}

// Content-Length rules (RFC 9110 §8.6, strict): 1*DIGIT below 2^63; a
// repeated field must carry the same value. `length` is -1 until seen.
ParseError OnContentLength(std::string_view value, int64_t& length);

// Transfer-Encoding state across fields.
struct TransferCodings {
  bool present = false;
  bool chunked_last = false;  // the final coding so far is chunked
  bool other = false;         // a coding other than chunked appeared
  int chunked_count = 0;      // RFC 9112 §6.1: chunked at most once
};
ParseError OnTransferEncoding(std::string_view value, TransferCodings& te);

// Connection tokens that matter to framing and keep-alive.
struct ConnectionTokens {
  bool close = false;
  bool keep_alive = false;
  bool upgrade = false;
};
void OnConnection(std::string_view value, ConnectionTokens& c);

}  // namespace brisk::http::http_internal

#endif  // BRISK_HTTP_INTERNAL_FIELD_PARSER_H_
