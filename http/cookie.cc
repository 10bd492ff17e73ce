#include "http/cookie.h"

#include "bytes/conv.h"
#include "http/date.h"

namespace brisk::http {

std::string_view PeekCookie(std::string_view header, std::string_view name) {
  std::string_view found;
  bool done = false;
  ForEachCookie(header, [&](std::string_view n, std::string_view v) {
    if (!done && n == name) {
      found = v;
      done = true;
    }
  });
  return found;
}

void Cookie::AppendTo(bytes::ByteBuffer& out) const {
  out.Append(name);
  out.Append('=');
  out.Append(value);
  if (max_age != 0) {
    out.Append("; Max-Age=");
    bytes::AppendUint(out, max_age < 0 ? 0 : static_cast<uint64_t>(max_age));
  }
  if (expires != 0) {
    out.Append("; Expires=");
    AppendHttpDate(out, expires);
  }
  if (!domain.empty()) {
    out.Append("; Domain=");
    out.Append(domain);
  }
  if (!path.empty()) {
    out.Append("; Path=");
    out.Append(path);
  }
  if (http_only) {
    out.Append("; HttpOnly");
  }
  if (secure || same_site == SameSite::kNone) {
    out.Append("; Secure");
  }
  switch (same_site) {
    case SameSite::kLax:
      out.Append("; SameSite=Lax");
      break;
    case SameSite::kStrict:
      out.Append("; SameSite=Strict");
      break;
    case SameSite::kNone:
      out.Append("; SameSite=None");
      break;
    case SameSite::kUnset:
      break;
  }
}

bool Cookie::Parse(std::string_view s) {
  *this = Cookie();
  bool first = true;
  while (!s.empty()) {
    size_t semi = s.find(';');
    std::string_view part = bytes::TrimOws(s.substr(0, semi));
    s = semi == std::string_view::npos ? std::string_view()
                                       : s.substr(semi + 1);
    size_t eq = part.find('=');
    std::string_view key = bytes::TrimOws(part.substr(0, eq));
    std::string_view val = eq == std::string_view::npos
                               ? std::string_view()
                               : bytes::TrimOws(part.substr(eq + 1));
    if (first) {
      if (eq == std::string_view::npos || key.empty()) {
        return false;
      }
      if (val.size() >= 2 && val.front() == '"' && val.back() == '"') {
        val = val.substr(1, val.size() - 2);
      }
      name.assign(key);
      value.assign(val);
      first = false;
      continue;
    }
    if (bytes::EqualsIgnoreCase(key, "max-age")) {
      bool negative = !val.empty() && val[0] == '-';
      std::optional<uint64_t> n =
          bytes::ParseUint(negative ? val.substr(1) : val);
      if (n) {
        max_age = negative || *n == 0 ? -1 : static_cast<int64_t>(*n);
      }
    } else if (bytes::EqualsIgnoreCase(key, "expires")) {
      if (std::optional<int64_t> t = ParseHttpDate(val)) {
        expires = *t;
      }
    } else if (bytes::EqualsIgnoreCase(key, "domain")) {
      domain.assign(val);
    } else if (bytes::EqualsIgnoreCase(key, "path")) {
      path.assign(val);
    } else if (bytes::EqualsIgnoreCase(key, "secure")) {
      secure = true;
    } else if (bytes::EqualsIgnoreCase(key, "httponly")) {
      http_only = true;
    } else if (bytes::EqualsIgnoreCase(key, "samesite")) {
      if (bytes::EqualsIgnoreCase(val, "lax")) {
        same_site = SameSite::kLax;
      } else if (bytes::EqualsIgnoreCase(val, "strict")) {
        same_site = SameSite::kStrict;
      } else if (bytes::EqualsIgnoreCase(val, "none")) {
        same_site = SameSite::kNone;
      }
    }
  }
  return !first;
}

}  // namespace brisk::http
