#include "router/internal/escape.h"

#include <algorithm>
#include <cstring>

#include "http/uri.h"

namespace brisk::router::router_internal {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  c = static_cast<char>(c | 0x20);
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;
}

bool IsPathByte(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9')) {
    return true;
  }
  return c != '\0' && std::strchr("-._~!$&'()*+,;=:@/", c) != nullptr;
}

}  // namespace

bool HasEncodedSlash(std::string_view raw) {
  for (size_t i = raw.find('%'); i != std::string_view::npos;
       i = raw.find('%', i + 1)) {
    if (i + 2 < raw.size() && raw[i + 1] == '2' && (raw[i + 2] | 0x20) == 'f') {
      return true;
    }
  }
  return false;
}

std::string_view BuildEscapedPath(std::string_view raw, std::string& out) {
  out.clear();
  // Room for the decoded values after the path, so that appending them never
  // moves the path the values point into: the path is at most raw.size() + 1
  // bytes, the values (disjoint parts of it, shorter once decoded, plus a
  // '/' before a catch-all) at most as much again plus 1.
  out.reserve(2 * raw.size() + 8);
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%' && i + 2 < raw.size()) {
      const int hi = HexDigit(raw[i + 1]);
      const int lo = HexDigit(raw[i + 2]);
      if (hi >= 0 && lo >= 0) {
        c = static_cast<char>(hi << 4 | lo);
        i += 2;
        if (c == '/') {
          out += "%2F";
          continue;
        }
        if (c == '%') {
          out += "%25";
          continue;
        }
      }
    }
    out += c;
  }
  if (out.empty() || out[0] != '/') {
    out.insert(out.begin(), '/');
  }
  out.resize(http::NormalizePath(out.data(), out.size()));
  return out;
}

void DecodeEscapedValues(Params& params, bool catch_all, std::string& storage) {
  auto& values = params.values_;
  const size_t count = params.size_;
  for (size_t i = 0; i < count; ++i) {
    std::string_view v = values[i];
    const bool last_catch_all = catch_all && i + 1 == count;
    if (std::find(v.begin(), v.end(), '%') == v.end() && !last_catch_all) {
      continue;
    }
    const size_t start = storage.size();
    if (last_catch_all) {
      storage += '/';
    }
    for (size_t j = 0; j < v.size(); ++j) {
      if (v[j] == '%' && j + 2 < v.size() && v[j + 1] == '2') {
        storage += v[j + 2] == 'F' ? '/' : '%';
        j += 2;
      } else {
        storage += v[j];
      }
    }
    size_t len = storage.size() - start;
    if (last_catch_all) {
      len = http::NormalizePath(storage.data() + start, len);
      storage.resize(start + len);
      values[i] = std::string_view(storage.data() + start + 1, len - 1);
    } else {
      values[i] = std::string_view(storage.data() + start, len);
    }
  }
}

void AppendEncodedPath(std::string& out, std::string_view path, bool escaped) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : path) {
    if (IsPathByte(c) || (escaped && c == '%')) {
      out += c;
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
}

}  // namespace brisk::router::router_internal
