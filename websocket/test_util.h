// Shared by //websocket's tests.

#ifndef BRISK_WEBSOCKET_TEST_UTIL_H_
#define BRISK_WEBSOCKET_TEST_UTIL_H_

#include "server/request_ctx.h"
#include "websocket/websocket.h"

namespace brisk::websocket {

// A session that sends every message back with its type, until Read or
// Write fails.
server::Task Echo(Conn& conn);

}  // namespace brisk::websocket

#endif  // BRISK_WEBSOCKET_TEST_UTIL_H_
