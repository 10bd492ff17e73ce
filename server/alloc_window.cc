#include "server/alloc_window.h"

#include <utility>

#include "testing/counting_allocator.h"

namespace brisk::server {

Handler AllocationWindow::Wrap(Handler inner) {
  return [this, inner = std::move(inner)](RequestCtx& ctx) {
    ++n_;
    if (n_ == 1) {
      at_first_ = testing::ThreadAllocations();
    }
    if (n_ == warm_) {
      start_ = testing::ThreadAllocations();
      start_bytes_ = testing::ThreadAllocatedBytes();
    } else if (n_ == warm_ + measured_) {
      end_ = testing::ThreadAllocations();
      bytes_ = testing::ThreadAllocatedBytes() - start_bytes_;
    }
    if (inner) {
      inner(ctx);
    } else {
      ctx.SetContentType("text/plain");
      ctx.SetBody("Hello, World!");
    }
  };
}

}  // namespace brisk::server
