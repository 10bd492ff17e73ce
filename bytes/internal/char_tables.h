// File: bytes/internal/char_tables.h
//
// 256-entry tables for the byte classes brisk's parsers test on every byte:
// ASCII lower/upper case and hex digit values. Tables instead of branches keep
// the hot loops short (picohttpparser's approach). Not API: use bytes/conv.h.

#ifndef BRISK_BYTES_INTERNAL_CHAR_TABLES_H_
#define BRISK_BYTES_INTERNAL_CHAR_TABLES_H_

#include <array>
#include <cstdint>

namespace brisk::bytes::bytes_internal {

// kHexValue[c] for a byte that is not a hex digit.
inline constexpr uint8_t kNotHex = 0xFF;

struct CharTables {
  std::array<char, 256> lower;
  std::array<char, 256> upper;
  std::array<uint8_t, 256> hex_value;
};

constexpr CharTables MakeCharTables() {
  CharTables t{};
  for (int i = 0; i < 256; ++i) {
    char c = static_cast<char>(i);
    t.lower[i] = (i >= 'A' && i <= 'Z') ? static_cast<char>(i + 32) : c;
    t.upper[i] = (i >= 'a' && i <= 'z') ? static_cast<char>(i - 32) : c;
    if (i >= '0' && i <= '9') {
      t.hex_value[i] = static_cast<uint8_t>(i - '0');
    } else if (i >= 'a' && i <= 'f') {
      t.hex_value[i] = static_cast<uint8_t>(i - 'a' + 10);
    } else if (i >= 'A' && i <= 'F') {
      t.hex_value[i] = static_cast<uint8_t>(i - 'A' + 10);
    } else {
      t.hex_value[i] = kNotHex;
    }
  }
  return t;
}

inline constexpr CharTables kCharTables = MakeCharTables();

}  // namespace brisk::bytes::bytes_internal

#endif  // BRISK_BYTES_INTERNAL_CHAR_TABLES_H_
