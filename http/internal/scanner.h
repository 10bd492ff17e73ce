// File: http/internal/scanner.h
//
// The byte-class tables and the 16-bytes-at-a-time scans that brisk's HTTP
// parsers spend their time in. SSE2 only (the x86-64 baseline), with a plain
// loop for tails and other architectures. Not API.

#ifndef BRISK_HTTP_INTERNAL_SCANNER_H_
#define BRISK_HTTP_INTERNAL_SCANNER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace brisk::http::http_internal {

// A 256-entry membership table: ASCII letters and digits plus `extra`.
constexpr std::array<bool, 256> MakeAlnumTable(std::string_view extra) {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
  }
  for (char c : extra) {
    t[static_cast<unsigned char>(c)] = true;
  }
  return t;
}

// RFC 9110 §5.6.2 tchar.
inline constexpr std::array<bool, 256> kTchar =
    MakeAlnumTable("!#$%&'*+-.^_`|~");

inline bool IsTchar(char c) {
  return kTchar[static_cast<unsigned char>(c)];
}

// A byte that may appear in a field value besides HTAB: VCHAR, SP, obs-text.
inline bool IsFieldValueByte(char c) {
  auto u = static_cast<unsigned char>(c);
  return u >= 0x20 && u != 0x7F;
}

// A byte of a request-target: 0x21-0x7E.
inline bool IsTargetByte(char c) {
  auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7F;
}

// First p in [p, end) with !IsFieldValueByte(*p) (a control byte, HTAB
// included, or DEL); `end` if none.
inline const char* FindFieldValueStop(const char* p, const char* end) {
#if defined(__SSE2__)
  // This is the hottest loop: field values are most of a request's bytes.
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i del = _mm_set1_epi8(0x7F);
  while (end - p >= 16) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // x >= 0x20 (unsigned) <=> max(x, 0x20) == x.
    __m128i ok = _mm_cmpeq_epi8(_mm_max_epu8(x, space), x);
    __m128i bad = _mm_or_si128(_mm_xor_si128(ok, _mm_set1_epi8(-1)),
                               _mm_cmpeq_epi8(x, del));
    int mask = _mm_movemask_epi8(bad);
    if (mask != 0) {
      return p + __builtin_ctz(static_cast<unsigned>(mask));
    }
    p += 16;
  }
#endif
  while (p < end && IsFieldValueByte(*p)) {
    ++p;
  }
  return p;
}

// First p in [p, end) with !IsTargetByte(*p); `end` if none.
inline const char* FindTargetStop(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i low = _mm_set1_epi8(0x21);
  const __m128i high = _mm_set1_epi8(0x7E);
  while (end - p >= 16) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i ge21 = _mm_cmpeq_epi8(_mm_max_epu8(x, low), x);
    // x < 0x7F (unsigned) <=> min(x, 0x7E) == x.
    __m128i lt7f = _mm_cmpeq_epi8(_mm_min_epu8(x, high), x);
    int mask = _mm_movemask_epi8(_mm_and_si128(ge21, lt7f)) ^ 0xFFFF;
    if (mask != 0) {
      return p + __builtin_ctz(static_cast<unsigned>(mask));
    }
    p += 16;
  }
#endif
  while (p < end && IsTargetByte(*p)) {
    ++p;
  }
  return p;
}

// Whether the token `name` equals `lower`, a lowercase literal of letters,
// digits and '-' ("content-length"), ignoring ASCII case. Compares 8 bytes at
// a time with the 0x20 case bit set: exact for such literals, because the
// only non-letter bytes that fold onto '-' or a digit are control bytes, which
// a token cannot hold.
inline bool TokenEqualsLowercase(std::string_view name,
                                 std::string_view lower) {
  const size_t n = name.size();
  if (n != lower.size()) {
    return false;
  }
  auto load8 = [](const char* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  };
  auto load4 = [](const char* p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  };
  constexpr uint64_t kCase8 = 0x2020202020202020ull;
  constexpr uint32_t kCase4 = 0x20202020u;
  if (n >= 8) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      if ((load8(name.data() + i) | kCase8) != load8(lower.data() + i)) {
        return false;
      }
    }
    // The last 8 bytes, overlapping what was compared.
    return i == n ||
           (load8(name.data() + n - 8) | kCase8) == load8(lower.data() + n - 8);
  }
  if (n >= 4) {
    return (load4(name.data()) | kCase4) == load4(lower.data()) &&
           (load4(name.data() + n - 4) | kCase4) == load4(lower.data() + n - 4);
  }
  for (size_t i = 0; i < n; ++i) {
    if ((name[i] | 0x20) != lower[i]) {
      return false;
    }
  }
  return true;
}

// First p in [p, end) that is not a tchar; `end` if none.
inline const char* FindTokenStop(const char* p, const char* end) {
  // A table loop: tried a 16-byte SSE2 skip of letters/digits/'-' here, and it
  // measured no faster (within noise) on names of typical length, 4-20 bytes.
  while (p < end && IsTchar(*p)) {
    ++p;
  }
  return p;
}

}  // namespace brisk::http::http_internal

#endif  // BRISK_HTTP_INTERNAL_SCANNER_H_
