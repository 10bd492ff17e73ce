#include "bytes/byte_buffer_pool.h"

#include <algorithm>
#include <utility>

namespace brisk::bytes {

ByteBufferPool::ByteBufferPool(const ByteBufferPoolOptions& options)
    : options_(options) {
  // Reserved up front so Put() never allocates for the stack itself.
  idle_.reserve(options_.max_idle);
}

ByteBufferPool& ByteBufferPool::Default() {
  static ByteBufferPool* pool = new ByteBufferPool();  // never destroyed
  return *pool;
}

int ByteBufferPool::ClassOf(size_t size) {
  if (size <= (size_t{1} << kMinBitSize)) {
    return 0;
  }
  // ceil(log2(size)) - kMinBitSize, clamped to the last class.
  int bits = 64 - __builtin_clzll(static_cast<unsigned long long>(size - 1));
  return std::min(bits - kMinBitSize, kClasses - 1);
}

ByteBuffer ByteBufferPool::Get() {
  {
    base::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      ByteBuffer buf = std::move(idle_.back());
      idle_.pop_back();
      return buf;
    }
  }
  return ByteBuffer(default_size());
}

void ByteBufferPool::Put(ByteBuffer&& buf) {
  int cls = ClassOf(buf.size());
  // A relaxed load and store instead of fetch_add: the statistics tolerate a
  // lost count under contention, and the hot path saves an atomic RMW.
  uint64_t calls = calls_[cls].load(std::memory_order_relaxed) + 1;
  calls_[cls].store(calls, std::memory_order_relaxed);
  if (calls > options_.calibrate_calls) {
    Calibrate();
  }
  size_t max = max_size();
  if (max != 0 && buf.capacity() > max) {
    buf.Release();
    return;
  }
  buf.Reset();
  ByteBuffer drop;  // freed after the lock is released
  {
    base::MutexLock lock(&mu_);
    if (idle_.size() < options_.max_idle) {
      idle_.push_back(std::move(buf));
      return;
    }
    drop = std::move(buf);
  }
}

void ByteBufferPool::Calibrate() {
  if (calibrating_.exchange(true, std::memory_order_acquire)) {
    return;  // another thread does it
  }

  struct Class {
    uint64_t calls;
    size_t size;
  };
  std::array<Class, kClasses> classes;
  uint64_t total = 0;
  for (int i = 0; i < kClasses; ++i) {
    uint64_t calls = calls_[i].exchange(0, std::memory_order_relaxed);
    classes[i] = {calls, size_t{1} << (kMinBitSize + i)};
    total += calls;
  }
  std::sort(classes.begin(), classes.end(),
            [](const Class& a, const Class& b) { return a.calls > b.calls; });

  size_t default_size = classes[0].size;
  size_t max_size = 0;
  // Walk classes from most to least used until max_percentile of the calls
  // are covered; the largest size seen is the largest worth keeping.
  const double limit = static_cast<double>(total) * options_.max_percentile;
  uint64_t covered = 0;
  for (const Class& c : classes) {
    if (c.calls == 0 || static_cast<double>(covered) > limit) {
      break;
    }
    covered += c.calls;
    max_size = std::max(max_size, c.size);
  }
  default_size_.store(default_size, std::memory_order_relaxed);
  max_size_.store(max_size, std::memory_order_relaxed);

  // Free idle buffers the new limit no longer allows.
  std::vector<ByteBuffer> dropped;
  {
    base::MutexLock lock(&mu_);
    auto keep_end = std::stable_partition(
        idle_.begin(), idle_.end(),
        [&](const ByteBuffer& b) { return b.capacity() <= max_size; });
    for (auto it = keep_end; it != idle_.end(); ++it) {
      dropped.push_back(std::move(*it));
    }
    idle_.erase(keep_end, idle_.end());
  }
  calibrating_.store(false, std::memory_order_release);
}

size_t ByteBufferPool::idle() const {
  base::MutexLock lock(&mu_);
  return idle_.size();
}

size_t ByteBufferPool::idle_bytes() const {
  base::MutexLock lock(&mu_);
  size_t total = 0;
  for (const ByteBuffer& b : idle_) {
    total += b.capacity();
  }
  return total;
}

}  // namespace brisk::bytes
