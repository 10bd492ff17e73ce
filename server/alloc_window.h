// File: server/alloc_window.h (test-only)
//
// Counts the allocations the loop thread makes (testing/counting_allocator.h)
// between the `warm`-th and the (`warm` + `measured`)-th call of the handler
// it wraps: everything the loop did for the requests in between — idle
// wait, worker hand-off, read, parse, middleware, handler, serialization,
// write. How the allocation-free claims are tested.
//
//   AllocationWindow w(500, 2000);
//   TestServer ts({}, w.Wrap(handler));
//   ... send 2,500 requests and read the answers ...
//   EXPECT_EQ(w.allocations(), 0u);

#ifndef BRISK_SERVER_ALLOC_WINDOW_H_
#define BRISK_SERVER_ALLOC_WINDOW_H_

#include <atomic>
#include <cstdint>

#include "server/server.h"

namespace brisk::server {

class AllocationWindow {
 public:
  AllocationWindow(int warm, int measured) : warm_(warm), measured_(measured) {}

  // `inner` (default: a "Hello, World!" answer), counted. The window must
  // outlive the server.
  Handler Wrap(Handler inner = nullptr);

  int total() const { return warm_ + measured_; }
  // Allocations and bytes inside the window (0 until it closed).
  uint64_t allocations() const { return end_ - start_; }
  uint64_t bytes() const { return bytes_; }
  // Allocations before the first request's handler (a handshake, say).
  uint64_t before_first() const { return at_first_; }

 private:
  const int warm_;
  const int measured_;
  int n_ = 0;  // the loop thread's only
  uint64_t start_bytes_ = 0;
  std::atomic<uint64_t> start_{0};
  std::atomic<uint64_t> end_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> at_first_{0};
};

}  // namespace brisk::server

#endif  // BRISK_SERVER_ALLOC_WINDOW_H_
