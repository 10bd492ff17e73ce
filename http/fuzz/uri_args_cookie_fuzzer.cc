// libFuzzer target: URI, Args and cookie parsing. A normalized path never
// holds a dot segment or an empty segment, and always starts with '/'.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bytes/byte_buffer.h"
#include "http/args.h"
#include "http/cookie.h"
#include "http/date.h"
#include "http/uri.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace brisk::http;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  URI u;
  if (u.Parse(in, "host") == ParseError::kNone && !u.is_asterisk() &&
      !u.is_authority_form()) {
    std::string_view p = u.path();
    if (p.empty() || p[0] != '/') {
      std::abort();
    }
    if (p.find("/./") != p.npos || p.find("/../") != p.npos ||
        p.find("//") != p.npos || p.ends_with("/..") || p.ends_with("/.")) {
      std::abort();
    }
    (void)u.query_args().size();
  }
  Args a;
  a.Parse(in);
  brisk::bytes::ByteBuffer out;
  a.AppendTo(out);
  Args b;
  b.Parse(out.view());
  if (a.size() != b.size()) {
    std::abort();
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].key != b[i].key || a[i].value != b[i].value) {
      std::abort();
    }
  }
  ForEachCookie(in, [](std::string_view, std::string_view) {});
  Cookie c;
  (void)c.Parse(in);
  (void)ParseHttpDate(in);
  return 0;
}
