#include "websocket/utf8.h"

#include <cstring>

namespace brisk::websocket {

bool Utf8Validator::Feed(std::string_view bytes) {
  if (!ok_) {
    return false;
  }
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const auto* end = p + bytes.size();
  while (p < end) {
    if (need_ == 0) {
      // ASCII runs, 8 bytes at a time.
      while (end - p >= 8) {
        uint64_t v;
        std::memcpy(&v, p, 8);
        if (v & 0x8080808080808080ull) {
          break;
        }
        p += 8;
      }
      if (p == end) {
        break;
      }
      const uint8_t b = *p++;
      if (b < 0x80) {
        continue;
      }
      // The lead byte fixes the count and the second byte's range (which
      // excludes overlong forms, surrogates and code points over U+10FFFF).
      lo_ = 0x80;
      hi_ = 0xBF;
      if (b >= 0xC2 && b <= 0xDF) {
        need_ = 1;
      } else if (b >= 0xE0 && b <= 0xEF) {
        need_ = 2;
        if (b == 0xE0) {
          lo_ = 0xA0;
        } else if (b == 0xED) {
          hi_ = 0x9F;
        }
      } else if (b >= 0xF0 && b <= 0xF4) {
        need_ = 3;
        if (b == 0xF0) {
          lo_ = 0x90;
        } else if (b == 0xF4) {
          hi_ = 0x8F;
        }
      } else {
        ok_ = false;
        return false;
      }
      continue;
    }
    const uint8_t b = *p++;
    if (b < lo_ || b > hi_) {
      ok_ = false;
      return false;
    }
    lo_ = 0x80;
    hi_ = 0xBF;
    --need_;
  }
  return true;
}

bool IsValidUtf8(std::string_view bytes) {
  Utf8Validator v;
  return v.Feed(bytes) && v.complete();
}

}  // namespace brisk::websocket
