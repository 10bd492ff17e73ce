// File: testing/counting_allocator.h
//
// Proves that a hot path allocates nothing. Linking
// //testing:counting_allocator into a test replaces the global operator
// new/delete with versions that count, per thread, every allocation (and
// hooks OpenSSL's allocator to count its allocations too);
// AllocationCounter reads the calling thread's count over a scope.
//
// Example:
//   buf.Append(warm_up);                     // let buffers reach their size
//   brisk::testing::AllocationCounter count;
//   ParseAndSerialize(request, buf);         // the hot path
//   EXPECT_EQ(count.allocations(), 0);
//
// Test-only: never a dependency of a library.

#ifndef BRISK_TESTING_COUNTING_ALLOCATOR_H_
#define BRISK_TESTING_COUNTING_ALLOCATOR_H_

#include <cstddef>
#include <cstdint>

namespace brisk::testing {

// Allocations (operator new of any form, and OpenSSL's own allocations)
// made by the calling thread so far.
uint64_t ThreadAllocations();
// Whether OpenSSL's allocations are counted (its hooks were installed
// before its first allocation).
bool CountsOpenSsl();
// Bytes requested by those allocations.
uint64_t ThreadAllocatedBytes();

// Counts the calling thread's allocations from construction on.
class AllocationCounter {
 public:
  AllocationCounter()
      : start_(ThreadAllocations()), start_bytes_(ThreadAllocatedBytes()) {}
  uint64_t allocations() const { return ThreadAllocations() - start_; }
  uint64_t bytes() const { return ThreadAllocatedBytes() - start_bytes_; }

 private:
  uint64_t start_;
  uint64_t start_bytes_;
};

}  // namespace brisk::testing

#endif  // BRISK_TESTING_COUNTING_ALLOCATOR_H_
