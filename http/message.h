// File: http/message.h
//
// Request and Response: a header plus a body, the unit a handler reads and a
// client sends. Both are built for reuse from pools:
//
//   - Reset() forgets the message and keeps capacity (fields vector, own
//     storage, body buffer), so a warm message parses and serializes without
//     allocating. A body that grew past kMaxRetainedBodyBytes is given back to
//     ByteBufferPool::Default() instead, so one large upload does not pin its
//     memory to a pooled message; the next body comes from that pool.
//   - Parse() reads a complete message (header and body) from a buffer, for
//     pipelined input and tests; servers and clients that read from sockets
//     use the header's Parse() and BodyReader directly.
//   - AppendTo() serializes through the checks of http/wire.h. Framing is the
//     serializer's: the body is sent whole with its Content-Length; a
//     Transfer-Encoding or Content-Length set by the caller is replaced, so
//     the bytes on the wire always frame as the body they carry.
//
// Views (header values, body(), uri() parts) are valid until the message or
// the parsed buffer changes. Not thread-safe; move-only; CopyTo() for a deep
// copy.

#ifndef BRISK_HTTP_MESSAGE_H_
#define BRISK_HTTP_MESSAGE_H_

#include <cstdint>
#include <string_view>

#include "absl/base/attributes.h"

#include "bytes/byte_buffer.h"
#include "http/args.h"
#include "http/parse_error.h"
#include "http/request_header.h"
#include "http/response_header.h"
#include "http/uri.h"

namespace brisk::http {

// Body capacity a Reset() keeps; larger buffers go back to the bytes pool.
inline constexpr size_t kMaxRetainedBodyBytes = 64 * 1024;

class Request {
 public:
  explicit Request(const HeaderLimits& limits = {}) : header_(limits) {}
  Request(Request&&) = default;
  Request& operator=(Request&&) = default;
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;
  ~Request();

  RequestHeader& header() { return header_; }
  const RequestHeader& header() const { return header_; }

  // The request-target parsed (once) with the Host header; check uri_error().
  const URI& uri() const ABSL_ATTRIBUTE_LIFETIME_BOUND;
  ParseError uri_error() const {
    (void)uri();
    return uri_error_;
  }

  std::string_view body() const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return body_.view();
  }
  bytes::ByteBuffer& body_buffer();
  void SetBody(std::string_view body);
  void AppendBody(std::string_view data);
  // Sets Content-Type (as Response::SetContentType).
  void SetContentType(std::string_view type) {
    header_.Set("Content-Type", type);
  }

  // The pairs of an application/x-www-form-urlencoded body (parsed once).
  const Args& PostArgs() const ABSL_ATTRIBUTE_LIFETIME_BOUND;

  // Reads header and body from `buf` (see the file comment). kIncomplete
  // until the whole body is there. `max_body_bytes` 0 means no limit.
  ParseResult Parse(std::string_view buf, uint64_t max_body_bytes = 0);

  void Reset();
  void CopyTo(Request& dst) const;
  // See the file comment. Nothing is written on error.
  [[nodiscard]] WireError AppendTo(bytes::ByteBuffer& out);

 private:
  RequestHeader header_;
  bytes::ByteBuffer body_;
  mutable URI uri_;
  mutable ParseError uri_error_ = ParseError::kNone;
  mutable bool uri_parsed_ = false;
  mutable Args post_args_;
  mutable bool post_args_parsed_ = false;
};

class Response {
 public:
  explicit Response(const HeaderLimits& limits = {}) : header_(limits) {}
  Response(Response&&) = default;
  Response& operator=(Response&&) = default;
  Response(const Response&) = delete;
  Response& operator=(const Response&) = delete;
  ~Response();

  ResponseHeader& header() { return header_; }
  const ResponseHeader& header() const { return header_; }
  int status_code() const { return header_.status_code(); }
  void SetStatusCode(int code) { header_.SetStatusCode(code); }
  void SetContentType(std::string_view type) { header_.SetContentType(type); }

  std::string_view body() const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return body_.view();
  }
  bytes::ByteBuffer& body_buffer();
  void SetBody(std::string_view body);
  void AppendBody(std::string_view data);

  // Reads a complete response from `buf`. A response delimited by the end of
  // the connection stays kIncomplete; the caller finishes it at EOF.
  ParseResult Parse(std::string_view buf, bool head_request,
                    uint64_t max_body_bytes = 0);

  void Reset();
  void CopyTo(Response& dst) const;
  // Serializes (see the file comment); `head_request` writes the header only
  // (with the Content-Length the body would have). 1xx and 204 carry no
  // Content-Length, 304 keeps the caller's. Nothing is written on error.
  [[nodiscard]] WireError AppendTo(bytes::ByteBuffer& out,
                                   bool head_request = false);

 private:
  ResponseHeader header_;
  bytes::ByteBuffer body_;
};

}  // namespace brisk::http

#endif  // BRISK_HTTP_MESSAGE_H_
