// File: websocket/frame.h
//
// RFC 6455 §5 framing as pure functions of bytes: a frame header parsed from
// the front of a buffer (with every rule a receiver must enforce), a frame
// header written, and the masking transform. No I/O, no allocation; fuzzed
// (websocket/fuzz).
//
// Header layout (§5.2): FIN, RSV1-3, a 4-bit opcode; MASK and a 7-bit length
// (126: a 16-bit length follows, 127: a 64-bit one with its top bit clear);
// a 4-byte masking key when MASK is set. 2 to 14 bytes.

#ifndef BRISK_WEBSOCKET_FRAME_H_
#define BRISK_WEBSOCKET_FRAME_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace brisk::websocket {

enum class Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};
inline bool IsControl(Opcode op) {
  return (static_cast<uint8_t>(op) & 0x8);
}

inline constexpr size_t kMaxHeaderBytes = 14;
// A control frame's payload is at most 125 bytes (§5.5).
inline constexpr size_t kMaxControlPayload = 125;

struct FrameHeader {
  bool fin = false;
  bool rsv1 = false;  // permessage-deflate: the message is compressed
  Opcode opcode = Opcode::kContinuation;
  bool masked = false;
  std::array<uint8_t, 4> mask{};
  uint64_t length = 0;      // payload bytes
  size_t header_bytes = 0;  // 2..14
};

// What the receiver enforces (§5.1-§5.5).
struct FrameRules {
  // A server receives only masked frames, a client only unmasked ones.
  bool expect_masked = true;
  // RSV1 allowed (permessage-deflate negotiated) on a data frame.
  bool allow_rsv1 = false;
  // Payloads longer than this are refused (kTooBig) before they are read.
  uint64_t max_payload = uint64_t{1} << 62;
};

enum class FrameError : uint8_t {
  kNone,
  kReservedBits,  // RSV2/RSV3, or RSV1 not negotiated or on control
  kBadOpcode,     // 0x3-0x7, 0xB-0xF
  kFragmentedControl,
  kControlTooLong,  // > 125 bytes
  kMaskRequired,    // a client's frame without a mask
  kMaskForbidden,   // a server's frame with a mask
  kBadLength,       // a 64-bit length with its top bit set
  kTooBig,          // over FrameRules::max_payload
};
std::string_view ToString(FrameError e);

// Parses the header at the front of `data`: kNone with out.header_bytes set
// when complete, kNone with out.header_bytes == 0 when more bytes are
// needed, or the first rule broken (the connection must fail with 1002, or
// 1009 for kTooBig). Fragmentation across frames (a continuation without a
// start, a new message inside one) is the reader's: it needs state.
FrameError ParseFrameHeader(std::string_view data, const FrameRules& rules,
                            FrameHeader& out);

// Writes a header for a `length`-byte payload to `out` (room for
// kMaxHeaderBytes) and returns its size; `mask` null: unmasked.
size_t WriteFrameHeader(char* out, bool fin, bool rsv1, Opcode opcode,
                        uint64_t length, const uint8_t* mask);

// XORs `n` bytes at `data` with `mask`, starting at key byte `offset % 4`
// (a payload unmasked in pieces keeps its position). Its own inverse.
void ApplyMask(char* data, size_t n, const std::array<uint8_t, 4>& mask,
               size_t offset = 0);

}  // namespace brisk::websocket

#endif  // BRISK_WEBSOCKET_FRAME_H_
