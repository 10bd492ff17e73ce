// Proves a warm HostClient call allocates nothing: on the calling thread
// (Do hands the call to the loop through an eventfd and waits on an atomic)
// and on the client's loop thread (read with the counting allocator by
// callbacks posted before and after the measured calls).

#include <atomic>
#include <string>

#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"
#include "gtest/gtest.h"

#include "client/host_client.h"
#include "http/message.h"
#include "testing/counting_allocator.h"
#include "testing/loopback.h"

namespace brisk::client {
namespace {

uint64_t LoopAllocations(HostClient& client) {
  std::atomic<uint64_t> n{0};
  std::atomic<bool> done{false};
  boost::asio::post(client.loop(), [&] {
    n = testing::ThreadAllocations();
    done = true;
    done.notify_one();
  });
  done.wait(false);
  return n.load();
}

TEST(HostClientAllocTest, WarmDoAllocatesNothing) {
  testing::FakeServer s([](testing::RawConn& c, int) {
    const std::string reply =
        "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n"
        "\r\nHello, World!";
    for (;;) {
      size_t end;
      while ((end = c.buffer().find("\r\n\r\n")) == std::string::npos) {
        if (c.ReadSome() <= 0) {
          return;
        }
      }
      c.Take(end + 4);
      c.Send(reply);
    }
  });
  HostClientOptions o;
  o.addrs = {absl::StrCat("127.0.0.1:", s.port())};
  HostClient client(o);
  http::Request req;
  req.header().SetMethod("GET");
  req.header().SetRequestUri("/plaintext");
  http::Response resp;
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(client.DoTimeout(req, resp, absl::Seconds(5)).ok());
  }
  const uint64_t loop_before = LoopAllocations(client);
  uint64_t caller;
  {
    testing::AllocationCounter count;
    for (int i = 0; i < 1000; ++i) {
      absl::Status st = client.DoTimeout(req, resp, absl::Seconds(5));
      ASSERT_TRUE(st.ok()) << st;
    }
    caller = count.allocations();
  }
  const uint64_t loop_after = LoopAllocations(client);
  EXPECT_EQ(resp.body(), "Hello, World!");
  EXPECT_EQ(caller, 0u) << "allocations on the calling thread";
  EXPECT_EQ(loop_after - loop_before, 0u) << "allocations on the loop thread";
}

}  // namespace
}  // namespace brisk::client
