// File: http/parse_error.h
//
// Why brisk rejected a message, and what a server answers. Parsers return a
// ParseError as a one-byte value (no exceptions, no Status, no allocation on
// the hot path); "need more bytes" is a state (ParseStatus::kIncomplete), not
// an error.

#ifndef BRISK_HTTP_PARSE_ERROR_H_
#define BRISK_HTTP_PARSE_ERROR_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace brisk::http {

enum class ParseError : uint8_t {
  kNone = 0,
  // 400: the request line is not `method SP request-target SP HTTP-version`
  // (tabs, extra spaces, missing parts, a bare CR or LF).
  kBadRequestLine,
  // 400: the method is empty or not a token.
  kBadMethod,
  // 400: the request-target has a byte outside 0x21-0x7E, or is malformed.
  kBadUri,
  // 414: the request-target is longer than the configured limit.
  kUriTooLong,
  // 400: the version is not `HTTP/` DIGIT `.` DIGIT.
  kBadVersion,
  // 505: a well-formed version other than HTTP/1.0 and HTTP/1.1.
  kUnsupportedVersion,
  // 400: a response's status line is malformed (not 3 digits, 100-999).
  kBadStatusLine,
  // 400: a field name is empty or has a byte that is not a token character.
  kBadHeaderName,
  // 400: whitespace between a field name and its colon (RFC 9112 §5.1).
  kSpaceBeforeColon,
  // 400: a field value has a control character (NUL, bare CR, ...).
  kBadHeaderValue,
  // 400: a line begins with SP or HTAB (obs-fold, RFC 9112 §5.2).
  kObsFold,
  // 400: a line ends in LF without CR. brisk never accepts a bare LF.
  kBareLf,
  // 431: the header section is larger than the configured limit.
  kHeaderTooLarge,
  // 431: more header fields than the configured limit.
  kTooManyHeaders,
  // 400: an HTTP/1.1 request without Host (RFC 9112 §3.2).
  kMissingHost,
  // 400: more than one Host field, or a Host value that is not a host.
  kBadHost,
  // 400: Content-Length is not 1*DIGIT, is 2^63 or more, or is a list.
  kBadContentLength,
  // 400: several Content-Length fields with different values.
  kConflictingContentLength,
  // 400: both Transfer-Encoding and Content-Length (RFC 9112 §6.3).
  kContentLengthWithTransferEncoding,
  // 400: Transfer-Encoding in a request whose final coding is not chunked,
  // chunked applied twice, an empty coding, or TE in an HTTP/1.0 request.
  kBadTransferEncoding,
  // 501: a transfer coding other than chunked (gzip, ...).
  kUnsupportedTransferEncoding,
  // 400: malformed chunked body: bad size, size past 2^63, bad extension,
  // missing CRLF after the data, or a malformed trailer.
  kBadChunk,
  // 413: the body is larger than the configured limit.
  kBodyTooLarge,
  // 400: malformed multipart/form-data.
  kBadMultipart,
  // The connection closed before the body was complete.
  kTruncatedBody,
};
// How many ParseError values there are (for tables indexed by them).
inline constexpr size_t kParseErrorCount =
    static_cast<size_t>(ParseError::kTruncatedBody) + 1;

// Whether parsing finished, needs more bytes, or failed.
enum class ParseStatus : uint8_t { kDone, kIncomplete, kError };

// The outcome of one call of an incremental parser.
struct [[nodiscard]] ParseResult {
  ParseStatus status = ParseStatus::kIncomplete;
  ParseError error = ParseError::kNone;
  // Bytes of the input that belong to the parsed item (when kDone).
  size_t consumed = 0;

  bool done() const { return status == ParseStatus::kDone; }
  bool incomplete() const { return status == ParseStatus::kIncomplete; }
  bool failed() const { return status == ParseStatus::kError; }

  static ParseResult Done(size_t consumed) {
    return {ParseStatus::kDone, ParseError::kNone, consumed};
  }
  static ParseResult Incomplete() { return {}; }
  static ParseResult Error(ParseError e) { return {ParseStatus::kError, e, 0}; }
};

// A short English description, e.g. "obs-fold in header section".
std::string_view ToString(ParseError e);

// The status code a server answers with: 400, 413, 414, 431, 501 or 505.
int StatusCodeFor(ParseError e);

}  // namespace brisk::http

#endif  // BRISK_HTTP_PARSE_ERROR_H_
