#include "websocket/frame.h"

#include <cstring>

namespace brisk::websocket {

std::string_view ToString(FrameError e) {
  switch (e) {
    case FrameError::kNone:
      return "no error";
    case FrameError::kReservedBits:
      return "reserved bits set";
    case FrameError::kBadOpcode:
      return "unknown opcode";
    case FrameError::kFragmentedControl:
      return "fragmented control frame";
    case FrameError::kControlTooLong:
      return "control frame over 125 bytes";
    case FrameError::kMaskRequired:
      return "unmasked frame from a client";
    case FrameError::kMaskForbidden:
      return "masked frame from a server";
    case FrameError::kBadLength:
      return "64-bit length with its top bit set";
    case FrameError::kTooBig:
      return "frame over the size limit";
  }
  return "unknown";
}

FrameError ParseFrameHeader(std::string_view data, const FrameRules& rules,
                            FrameHeader& out) {
  out.header_bytes = 0;
  if (data.size() < 2) {
    return FrameError::kNone;
  }
  const auto b0 = static_cast<uint8_t>(data[0]);
  const auto b1 = static_cast<uint8_t>(data[1]);
  out.fin = (b0 & 0x80) != 0;
  out.rsv1 = (b0 & 0x40) != 0;
  out.opcode = static_cast<Opcode>(b0 & 0x0F);
  out.masked = (b1 & 0x80) != 0;
  const uint8_t op = b0 & 0x0F;
  if ((op >= 0x3 && op <= 0x7) || op >= 0xB) {
    return FrameError::kBadOpcode;
  }
  const bool control = IsControl(out.opcode);
  if ((b0 & 0x30) != 0 || (out.rsv1 && (!rules.allow_rsv1 || control))) {
    return FrameError::kReservedBits;
  }
  if (control && !out.fin) {
    return FrameError::kFragmentedControl;
  }
  if (out.masked != rules.expect_masked) {
    return rules.expect_masked ? FrameError::kMaskRequired
                               : FrameError::kMaskForbidden;
  }
  const uint8_t len7 = b1 & 0x7F;
  size_t need = 2 +
                (len7 == 126   ? 2
                 : len7 == 127 ? 8
                               : 0) +
                (out.masked ? 4 : 0);
  if (control && len7 > kMaxControlPayload) {
    return FrameError::kControlTooLong;
  }
  if (data.size() < need) {
    return FrameError::kNone;
  }
  const auto* p = reinterpret_cast<const uint8_t*>(data.data()) + 2;
  uint64_t length = len7;
  if (len7 == 126) {
    length = (uint64_t{p[0]} << 8) | p[1];
    p += 2;
  } else if (len7 == 127) {
    length = 0;
    for (int i = 0; i < 8; ++i) {
      length = (length << 8) | p[i];
    }
    p += 8;
    if (length >> 63) {
      return FrameError::kBadLength;
    }
  }
  if (length > rules.max_payload) {
    return FrameError::kTooBig;
  }
  if (out.masked) {
    std::memcpy(out.mask.data(), p, 4);
  }
  out.length = length;
  out.header_bytes = need;
  return FrameError::kNone;
}

size_t WriteFrameHeader(char* out, bool fin, bool rsv1, Opcode opcode,
                        uint64_t length, const uint8_t* mask) {
  auto* p = reinterpret_cast<uint8_t*>(out);
  p[0] = static_cast<uint8_t>((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) |
                              static_cast<uint8_t>(opcode));
  const uint8_t m = mask != nullptr ? 0x80 : 0;
  size_t n = 2;
  if (length < 126) {
    p[1] = static_cast<uint8_t>(m | length);
  } else if (length <= 0xFFFF) {
    p[1] = m | 126;
    p[2] = static_cast<uint8_t>(length >> 8);
    p[3] = static_cast<uint8_t>(length);
    n = 4;
  } else {
    p[1] = m | 127;
    for (int i = 0; i < 8; ++i) {
      p[2 + i] = static_cast<uint8_t>(length >> (56 - 8 * i));
    }
    n = 10;
  }
  if (mask != nullptr) {
    std::memcpy(p + n, mask, 4);
    n += 4;
  }
  return n;
}

void ApplyMask(char* data, size_t n, const std::array<uint8_t, 4>& mask,
               size_t offset) {
  // The key rotated to `offset`, then 8 bytes at a time.
  uint8_t key[8];
  for (size_t i = 0; i < 8; ++i) {
    key[i] = mask[(offset + i) % 4];
  }
  uint64_t k8;
  std::memcpy(&k8, key, 8);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    std::memcpy(&v, data + i, 8);
    v ^= k8;
    std::memcpy(data + i, &v, 8);
  }
  for (; i < n; ++i) {
    data[i] = static_cast<char>(data[i] ^ key[i % 8]);
  }
}

}  // namespace brisk::websocket
