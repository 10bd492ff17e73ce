// File: http/request_header.h
//
// RequestHeader parses an HTTP/1.1 request line and header section
// incrementally, strictly (RFC 9110/9112: no request smuggling) and without
// copying, and builds one for a client.
//
// Parsing contract:
//   - Parse(buf) takes everything received so far on the connection, from
//     the first byte of this request. It returns kIncomplete (call again with
//     more bytes: only the new bytes are scanned until the section is
//     complete, so a slow sender costs no re-parsing), kDone with the bytes
//     the header took, or kError with a ParseError that names the status to
//     answer (400, 414, 431, 501, 505).
//   - Accessors return views into `buf`: valid until that buffer is changed,
//     moved or freed (for a server: until the next request on the
//     connection). Values set by code live in the header's own storage.
//   - Strict: no bare LF, no obs-fold, no whitespace before a colon, no
//     control bytes, exactly one SP between request-line parts, Host exactly
//     once in HTTP/1.1, no Content-Length with Transfer-Encoding, no
//     conflicting Content-Lengths, only `chunked` as transfer coding.
//     Empty lines before the request line are skipped (RFC 9112 §2.2).
//   - No allocation once warm: fields are kept in a vector whose capacity
//     survives Reset().
//
// Not thread-safe. Move-only; CopyTo() makes an independent deep copy.
//
// Example:
//   RequestHeader h;
//   ParseResult r = h.Parse(conn_buffer.view());
//   if (r.incomplete()) { /* read more */ }
//   else if (r.failed()) { Answer(StatusCodeFor(r.error)); }
//   else { Route(h.method(), h.request_uri()); body starts at r.consumed; }

#ifndef BRISK_HTTP_REQUEST_HEADER_H_
#define BRISK_HTTP_REQUEST_HEADER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/base/attributes.h"

#include "bytes/byte_buffer.h"
#include "http/header_fields.h"
#include "http/internal/field_parser.h"
#include "http/method.h"
#include "http/parse_error.h"

namespace brisk::http {

// Limits of a header section. Defaults next to fasthttp's.
struct HeaderLimits {
  // Request line (or status line) plus fields plus the blank line.
  // fasthttp: ReadBufferSize, 4096, which is also its buffer size; Node.js:
  // 16 KiB. Over it: 431.
  size_t max_header_bytes = 16 * 1024;
  // Request-target length. fasthttp: bounded only by the header limit;
  // nginx: 8 KiB (large_client_header_buffers). Over it: 414.
  size_t max_uri_bytes = 8 * 1024;
  // Field lines. fasthttp: unbounded; Node.js: 2000. Over it: 431.
  size_t max_fields = 128;
};

// How the body of a message is delimited.
enum class BodyFraming : uint8_t {
  kNone,           // no body
  kContentLength,  // content_length() bytes
  kChunked,        // chunked transfer coding
  kUntilClose,     // responses only: everything until the connection closes
};

class RequestHeader {
 public:
  explicit RequestHeader(const HeaderLimits& limits = {});
  RequestHeader(RequestHeader&&) = default;
  RequestHeader& operator=(RequestHeader&&) = default;
  RequestHeader(const RequestHeader&) = delete;
  RequestHeader& operator=(const RequestHeader&) = delete;

  // See the file comment. `buf` must start at this request's first byte and
  // hold the same bytes (plus new ones) on every call until kDone or kError.
  ParseResult Parse(std::string_view buf);
  // For a header that will never complete (the peer closed, or its time ran
  // out): the error Parse() would report once complete — the first one in
  // byte order in `buf` — or kNone. Parse() finds an error early only in
  // the bytes of its first call; this makes the verdict the same however
  // the bytes arrived. Resets the parse.
  ParseError FirstError(std::string_view buf);

  // Forgets the request; keeps capacity. Call before parsing the next one.
  void Reset();
  // Makes `dst` an independent copy (its own storage; no views into ours).
  void CopyTo(RequestHeader& dst) const;

  // Request line.
  std::string_view method() const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return fields_.View(method_);
  }
  Method method_id() const { return method_id_; }
  // The request-target exactly as received, e.g. "/a/b?c=d".
  std::string_view request_uri() const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return fields_.View(uri_);
  }
  // 0 for HTTP/1.0, 1 for HTTP/1.1.
  int http_minor() const { return http_minor_; }

  // Common fields, found without a scan. Empty when absent.
  std::string_view host() const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return ValueAt(host_);
  }
  std::string_view content_type() const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return ValueAt(content_type_);
  }
  std::string_view user_agent() const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return ValueAt(user_agent_);
  }
  std::string_view cookie() const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return ValueAt(cookie_);
  }
  // -1 when there is no Content-Length.
  int64_t content_length() const { return content_length_; }
  bool chunked() const { return chunked_; }
  BodyFraming framing() const;
  // Expect: 100-continue.
  bool expect_continue() const { return expect_continue_; }
  // Whether the client wants the connection kept open: HTTP/1.1 unless
  // "Connection: close"; HTTP/1.0 only with "Connection: keep-alive".
  bool keep_alive() const;
  bool connection_close() const { return connection_close_; }
  bool upgrade() const { return upgrade_; }

  // Every field, in arrival order, names as received.
  const HeaderFields& fields() const { return fields_; }
  std::string_view Peek(std::string_view name) const
      ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return fields_.Peek(name);
  }

  // Building (a client's request, or a proxy's edit). Values are copied.
  void SetMethod(std::string_view method);
  void SetRequestUri(std::string_view uri);
  void SetHttpMinor(int minor) { http_minor_ = minor; }
  void Set(std::string_view name, std::string_view value);
  void Add(std::string_view name, std::string_view value);
  void Del(std::string_view name);
  void SetContentLength(int64_t length);

  // Writes the request line, the fields and the blank line. Names are
  // written canonically (Content-Type) unless set_keep_name_case(true).
  // Every part is checked (http/wire.h): on an unsafe method, target, name
  // or value nothing is written and the error is returned.
  [[nodiscard]] WireError AppendTo(bytes::ByteBuffer& out) const;
  void set_keep_name_case(bool keep) { keep_name_case_ = keep; }

  const HeaderLimits& limits() const { return limits_; }
  void set_limits(const HeaderLimits& limits) { limits_ = limits; }

 private:
  ParseResult ParseComplete(std::string_view buf);
  ParseError OnField(std::string_view name, std::string_view value,
                     size_t index);
  ParseError Finish();
  void Reindex();  // recomputes the common-field cache after an edit
  std::string_view ValueAt(int index) const {
    return index < 0 ? std::string_view() : fields_[index].value;
  }

  HeaderLimits limits_;
  HeaderFields fields_;
  Slice method_;
  Slice uri_;
  Method method_id_ = Method::kOther;
  int http_minor_ = 1;
  size_t scanned_ = 0;  // bytes already searched for the end of the header

  int16_t host_ = -1;
  int16_t content_type_ = -1;
  int16_t user_agent_ = -1;
  int16_t cookie_ = -1;
  int64_t content_length_ = -1;
  bool chunked_ = false;
  bool expect_continue_ = false;
  bool connection_close_ = false;
  bool connection_keep_alive_ = false;
  bool upgrade_ = false;
  bool keep_name_case_ = false;
  int host_count_ = 0;
  http_internal::TransferCodings te_;
};

}  // namespace brisk::http

#endif  // BRISK_HTTP_REQUEST_HEADER_H_
