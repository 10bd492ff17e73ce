// Fuzzes permessage-deflate's decompressor with a peer's compressed
// messages, and the server's negotiation with its offers. The first byte
// picks the inflated-size limit and whether the context is kept; the rest
// is split into two messages at a point the second byte picks. Aborts when
// an invariant breaks:
//   - the inflated output never exceeds the limit, whatever the input
//     (bombs included) — ResourceExhausted instead;
//   - what inflates, compressed again and inflated, comes back the same;
//   - a negotiated offer's answer is itself accepted by the client's check.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bytes/byte_buffer.h"
#include "websocket/deflate.h"

namespace brisk::websocket {
namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

void FuzzInflate(uint8_t selector, uint8_t cut, std::string_view data) {
  const size_t limit = size_t{1} << (4 + (selector & 0x0F));  // 16 B..512 KiB
  const bool reset = (selector & 0x10) != 0;
  const size_t at = data.empty() ? 0 : cut % (data.size() + 1);
  Inflater inf;
  for (std::string_view msg : {data.substr(0, at), data.substr(at)}) {
    bytes::ByteBuffer out;
    const absl::Status s = inf.Inflate(msg, out, limit, reset);
    Check(out.size() <= limit, "inflated past the limit");
    if (!s.ok()) {
      Check(absl::IsResourceExhausted(s) || absl::IsInvalidArgument(s),
            "unexpected error kind");
      return;  // the connection would end here
    }
    Deflater def(6, 15);
    bytes::ByteBuffer z;
    Check(def.Compress(out.view(), z, true).ok(), "compress failed");
    Inflater again;
    bytes::ByteBuffer back;
    Check(again.Inflate(z.view(), back, limit, true).ok() &&
              back.view() == out.view(),
          "round trip differs");
  }
}

void FuzzNegotiation(std::string_view offers) {
  for (bool takeover : {false, true}) {
    DeflateParams p;
    std::string answer;
    if (NegotiateDeflate(offers, takeover, p, answer)) {
      DeflateParams client;
      Check(AcceptDeflateAnswer(answer, client), "answer refused by client");
      Check(
          client.server_no_context_takeover == p.server_no_context_takeover &&
              client.client_no_context_takeover == p.client_no_context_takeover,
          "answer says other than what was agreed");
      Check(p.server_max_window_bits >= 9 && p.server_max_window_bits <= 15,
            "window bits");
    }
  }
}

}  // namespace
}  // namespace brisk::websocket

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) {
    return 0;
  }
  const std::string_view rest(reinterpret_cast<const char*>(data) + 2,
                              size - 2);
  brisk::websocket::FuzzInflate(data[0], data[1], rest);
  brisk::websocket::FuzzNegotiation(rest);
  return 0;
}
