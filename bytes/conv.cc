#include "bytes/conv.h"

#include <cstring>

#include "absl/base/optimization.h"

namespace brisk::bytes {
namespace {
using bytes_internal::kCharTables;
using bytes_internal::kNotHex;
}  // namespace

namespace bytes_internal {
std::optional<uint64_t> ParseLongUint(std::string_view s) {
  uint64_t v = 0;
  for (char c : s) {
    unsigned d = static_cast<unsigned char>(c) - unsigned{'0'};
    if (ABSL_PREDICT_FALSE(d > 9)) {
      return std::nullopt;
    }
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, d, &v)) {
      return std::nullopt;
    }
  }
  return v;
}
}  // namespace bytes_internal

std::optional<uint64_t> ParseHex(std::string_view s) {
  if (ABSL_PREDICT_FALSE(s.empty())) {
    return std::nullopt;
  }
  uint64_t v = 0;
  for (char c : s) {
    uint8_t d = kCharTables.hex_value[static_cast<unsigned char>(c)];
    if (ABSL_PREDICT_FALSE(d == kNotHex)) {
      return std::nullopt;
    }
    if (ABSL_PREDICT_FALSE(v >> 60 != 0)) {
      return std::nullopt;  // would overflow
    }
    v = (v << 4) | d;
  }
  return v;
}

namespace {
// Decimal digits of v (1 for 0).
size_t DigitCount(uint64_t v) {
  size_t n = 1;
  for (;;) {
    if (v < 10) {
      return n;
    }
    if (v < 100) {
      return n + 1;
    }
    if (v < 1000) {
      return n + 2;
    }
    if (v < 10000) {
      return n + 3;
    }
    v /= 10000;
    n += 4;
  }
}
}  // namespace

size_t FormatUint(uint64_t v, char* out) {
  // Two digits per division, from a table of "00".."99", written from the end
  // straight into `out` (no temporary and no copy).
  static constexpr char kPairs[] =
      "000102030405060708091011121314151617181920212223242526272829303132333435"
      "36"
      "373839404142434445464748495051525354555657585960616263646566676869707172"
      "73"
      "7475767778798081828384858687888990919293949596979899";
  const size_t n = DigitCount(v);
  char* p = out + n;
  while (v >= 100) {
    size_t i = static_cast<size_t>(v % 100) * 2;
    v /= 100;
    p -= 2;
    p[0] = kPairs[i];
    p[1] = kPairs[i + 1];
  }
  if (v >= 10) {
    size_t i = static_cast<size_t>(v) * 2;
    out[0] = kPairs[i];
    out[1] = kPairs[i + 1];
  } else {
    out[0] = static_cast<char>('0' + v);
  }
  return n;
}

void AppendUint(ByteBuffer& buf, uint64_t v) {
  char* out = buf.PrepareAppend(kMaxUintDigits);
  buf.CommitAppend(FormatUint(v, out));
}

void AppendHex(ByteBuffer& buf, uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  char tmp[kMaxHexDigits];
  char* end = tmp + kMaxHexDigits;
  char* p = end;
  do {
    *--p = kDigits[v & 0xF];
    v >>= 4;
  } while (v != 0);
  buf.Append(std::string_view(p, static_cast<size_t>(end - p)));
}

void ToLowerInPlace(char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    p[i] = ToLower(p[i]);
  }
}

void ToUpperInPlace(char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    p[i] = ToUpper(p[i]);
  }
}

}  // namespace brisk::bytes
