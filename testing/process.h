// File: testing/process.h
//
// What this process holds, for tests that check for leaks: open file
// descriptors and resident memory.
//
// Test-only: never a dependency of a library.

#ifndef BRISK_TESTING_PROCESS_H_
#define BRISK_TESTING_PROCESS_H_

#include <cstdint>

namespace brisk::testing {

// Open file descriptors of this process.
int OpenFileDescriptors();
// Resident set size of this process in KiB (VmRSS).
int64_t ProcessRssKib();

}  // namespace brisk::testing

#endif  // BRISK_TESTING_PROCESS_H_
