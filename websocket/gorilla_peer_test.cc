// Go's gorilla/websocket (Debian's golang-github-gorilla-websocket-dev), a
// real peer, as the client of brisk's WebSocket server: text, binary,
// fragments cut inside characters, large and edge-sized messages, pings,
// the close handshake, permessage-deflate, and invalid UTF-8 (which gorilla
// itself does not check, so brisk's 1007 is what it reads).
// websocket/testdata/gorilla_client.go runs the cases; it is built here with
// Debian's Go, offline.

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "server/server_test_util.h"
#include "testing/subprocess.h"
#include "websocket/test_util.h"
#include "websocket/websocket.h"

namespace brisk::websocket {
namespace {

TEST(GorillaPeerTest, GorillaClientAgainstBriskServer) {
  std::string log;
  const std::string bin =
      BuildGoProgram("websocket/testdata/gorilla_client.go", &log);
  ASSERT_FALSE(bin.empty()) << log;

  static const Options options{.deflate = {.enabled = true}};
  server::TestServer ts(
      {}, [](server::RequestCtx& ctx) { (void)Upgrade(ctx, options, Echo); });
  const testing::CommandResult r = testing::RunCommand(absl::StrCat(
      "timeout 300 ", bin, " -url=ws://127.0.0.1:", ts.port(), "/ws"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  for (const char* name :
       {"text", "binary", "fragmented", "large", "edge_sizes", "ping", "close",
        "compressed", "invalid_utf8", "invalid_utf8_truncated",
        "invalid_utf8_fragmented"}) {
    EXPECT_NE(r.out.find(absl::StrCat(name, ": ok\n")), std::string::npos)
        << name << "\n"
        << r.out;
  }
}

}  // namespace
}  // namespace brisk::websocket
