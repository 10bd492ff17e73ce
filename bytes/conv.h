// File: bytes/conv.h
//
// Allocation-free conversions that HTTP parsing and serialization need:
//
//   ParseUint / ParseHex      strict unsigned parse with overflow detection
//   FormatUint / AppendUint   unsigned decimal output
//   AppendHex                 unsigned lowercase hex output (chunk sizes)
//   EqualsIgnoreCase          ASCII case-insensitive equality
//   ToLower / ToUpper         ASCII case of one byte, and in place on a range
//   TrimOws                   strips HTTP optional whitespace (SP and HTAB)
//
// "Strict" means what HTTP needs: only digits, no sign, no whitespace, no
// empty input; leading zeros are accepted ("007" is 7, as RFC 9110's
// 1*DIGIT allows). None of these functions allocates, except the Append
// functions when the buffer must grow.

#ifndef BRISK_BYTES_CONV_H_
#define BRISK_BYTES_CONV_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/strings/string_view.h"

#include "bytes/byte_buffer.h"
#include "bytes/internal/char_tables.h"

namespace brisk::bytes {

// Largest number of characters FormatUint writes (2^64-1 has 20 digits).
inline constexpr size_t kMaxUintDigits = 20;
// Largest number of characters AppendHex writes.
inline constexpr size_t kMaxHexDigits = 16;

// Parses `s` as an unsigned decimal. Returns nullopt for empty input, any byte
// that is not '0'-'9', or a value above 2^64-1.
inline std::optional<uint64_t> ParseUint(std::string_view s);

// Parses `s` as unsigned hex (0-9, a-f, A-F; no "0x"). Returns nullopt for
// empty input, any other byte, or a value above 2^64-1.
std::optional<uint64_t> ParseHex(std::string_view s);

// Writes `v` in decimal to `out` (room for kMaxUintDigits); returns the length.
size_t FormatUint(uint64_t v, char* out);

// Appends `v` in decimal.
void AppendUint(ByteBuffer& buf, uint64_t v);

// Appends `v` in lowercase hex without leading zeros ("0" for zero).
void AppendHex(ByteBuffer& buf, uint64_t v);

inline char ToLower(char c) {
  return bytes_internal::kCharTables.lower[static_cast<unsigned char>(c)];
}
inline char ToUpper(char c) {
  return bytes_internal::kCharTables.upper[static_cast<unsigned char>(c)];
}
// Lower/upper-cases ASCII letters of [p, p+n) in place; other bytes unchanged.
void ToLowerInPlace(char* p, size_t n);
void ToUpperInPlace(char* p, size_t n);

// ASCII case-insensitive equality; non-letters compare exactly.
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLower(a[i]) != ToLower(b[i])) {
      return false;
    }
  }
  return true;
}

// `lower` must already be lowercase (a literal such as "content-length"):
// one table lookup per byte instead of two. Same result as EqualsIgnoreCase.
// Inline: parsers call it for every field name they classify.
inline bool EqualsLowercase(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    if (ToLower(s[i]) != lower[i]) {
      return false;
    }
  }
  return true;
}

// Strips leading and trailing SP and HTAB (RFC 9110 OWS).
inline std::string_view TrimLeftOws(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) {
    ++i;
  }
  return s.substr(i);
}
inline std::string_view TrimRightOws(std::string_view s) {
  size_t n = s.size();
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
    --n;
  }
  return s.substr(0, n);
}
inline std::string_view TrimOws(std::string_view s) {
  return TrimRightOws(TrimLeftOws(s));
}

// Implementation details follow.

namespace bytes_internal {
// 19 decimal digits never overflow 64 bits (10^19 - 1 < 2^64).
inline constexpr size_t kSafeDecimalDigits = 19;
std::optional<uint64_t> ParseLongUint(std::string_view s);
}  // namespace bytes_internal

inline std::optional<uint64_t> ParseUint(std::string_view s) {
  // Inline: it runs once per Content-Length and chunk size on the hot path.
  if (s.empty()) {
    return std::nullopt;
  }
  if (s.size() > bytes_internal::kSafeDecimalDigits) {
    return bytes_internal::ParseLongUint(s);
  }
  uint64_t v = 0;
  for (char c : s) {
    unsigned d = static_cast<unsigned char>(c) - unsigned{'0'};
    if (d > 9) {
      return std::nullopt;
    }
    v = v * 10 + d;
  }
  return v;
}

// Debian's abseil is built with its own absl::string_view class, not an
// alias of std::string_view: this converts for StrCat and friends.
inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

}  // namespace brisk::bytes

#endif  // BRISK_BYTES_CONV_H_
