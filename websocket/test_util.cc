#include "websocket/test_util.h"

namespace brisk::websocket {

server::Task Echo(Conn& conn) {
  for (;;) {
    absl::StatusOr<Message> m = co_await conn.Read();
    if (!m.ok()) {
      co_return;
    }
    absl::Status w = co_await conn.Write(m->data, m->type);
    if (!w.ok()) {
      co_return;
    }
  }
}

}  // namespace brisk::websocket
