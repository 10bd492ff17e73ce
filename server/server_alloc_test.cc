// Proves the server's per-request path allocates nothing once warm: the
// handler reads the loop thread's allocation count (the counting allocator
// counts per thread, OpenSSL's allocations included)
// at two request numbers; everything the loop did for the requests in
// between -- idle wait, worker hand-off, read, decrypt, parse, handler,
// serialization, encrypt, write -- is in the difference.

#include <atomic>
#include <string>

#include "gtest/gtest.h"

#include "server/alloc_window.h"
#include "server/middleware.h"
#include "server/server.h"
#include "server/server_test_util.h"
#include "testing/counting_allocator.h"
#include "testing/raw_conn.h"
#include "testing/tls_certs.h"
#include "tls/context.h"
#include "tls/engine.h"

namespace brisk::server {
namespace {

constexpr int kWarm = 500;
constexpr int kMeasured = 2000;

TEST(ServerAllocTest, KeepAliveRequestsAllocateNothingOnceWarm) {
  AllocationWindow p(kWarm, kMeasured);
  TestServer ts({}, p.Wrap());
  testing::RawConn c = ts.Connect();
  const std::string req = Get("/plaintext", "User-Agent: alloc-test\r\n");
  for (int i = 0; i < kWarm + kMeasured; ++i) {
    ASSERT_TRUE(c.Send(req));
    ASSERT_EQ(ReadReply(c).status, 200) << i;
  }
  EXPECT_EQ(p.allocations(), 0u)
      << "allocations on the loop thread over " << kMeasured
      << " keep-alive requests (" << p.bytes() << " bytes)";
}

// A middleware with nothing to do for a request costs no allocation.
TEST(ServerAllocTest, IdleMiddlewareAllocatesNothingOnceWarm) {
  class Idle : public Middleware {};
  AllocationWindow p(kWarm, kMeasured);
  TestServer ts(
      {}, Wrap({std::make_shared<Idle>(), std::make_shared<Idle>()}, p.Wrap()));
  testing::RawConn c = ts.Connect();
  const std::string req = Get("/plaintext");
  for (int i = 0; i < kWarm + kMeasured; ++i) {
    ASSERT_TRUE(c.Send(req));
    ASSERT_EQ(ReadReply(c).status, 200) << i;
  }
  EXPECT_EQ(p.allocations(), 0u)
      << "allocations on the loop thread over " << kMeasured
      << " requests through two middleware (" << p.bytes() << " bytes)";
}

TEST(ServerAllocTest, PipelinedRequestsAllocateNothingOnceWarm) {
  AllocationWindow p(kWarm, kMeasured);
  TestServer ts({}, p.Wrap());
  testing::RawConn c = ts.Connect();
  std::string batch;
  for (int i = 0; i < 16; ++i) {
    batch += Get("/plaintext");
  }
  for (int i = 0; i < (kWarm + kMeasured) / 16 + 1; ++i) {
    ASSERT_TRUE(c.Send(batch));
    for (int j = 0; j < 16; ++j) {
      ASSERT_EQ(ReadReply(c).status, 200);
    }
  }
  EXPECT_EQ(p.allocations(), 0u)
      << "allocations on the loop thread over " << kMeasured
      << " pipelined requests (" << p.bytes() << " bytes)";
}

// The same over TLS 1.3: the server's record layer opens each request
// into the worker's buffer and seals the response into its output, and the
// ciphertext buffer is the worker's, lent to the connection while served.
TEST(ServerAllocTest, HttpsKeepAliveRequestsAllocateNothingOnceWarm) {
  ASSERT_TRUE(testing::CountsOpenSsl()) << "OpenSSL allocated before";
  AllocationWindow p(kWarm, kMeasured);
  ServerOptions o;
  o.tls = TestServerTls();
  TestServer ts(std::move(o), p.Wrap());
  auto client_tls =
      tls::Context::MakeClient({.ca_pem = testing::SharedTestPki().ca});
  ASSERT_TRUE(client_tls.ok());
  tls::Engine e(*client_tls, "localhost");
  testing::RawConn c = ts.Connect();
  ASSERT_TRUE(e.Start().ok());
  auto send = [&] {
    bytes::ByteBuffer out;
    e.TakeOutput(out);
    return out.empty() || c.Send(out.view());
  };
  while (!e.handshake_done()) {
    ASSERT_TRUE(send());
    ASSERT_GT(c.ReadSome(), 0);
    ASSERT_TRUE(e.Feed(c.Take(c.buffer().size())).ok());
  }
  const std::string req = Get("/plaintext", "User-Agent: alloc-test\r\n");
  bytes::ByteBuffer plain;
  for (int i = 0; i < kWarm + kMeasured; ++i) {
    ASSERT_TRUE(e.Write(req).ok());
    ASSERT_TRUE(send());
    plain.Reset();
    while (plain.view().find("Hello, World!") == std::string_view::npos) {
      ASSERT_GT(c.ReadSome(), 0) << i;
      ASSERT_TRUE(e.Feed(c.Take(c.buffer().size())).ok());
      size_t n = 0;
      ASSERT_TRUE(e.Read(plain, n).ok());
    }
  }
  EXPECT_EQ(ts.server().stats().tls_handshakes, 1u);
  EXPECT_GT(p.before_first(), 0u) << "the handshake allocated";
  EXPECT_EQ(p.allocations(), 0u)
      << "allocations on the loop thread over " << kMeasured
      << " HTTPS keep-alive requests (" << p.bytes() << " bytes)";
}

}  // namespace
}  // namespace brisk::server
