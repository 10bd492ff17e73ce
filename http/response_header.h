// File: http/response_header.h
//
// ResponseHeader parses an HTTP/1.1 status line and header section (for a
// client) and builds one (for a server). The parsing contract is
// RequestHeader's (see request_header.h): incremental, strict, zero-copy,
// views valid until the caller's buffer changes, no allocation once warm.
//
// A server builds its response with SetStatusCode / Set / SetContentLength
// and AppendTo(); the status line comes from a precomputed table.
//
// Not thread-safe. Move-only; CopyTo() makes an independent deep copy.

#ifndef BRISK_HTTP_RESPONSE_HEADER_H_
#define BRISK_HTTP_RESPONSE_HEADER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/base/attributes.h"

#include "bytes/byte_buffer.h"
#include "http/header_fields.h"
#include "http/internal/field_parser.h"
#include "http/parse_error.h"
#include "http/request_header.h"

namespace brisk::http {

class ResponseHeader {
 public:
  explicit ResponseHeader(const HeaderLimits& limits = {});
  ResponseHeader(ResponseHeader&&) = default;
  ResponseHeader& operator=(ResponseHeader&&) = default;
  ResponseHeader(const ResponseHeader&) = delete;
  ResponseHeader& operator=(const ResponseHeader&) = delete;

  // As RequestHeader::Parse; the errors are kBadStatusLine, kBadVersion,
  // kUnsupportedVersion and the field errors.
  ParseResult Parse(std::string_view buf);
  // For a header that will never complete (the peer closed, or its time ran
  // out): the error Parse() would report once complete — the first one in
  // byte order in `buf` — or kNone. Parse() finds an error early only in
  // the bytes of its first call; this makes the verdict the same however
  // the bytes arrived. Resets the parse.
  ParseError FirstError(std::string_view buf);
  // Forgets the response; status 200; keeps capacity and options.
  void Reset();
  void CopyTo(ResponseHeader& dst) const;

  int status_code() const { return status_code_; }
  std::string_view reason() const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return fields_.View(reason_);
  }
  int http_minor() const { return http_minor_; }

  // -1 when there is no Content-Length.
  int64_t content_length() const { return content_length_; }
  bool chunked() const { return chunked_; }
  std::string_view content_type() const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return content_type_ < 0 ? std::string_view()
                             : fields_[content_type_].value;
  }
  // How the body is delimited; `head_request` when answering a HEAD.
  BodyFraming framing(bool head_request) const;
  // Whether the server keeps the connection open after this response.
  bool keep_alive() const;
  bool connection_close() const { return connection_close_; }
  // The server's idle timeout from `Keep-Alive: timeout=N`, in seconds;
  // -1 if absent.
  int keep_alive_timeout() const { return keep_alive_timeout_; }

  const HeaderFields& fields() const { return fields_; }
  std::string_view Peek(std::string_view name) const
      ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return fields_.Peek(name);
  }

  // Building. Values are copied.
  void SetStatusCode(int code) { status_code_ = code; }
  void Set(std::string_view name, std::string_view value);
  void Add(std::string_view name, std::string_view value);
  void Del(std::string_view name);
  void SetContentLength(int64_t length);
  void SetContentType(std::string_view type) {
    fields_.Set("Content-Type", type);
    content_type_ = static_cast<int16_t>(fields_.Find("Content-Type"));
  }
  void SetConnectionClose() { Set("Connection", "close"); }

  // Writes the status line, the fields and the blank line. Every part is
  // checked (http/wire.h): on an unsafe reason, name or value nothing is
  // written and the error is returned.
  [[nodiscard]] WireError AppendTo(bytes::ByteBuffer& out) const;
  void set_keep_name_case(bool keep) { keep_name_case_ = keep; }
  void set_limits(const HeaderLimits& limits) { limits_ = limits; }

 private:
  ParseResult ParseComplete(std::string_view buf);
  ParseError OnField(std::string_view name, std::string_view value,
                     size_t index);
  void Reindex();

  HeaderLimits limits_;
  HeaderFields fields_;
  Slice reason_;
  int status_code_ = 200;
  int http_minor_ = 1;
  size_t scanned_ = 0;
  int16_t content_type_ = -1;
  int64_t content_length_ = -1;
  int keep_alive_timeout_ = -1;
  bool chunked_ = false;
  bool connection_close_ = false;
  bool connection_keep_alive_ = false;
  bool keep_name_case_ = false;
  http_internal::TransferCodings te_;
};

}  // namespace brisk::http

#endif  // BRISK_HTTP_RESPONSE_HEADER_H_
