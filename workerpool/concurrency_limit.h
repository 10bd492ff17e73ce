// File: workerpool/concurrency_limit.h
//
// ConcurrencyLimit bounds the jobs in flight across every WorkerPool shard of
// a server (fasthttp's Concurrency). One atomic counter: no lock on the hot
// path. Thread-safe.

#ifndef BRISK_WORKERPOOL_CONCURRENCY_LIMIT_H_
#define BRISK_WORKERPOOL_CONCURRENCY_LIMIT_H_

#include <atomic>
#include <cstdint>

namespace brisk::workerpool {

class ConcurrencyLimit {
 public:
  // fasthttp's DefaultConcurrency: 256 * 1024.
  static constexpr int64_t kDefault = 256 * 1024;

  explicit ConcurrencyLimit(int64_t max = kDefault) : max_(max) {}
  ConcurrencyLimit(const ConcurrencyLimit&) = delete;
  ConcurrencyLimit& operator=(const ConcurrencyLimit&) = delete;

  // Takes a slot; false when `max` jobs are already in flight.
  bool TryAcquire() {
    if (in_flight_.fetch_add(1, std::memory_order_acquire) < max_) {
      return true;
    }
    in_flight_.fetch_sub(1, std::memory_order_release);
    return false;
  }
  void Release() { in_flight_.fetch_sub(1, std::memory_order_release); }

  int64_t in_flight() const {
    return in_flight_.load(std::memory_order_relaxed);
  }
  int64_t max() const { return max_; }

 private:
  const int64_t max_;
  std::atomic<int64_t> in_flight_{0};
};

}  // namespace brisk::workerpool

#endif  // BRISK_WORKERPOOL_CONCURRENCY_LIMIT_H_
