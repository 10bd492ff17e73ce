// libFuzzer target: RequestHeader::Parse on arbitrary bytes, whole and in two
// pieces, and a round trip of whatever it accepts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bytes/byte_buffer.h"
#include "http/request_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace brisk::http;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  RequestHeader h;
  ParseResult whole = h.Parse(in);
  if (whole.done() && whole.consumed > in.size()) {
    std::abort();
  }

  // The incremental path must agree with the one-shot parse.
  RequestHeader split;
  size_t cut = size == 0 ? 0 : data[0] % (size + 1);
  ParseResult first = split.Parse(in.substr(0, cut));
  ParseResult second = first.incomplete() ? split.Parse(in) : first;
  if (whole.done() != second.done()) {
    std::abort();
  }
  if (whole.done() && whole.consumed != second.consumed) {
    std::abort();
  }

  if (whole.done()) {
    // What brisk accepts, it can write and read back the same.
    h.set_keep_name_case(true);
    brisk::bytes::ByteBuffer out;
    if (h.AppendTo(out) != brisk::http::WireError::kNone) {
      std::abort();  // a parsed header is always safe to write
    }
    RequestHeader again;
    ParseResult r = again.Parse(out.view());
    if (!r.done() || again.method() != h.method() ||
        again.request_uri() != h.request_uri() ||
        again.fields().size() != h.fields().size() ||
        again.content_length() != h.content_length() ||
        again.chunked() != h.chunked()) {
      std::abort();
    }
  }
  return 0;
}
