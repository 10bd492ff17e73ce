// File: middleware/internal/per_thread.h
//
// PerThread<T>: one T per thread that asks (a loop thread, typically),
// made at its first Get() and owned here, so the hot path writes its own T
// without a shared lock, and a reader (a scrape, a log writer) visits
// them all. Not an API: the access log's buffers and the metrics' series.
//
//   - Get() on a thread: its T (a lookup in a short thread_local list; the
//     first call per thread makes the T and registers it under a mutex).
//   - ForEach(fn): fn(T&) for every T made so far, under that mutex.
//   - The Ts live as long as the PerThread. Another PerThread, even at the
//     same address later, has its own Ts (each has a process-unique id).

#ifndef BRISK_MIDDLEWARE_INTERNAL_PER_THREAD_H_
#define BRISK_MIDDLEWARE_INTERNAL_PER_THREAD_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace brisk::middleware::middleware_internal {

inline std::atomic<uint64_t> next_per_thread_id{1};

template <typename T>
class PerThread {
 public:
  explicit PerThread(std::function<std::unique_ptr<T>()> make)
      : make_(std::move(make)) {}
  PerThread(const PerThread&) = delete;
  PerThread& operator=(const PerThread&) = delete;

  T& Get() {
    thread_local std::vector<std::pair<uint64_t, T*>> mine;
    for (const auto& [id, t] : mine) {
      if (id == id_) {
        return *t;
      }
    }
    std::unique_ptr<T> t = make_();
    T* raw = t.get();
    {
      std::lock_guard<std::mutex> lock(mu_);
      all_.push_back(std::move(t));
    }
    mine.emplace_back(id_, raw);
    return *raw;
  }

  template <typename Fn>
  void ForEach(Fn fn) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::unique_ptr<T>& t : all_) {
      fn(*t);
    }
  }

 private:
  const uint64_t id_ = next_per_thread_id.fetch_add(1);
  std::function<std::unique_ptr<T>()> make_;
  std::mutex mu_;
  std::vector<std::unique_ptr<T>> all_;
};

}  // namespace brisk::middleware::middleware_internal

#endif  // BRISK_MIDDLEWARE_INTERNAL_PER_THREAD_H_
