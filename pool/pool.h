// File: pool/pool.h
//
// Pool<T> is Go's sync.Pool for C++: it keeps idle objects for reuse so a hot
// path does not construct, allocate and destroy them per use.
//
//   - Acquire() returns a move-only Handle; the object goes back to the pool
//     when the Handle is destroyed (or by Release() for callers who manage
//     lifetime by hand: Handle::Detach() and Pool::Release()).
//   - Each object is reset when it is given back (the reset hook, by default
//     `obj.Reset()` when T has one), so it is clean when handed out again.
//   - Fast path without locks or atomic read-modify-writes: a small
//     per-thread cache. Misses and overflow go to a shared store behind a
//     mutex, in batches of half a cache. An object may be released on any
//     thread, not only the one that acquired it.
//   - Trim() is Go's victim cache: objects idle since the previous Trim() are
//     freed, the others become the victim generation. So an object unused for
//     two rounds is freed and a burst's memory goes back. Threads age their
//     own caches at their next use of the pool (or at exit). Options may start
//     a background trimmer.
//   - Misuse is loud: with --config=asan an idle object's memory is poisoned,
//     so touching an object after giving it back aborts, and the report names
//     the pool. Debug builds abort on releasing an object twice.
//
// Thread-safe. The pool must outlive every Handle and every thread's use of
// it; destroying it frees all idle objects, including other threads' caches.
//
// Example:
//   brisk::pool::Pool<RequestCtx> ctx_pool({.name = "request_ctx"});
//   {
//     auto ctx = ctx_pool.Acquire();  // reused, Reset() already ran
//     Serve(*ctx);
//   }                                 // back in the pool

#ifndef BRISK_POOL_POOL_H_
#define BRISK_POOL_POOL_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"

#include "pool/internal/pool_base.h"

namespace brisk::pool {

using PoolStats = pool_internal::PoolStats;

struct PoolOptions {
  // Named in misuse reports and statistics.
  std::string name = "pool";
  // Idle objects each thread keeps without locking (at most 64).
  uint32_t thread_cache = 16;
  // Idle objects the shared store keeps; extra ones are destroyed. (Go's
  // sync.Pool has no bound; its GC trims.)
  size_t max_shared = 4096;
  // Period of a background Trim(); zero (the default) starts no thread.
  absl::Duration trim_period = absl::ZeroDuration();
};

template <typename T>
class Pool {
 public:
  // Makes a new object when none is idle. Default: `std::make_unique<T>()`.
  // Called on any thread, several at once; move-only (it may own state).
  using Factory = absl::AnyInvocable<std::unique_ptr<T>() const>;
  // Runs on an object given back, before it becomes idle. Default: calls
  // `obj.Reset()` if T has it, else nothing. Any thread, several at once.
  using ResetHook = absl::AnyInvocable<void(T&) const>;

  class Handle;

  explicit Pool(PoolOptions options = {}, Factory factory = nullptr,
                ResetHook reset = nullptr);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // An object for the caller's exclusive use until the Handle goes away.
  Handle Acquire() { return Handle(this, AcquireRaw()); }

  // Gives back an object obtained by Handle::Detach(). Resets it; in checked
  // builds aborts if it is already idle.
  void Release(T* obj) {
    if (pool_internal::kChecks) {
      base_.CheckRelease(obj);
    }
    reset_(*obj);
    base_.OnRelease(obj);
    if (!base_.TryReleaseLocal(obj)) {
      base_.ReleaseSlow(obj);
    }
  }

  // Frees objects idle since the previous Trim(); the rest become victims.
  void Trim() { base_.Trim(); }

  PoolStats Stats() const { return base_.Stats(); }
  const std::string& name() const { return base_.name(); }

 private:
  T* AcquireRaw() {
    void* obj = base_.TryAcquireLocal();
    if (obj == nullptr) {
      obj = base_.AcquireSlow();
    }
    base_.OnAcquire(obj);
    return static_cast<T*>(obj);
  }

  static void* Create(void* self) {
    return static_cast<Pool*>(self)->factory_().release();
  }
  static void Destroy(void*, void* obj) { delete static_cast<T*>(obj); }
  void TrimLoop();

  Factory factory_;
  ResetHook reset_;
  pool_internal::PoolBase base_;

  // Background trimmer (only with a trim_period).
  absl::Duration trim_period_;
  std::mutex trimmer_mu_;
  std::condition_variable trimmer_cv_;
  bool stopping_ = false;
  std::thread trimmer_;
};

// Move-only ownership of one pooled object.
template <typename T>
class Pool<T>::Handle {
 public:
  Handle() = default;
  Handle(Handle&& other) noexcept
      : pool_(std::exchange(other.pool_, nullptr)),
        obj_(std::exchange(other.obj_, nullptr)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      Reset();
      pool_ = std::exchange(other.pool_, nullptr);
      obj_ = std::exchange(other.obj_, nullptr);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { Reset(); }

  T* get() const { return obj_; }
  T& operator*() const { return *obj_; }
  T* operator->() const { return obj_; }
  explicit operator bool() const { return obj_ != nullptr; }

  // Gives the object back now; the Handle becomes empty.
  void Reset() {
    if (obj_ != nullptr) {
      pool_->Release(std::exchange(obj_, nullptr));
    }
  }
  // Ends the Handle's ownership; the caller must Pool::Release() the object.
  [[nodiscard]] T* Detach() { return std::exchange(obj_, nullptr); }

 private:
  friend class Pool;
  Handle(Pool* pool, T* obj) : pool_(pool), obj_(obj) {}
  Pool* pool_ = nullptr;
  T* obj_ = nullptr;
};

// Implementation details follow.

template <typename T>
Pool<T>::Pool(PoolOptions options, Factory factory, ResetHook reset)
    : factory_(factory ? std::move(factory)
                       : Factory([]() -> std::unique_ptr<T> {
                           if constexpr (std::is_default_constructible_v<T>) {
                             return std::make_unique<T>();
                           } else {
                             // An abstract T needs a factory.
                             std::abort();
                           }
                         })),
      reset_(reset ? std::move(reset) : ResetHook([](T& obj) {
        if constexpr (requires { obj.Reset(); }) {
          obj.Reset();
        }
      })),
      base_(options.name, options.thread_cache, options.max_shared,
            {&Pool::Create, &Pool::Destroy, this, sizeof(T)}),
      trim_period_(options.trim_period) {
  if (trim_period_ > absl::ZeroDuration()) {
    trimmer_ = std::thread([this] { TrimLoop(); });
  }
}

template <typename T>
Pool<T>::~Pool() {
  if (trimmer_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(trimmer_mu_);
      stopping_ = true;
    }
    trimmer_cv_.notify_all();
    trimmer_.join();
  }
}

template <typename T>
void Pool<T>::TrimLoop() {
  std::unique_lock<std::mutex> lock(trimmer_mu_);
  while (!trimmer_cv_.wait_for(lock, absl::ToChronoNanoseconds(trim_period_),
                               [this] { return stopping_; })) {
    lock.unlock();
    Trim();
    lock.lock();
  }
}

}  // namespace brisk::pool

#endif  // BRISK_POOL_POOL_H_
