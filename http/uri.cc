#include "http/uri.h"

#include <cstring>

#include "bytes/conv.h"
#include "bytes/internal/char_tables.h"

namespace brisk::http {
namespace {

bool IsSchemeByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

uint8_t HexValue(char c) {
  return bytes::bytes_internal::kCharTables
      .hex_value[static_cast<unsigned char>(c)];
}

}  // namespace

void URI::Reset() {
  scheme_ = host_ = path_original_ = query_ = {};
  asterisk_ = authority_form_ = false;
  path_.Reset();
  args_.Reset();
  args_parsed_ = false;
}

ParseError URI::Parse(std::string_view target, std::string_view host_header) {
  Reset();
  if (target.empty()) {
    return ParseError::kBadUri;
  }
  // A fragment is never part of a request-target; drop it if sent.
  target = target.substr(0, target.find('#'));
  if (target == "*") {
    asterisk_ = true;
    path_original_ = target;
    path_.Append('*');
    host_ = host_header;
    return ParseError::kNone;
  }
  std::string_view rest = target;
  if (target[0] != '/') {
    size_t colon = target.find("://");
    bool absolute = colon != std::string_view::npos && colon > 0;
    for (size_t i = 0; absolute && i < colon; ++i) {
      absolute = IsSchemeByte(target[i]);
    }
    if (absolute) {
      scheme_ = target.substr(0, colon);
      rest = target.substr(colon + 3);
      size_t end = rest.find_first_of("/?");
      host_ = rest.substr(0, end);
      if (host_.empty() || host_.find('@') != std::string_view::npos) {
        return ParseError::kBadUri;  // userinfo is deprecated (RFC 9110 §4.2.4)
      }
      rest =
          end == std::string_view::npos ? std::string_view() : rest.substr(end);
    } else {
      // authority-form (CONNECT host:port): no path.
      if (target.find_first_of("/?@") != std::string_view::npos) {
        return ParseError::kBadUri;
      }
      authority_form_ = true;
      host_ = target;
      return ParseError::kNone;
    }
  } else {
    host_ = host_header;
  }
  size_t q = rest.find('?');
  path_original_ = rest.substr(0, q);
  if (q != std::string_view::npos) {
    query_ = rest.substr(q + 1);
  }
  if (path_original_.empty()) {
    path_.Append('/');
    return ParseError::kNone;
  }
  if (!decode_) {
    path_.Append(path_original_);
    return ParseError::kNone;
  }
  return DecodePath(path_original_);
}

ParseError URI::DecodePath(std::string_view raw) {
  char* out = path_.PrepareAppend(raw.size());
  size_t n = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%') {
      if (i + 2 >= raw.size()) {
        return ParseError::kBadUri;
      }
      uint8_t hi = HexValue(raw[i + 1]);
      uint8_t lo = HexValue(raw[i + 2]);
      if (hi == bytes::bytes_internal::kNotHex ||
          lo == bytes::bytes_internal::kNotHex) {
        return ParseError::kBadUri;
      }
      c = static_cast<char>(hi << 4 | lo);
      if (c == '\0') {
        return ParseError::kBadUri;
      }
      i += 2;
    }
    out[n++] = c;
  }
  if (normalize_) {
    n = NormalizePath(out, n);
  }
  path_.CommitAppend(n);
  return ParseError::kNone;
}

size_t NormalizePath(char* path, size_t size) {
  // Segments are copied down over the input; `w` is the write position.
  // Each output segment is "/name". The input starts with '/'.
  size_t w = 0;
  size_t r = 0;
  bool trailing_slash = false;
  while (r < size) {
    // Skip the slashes that open the next segment.
    while (r < size && path[r] == '/') {
      ++r;
    }
    size_t start = r;
    while (r < size && path[r] != '/') {
      ++r;
    }
    size_t len = r - start;
    trailing_slash = r == size && len == 0;
    if (len == 0) {
      break;
    }
    if (len == 1 && path[start] == '.') {
      trailing_slash = true;  // "/a/." names the directory "/a/"
      continue;
    }
    if (len == 2 && path[start] == '.' && path[start + 1] == '.') {
      // Back up over the previous output segment, never above the root.
      while (w > 0 && path[w - 1] != '/') {
        --w;
      }
      if (w > 0) {
        --w;
      }
      trailing_slash = true;
      continue;
    }
    path[w++] = '/';
    std::memmove(path + w, path + start, len);
    w += len;
    trailing_slash = false;
  }
  if (w == 0 || trailing_slash) {
    path[w++] = '/';
  }
  return w;
}

bool SplitHostPort(std::string_view authority, HostPort& out,
                   bool allow_empty_host) {
  out = HostPort();
  std::string_view host = authority;
  std::string_view rest;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return false;
    }
    host = authority.substr(1, close - 1);
    rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') {
      return false;
    }
  } else if (const size_t colon = authority.rfind(':');
             colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    rest = authority.substr(colon);
    if (host.find(':') != std::string_view::npos) {
      return false;  // an IPv6 literal needs its brackets
    }
  }
  if (!rest.empty()) {
    out.port = rest.substr(1);
    std::optional<uint64_t> n = bytes::ParseUint(out.port);
    if (!n || *n > 65535) {
      return false;
    }
    out.port_number = static_cast<uint16_t>(*n);
  }
  out.host = host;
  return allow_empty_host || !host.empty();
}

std::string_view URI::hostname() const {
  HostPort hp;
  return SplitHostPort(host_, hp) ? hp.host : host_;
}

std::string_view URI::port() const {
  HostPort hp;
  return SplitHostPort(host_, hp) ? hp.port : std::string_view();
}

const Args& URI::query_args() const {
  if (!args_parsed_) {
    args_.Parse(query_);
    args_parsed_ = true;
  }
  return args_;
}

void URI::AppendRequestTarget(bytes::ByteBuffer& out) const {
  if (asterisk_) {
    out.Append('*');
    return;
  }
  out.Append(path_original_.empty() ? std::string_view("/") : path_original_);
  if (!query_.empty()) {
    out.Append('?');
    out.Append(query_);
  }
}

}  // namespace brisk::http
