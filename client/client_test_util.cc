#include "client/client_test_util.h"

#include <chrono>

namespace brisk::client {

http::Request MakeGet(std::string_view path) {
  http::Request req;
  req.header().SetMethod("GET");
  req.header().SetRequestUri(path);
  return req;
}

bool ReadRequest(testing::RawConn& c, http::Request& req) {
  for (;;) {
    http::Request parsed;
    http::ParseResult r = parsed.Parse(c.buffer());
    if (r.done()) {
      parsed.CopyTo(req);
      c.Take(r.consumed);
      return true;
    }
    if (r.failed() || c.ReadSome(std::chrono::seconds(10)) <= 0) {
      return false;
    }
  }
}

bool ReadRequest(testing::RawConn& c) {
  http::Request ignored;
  return ReadRequest(c, ignored);
}

}  // namespace brisk::client
