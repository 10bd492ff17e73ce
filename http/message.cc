#include "http/message.h"

#include <utility>

#include "bytes/byte_buffer_pool.h"
#include "bytes/conv.h"
#include "http/body_reader.h"
#include "http/status_code.h"

namespace brisk::http {
namespace {

// Hands a large body back to the pool (see kMaxRetainedBodyBytes).
void ResetBody(bytes::ByteBuffer& body) {
  if (body.capacity() > kMaxRetainedBodyBytes) {
    bytes::ByteBufferPool::Default().Put(std::move(body));
    body = bytes::ByteBuffer();
  } else {
    body.Reset();
  }
}

// A body buffer with no storage takes one from the pool.
bytes::ByteBuffer& Ready(bytes::ByteBuffer& body) {
  if (body.capacity() == 0) {
    body = bytes::ByteBufferPool::Default().Get();
  }
  return body;
}

// Reads header and body from `buf` with `header.Parse` and a BodyReader.
template <typename Header, typename FramingFn>
ParseResult ParseMessage(Header& header, bytes::ByteBuffer& body,
                         std::string_view buf, uint64_t max_body,
                         FramingFn framing_of) {
  ParseResult r = header.Parse(buf);
  if (!r.done()) {
    return r;
  }
  BodyReader reader;
  ParseError e =
      reader.Start(framing_of(header), header.content_length(), max_body);
  if (e != ParseError::kNone) {
    return ParseResult::Error(e);
  }
  body.Reset();
  DecodeResult d = reader.Read(buf.substr(r.consumed), Ready(body));
  if (d.failed()) {
    return ParseResult::Error(d.error);
  }
  if (!d.done()) {
    return ParseResult::Incomplete();
  }
  return ParseResult::Done(r.consumed + d.consumed);
}

}  // namespace

Request::~Request() = default;
Response::~Response() = default;

const URI& Request::uri() const {
  if (!uri_parsed_) {
    uri_error_ = uri_.Parse(header_.request_uri(), header_.host());
    uri_parsed_ = true;
  }
  return uri_;
}

bytes::ByteBuffer& Request::body_buffer() {
  return Ready(body_);
}

void Request::SetBody(std::string_view body) {
  Ready(body_).Assign(body);
  post_args_parsed_ = false;
}

void Request::AppendBody(std::string_view data) {
  Ready(body_).Append(data);
  post_args_parsed_ = false;
}

const Args& Request::PostArgs() const {
  if (!post_args_parsed_) {
    post_args_.Reset();
    std::string_view type = header_.content_type();
    type = type.substr(0, type.find(';'));
    if (bytes::EqualsIgnoreCase(bytes::TrimOws(type),
                                "application/x-www-form-urlencoded")) {
      post_args_.Parse(body_.view());
    }
    post_args_parsed_ = true;
  }
  return post_args_;
}

ParseResult Request::Parse(std::string_view buf, uint64_t max_body_bytes) {
  uri_parsed_ = post_args_parsed_ = false;
  return ParseMessage(header_, body_, buf, max_body_bytes,
                      [](const RequestHeader& h) { return h.framing(); });
}

void Request::Reset() {
  header_.Reset();
  ResetBody(body_);
  uri_parsed_ = post_args_parsed_ = false;
  uri_error_ = ParseError::kNone;
}

void Request::CopyTo(Request& dst) const {
  header_.CopyTo(dst.header_);
  dst.SetBody(body());
  dst.uri_parsed_ = dst.post_args_parsed_ = false;
}

WireError Request::AppendTo(bytes::ByteBuffer& out) {
  // The body is always sent whole: a caller's Transfer-Encoding would make
  // the peer decode raw bytes as chunks (a smuggling gadget for a proxy).
  // A caller's Content-Length (even one that does not parse) is replaced.
  const bool had_coding = header_.fields().Has("Transfer-Encoding");
  const bool had_length = header_.fields().Has("Content-Length");
  if (had_coding) {
    header_.Del("Transfer-Encoding");
  }
  const Method m = header_.method_id();
  if (!body_.empty() || had_length || had_coding || m == Method::kPost ||
      m == Method::kPut || m == Method::kPatch) {
    header_.SetContentLength(static_cast<int64_t>(body_.size()));
  }
  WireError w = header_.AppendTo(out);
  if (w == WireError::kNone) {
    out.Append(body_.view());
  }
  return w;
}

bytes::ByteBuffer& Response::body_buffer() {
  return Ready(body_);
}

void Response::SetBody(std::string_view body) {
  Ready(body_).Assign(body);
}

void Response::AppendBody(std::string_view data) {
  Ready(body_).Append(data);
}

ParseResult Response::Parse(std::string_view buf, bool head_request,
                            uint64_t max_body_bytes) {
  return ParseMessage(header_, body_, buf, max_body_bytes,
                      [head_request](const ResponseHeader& h) {
                        return h.framing(head_request);
                      });
}

void Response::Reset() {
  header_.Reset();
  ResetBody(body_);
}

void Response::CopyTo(Response& dst) const {
  header_.CopyTo(dst.header_);
  dst.SetBody(body());
}

WireError Response::AppendTo(bytes::ByteBuffer& out, bool head_request) {
  const int code = header_.status_code();
  if (header_.fields().Has("Transfer-Encoding")) {
    header_.Del("Transfer-Encoding");  // the body is sent whole
  }
  // SetContentLength replaces every Content-Length field, parsable or not.
  if (!StatusHasNoBody(code)) {
    header_.SetContentLength(static_cast<int64_t>(body_.size()));
  } else if (code < 200 || code == 204 || header_.content_length() < 0) {
    // RFC 9110 §8.6: none for 1xx and 204; a 304 keeps only a valid one.
    header_.SetContentLength(-1);
  }
  WireError w = header_.AppendTo(out);
  if (w == WireError::kNone && !head_request && !StatusHasNoBody(code)) {
    out.Append(body_.view());
  }
  return w;
}

}  // namespace brisk::http
