#include "http/multipart.h"

#include <algorithm>

#include "bytes/conv.h"
#include "http/internal/scanner.h"

namespace brisk::http {
namespace {

// A parameter value as written: a token, or the inside of a quoted-string
// with its escapes still in place.
struct RawParam {
  std::string_view text;
  bool quoted = false;
};

// Parameter `key` of a value like "form-data; name=\"a\"; filename=b". In a
// quoted-string a backslash quotes the next byte (RFC 9110 §5.6.4), so `\"`
// neither ends the value nor starts a new parameter. An unterminated quoted
// string ends the search (not found).
RawParam FindParam(std::string_view header, std::string_view key) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t semi = header.find(';', pos);
    if (semi == std::string_view::npos) {
      return {};
    }
    pos = semi + 1;
    std::string_view rest = bytes::TrimLeftOws(header.substr(pos));
    size_t eq = rest.find('=');
    if (eq == std::string_view::npos) {
      return {};
    }
    std::string_view k = bytes::TrimOws(rest.substr(0, eq));
    std::string_view v = rest.substr(eq + 1);
    if (!v.empty() && v[0] == '"') {
      size_t i = 1;
      while (i < v.size() && v[i] != '"') {
        i += v[i] == '\\' ? 2 : 1;
      }
      if (i >= v.size()) {
        return {};
      }
      if (bytes::EqualsIgnoreCase(k, key)) {
        return {v.substr(1, i - 1), true};
      }
      pos = static_cast<size_t>(v.data() + i + 1 - header.data());
      continue;
    }
    v = bytes::TrimOws(v.substr(0, v.find(';')));
    if (bytes::EqualsIgnoreCase(k, key)) {
      return {v, false};
    }
    pos = static_cast<size_t>(v.data() + v.size() - header.data());
  }
  return {};
}

// The value of parameter `key` into `out` (empty when absent), unescaped.
void CopyParam(std::string_view header, std::string_view key,
               std::string& out) {
  out.clear();
  RawParam p = FindParam(header, key);
  if (!p.quoted) {
    out.append(p.text);
    return;
  }
  for (size_t i = 0; i < p.text.size(); ++i) {
    // FindParam saw the closing quote, so an escape is never the last byte.
    if (p.text[i] == '\\') {
      ++i;
    }
    out += p.text[i];
  }
}

}  // namespace

MultipartReader::MultipartReader(std::string_view boundary,
                                 const MultipartLimits& limits)
    : delimiter_("\r\n--" + std::string(boundary)), limits_(limits) {}

std::string_view MultipartReader::BoundaryOf(std::string_view content_type) {
  std::string_view type =
      bytes::TrimOws(content_type.substr(0, content_type.find(';')));
  if (type.size() < 10 ||
      !bytes::EqualsIgnoreCase(type.substr(0, 10), "multipart/")) {
    return {};
  }
  RawParam b = FindParam(content_type, "boundary");
  // RFC 2046: 1 to 70 characters, none of which needs a backslash escape;
  // an escaped boundary is refused rather than returned still escaped.
  if (b.text.size() > 70 ||
      (b.quoted && b.text.find('\\') != std::string_view::npos)) {
    return {};
  }
  return b.text;
}

void MultipartReader::Reset() {
  state_ = State::kStart;
  parts_ = 0;
  fields_.Reset();
}

ParseError MultipartReader::ParsePartHeaders(std::string_view block,
                                             MultipartHandler& h) {
  fields_.Reset();
  while (!block.empty()) {
    size_t eol = block.find("\r\n");
    std::string_view line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view()
                                          : block.substr(eol + 2);
    if (line.empty()) {
      continue;
    }
    size_t colon = 0;
    while (colon < line.size() && http_internal::IsTchar(line[colon])) {
      ++colon;
    }
    if (colon == 0 || colon == line.size() || line[colon] != ':') {
      return ParseError::kBadMultipart;
    }
    std::string_view value = bytes::TrimOws(line.substr(colon + 1));
    for (char c : value) {
      if (!http_internal::IsFieldValueByte(c) && c != '\t') {
        return ParseError::kBadMultipart;
      }
    }
    fields_.Add(line.substr(0, colon), value);
  }
  std::string_view disposition = fields_.Peek("Content-Disposition");
  std::string_view kind =
      bytes::TrimOws(disposition.substr(0, disposition.find(';')));
  if (!bytes::EqualsIgnoreCase(kind, "form-data")) {
    return ParseError::kBadMultipart;
  }
  CopyParam(disposition, "name", name_);
  CopyParam(disposition, "filename", filename_);
  MultipartPart part{fields_, name_, filename_, fields_.Peek("Content-Type")};
  if (!h.OnPartBegin(part)) {
    return ParseError::kBadMultipart;
  }
  return ParseError::kNone;
}

DecodeResult MultipartReader::Feed(std::string_view in,
                                   MultipartHandler& handler) {
  size_t pos = 0;
  auto fail = [] {
    return DecodeResult{ParseStatus::kError, ParseError::kBadMultipart, 0};
  };
  auto more = [&pos] {
    return DecodeResult{ParseStatus::kIncomplete, ParseError::kNone, pos};
  };
  // "--boundary" is the delimiter without its leading CRLF.
  const std::string_view dash_boundary = std::string_view(delimiter_).substr(2);
  for (;;) {
    std::string_view rest = in.substr(pos);
    switch (state_) {
      case State::kStart: {
        // Only at offset 0 may the first boundary come without a CRLF
        // before it. Wait until enough bytes decide, whatever the split.
        const size_t n = std::min(rest.size(), dash_boundary.size());
        if (rest.substr(0, n) != dash_boundary.substr(0, n)) {
          state_ = State::kPreamble;
          break;
        }
        if (n < dash_boundary.size()) {
          return more();
        }
        pos += n;
        state_ = State::kAfterBoundary;
        break;
      }
      case State::kPreamble: {
        // Past offset 0 a boundary only counts at the start of a line.
        size_t at = rest.find(delimiter_);
        if (at == std::string_view::npos) {
          // Keep a tail that may be a delimiter's start.
          if (rest.size() >= delimiter_.size()) {
            pos += rest.size() - (delimiter_.size() - 1);
          }
          return more();
        }
        pos += at + delimiter_.size();
        state_ = State::kAfterBoundary;
        break;
      }
      case State::kAfterBoundary: {
        // "--" closes the body; anything else is padding and CRLF.
        if (rest.size() < 2) {
          return more();
        }
        if (rest[0] == '-' && rest[1] == '-') {
          pos += 2;
          state_ = State::kEpilogue;
          break;
        }
        state_ = State::kPadding;
        break;
      }
      case State::kPadding: {
        // Transport padding (RFC 2046 §5.1.1) is consumed as it comes, so
        // it is never buffered; then CRLF.
        size_t i = 0;
        while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t')) {
          ++i;
        }
        pos += i;
        rest.remove_prefix(i);
        if (rest.empty()) {
          return more();
        }
        if (rest[0] != '\r') {
          return fail();
        }
        if (rest.size() < 2) {
          return more();
        }
        if (rest[1] != '\n') {
          return fail();
        }
        pos += 2;
        if (++parts_ > limits_.max_parts) {
          return fail();
        }
        state_ = State::kHeaders;
        break;
      }
      case State::kHeaders: {
        // A part with no fields starts with the blank line at once.
        bool no_fields = rest.substr(0, 2) == "\r\n";
        size_t end = no_fields ? 0 : rest.find("\r\n\r\n");
        size_t block_len = end;
        size_t skip = no_fields ? 2 : end + 4;
        if (end == std::string_view::npos) {
          // Up to 3 bytes of the blank line may be here already: fail only
          // once the block itself must be over the limit, as when whole.
          if (rest.size() > limits_.max_part_header_bytes + 3) {
            return fail();
          }
          return more();
        }
        if (block_len > limits_.max_part_header_bytes) {
          return fail();
        }
        if (ParsePartHeaders(rest.substr(0, block_len), handler) !=
            ParseError::kNone) {
          return fail();
        }
        pos += skip;
        state_ = State::kData;
        break;
      }
      case State::kData: {
        size_t at = rest.find(delimiter_);
        if (at == std::string_view::npos) {
          // Everything but a tail that may be a delimiter's start is data.
          size_t safe = rest.size() >= delimiter_.size()
                            ? rest.size() - (delimiter_.size() - 1)
                            : 0;
          if (safe > 0) {
            if (!handler.OnPartData(rest.substr(0, safe))) {
              return fail();
            }
            pos += safe;
          }
          return more();
        }
        if (at > 0 && !handler.OnPartData(rest.substr(0, at))) {
          return fail();
        }
        if (!handler.OnPartEnd()) {
          return fail();
        }
        pos += at + delimiter_.size();
        state_ = State::kAfterBoundary;
        break;
      }
      case State::kEpilogue:
        // Anything after the closing boundary is ignored (RFC 2046).
        return DecodeResult{ParseStatus::kDone, ParseError::kNone, in.size()};
    }
  }
}

}  // namespace brisk::http
