// File: websocket/utf8.h
//
// Incremental UTF-8 validation (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF), for text messages that arrive in fragments and
// reads (RFC 6455 §8.1: an invalid text message fails the connection with
// 1007 as soon as it is seen). ASCII runs go 8 bytes at a time. No
// allocation.

#ifndef BRISK_WEBSOCKET_UTF8_H_
#define BRISK_WEBSOCKET_UTF8_H_

#include <cstdint>
#include <string_view>

namespace brisk::websocket {

class Utf8Validator {
 public:
  // Validates the next bytes; false once the text is invalid (it stays
  // false until Reset). A sequence cut at the end waits for the next call.
  bool Feed(std::string_view bytes);
  // True when everything fed is valid and no sequence is cut short (the
  // message may end here).
  bool complete() const { return ok_ && need_ == 0; }
  void Reset() {
    need_ = 0;
    ok_ = true;
  }

 private:
  uint8_t need_ = 0;   // continuation bytes still expected
  uint8_t lo_ = 0x80;  // bounds of the next continuation byte
  uint8_t hi_ = 0xBF;
  bool ok_ = true;
};

// Whole-string form.
bool IsValidUtf8(std::string_view bytes);

}  // namespace brisk::websocket

#endif  // BRISK_WEBSOCKET_UTF8_H_
