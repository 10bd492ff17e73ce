// Python's websockets (Debian's python3-websockets), a real peer, as the
// client of brisk's WebSocket server: messages of every kind and size, pings,
// close codes both ways, and the protocol errors it is made to commit (its
// own error handling judges brisk's close codes). websocket/testdata/
// python_client.py runs the cases; each prints "<case>: ok".

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "server/server_test_util.h"
#include "testing/subprocess.h"
#include "websocket/test_util.h"
#include "websocket/websocket.h"

namespace brisk::websocket {
namespace {

server::Task CloseAfterOne(Conn& conn) {
  absl::StatusOr<Message> m = co_await conn.Read();
  if (m.ok()) {
    absl::Status c = co_await conn.Close(4000, "bye");
    (void)c;
  }
}

TEST(PythonPeerTest, WebsocketsClientAgainstBriskServer) {
  static const Options echo_options;
  static const Options proto_options{.subprotocols = {"chat", "superchat"}};
  static const Options deflate_options{.deflate = {.enabled = true}};
  static const Options takeover_options{
      .deflate = {.enabled = true, .context_takeover = true}};
  server::TestServer ts({}, [](server::RequestCtx& ctx) {
    const std::string_view path = ctx.request().header().request_uri();
    absl::Status s;
    if (path == "/close") {
      s = Upgrade(ctx, echo_options, CloseAfterOne);
    } else if (path == "/deflate") {
      s = Upgrade(ctx, deflate_options, Echo);
    } else if (path == "/deflate-ctx") {
      s = Upgrade(ctx, takeover_options, Echo);
    } else if (path == "/proto") {
      s = Upgrade(ctx, proto_options, Echo);
    } else {
      s = Upgrade(ctx, echo_options, Echo);
    }
    (void)s;  // a refused handshake is answered by ctx's response
  });
  const testing::CommandResult r =
      testing::RunCommand(absl::StrCat("timeout 300 /usr/bin/python3 "
                                       "websocket/testdata/python_client.py ",
                                       ts.port()));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  for (const char* name : {"echo_text",
                           "echo_binary",
                           "echo_utf8",
                           "fragmented",
                           "large",
                           "many",
                           "ping_pong",
                           "server_closes_with_code",
                           "client_closes",
                           "too_big",
                           "invalid_utf8",
                           "invalid_utf8_across_fragments",
                           "reserved_bit",
                           "bad_opcode",
                           "continuation_without_start",
                           "fragmented_ping",
                           "unmasked_frame",
                           "bad_close_code",
                           "subprotocol",
                           "refused_handshake"}) {
    EXPECT_NE(r.out.find(absl::StrCat(name, ": ok\n")), std::string::npos)
        << name << "\n"
        << r.out;
  }
}

}  // namespace
}  // namespace brisk::websocket
