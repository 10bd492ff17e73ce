#include "http/conditional.h"

#include <algorithm>
#include <optional>

#include "bytes/conv.h"
#include "http/date.h"

namespace brisk::http {
namespace {

// 1*DIGIT.
bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return c >= '0' && c <= '9'; });
}

// The value of 1*DIGIT `s`, saturated at 2^64-1 (a position past any end).
uint64_t SaturatingUint(std::string_view s) {
  return bytes::ParseUint(s).value_or(UINT64_MAX);
}

// a < b for two 1*DIGIT numbers of any length.
bool DigitsLess(std::string_view a, std::string_view b) {
  a.remove_prefix(std::min(a.find_first_not_of('0'), a.size()));
  b.remove_prefix(std::min(b.find_first_not_of('0'), b.size()));
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

}  // namespace

RangeResult ParseRange(std::string_view value, uint64_t size, uint64_t& first,
                       uint64_t& last) {
  if (value.size() < 6 ||
      !bytes::EqualsIgnoreCase(value.substr(0, 6), "bytes=")) {
    return RangeResult::kWhole;  // range units are case-insensitive
  }
  std::string_view spec = bytes::TrimOws(value.substr(6));
  if (spec.find(',') != std::string_view::npos) {
    return RangeResult::kWhole;
  }
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) {
    return RangeResult::kWhole;
  }
  std::string_view a = spec.substr(0, dash);
  std::string_view b = spec.substr(dash + 1);
  if (a.empty()) {  // suffix-range: the last n bytes
    if (!AllDigits(b)) {
      return RangeResult::kWhole;
    }
    const uint64_t n = SaturatingUint(b);
    if (n == 0 || size == 0) {
      return RangeResult::kUnsatisfiable;
    }
    first = n >= size ? 0 : size - n;
    last = size - 1;
    return RangeResult::kPart;
  }
  if (!AllDigits(a) || (!b.empty() && !AllDigits(b))) {
    return RangeResult::kWhole;
  }
  if (!b.empty() && DigitsLess(b, a)) {
    return RangeResult::kWhole;  // last-pos before first-pos: invalid
  }
  const uint64_t f = SaturatingUint(a);
  if (f >= size) {
    return RangeResult::kUnsatisfiable;
  }
  first = f;
  last = b.empty() ? size - 1 : std::min(SaturatingUint(b), size - 1);
  return RangeResult::kPart;
}

bool IfRangeMatches(std::string_view value, std::string_view etag,
                    int64_t mtime_ns, int64_t now_ns) {
  value = bytes::TrimOws(value);
  if (!value.empty() && value.front() == '"') {
    return value == etag;
  }
  if (value.starts_with("W/")) {
    return false;
  }
  std::optional<int64_t> t = ParseHttpDate(value);
  constexpr int64_t kNsPerS = 1'000'000'000;
  const int64_t mtime_s = mtime_ns >= 0
                              ? mtime_ns / kNsPerS
                              : -((-mtime_ns + kNsPerS - 1) / kNsPerS);
  return t && *t == mtime_s && now_ns - mtime_ns >= kNsPerS;
}

bool EtagMatches(std::string_view list, std::string_view etag) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = bytes::TrimOws(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view()
                                           : list.substr(comma + 1);
    if (item.starts_with("W/")) {
      item.remove_prefix(2);  // weak comparison
    }
    if (item == "*" || item == etag) {
      return true;
    }
  }
  return false;
}

}  // namespace brisk::http
