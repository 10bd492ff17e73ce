// Shared by //websocket's tests.

#ifndef BRISK_WEBSOCKET_TEST_UTIL_H_
#define BRISK_WEBSOCKET_TEST_UTIL_H_

#include <string>

#include "server/request_ctx.h"
#include "websocket/websocket.h"

namespace brisk::websocket {

// A session that sends every message back with its type, until Read or
// Write fails.
server::Task Echo(Conn& conn);

// Builds the Go program `src` (a runfiles path) with Debian's Go and
// gorilla/websocket, offline, into the test's temporary directory: its
// path, or "" with the compiler's output in `log`.
std::string BuildGoProgram(const std::string& src, std::string* log);

}  // namespace brisk::websocket

#endif  // BRISK_WEBSOCKET_TEST_UTIL_H_
