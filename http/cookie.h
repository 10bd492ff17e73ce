// File: http/cookie.h
//
// Cookies (RFC 6265): reading the pairs of a request's Cookie header without
// allocating, and building (or parsing, for a client) a Set-Cookie value.

#ifndef BRISK_HTTP_COOKIE_H_
#define BRISK_HTTP_COOKIE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "bytes/byte_buffer.h"

namespace brisk::http {

// Calls `f(name, value)` for each pair of a Cookie header value
// ("a=b; c=d"), in order; views into `header`. Pairs without '=' and empty
// names are skipped; quotes around a value are removed. No allocation.
template <typename F>
void ForEachCookie(std::string_view header, F&& f);

// The value of the first cookie named `name` in a Cookie header, or empty.
std::string_view PeekCookie(std::string_view header, std::string_view name);

enum class SameSite : uint8_t { kUnset, kLax, kStrict, kNone };

// One Set-Cookie. Owns its strings (a response builds few cookies).
struct Cookie {
  std::string name;
  std::string value;
  std::string domain;
  std::string path;
  // Seconds since the epoch; 0 means no Expires attribute.
  int64_t expires = 0;
  // Max-Age in seconds; 0 means no attribute, negative means "delete now"
  // (written as Max-Age=0), as fasthttp.
  int64_t max_age = 0;
  bool secure = false;
  bool http_only = false;
  SameSite same_site = SameSite::kUnset;

  // Appends the Set-Cookie field value ("name=value; Path=/; HttpOnly").
  // SameSite=None implies Secure (browsers reject it otherwise).
  void AppendTo(bytes::ByteBuffer& out) const;
  // Parses a Set-Cookie field value (client side). False if there is no
  // name=value pair. Unknown attributes are ignored.
  bool Parse(std::string_view set_cookie);
};

// Implementation details follow.

template <typename F>
void ForEachCookie(std::string_view header, F&& f) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view()
                                            : header.substr(semi + 1);
    while (!pair.empty() && (pair.front() == ' ' || pair.front() == '\t')) {
      pair.remove_prefix(1);
    }
    while (!pair.empty() && (pair.back() == ' ' || pair.back() == '\t')) {
      pair.remove_suffix(1);
    }
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      continue;
    }
    std::string_view value = pair.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    f(pair.substr(0, eq), value);
  }
}

}  // namespace brisk::http

#endif  // BRISK_HTTP_COOKIE_H_
