// Fuzzes the frame header parser and the UTF-8 validator with a peer's
// bytes. The first byte picks the rules (masked or not, RSV1 allowed, a
// size limit); the rest is read as a stream of frames. Aborts when an
// invariant breaks:
//   - a complete header is 2..14 bytes, within the input, and obeys the
//     rules it was parsed with (control frames final and short, the mask
//     as required, the length within the limit);
//   - the header written back from what was parsed parses to the same
//     fields, and is no longer than the input's (which may be non-minimal);
//   - a prefix of a complete header asks for more, never fails;
//   - UTF-8: the validator fed the bytes split at any point agrees with it
//     fed whole, and with a plain decoder of RFC 3629.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "websocket/frame.h"
#include "websocket/utf8.h"

namespace brisk::websocket {
namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

// RFC 3629 by the letter: one code point at a time.
bool ReferenceUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<uint8_t>(s[i]);
    int n;
    uint32_t cp;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xE0) == 0xC0) {
      n = 1;
      cp = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
      n = 2;
      cp = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
      n = 3;
      cp = b & 0x07;
    } else {
      return false;
    }
    if (i + static_cast<size_t>(n) >= s.size()) {
      return false;  // cut short
    }
    for (int k = 1; k <= n; ++k) {
      const auto c = static_cast<uint8_t>(s[i + static_cast<size_t>(k)]);
      if ((c & 0xC0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (c & 0x3F);
    }
    const uint32_t min = n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += static_cast<size_t>(n) + 1;
  }
  return true;
}

void FuzzFrames(uint8_t selector, std::string_view data) {
  FrameRules rules;
  rules.expect_masked = (selector & 1) != 0;
  rules.allow_rsv1 = (selector & 2) != 0;
  if (selector & 4) {
    rules.max_payload = selector;  // a small limit
  }
  for (int frames = 0; frames < 64 && !data.empty(); ++frames) {
    FrameHeader h;
    const FrameError e = ParseFrameHeader(data, rules, h);
    if (e != FrameError::kNone) {
      Check(h.header_bytes == 0, "an error with a header size");
      return;
    }
    if (h.header_bytes == 0) {
      return;  // needs more
    }
    Check(h.header_bytes >= 2 && h.header_bytes <= kMaxHeaderBytes &&
              h.header_bytes <= data.size(),
          "header size");
    Check(h.masked == rules.expect_masked, "mask rule");
    Check(h.length <= rules.max_payload, "size limit");
    Check(!h.rsv1 || (rules.allow_rsv1 && !IsControl(h.opcode)), "rsv1 rule");
    if (IsControl(h.opcode)) {
      Check(h.fin && h.length <= kMaxControlPayload, "control rule");
    }
    for (size_t n = 0; n < h.header_bytes; ++n) {
      FrameHeader p;
      Check(
          ParseFrameHeader(data.substr(0, n), rules, p) == FrameError::kNone &&
              p.header_bytes == 0,
          "a prefix of a header failed or completed");
    }
    char out[kMaxHeaderBytes];
    const size_t n = WriteFrameHeader(out, h.fin, h.rsv1, h.opcode, h.length,
                                      h.masked ? h.mask.data() : nullptr);
    Check(n <= h.header_bytes, "written header longer than the parsed one");
    FrameHeader back;
    Check(ParseFrameHeader(std::string_view(out, n), rules, back) ==
                  FrameError::kNone &&
              back.header_bytes == n && back.fin == h.fin &&
              back.rsv1 == h.rsv1 && back.opcode == h.opcode &&
              back.length == h.length && back.mask == h.mask,
          "written header parses differently");
    const uint64_t rest = data.size() - h.header_bytes;
    if (h.length > rest) {
      return;
    }
    data.remove_prefix(h.header_bytes + static_cast<size_t>(h.length));
  }
}

void FuzzUtf8(std::string_view data) {
  const bool whole = IsValidUtf8(data);
  Check(whole == ReferenceUtf8(data), "validator disagrees with RFC 3629");
  for (size_t cut = 0; cut <= data.size(); cut += 1 + data.size() / 16) {
    Utf8Validator v;
    const bool a = v.Feed(data.substr(0, cut));
    const bool b = a && v.Feed(data.substr(cut));
    Check((b && v.complete()) == whole, "split validation disagrees");
  }
}

}  // namespace
}  // namespace brisk::websocket

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1,
                              size - 1);
  brisk::websocket::FuzzFrames(data[0], rest);
  brisk::websocket::FuzzUtf8(rest);
  return 0;
}
