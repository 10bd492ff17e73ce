#include "http/response_header.h"

#include "bytes/conv.h"
#include "http/internal/field_parser.h"
#include "http/status_code.h"

namespace brisk::http {

ResponseHeader::ResponseHeader(const HeaderLimits& limits) : limits_(limits) {}

void ResponseHeader::Reset() {
  fields_.Reset();
  reason_ = Slice();
  status_code_ = 200;
  http_minor_ = 1;
  scanned_ = 0;
  content_type_ = -1;
  content_length_ = -1;
  keep_alive_timeout_ = -1;
  chunked_ = connection_close_ = connection_keep_alive_ = false;
  te_ = {};
}

ParseError ResponseHeader::FirstError(std::string_view buf) {
  scanned_ = 0;
  ParseResult r = ParseComplete(buf);
  Reset();
  return r.failed() ? r.error : ParseError::kNone;
}

ParseResult ResponseHeader::Parse(std::string_view buf) {
  return http_internal::ParseIncrementally(
      buf, scanned_, limits_.max_header_bytes,
      [this](std::string_view b) { return ParseComplete(b); });
}

ParseResult ResponseHeader::ParseComplete(std::string_view buf) {
  size_t scanned = scanned_;
  Reset();
  scanned_ = scanned;
  fields_.SetSource(buf.data());
  fields_.Reserve(16);
  const char* const base = buf.data();
  const char* const end = base + buf.size();
  const char* p = base;

  // HTTP-version SP 3DIGIT SP reason CRLF. Some servers omit the SP before
  // an empty reason; that one leniency is accepted.
  if (end - p < 12) {
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
  if (p[0] != ' ') {
    return ParseResult::Error(ParseError::kBadStatusLine);
  }
  ++p;
  int code = 0;
  for (int i = 0; i < 3; ++i) {
    unsigned d = static_cast<unsigned char>(p[i]) - unsigned{'0'};
    if (d > 9) {
      return ParseResult::Error(ParseError::kBadStatusLine);
    }
    code = code * 10 + static_cast<int>(d);
  }
  if (code < 100) {
    return ParseResult::Error(ParseError::kBadStatusLine);
  }
  status_code_ = code;
  p += 3;
  if (p == end) {
    return ParseResult::Incomplete();  // found by the fuzzer
  }
  const char* reason = p;
  if (*p == ' ') {
    reason = ++p;
    for (;;) {
      p = http_internal::FindFieldValueStop(p, end);
      if (p < end && *p == '\t') {
        ++p;
        continue;
      }
      break;
    }
  }
  if (p == end || (*p == '\r' && end - p < 2)) {
    return ParseResult::Incomplete();
  }
  if (*p == '\n') {
    return ParseResult::Error(ParseError::kBareLf);
  }
  if (*p != '\r' || p[1] != '\n') {
    return ParseResult::Error(ParseError::kBadStatusLine);
  }
  reason_ = {static_cast<uint32_t>(reason - base),
             static_cast<uint32_t>(p - reason), false};
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
  if (te_.present) {
    if (content_length_ >= 0) {
      return ParseResult::Error(ParseError::kContentLengthWithTransferEncoding);
    }
    if (te_.chunked_count > 1) {
      return ParseResult::Error(ParseError::kBadTransferEncoding);
    }
    if (te_.chunked_last && te_.other) {
      return ParseResult::Error(ParseError::kUnsupportedTransferEncoding);
    }
    chunked_ = te_.chunked_last;
  }
  return ParseResult::Done(static_cast<size_t>(p - base));
}

ParseError ResponseHeader::OnField(std::string_view name,
                                   std::string_view value, size_t index) {
  switch (name.size()) {
    case 10:
      if (http_internal::TokenEqualsLowercase(name, "connection")) {
        http_internal::ConnectionTokens c;
        http_internal::OnConnection(value, c);
        connection_close_ |= c.close;
        connection_keep_alive_ |= c.keep_alive;
      } else if (http_internal::TokenEqualsLowercase(name, "keep-alive")) {
        // Keep-Alive: timeout=5, max=1000
        size_t at = 0;
        while (at < value.size()) {
          size_t comma = value.find(',', at);
          std::string_view param = bytes::TrimOws(value.substr(
              at, comma == std::string_view::npos ? value.npos : comma - at));
          if (param.size() > 8 &&
              bytes::EqualsLowercase(param.substr(0, 8), "timeout=")) {
            std::optional<uint64_t> t = bytes::ParseUint(param.substr(8));
            if (t && *t < (1u << 30)) {
              keep_alive_timeout_ = static_cast<int>(*t);
            }
          }
          if (comma == std::string_view::npos) {
            break;
          }
          at = comma + 1;
        }
      }
      break;
    case 12:
      if (http_internal::TokenEqualsLowercase(name, "content-type")) {
        content_type_ = static_cast<int16_t>(index);
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

BodyFraming ResponseHeader::framing(bool head_request) const {
  if (head_request || StatusHasNoBody(status_code_)) {
    return BodyFraming::kNone;
  }
  if (chunked_) {
    return BodyFraming::kChunked;
  }
  if (te_.present) {
    return BodyFraming::kUntilClose;  // RFC 9112 §6.3 rule 4
  }
  if (content_length_ == 0) {
    return BodyFraming::kNone;
  }
  if (content_length_ > 0) {
    return BodyFraming::kContentLength;
  }
  return BodyFraming::kUntilClose;
}

bool ResponseHeader::keep_alive() const {
  if (connection_close_) {
    return false;
  }
  return http_minor_ == 1 || connection_keep_alive_;
}

void ResponseHeader::CopyTo(ResponseHeader& dst) const {
  dst.Reset();
  dst.limits_ = limits_;
  dst.keep_name_case_ = keep_name_case_;
  dst.fields_.CopyFrom(fields_);
  dst.reason_ = dst.fields_.Store(reason());
  dst.status_code_ = status_code_;
  dst.http_minor_ = http_minor_;
  dst.Reindex();
}

void ResponseHeader::Set(std::string_view name, std::string_view value) {
  fields_.Set(name, value);
  if (http_internal::IsFramingOrCachedName(name)) {
    Reindex();
  }
}

void ResponseHeader::Add(std::string_view name, std::string_view value) {
  fields_.Add(name, value);
  if (http_internal::IsFramingOrCachedName(name)) {
    Reindex();
  }
}

void ResponseHeader::Del(std::string_view name) {
  if (fields_.Del(name) > 0 && http_internal::IsFramingOrCachedName(name)) {
    Reindex();
  }
}

void ResponseHeader::SetContentLength(int64_t length) {
  if (length < 0) {
    Del("Content-Length");
    return;
  }
  // The cache is updated directly: a full Reindex() per response is waste.
  fields_.SetUint("Content-Length", static_cast<uint64_t>(length));
  content_length_ = length;
}

void ResponseHeader::Reindex() {
  content_type_ = -1;
  content_length_ = -1;
  keep_alive_timeout_ = -1;
  chunked_ = connection_close_ = connection_keep_alive_ = false;
  te_ = {};
  for (size_t i = 0; i < fields_.size(); ++i) {
    HeaderFields::Field f = fields_[i];
    (void)OnField(f.name, f.value, i);
  }
  chunked_ = te_.present && te_.chunked_last;
}

WireError ResponseHeader::AppendTo(bytes::ByteBuffer& out) const {
  const size_t mark = out.size();
  WireError w = AppendStatusLine(out, http_minor_, status_code_, reason());
  if (w == WireError::kNone) {
    w = fields_.AppendTo(out, !keep_name_case_);
  }
  if (w != WireError::kNone) {
    out.Resize(mark);
    return w;
  }
  out.Append("\r\n");
  return WireError::kNone;
}

}  // namespace brisk::http
