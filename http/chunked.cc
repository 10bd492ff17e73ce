#include "http/chunked.h"

#include <algorithm>
#include <cstring>

#include "bytes/conv.h"
#include "http/internal/scanner.h"

namespace brisk::http {
namespace {

using http_internal::IsFieldValueByte;

// Finds the CRLF that ends the line starting at `in`; returns the line length
// (without CRLF), or npos if no LF yet. Sets `bare_lf` if the LF has no CR.
size_t FindLineEnd(std::string_view in, bool& bare_lf) {
  if (in.empty()) {
    return std::string_view::npos;  // memchr may not see a null pointer
  }
  const void* nl = std::memchr(in.data(), '\n', in.size());
  if (nl == nullptr) {
    return std::string_view::npos;
  }
  size_t i = static_cast<size_t>(static_cast<const char*>(nl) - in.data());
  if (i == 0 || in[i - 1] != '\r') {
    bare_lf = true;
    return std::string_view::npos;
  }
  return i - 1;
}

}  // namespace

void ChunkedDecoder::Reset() {
  state_ = State::kSize;
  remaining_ = 0;
  decoded_ = 0;
  trailer_bytes_ = 0;
  trailers_.Reset();
}

ParseError ChunkedDecoder::ParseSizeLine(std::string_view line) {
  // chunk-size [ chunk-ext ]: 1*HEXDIG, then *( BWS ";" BWS name [ BWS "="
  // BWS value ] ). Extensions are skipped, but must hold no control bytes.
  size_t i = 0;
  while (i < line.size() &&
         bytes::bytes_internal::kCharTables
                 .hex_value[static_cast<unsigned char>(line[i])] !=
             bytes::bytes_internal::kNotHex) {
    ++i;
  }
  if (i == 0) {
    return ParseError::kBadChunk;
  }
  std::optional<uint64_t> size = bytes::ParseHex(line.substr(0, i));
  if (!size || *size > (uint64_t{1} << 63) - 1) {
    return ParseError::kBadChunk;
  }
  std::string_view ext = bytes::TrimLeftOws(line.substr(i));
  if (!ext.empty()) {
    if (ext[0] != ';') {
      return ParseError::kBadChunk;
    }
    for (char c : ext) {
      if (!IsFieldValueByte(c) && c != '\t') {
        return ParseError::kBadChunk;
      }
    }
  }
  remaining_ = *size;
  return ParseError::kNone;
}

ParseError ChunkedDecoder::ParseTrailerLine(std::string_view line) {
  // field-name ":" OWS field-value OWS, as in a header section.
  size_t colon = 0;
  while (colon < line.size() && http_internal::IsTchar(line[colon])) {
    ++colon;
  }
  if (colon == 0 || colon == line.size() || line[colon] != ':') {
    return ParseError::kBadChunk;
  }
  std::string_view value = bytes::TrimOws(line.substr(colon + 1));
  for (char c : value) {
    if (!IsFieldValueByte(c) && c != '\t') {
      return ParseError::kBadChunk;
    }
  }
  trailers_.Add(line.substr(0, colon), value);
  return ParseError::kNone;
}

DecodeResult ChunkedDecoder::Decode(std::string_view in,
                                    bytes::ByteBuffer& out) {
  size_t pos = 0;
  auto result = [&pos](ParseStatus s, ParseError e = ParseError::kNone) {
    return DecodeResult{s, e, pos};
  };
  auto fail = [](ParseError e) {
    return DecodeResult{ParseStatus::kError, e, 0};
  };
  while (state_ != State::kDone) {
    std::string_view rest = in.substr(pos);
    switch (state_) {
      case State::kSize: {
        bool bare_lf = false;
        size_t n = FindLineEnd(rest, bare_lf);
        if (bare_lf) {
          return fail(ParseError::kBadChunk);
        }
        if (n == std::string_view::npos) {
          if (rest.size() > limits_.max_line_bytes) {
            return fail(ParseError::kBadChunk);
          }
          return result(ParseStatus::kIncomplete);
        }
        if (n > limits_.max_line_bytes) {
          return fail(ParseError::kBadChunk);
        }
        ParseError e = ParseSizeLine(rest.substr(0, n));
        if (e != ParseError::kNone) {
          return fail(e);
        }
        if (remaining_ != 0 && limits_.max_body_bytes != 0 &&
            remaining_ > limits_.max_body_bytes - decoded_) {
          // Consumed up to this size line, which stays unread: after
          // set_limits() with a higher limit, decoding goes on from it.
          return result(ParseStatus::kError, ParseError::kBodyTooLarge);
        }
        pos += n + 2;
        state_ = remaining_ == 0 ? State::kTrailer : State::kData;
        break;
      }
      case State::kData: {
        if (rest.empty()) {
          return result(ParseStatus::kIncomplete);
        }
        size_t n =
            static_cast<size_t>(std::min<uint64_t>(remaining_, rest.size()));
        out.Append(rest.substr(0, n));
        pos += n;
        remaining_ -= n;
        decoded_ += n;
        if (remaining_ == 0) {
          state_ = State::kDataEnd;
        }
        break;
      }
      case State::kDataEnd: {
        if (rest.size() < 2) {
          if (!rest.empty() && rest[0] != '\r') {
            return fail(ParseError::kBadChunk);
          }
          return result(ParseStatus::kIncomplete);
        }
        if (rest[0] != '\r' || rest[1] != '\n') {
          return fail(ParseError::kBadChunk);
        }
        pos += 2;
        state_ = State::kSize;
        break;
      }
      case State::kTrailer: {
        bool bare_lf = false;
        size_t n = FindLineEnd(rest, bare_lf);
        if (bare_lf) {
          return fail(ParseError::kBadChunk);
        }
        if (n == std::string_view::npos) {
          if (trailer_bytes_ + rest.size() > limits_.max_trailer_bytes) {
            return fail(ParseError::kHeaderTooLarge);
          }
          return result(ParseStatus::kIncomplete);
        }
        trailer_bytes_ += n + 2;
        if (trailer_bytes_ > limits_.max_trailer_bytes) {
          return fail(ParseError::kHeaderTooLarge);
        }
        pos += n + 2;
        if (n == 0) {
          state_ = State::kDone;
          break;
        }
        std::string_view line = rest.substr(0, n);
        if (line[0] == ' ' || line[0] == '\t') {
          return fail(ParseError::kBadChunk);
        }
        ParseError e = ParseTrailerLine(line);
        if (e != ParseError::kNone) {
          return fail(e);
        }
        break;
      }
      case State::kDone:
        break;
    }
  }
  return result(ParseStatus::kDone);
}

void AppendChunk(bytes::ByteBuffer& out, std::string_view data) {
  if (data.empty()) {
    return;
  }
  bytes::AppendHex(out, data.size());
  out.Append("\r\n");
  out.Append(data);
  out.Append("\r\n");
}

WireError AppendLastChunk(bytes::ByteBuffer& out,
                          const HeaderFields* trailers) {
  const size_t mark = out.size();
  out.Append("0\r\n");
  if (trailers != nullptr) {
    if (WireError w = trailers->AppendTo(out, /*canonical=*/false);
        w != WireError::kNone) {
      out.Resize(mark);
      return w;
    }
  }
  out.Append("\r\n");
  return WireError::kNone;
}

}  // namespace brisk::http
