// RequestId (middleware/request_id.h) through the real server: minted ids,
// incoming ones kept or replaced, the same id for the handler and the
// response, streamed responses.

#include "middleware/request_id.h"

#include <memory>
#include <set>
#include <string>

#include "gtest/gtest.h"

#include "server/middleware.h"
#include "server/server.h"
#include "server/server_test_util.h"

namespace brisk::middleware {
namespace {

using server::Get;
using server::Reply;
using server::RoundTrip;
using server::TestServer;

// Answers with the id the handler sees.
server::Handler EchoId() {
  return [](server::RequestCtx& ctx) { ctx.SetBody(RequestId::Of(ctx)); };
}

bool IsHex32(std::string_view s) {
  return s.size() == 32 &&
         s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

TEST(RequestIdTest, MintedWhenAbsentAndTheSameEverywhere) {
  TestServer ts({}, server::Wrap({std::make_shared<RequestId>()}, EchoId()));
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    Reply r = RoundTrip(ts.port(), Get("/"));
    EXPECT_TRUE(IsHex32(r.body)) << r.body;
    EXPECT_EQ(r.Header("X-Request-Id"), r.body);
    seen.insert(r.body);
  }
  EXPECT_EQ(seen.size(), 50u);
}

TEST(RequestIdTest, IncomingKeptOnlyWhenItLooksLikeAnId) {
  TestServer ts({}, server::Wrap({std::make_shared<RequestId>()}, EchoId()));
  Reply r =
      RoundTrip(ts.port(), Get("/", "X-Request-Id: abc-123_x.y:z/w@v\r\n"));
  EXPECT_EQ(r.body, "abc-123_x.y:z/w@v");
  EXPECT_EQ(r.Header("X-Request-Id"), "abc-123_x.y:z/w@v");
  for (const std::string& bad :
       {std::string("has space"), std::string("quote\"d"),
        std::string(129, 'a'), std::string("semi;colon")}) {
    r = RoundTrip(ts.port(), Get("/", "X-Request-Id: " + bad + "\r\n"));
    EXPECT_TRUE(IsHex32(r.body)) << bad << " -> " << r.body;
  }
  r = RoundTrip(ts.port(),
                Get("/", "X-Request-Id: one\r\nX-Request-Id: two\r\n"));
  EXPECT_TRUE(IsHex32(r.body)) << r.body;
  EXPECT_TRUE(RequestId::Acceptable(std::string(128, 'a')));
  EXPECT_FALSE(RequestId::Acceptable(""));
}

TEST(RequestIdTest, UntrustedIncomingIsReplaced) {
  TestServer ts({}, server::Wrap({std::make_shared<RequestId>(RequestIdOptions{
                                     .trust_incoming = false})},
                                 EchoId()));
  Reply r = RoundTrip(ts.port(), Get("/", "X-Request-Id: mine\r\n"));
  EXPECT_TRUE(IsHex32(r.body)) << r.body;
  EXPECT_EQ(r.Header("X-Request-Id"), r.body);
}

TEST(RequestIdTest, OtherHeaderAndStreamedResponses) {
  TestServer ts(
      {},
      server::Wrap(
          {std::make_shared<RequestId>(RequestIdOptions{.header = "X-Trace"})},
          server::Coroutine([](server::RequestCtx& ctx) -> server::Task {
            const std::string id(ctx.request().header().Peek("X-Trace"));
            absl::Status s = co_await ctx.StreamWrite(id);
            EXPECT_TRUE(s.ok()) << s;
          })));
  Reply r = RoundTrip(ts.port(), Get("/", "X-Trace: t-1\r\n"));
  EXPECT_EQ(r.body, "t-1");
  EXPECT_EQ(r.Header("X-Trace"), "t-1");
  EXPECT_FALSE(r.Has("X-Request-Id"));
}

}  // namespace
}  // namespace brisk::middleware
