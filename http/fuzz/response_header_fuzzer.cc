// libFuzzer target: ResponseHeader::Parse and a full Response parse.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/message.h"
#include "http/response_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace brisk::http;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  ResponseHeader h;
  ParseResult r = h.Parse(in);
  if (r.done() && r.consumed > in.size()) {
    std::abort();
  }
  Response resp;
  ParseResult full = resp.Parse(in, size > 0 && data[0] & 1, 1 << 20);
  if (full.done() && full.consumed > in.size()) {
    std::abort();
  }
  return 0;
}
