// Compression between brisk's client and real servers: brisk's Compress
// middleware and nginx's `gzip on` encode, the client's DecodeBody and its
// decompress option decode (a bomb stops at its limit with kBodyTooLarge);
// curl and Python read brisk's side in //tools and //compress.

#include "middleware/compress.h"

#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "client/decode.h"
#include "client/errors.h"
#include "client/host_client.h"
#include "http/message.h"
#include "server/middleware.h"
#include "server/server.h"
#include "server/server_test_util.h"
#include "testing/json_like.h"
#include "testing/nginx.h"

namespace brisk {
namespace {

using client::ErrorKind;
using client::HostClient;
using client::HostClientOptions;

HostClientOptions To(uint16_t port, bool decompress) {
  HostClientOptions o;
  o.addrs = {absl::StrCat("127.0.0.1:", port)};
  o.decompress = decompress;
  return o;
}

http::Request GetReq(std::string_view path, std::string_view accept = "") {
  http::Request req;
  req.header().SetMethod("GET");
  req.header().SetRequestUri(path);
  if (!accept.empty()) {
    req.header().Set("Accept-Encoding", accept);
  }
  return req;
}

TEST(CompressE2eTest, ClientDecodesBrisksCodings) {
  const std::string body = testing::JsonLike(50000);
  server::TestServer ts({},
                        server::Wrap({middleware::Compress::Create().value()},
                                     [&body](server::RequestCtx& ctx) {
                                       ctx.SetContentType("application/json");
                                       ctx.SetBody(body);
                                     }));
  // decompress on: the client asks (zstd first, so zstd) and decodes.
  HostClient c(To(ts.port(), true));
  http::Request req = GetReq("/");
  http::Response resp;
  ASSERT_TRUE(c.Do(req, resp).ok());
  EXPECT_EQ(req.header().Peek("Accept-Encoding"), client::kAcceptEncoding);
  EXPECT_EQ(resp.body(), body);
  EXPECT_FALSE(resp.header().fields().Has("Content-Encoding"));
  EXPECT_EQ(resp.header().content_length(), static_cast<int64_t>(body.size()));
  // A coding the caller names is the one asked for.
  for (std::string_view coding : {"gzip", "br"}) {
    http::Request r2 = GetReq("/", coding);
    ASSERT_TRUE(c.Do(r2, resp).ok());
    EXPECT_EQ(resp.body(), body) << coding;
  }
  // decompress off: the body stays encoded until DecodeBody.
  HostClient plain(To(ts.port(), false));
  http::Request r3 = GetReq("/", "br");
  ASSERT_TRUE(plain.Do(r3, resp).ok());
  EXPECT_EQ(resp.header().Peek("Content-Encoding"), "br");
  EXPECT_LT(resp.body().size(), body.size() / 3);
  ASSERT_TRUE(client::DecodeBody(resp).ok());
  EXPECT_EQ(resp.body(), body);
  http::Request r4 = GetReq("/");
  ASSERT_TRUE(plain.Do(r4, resp).ok());
  EXPECT_FALSE(r4.header().fields().Has("Accept-Encoding"));
  EXPECT_EQ(resp.body(), body);
}

TEST(CompressE2eTest, AStreamedCompressedResponseIsDecoded) {
  server::TestServer ts(
      {}, server::Wrap(
              {middleware::Compress::Create().value()},
              server::Coroutine([](server::RequestCtx& ctx) -> server::Task {
                ctx.SetContentType("text/plain");
                for (int i = 0; i < 50; ++i) {
                  absl::Status s = co_await ctx.StreamWrite(
                      "line " + std::to_string(i) + " of fifty\n");
                  if (!s.ok()) {
                    co_return;
                  }
                }
              })));
  HostClient c(To(ts.port(), true));
  http::Request req = GetReq("/");
  http::Response resp;
  ASSERT_TRUE(c.Do(req, resp).ok());
  std::string want;
  for (int i = 0; i < 50; ++i) {
    want += "line " + std::to_string(i) + " of fifty\n";
  }
  EXPECT_EQ(resp.body(), want);
}

TEST(CompressE2eTest, ABombFailsTheCallAtTheLimit) {
  // 64 MiB of zeros, zstd-compressed by the server (past its default
  // max_bytes): a few KiB on the wire.
  const std::string zeros(64 << 20, '\0');
  server::TestServer ts(
      {}, server::Wrap(
              {middleware::Compress::Create({.max_bytes = 128 << 20}).value()},
              [&zeros](server::RequestCtx& ctx) {
                ctx.SetContentType("text/plain");
                ctx.SetBody(zeros);
              }));
  HostClientOptions o = To(ts.port(), true);
  o.decode_limits.max_output_bytes = 8 << 20;
  o.decode_limits.max_ratio = 0;
  HostClient c(o);
  http::Request req = GetReq("/");
  http::Response resp;
  absl::Status s = c.Do(req, resp);
  EXPECT_EQ(client::KindOf(s), ErrorKind::kBodyTooLarge) << s;
  // The default limits stop it too (the ratio, early).
  HostClient d(To(ts.port(), true));
  s = d.Do(req, resp);
  EXPECT_EQ(client::KindOf(s), ErrorKind::kBodyTooLarge) << s;
  // A corrupt body is a malformed response.
  server::TestServer bad({}, [](server::RequestCtx& ctx) {
    ctx.response().header().Set("Content-Encoding", "gzip");
    ctx.SetBody("this is not gzip");
  });
  HostClient b(To(bad.port(), true));
  s = b.Do(req, resp);
  EXPECT_EQ(client::KindOf(s), ErrorKind::kMalformedResponse) << s;
}

TEST(CompressE2eTest, ClientDecodesWhatNginxGzipSends) {
  ASSERT_EQ(access("/usr/sbin/nginx", X_OK), 0)
      << "nginx is a test peer: ./bazelw installs nginx-light";
  const std::string body = testing::JsonLike(100000);
  testing::Nginx nginx([&body](const std::string& dir, uint16_t port) {
    std::ofstream(dir + "/data.json") << body;
    return absl::StrCat(
        "  types { application/json json; }\n"
        "  gzip on; gzip_comp_level 6; gzip_types application/json;\n"
        "  server { listen 127.0.0.1:",
        port, "; root ", dir, "; }\n");
  });
  ASSERT_TRUE(nginx.ready()) << "nginx did not start";
  HostClient c(To(nginx.port(), true));
  http::Request req = GetReq("/data.json");
  http::Response resp;
  ASSERT_TRUE(c.Do(req, resp).ok());
  EXPECT_EQ(resp.status_code(), 200);
  EXPECT_EQ(resp.body(), body);
  // Asked by hand, then decoded by hand: nginx really sent gzip.
  HostClient plain(To(nginx.port(), false));
  http::Request r2 = GetReq("/data.json", "gzip");
  ASSERT_TRUE(plain.Do(r2, resp).ok());
  EXPECT_EQ(resp.header().Peek("Content-Encoding"), "gzip");
  EXPECT_LT(resp.body().size(), body.size() / 2);
  ASSERT_TRUE(client::DecodeBody(resp).ok());
  EXPECT_EQ(resp.body(), body);
}

}  // namespace
}  // namespace brisk
