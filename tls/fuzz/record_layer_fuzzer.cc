// Records a fuzzer composes, sealed by a peer RecordLayer (well-formed
// ciphertext of any content type, padding, key updates) and mixed with raw
// bytes, opened by a server RecordLayer whole and split at a fuzzer-chosen
// point: no crash, no sanitizer report, and the same plaintext and verdict
// both ways.
//
// Input: byte 0 = the split point as a fraction of the wire; then ops of
// [op][length][content...]: op % 4 = 0 application data, 1 a record of
// content type op / 4 (0..63) padded by `length` zeros, 2 a key update
// (when op & 4 a real one, else one the peer does not follow), 3 the
// content raw, unsealed.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"

#include "bytes/byte_buffer.h"
#include "tls/record_layer.h"

namespace {

using brisk::bytes::ByteBuffer;
using brisk::tls::RecordLayer;

std::unique_ptr<RecordLayer> Make(bool server) {
  const std::string c2s(32, 'c');
  const std::string s2c(32, 's');
  auto r = server ? RecordLayer::Make(0x1301, c2s, s2c, 0, 0)
                  : RecordLayer::Make(0x1301, s2c, c2s, 0, 0);
  if (!r.ok()) {
    std::abort();
  }
  return std::move(*r);
}

struct Verdict {
  absl::StatusCode code;
  std::string plain;
  bool closed;
};

// Opens `wire` fed in two pieces, as a connection would: what a call did
// not consume waits for the next bytes.
Verdict Open(std::string_view wire, size_t cut) {
  std::unique_ptr<RecordLayer> server = Make(/*server=*/true);
  ByteBuffer plain;
  ByteBuffer out;
  std::string pending;
  absl::Status s;
  for (std::string_view piece : {wire.substr(0, cut), wire.substr(cut)}) {
    pending += piece;
    size_t consumed = 0;
    size_t n = 0;
    s = server->Open(pending, consumed, plain, n, out);
    pending.erase(0, consumed);
    if (!s.ok() || server->peer_closed()) {
      break;
    }
  }
  return {s.code(), std::string(plain.view()), server->peer_closed()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) {
    return 0;
  }
  std::unique_ptr<RecordLayer> peer = Make(/*server=*/false);
  ByteBuffer wire;
  size_t i = 1;
  while (i + 2 <= size) {
    const uint8_t op = data[i];
    const size_t len = data[i + 1];
    i += 2;
    const size_t take = len < size - i ? len : size - i;
    const std::string_view content(reinterpret_cast<const char*>(data + i),
                                   take);
    i += take;
    switch (op % 4) {
      case 0:
        peer->Write(content, wire);
        break;
      case 1:
        peer->Seal(static_cast<uint8_t>(op / 4), content, wire, len);
        break;
      case 2:
        if (op & 4) {
          peer->UpdateKeys(wire);  // and the peer's keys move on
        } else {
          // A KeyUpdate the peer does not follow: what it seals next no
          // longer opens.
          const char update[] = {24, 0, 0, 1, 0};
          peer->Seal(22, {update, sizeof(update)}, wire);
        }
        break;
      default:
        wire.Append(content);
        break;
    }
  }
  const std::string_view w = wire.view();
  const size_t cut = data[0] * w.size() / 256;
  const Verdict whole = Open(w, w.size());
  const Verdict split = Open(w, cut);
  if (whole.code != split.code || whole.plain != split.plain ||
      whole.closed != split.closed) {
    std::fprintf(stderr,
                 "record_layer_fuzzer: verdict differs with the split: %d vs "
                 "%d, %zu vs %zu bytes\n",
                 static_cast<int>(whole.code), static_cast<int>(split.code),
                 whole.plain.size(), split.plain.size());
    std::abort();
  }
  return 0;
}
