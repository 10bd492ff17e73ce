#include "http/request_header.h"

#include <array>
#include <utility>

#include "bytes/conv.h"
#include "http/internal/field_parser.h"
#include "http/internal/scanner.h"

namespace brisk::http {
namespace {

using http_internal::FindHeaderEnd;
using http_internal::FindTargetStop;
using http_internal::FindTokenStop;

// Bytes of a Host value: reg-name or IP-literal characters and a port.
constexpr std::array<bool, 256> kHostByte =
    http_internal::MakeAlnumTable("-._~%!$&'()*+,;=:[]");

bool IsValidHost(std::string_view host) {
  for (char c : host) {
    if (!kHostByte[static_cast<unsigned char>(c)]) {
      return false;
    }
  }
  return true;
}

}  // namespace

RequestHeader::RequestHeader(const HeaderLimits& limits) : limits_(limits) {}

void RequestHeader::Reset() {
  fields_.Reset();
  method_ = uri_ = Slice();
  method_id_ = Method::kOther;
  http_minor_ = 1;
  scanned_ = 0;
  host_ = content_type_ = user_agent_ = cookie_ = -1;
  content_length_ = -1;
  chunked_ = expect_continue_ = connection_close_ = false;
  connection_keep_alive_ = upgrade_ = false;
  host_count_ = 0;
  te_ = {};
}

ParseError RequestHeader::FirstError(std::string_view buf) {
  scanned_ = 0;
  ParseResult r = ParseComplete(buf);
  Reset();
  return r.failed() ? r.error : ParseError::kNone;
}

ParseResult RequestHeader::Parse(std::string_view buf) {
  return http_internal::ParseIncrementally(
      buf, scanned_, limits_.max_header_bytes,
      [this](std::string_view b) { return ParseComplete(b); });
}

ParseResult RequestHeader::ParseComplete(std::string_view buf) {
  // Start from a clean state: an incomplete attempt may have left fields.
  size_t scanned = scanned_;
  Reset();  // keeps limits and the name-case option
  scanned_ = scanned;
  fields_.SetSource(buf.data());
  fields_.Reserve(16);

  const char* const base = buf.data();
  const char* const end = base + buf.size();
  const char* p = base + http_internal::SkipLeadingCrlf(buf);
  if (p < end && *p == '\n') {
    return ParseResult::Error(ParseError::kBareLf);
  }
  // A lone CR may be the first half of an empty line before the request.
  if (end - p == 1 && *p == '\r') {
    return ParseResult::Incomplete();
  }

  // method SP
  const char* m = p;
  p = FindTokenStop(p, end);
  if (p == end) {
    return ParseResult::Incomplete();
  }
  if (*p != ' ' || p == m) {
    bool line_error = *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n';
    return ParseResult::Error(line_error ? ParseError::kBadRequestLine
                                         : ParseError::kBadMethod);
  }
  method_ = {static_cast<uint32_t>(m - base), static_cast<uint32_t>(p - m),
             false};
  method_id_ = ParseMethod(std::string_view(m, static_cast<size_t>(p - m)));
  ++p;

  // request-target SP
  const char* t = p;
  p = FindTargetStop(p, end);
  if (static_cast<size_t>(p - t) > limits_.max_uri_bytes) {
    return ParseResult::Error(ParseError::kUriTooLong);
  }
  if (p == end) {
    return ParseResult::Incomplete();
  }
  if (*p != ' ' || p == t) {
    unsigned char c = static_cast<unsigned char>(*p);
    bool line_error = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    return ParseResult::Error(line_error ? ParseError::kBadRequestLine
                                         : ParseError::kBadUri);
  }
  uri_ = {static_cast<uint32_t>(t - base), static_cast<uint32_t>(p - t), false};
  ++p;

  // HTTP-version CRLF
  if (end - p < 10) {
    // Fail early on what cannot become a version.
    std::string_view have(p, static_cast<size_t>(end - p));
    std::string_view want = "HTTP/";
    if (have.substr(0, want.size()) != want.substr(0, have.size())) {
      return ParseResult::Error(ParseError::kBadVersion);
    }
    return ParseResult::Incomplete();
  }
  int minor = 1;
  ParseError e = http_internal::ParseVersion(p, minor);
  if (e != ParseError::kNone) {
    return ParseResult::Error(e);
  }
  http_minor_ = minor;
  p += 8;
  if (p[0] != '\r') {
    return ParseResult::Error(p[0] == '\n' ? ParseError::kBareLf
                                           : ParseError::kBadRequestLine);
  }
  if (p[1] != '\n') {
    return ParseResult::Error(ParseError::kBadRequestLine);
  }
  p += 2;

  bool incomplete = false;
  e = http_internal::ParseFieldLines(
      p, base, end, limits_.max_fields, fields_, incomplete,
      [this](std::string_view name, std::string_view value, size_t index) {
        return OnField(name, value, index);
      });
  if (e != ParseError::kNone) {
    return ParseResult::Error(e);
  }
  if (incomplete) {
    return ParseResult::Incomplete();
  }
  e = Finish();
  if (e != ParseError::kNone) {
    return ParseResult::Error(e);
  }
  return ParseResult::Done(static_cast<size_t>(p - base));
}

ParseError RequestHeader::OnField(std::string_view name, std::string_view value,
                                  size_t index) {
  auto idx = static_cast<int16_t>(index);
  switch (name.size()) {
    case 4:
      if (http_internal::TokenEqualsLowercase(name, "host")) {
        if (++host_count_ > 1 || !IsValidHost(value)) {
          return ParseError::kBadHost;
        }
        host_ = idx;
      }
      break;
    case 6:
      if (http_internal::TokenEqualsLowercase(name, "cookie")) {
        if (cookie_ < 0) {
          cookie_ = idx;
        }
      } else if (http_internal::TokenEqualsLowercase(name, "expect")) {
        expect_continue_ = bytes::EqualsLowercase(value, "100-continue");
      }
      break;
    case 10:
      if (http_internal::TokenEqualsLowercase(name, "connection")) {
        http_internal::ConnectionTokens c;
        http_internal::OnConnection(value, c);
        connection_close_ |= c.close;
        connection_keep_alive_ |= c.keep_alive;
        upgrade_ |= c.upgrade;
      } else if (http_internal::TokenEqualsLowercase(name, "user-agent")) {
        user_agent_ = idx;
      }
      break;
    case 12:
      if (http_internal::TokenEqualsLowercase(name, "content-type")) {
        content_type_ = idx;
      }
      break;
    case 14:
      if (http_internal::TokenEqualsLowercase(name, "content-length")) {
        return http_internal::OnContentLength(value, content_length_);
      }
      break;
    case 17:
      if (http_internal::TokenEqualsLowercase(name, "transfer-encoding")) {
        return http_internal::OnTransferEncoding(value, te_);
      }
      break;
    default:
      break;
  }
  return ParseError::kNone;
}

ParseError RequestHeader::Finish() {
  // RFC 9112 §3.2: a 1.1 request has exactly one Host.
  if (http_minor_ == 1 && host_count_ == 0) {
    return ParseError::kMissingHost;
  }
  if (te_.present) {
    // RFC 9112 §6.1: TE in an HTTP/1.0 message means faulty framing.
    if (http_minor_ == 0) {
      return ParseError::kBadTransferEncoding;
    }
    // RFC 9112 §6.3: both framings at once is a smuggling attempt.
    if (content_length_ >= 0) {
      return ParseError::kContentLengthWithTransferEncoding;
    }
    // RFC 9112 §6.3: the final coding of a request must be chunked.
    if (!te_.chunked_last || te_.chunked_count > 1) {
      return ParseError::kBadTransferEncoding;
    }
    // brisk decodes no transfer coding but chunked (RFC 9112 §6.1: 501).
    if (te_.other) {
      return ParseError::kUnsupportedTransferEncoding;
    }
    chunked_ = true;
  }
  return ParseError::kNone;
}

BodyFraming RequestHeader::framing() const {
  if (chunked_) {
    return BodyFraming::kChunked;
  }
  if (content_length_ > 0) {
    return BodyFraming::kContentLength;
  }
  return BodyFraming::kNone;
}

bool RequestHeader::keep_alive() const {
  if (connection_close_) {
    return false;
  }
  return http_minor_ == 1 || connection_keep_alive_;
}

void RequestHeader::CopyTo(RequestHeader& dst) const {
  dst.Reset();
  dst.limits_ = limits_;
  dst.keep_name_case_ = keep_name_case_;
  dst.fields_.CopyFrom(fields_);
  dst.method_ = dst.fields_.Store(method());
  dst.uri_ = dst.fields_.Store(request_uri());
  dst.method_id_ = method_id_;
  dst.http_minor_ = http_minor_;
  dst.Reindex();
}

void RequestHeader::SetMethod(std::string_view method) {
  method_ = fields_.Store(method);
  method_id_ = ParseMethod(method);
}

void RequestHeader::SetRequestUri(std::string_view uri) {
  uri_ = fields_.Store(uri);
}

void RequestHeader::Set(std::string_view name, std::string_view value) {
  fields_.Set(name, value);
  if (http_internal::IsFramingOrCachedName(name)) {
    Reindex();
  }
}

void RequestHeader::Add(std::string_view name, std::string_view value) {
  fields_.Add(name, value);
  if (http_internal::IsFramingOrCachedName(name)) {
    Reindex();
  }
}

void RequestHeader::Del(std::string_view name) {
  if (fields_.Del(name) > 0 && http_internal::IsFramingOrCachedName(name)) {
    Reindex();
  }
}

void RequestHeader::SetContentLength(int64_t length) {
  if (length < 0) {
    Del("Content-Length");
    return;
  }
  // The cache is updated directly: a full Reindex() per response is waste.
  fields_.SetUint("Content-Length", static_cast<uint64_t>(length));
  content_length_ = length;
}

void RequestHeader::Reindex() {
  host_ = content_type_ = user_agent_ = cookie_ = -1;
  content_length_ = -1;
  chunked_ = expect_continue_ = connection_close_ = false;
  connection_keep_alive_ = upgrade_ = false;
  host_count_ = 0;
  te_ = {};
  for (size_t i = 0; i < fields_.size(); ++i) {
    HeaderFields::Field f = fields_[i];
    // Values set by code are trusted to be well-formed; errors are ignored.
    (void)OnField(f.name, f.value, i);
  }
  chunked_ = te_.present && te_.chunked_last;
}

WireError RequestHeader::AppendTo(bytes::ByteBuffer& out) const {
  const std::string_view m =
      method_.size == 0 ? std::string_view("GET") : method();
  const std::string_view target =
      uri_.size == 0 ? std::string_view("/") : request_uri();
  if (!IsToken(m)) {
    return WireError::kBadMethod;
  }
  if (!IsSafeRequestTarget(target)) {
    return WireError::kBadTarget;
  }
  const size_t mark = out.size();
  out.Append(m);
  out.Append(' ');
  out.Append(target);
  out.Append(http_minor_ == 0 ? std::string_view(" HTTP/1.0\r\n")
                              : std::string_view(" HTTP/1.1\r\n"));
  if (WireError w = fields_.AppendTo(out, !keep_name_case_);
      w != WireError::kNone) {
    out.Resize(mark);
    return w;
  }
  out.Append("\r\n");
  return WireError::kNone;
}

}  // namespace brisk::http
