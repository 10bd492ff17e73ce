// File: pool/internal/pool_base.h
//
// The type-erased machinery behind Pool<T>: per-thread caches, the shared
// store, victim trimming, statistics and misuse checks. Not API: use
// pool/pool.h.
//
// Threading protocol:
//   - Each (thread, pool) pair that has used the pool owns a Node: a small
//     stack of idle objects touched only by that thread on the fast path.
//     A thread finds its Node through a per-thread table indexed by the
//     pool's index (a small integer reused after a pool is destroyed).
//   - The shared store and the victim generation are guarded by the pool's
//     mutex.
//   - Creating or destroying a pool, a thread's first use of a pool and a
//     thread's exit take one process-wide mutex, so a Node is never freed
//     while its other side still uses it.
//   - Trim() does not touch other threads' Nodes: it bumps the pool's epoch,
//     and each thread ages its own cache at its next use (or at exit).

#ifndef BRISK_POOL_INTERNAL_POOL_BASE_H_
#define BRISK_POOL_INTERNAL_POOL_BASE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/optimization.h"
#include "absl/base/thread_annotations.h"

#include "base/mutex.h"

#if defined(__SANITIZE_ADDRESS__) || defined(BRISK_SANITIZE_ADDRESS)
#include <sanitizer/asan_interface.h>
#define BRISK_POOL_ASAN 1
#else
#define BRISK_POOL_ASAN 0
#endif

namespace brisk::pool::pool_internal {

// True in builds that check misuse (debug and sanitizer builds): releasing an
// object that is already idle (in the shared store, the victims or the calling
// thread's cache) aborts with the pool's name.
#ifdef NDEBUG
inline constexpr bool kChecks = BRISK_POOL_ASAN != 0;
#else
inline constexpr bool kChecks = true;
#endif
// True when released objects are poisoned (AddressSanitizer builds).
inline constexpr bool kPoison = BRISK_POOL_ASAN != 0;

inline void Poison(const void* p, size_t n) {
#if BRISK_POOL_ASAN
  ASAN_POISON_MEMORY_REGION(p, n);
#else
  (void)p, (void)n;
#endif
}
inline void Unpoison(const void* p, size_t n) {
#if BRISK_POOL_ASAN
  ASAN_UNPOISON_MEMORY_REGION(p, n);
#else
  (void)p, (void)n;
#endif
}

class PoolBase;

// Largest per-thread cache a pool may ask for.
inline constexpr uint32_t kMaxThreadCache = 64;

struct Node {
  // The pool this node caches for; nullptr once that pool is destroyed.
  std::atomic<PoolBase*> pool{nullptr};
  // The pool's epoch when this node last aged its cache.
  uint64_t epoch = 0;
  // Idle objects, [0, count). Written by the owning thread only; atomic so
  // that statistics may read it from any thread.
  std::atomic<uint32_t> count{0};
  // Fast-path statistics, written by the owning thread only.
  std::atomic<uint64_t> acquires{0};
  std::atomic<uint64_t> hits{0};
  void* items[kMaxThreadCache];
};

// The calling thread's node table, indexed by pool index. Plain pointers with
// constant initialization: no TLS wrapper call on the fast path.
inline thread_local Node** tls_nodes = nullptr;
inline thread_local size_t tls_nodes_size = 0;

struct PoolStats {
  uint64_t acquires = 0;  // Acquire() calls
  uint64_t hits = 0;      // served from an idle object
  uint64_t misses = 0;    // served by creating a new object
  uint64_t idle = 0;      // objects idle now (thread caches, shared, victim)
  uint64_t freed = 0;     // objects destroyed by trimming or overflow
};

class PoolBase {
 public:
  struct Ops {
    void* (*create)(void* ctx);
    void (*destroy)(void* ctx, void* obj);
    void* ctx;
    size_t object_size;
  };

  PoolBase(std::string name, uint32_t thread_cache, size_t max_idle, Ops ops);
  ~PoolBase();
  PoolBase(const PoolBase&) = delete;
  PoolBase& operator=(const PoolBase&) = delete;

  // The calling thread's node when it is current, else nullptr.
  Node* LocalNode() const {
    if (ABSL_PREDICT_TRUE(index_ < tls_nodes_size)) {
      Node* n = tls_nodes[index_];
      if (ABSL_PREDICT_TRUE(
              n != nullptr && n->pool.load(std::memory_order_relaxed) == this &&
              n->epoch == epoch_.load(std::memory_order_relaxed))) {
        return n;
      }
    }
    return nullptr;
  }

  // Fast path: pops from the thread's cache. Returns nullptr on a miss.
  void* TryAcquireLocal() {
    Node* n = LocalNode();
    if (ABSL_PREDICT_FALSE(n == nullptr)) {
      return nullptr;
    }
    uint32_t c = n->count.load(std::memory_order_relaxed);
    if (ABSL_PREDICT_FALSE(c == 0)) {
      return nullptr;
    }
    void* obj = n->items[c - 1];
    n->count.store(c - 1, std::memory_order_relaxed);
    Bump(n->acquires);
    Bump(n->hits);
    return obj;
  }

  // Fast path: pushes onto the thread's cache. Returns false when full.
  bool TryReleaseLocal(void* obj) {
    Node* n = LocalNode();
    if (ABSL_PREDICT_FALSE(n == nullptr)) {
      return false;
    }
    uint32_t c = n->count.load(std::memory_order_relaxed);
    if (ABSL_PREDICT_FALSE(c == thread_cache_)) {
      return false;
    }
    n->items[c] = obj;
    n->count.store(c + 1, std::memory_order_relaxed);
    return true;
  }

  // Slow paths: register the thread, age its cache, use the shared store.
  void* AcquireSlow();
  void ReleaseSlow(void* obj);

  // Misuse checks and poisoning around the hand-over (see kChecks, kPoison).
  // CheckRelease runs before the reset hook, OnRelease after it.
  void OnAcquire(void* obj);
  void CheckRelease(void* obj);
  void OnRelease(void* obj);

  void Trim();
  PoolStats Stats() const;
  const std::string& name() const { return name_; }

  // For the AddressSanitizer report hook: the name of the pool whose idle
  // object contains `addr`, or nullptr.
  static const char* NameOfIdleObjectAt(const void* addr);

 private:
  friend struct ThreadExit;
  static void Bump(std::atomic<uint64_t>& c) {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  Node* RegisterThread();
  Node* ThisThreadNode();  // registers the thread on its first use
  void AgeLocked(Node* n) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FreeLocked(void* obj) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ToSharedLocked(void* obj) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ThreadExitLocked(Node* n);  // under the process-wide mutex
  bool IsIdleLocked(const void* obj, const Node* own) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string name_;
  const uint32_t thread_cache_;
  const size_t max_idle_;
  const Ops ops_;
  size_t index_ = 0;  // into every thread's node table
  std::atomic<uint64_t> epoch_{0};

  mutable base::Mutex mu_;
  std::vector<void*> shared_ ABSL_GUARDED_BY(mu_);
  std::vector<void*> victim_ ABSL_GUARDED_BY(mu_);
  std::vector<Node*> nodes_
      ABSL_GUARDED_BY(mu_);  // one per thread that used it
  uint64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t slow_acquires_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t slow_hits_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t exited_acquires_ ABSL_GUARDED_BY(mu_) = 0;  // from exited threads
  uint64_t exited_hits_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t freed_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace brisk::pool::pool_internal

#endif  // BRISK_POOL_INTERNAL_POOL_BASE_H_
