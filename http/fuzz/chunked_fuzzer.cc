// libFuzzer target: ChunkedDecoder fed in pieces; its output must equal the
// one-shot decode.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bytes/byte_buffer.h"
#include "http/chunked.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace brisk::http;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  ChunkedDecoder whole({.max_body_bytes = 1 << 20});
  brisk::bytes::ByteBuffer out;
  DecodeResult w = whole.Decode(in, out);
  if (w.consumed > in.size()) {
    std::abort();
  }

  ChunkedDecoder pieces({.max_body_bytes = 1 << 20});
  brisk::bytes::ByteBuffer out2;
  std::string pending;
  size_t step = size == 0 ? 1 : data[0] % 7 + 1;
  DecodeResult p;
  for (size_t i = 0; i < size; i += step) {
    pending.append(in.substr(i, step));
    p = pieces.Decode(pending, out2);
    if (p.failed()) {
      break;
    }
    pending.erase(0, p.consumed);
    if (p.done()) {
      break;
    }
  }
  if (w.done() && (!p.done() || out.view() != out2.view())) {
    std::abort();
  }
  return 0;
}
