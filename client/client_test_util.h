// Shared by the client's tests (and the layers above): requests to send and
// the scripted server's side of reading them.

#ifndef BRISK_CLIENT_CLIENT_TEST_UTIL_H_
#define BRISK_CLIENT_CLIENT_TEST_UTIL_H_

#include <string_view>

#include "http/message.h"
#include "testing/raw_conn.h"

namespace brisk::client {

// A GET for `path`; the client sets Host.
http::Request MakeGet(std::string_view path = "/");

// Reads one whole request (header and body) off `c` into `req` (a copy: no
// views into c's buffer) and removes its bytes. false at EOF, on a malformed
// request or after 10 s without one.
bool ReadRequest(testing::RawConn& c, http::Request& req);
// The same, dropping the request.
bool ReadRequest(testing::RawConn& c);

}  // namespace brisk::client

#endif  // BRISK_CLIENT_CLIENT_TEST_UTIL_H_
