// libFuzzer target: MultipartReader over arbitrary bodies, fed in pieces.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/multipart.h"

namespace {
class Sink : public brisk::http::MultipartHandler {
 public:
  bool OnPartBegin(const brisk::http::MultipartPart& p) override {
    if (in_part) {
      std::abort();  // parts never nest
    }
    in_part = true;
    bytes += p.name.size();
    return true;
  }
  bool OnPartData(std::string_view d) override {
    if (!in_part) {
      std::abort();
    }
    bytes += d.size();
    return true;
  }
  bool OnPartEnd() override {
    if (!in_part) {
      std::abort();
    }
    in_part = false;
    return true;
  }
  bool in_part = false;
  size_t bytes = 0;
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace brisk::http;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  MultipartReader r("b0undary");
  Sink sink;
  std::string pending;
  size_t step = size == 0 ? 1 : data[0] % 13 + 1;
  for (size_t i = 0; i < size; i += step) {
    pending.append(in.substr(i, step));
    DecodeResult d = r.Feed(pending, sink);
    if (d.failed() || d.done()) {
      break;
    }
    if (d.consumed > pending.size()) {
      std::abort();
    }
    pending.erase(0, d.consumed);
  }
  return 0;
}
