// Proves the server's per-request path allocates nothing once warm: the
// handler reads the loop thread's allocation count (the counting allocator
// counts per thread) at two request numbers; everything the loop did for
// the requests in between -- idle wait, worker hand-off, read, parse,
// handler, serialization, write -- is in the difference.

#include <atomic>
#include <string>

#include "gtest/gtest.h"

#include "server/server.h"
#include "server/server_test_util.h"
#include "testing/counting_allocator.h"
#include "testing/loopback.h"

namespace brisk::server {
namespace {

constexpr int kWarm = 500;
constexpr int kMeasured = 2000;

struct Probe {
  int n = 0;  // loop thread only
  std::atomic<uint64_t> start{0};
  std::atomic<uint64_t> end{0};
  std::atomic<uint64_t> bytes{0};
  uint64_t start_bytes = 0;

  Handler handler() {
    return [this](RequestCtx& ctx) {
      ++n;
      if (n == kWarm) {
        start = testing::ThreadAllocations();
        start_bytes = testing::ThreadAllocatedBytes();
      } else if (n == kWarm + kMeasured) {
        end = testing::ThreadAllocations();
        bytes = testing::ThreadAllocatedBytes() - start_bytes;
      }
      ctx.SetContentType("text/plain");
      ctx.SetBody("Hello, World!");
    };
  }
};

TEST(ServerAllocTest, KeepAliveRequestsAllocateNothingOnceWarm) {
  Probe p;
  TestServer ts({}, p.handler());
  testing::RawConn c = ts.Connect();
  const std::string req = Get("/plaintext", "User-Agent: alloc-test\r\n");
  for (int i = 0; i < kWarm + kMeasured; ++i) {
    ASSERT_TRUE(c.Send(req));
    ASSERT_EQ(ReadReply(c).status, 200) << i;
  }
  EXPECT_EQ(p.end.load() - p.start.load(), 0u)
      << "allocations on the loop thread over " << kMeasured
      << " keep-alive requests (" << p.bytes.load() << " bytes)";
}

TEST(ServerAllocTest, PipelinedRequestsAllocateNothingOnceWarm) {
  Probe p;
  TestServer ts({}, p.handler());
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
  EXPECT_EQ(p.end.load() - p.start.load(), 0u)
      << "allocations on the loop thread over " << kMeasured
      << " pipelined requests (" << p.bytes.load() << " bytes)";
}

}  // namespace
}  // namespace brisk::server
