// Fuzzes the output check (http/wire.h) through the real serializers: a
// request and a response built from arbitrary method, target, names, values
// and status must either be refused or come out with exactly one line per
// part — no CR, LF or NUL anywhere but in the CRLFs that end the lines.
//
// Input: pieces separated by 0xFF: method, target, then name/value pairs;
// the first byte of the input also picks the response status.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "bytes/byte_buffer.h"
#include "http/message.h"
#include "http/wire.h"

namespace {

using brisk::http::WireError;

// The head must be `lines` CRLF-terminated lines followed by an empty one,
// with no other CR, LF or NUL.
void CheckHead(std::string_view out, size_t lines) {
  size_t end = out.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    std::abort();
  }
  std::string_view head = out.substr(0, end + 2);
  size_t count = 0;
  size_t start = 0;
  while (start < head.size()) {
    size_t crlf = head.find("\r\n", start);
    std::string_view line = head.substr(start, crlf - start);
    if (line.find_first_of(std::string_view("\r\n\0", 3)) !=
        std::string_view::npos) {
      std::abort();  // a stray CR, LF or NUL inside a line
    }
    ++count;
    start = crlf + 2;
  }
  if (count != lines) {
    std::abort();  // a part was split into more lines (or fields lost)
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t sep = in.find('\xff', start);
    parts.push_back(in.substr(start, sep == std::string_view::npos
                                         ? std::string_view::npos
                                         : sep - start));
    if (sep == std::string_view::npos) {
      break;
    }
    start = sep + 1;
  }
  const int status = size > 0 ? 100 + data[0] * 4 : 200;

  brisk::http::Request req;
  req.header().SetMethod(parts[0]);
  req.header().SetRequestUri(parts.size() > 1 ? parts[1] : "/");
  brisk::http::Response resp;
  resp.SetStatusCode(status);
  for (size_t i = 2; i + 1 < parts.size(); i += 2) {
    req.header().Add(parts[i], parts[i + 1]);
    resp.header().Add(parts[i], parts[i + 1]);
  }
  req.SetBody("body");
  resp.SetBody("body");

  brisk::bytes::ByteBuffer out;
  if (req.AppendTo(out) == WireError::kNone) {
    CheckHead(out.view(), 1 + req.header().fields().size());
  } else if (!out.empty()) {
    std::abort();  // a refused message writes nothing
  }
  out.Reset();
  if (resp.AppendTo(out) == WireError::kNone) {
    CheckHead(out.view(), 1 + resp.header().fields().size());
  } else if (!out.empty()) {
    std::abort();
  }
  return 0;
}
