#include "client/message_pool.h"

#include <string>
#include <thread>

#include "gtest/gtest.h"

#include "testing/counting_allocator.h"

namespace brisk::client {
namespace {

TEST(MessagePoolTest, HandlesGiveBackResetWarmObjects) {
  const http::Request* first;
  {
    RequestHandle req = AcquireRequest();
    first = req.get();
    req->header().SetMethod("POST");
    req->header().SetRequestUri("/upload");
    req->header().Set("X-A", "b");
    req->SetBody(std::string(1000, 'x'));
  }
  RequestHandle again = AcquireRequest();
  EXPECT_EQ(again.get(), first) << "the idle object is reused";
  EXPECT_TRUE(again->header().fields().empty());
  EXPECT_TRUE(again->body().empty());
  ResponseHandle resp = AcquireResponse();
  EXPECT_TRUE(resp->body().empty());
}

TEST(MessagePoolTest, WarmAcquireAndReleaseAllocateNothing) {
  auto use = [] {
    RequestHandle req = AcquireRequest();
    req->header().SetMethod("GET");
    req->header().SetRequestUri("/users/7");
    req->header().Set("Accept", "application/json");
    ResponseHandle resp = AcquireResponse();
    resp->SetStatusCode(200);
    resp->SetBody("{\"id\":7}");
  };
  for (int i = 0; i < 10; ++i) {
    use();  // warm: objects and their storage exist
  }
  testing::AllocationCounter counter;
  for (int i = 0; i < 1000; ++i) {
    use();
  }
  EXPECT_EQ(counter.allocations(), 0u);
}

TEST(MessagePoolTest, GivenBackOnAnotherThread) {
  RequestHandle req = AcquireRequest();
  req->header().SetRequestUri("/x");
  std::thread t([h = std::move(req)]() mutable { h.Reset(); });
  t.join();
  EXPECT_TRUE(AcquireRequest()->header().fields().empty());
}

}  // namespace
}  // namespace brisk::client
