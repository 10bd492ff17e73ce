// File: bytes/byte_buffer_pool.h
//
// ByteBufferPool reuses ByteBuffers and learns which sizes to keep, in the
// manner of valyala/bytebufferpool (which fasthttp uses for every body):
//
//   - Put() records the size each returned buffer reached, in power-of-two
//     classes from 64 B to 32 MiB.
//   - Every `calibrate_calls` Put()s it recalibrates: default_size() becomes
//   the
//     most common class (the capacity a new buffer starts with) and max_size()
//     the largest class among those covering `max_percentile` of the calls.
//   - A returned buffer whose capacity exceeds max_size() is freed instead of
//     pooled, and calibration frees idle buffers that exceed the new
//     max_size(), so one 10 MiB outlier is dropped instead of pinned in the
//     pool forever.
//   - At most `max_idle` buffers are kept; extra ones are freed.
//
// Thread-safe. Get() and Put() take a short lock (the idle stack); the size
// statistics are relaxed atomics (a count may be lost under contention). A
// buffer from Get() is empty; it belongs to the caller until Put() (or until it
// is destroyed, which frees it: forgetting Put() leaks nothing).
//
// Example:
//   ByteBufferPool& pool = ByteBufferPool::Default();
//   ByteBuffer b = pool.Get();
//   b.Append(body);
//   ...
//   pool.Put(std::move(b));

#ifndef BRISK_BYTES_BYTE_BUFFER_POOL_H_
#define BRISK_BYTES_BYTE_BUFFER_POOL_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"

#include "base/mutex.h"
#include "bytes/byte_buffer.h"

namespace brisk::bytes {

struct ByteBufferPoolOptions {
  // Put() calls per size class between calibrations (bytebufferpool: 42000).
  uint64_t calibrate_calls = 42000;
  // Share of calls whose sizes are kept (bytebufferpool: 0.95).
  double max_percentile = 0.95;
  // Idle buffers kept at most (bytebufferpool: unbounded, trimmed by Go's GC).
  size_t max_idle = 1024;
};

class ByteBufferPool {
 public:
  // Size classes: 2^6 (64 B) ... 2^25 (32 MiB); larger sizes count in the last.
  static constexpr int kMinBitSize = 6;
  static constexpr int kClasses = 20;

  ByteBufferPool() : ByteBufferPool(ByteBufferPoolOptions{}) {}
  explicit ByteBufferPool(const ByteBufferPoolOptions& options);
  ByteBufferPool(const ByteBufferPool&) = delete;
  ByteBufferPool& operator=(const ByteBufferPool&) = delete;

  // A process-wide pool with default options.
  static ByteBufferPool& Default();

  // An empty buffer: a pooled one if any is idle (most recently returned
  // first), else a new one with capacity default_size() (0 before the first
  // calibration, so it allocates on first use).
  ByteBuffer Get();

  // Returns `buf` to the pool. Its size() is recorded for calibration; it is
  // Reset() and kept, or freed if it is larger than max_size() or the pool
  // already holds max_idle buffers.
  void Put(ByteBuffer&& buf);

  // Capacity of a new buffer from Get(); 0 until calibrated.
  size_t default_size() const {
    return default_size_.load(std::memory_order_relaxed);
  }
  // Largest capacity kept; 0 (no limit) until calibrated.
  size_t max_size() const { return max_size_.load(std::memory_order_relaxed); }
  // Idle buffers held, and their total capacity.
  size_t idle() const ABSL_LOCKS_EXCLUDED(mu_);
  size_t idle_bytes() const ABSL_LOCKS_EXCLUDED(mu_);

  // Size class of a buffer of `size` bytes: 0 for <= 64 B, 1 for <= 128 B, ...
  static int ClassOf(size_t size);

 private:
  void Calibrate() ABSL_LOCKS_EXCLUDED(mu_);

  const ByteBufferPoolOptions options_;
  std::array<std::atomic<uint64_t>, kClasses> calls_{};
  std::atomic<bool> calibrating_{false};
  std::atomic<size_t> default_size_{0};
  std::atomic<size_t> max_size_{0};

  mutable base::Mutex mu_;
  std::vector<ByteBuffer> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace brisk::bytes

#endif  // BRISK_BYTES_BYTE_BUFFER_POOL_H_
