#include "http/parse_error.h"

namespace brisk::http {

std::string_view ToString(ParseError e) {
  switch (e) {
    case ParseError::kNone:
      return "no error";
    case ParseError::kBadRequestLine:
      return "malformed request line";
    case ParseError::kBadMethod:
      return "malformed method";
    case ParseError::kBadUri:
      return "malformed request-target";
    case ParseError::kUriTooLong:
      return "request-target too long";
    case ParseError::kBadVersion:
      return "malformed HTTP version";
    case ParseError::kUnsupportedVersion:
      return "HTTP version not supported";
    case ParseError::kBadStatusLine:
      return "malformed status line";
    case ParseError::kBadHeaderName:
      return "malformed header field name";
    case ParseError::kSpaceBeforeColon:
      return "whitespace between header field name and colon";
    case ParseError::kBadHeaderValue:
      return "control character in header field value";
    case ParseError::kObsFold:
      return "obs-fold in header section";
    case ParseError::kBareLf:
      return "line ends in LF without CR";
    case ParseError::kHeaderTooLarge:
      return "header section too large";
    case ParseError::kTooManyHeaders:
      return "too many header fields";
    case ParseError::kMissingHost:
      return "missing Host header";
    case ParseError::kBadHost:
      return "repeated or malformed Host header";
    case ParseError::kBadContentLength:
      return "malformed Content-Length";
    case ParseError::kConflictingContentLength:
      return "conflicting Content-Length values";
    case ParseError::kContentLengthWithTransferEncoding:
      return "both Content-Length and Transfer-Encoding";
    case ParseError::kBadTransferEncoding:
      return "malformed Transfer-Encoding";
    case ParseError::kUnsupportedTransferEncoding:
      return "unsupported transfer coding";
    case ParseError::kBadChunk:
      return "malformed chunked body";
    case ParseError::kBodyTooLarge:
      return "body too large";
    case ParseError::kBadMultipart:
      return "malformed multipart body";
    case ParseError::kTruncatedBody:
      return "connection closed before the end of the body";
  }
  return "unknown parse error";
}

int StatusCodeFor(ParseError e) {
  switch (e) {
    case ParseError::kUriTooLong:
      return 414;
    case ParseError::kHeaderTooLarge:
    case ParseError::kTooManyHeaders:
      return 431;
    case ParseError::kBodyTooLarge:
      return 413;
    case ParseError::kUnsupportedTransferEncoding:
      return 501;
    case ParseError::kUnsupportedVersion:
      return 505;
    default:
      return 400;
  }
}

}  // namespace brisk::http
