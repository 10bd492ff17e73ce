#include "pool/internal/pool_base.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace brisk::pool::pool_internal {
namespace {

// The process-wide registry: pool indexes, and the mutex that orders pool
// creation/destruction against threads' first use and exit.
struct Registry {
  std::mutex mu;
  std::vector<PoolBase*> pools;  // by index; nullptr marks a free index
};

Registry& GetRegistry() {
  static Registry* r = new Registry();  // never destroyed: threads outlive main
  return *r;
}

[[noreturn]] void Die(const std::string& pool, const char* what, void* obj) {
  std::fprintf(stderr, "brisk::pool '%s': %s (object %p)\n", pool.c_str(), what,
               obj);
  std::abort();
}

#if BRISK_POOL_ASAN
// Adds the pool's name to AddressSanitizer's report of a use after release.
void AsanReportHook(const char* report) {
  const char* at = std::strstr(report, " at 0x");
  if (at == nullptr) {
    at = std::strstr(report, "address 0x");
  }
  if (at == nullptr) {
    return;
  }
  const char* hex = std::strstr(at, "0x");
  uintptr_t addr = std::strtoull(hex, nullptr, 16);
  const char* name =
      PoolBase::NameOfIdleObjectAt(reinterpret_cast<const void*>(addr));
  if (name != nullptr) {
    std::fprintf(stderr,
                 "brisk::pool '%s': use after release: address %p belongs to "
                 "an object that was given back to this pool\n",
                 name, reinterpret_cast<void*>(addr));
  }
}
#endif

}  // namespace

// Registered with a thread the first time it uses any pool; its destructor
// (at thread exit) hands the thread's cached objects back to their pools.
struct ThreadExit {
  std::vector<Node*> nodes;
  ~ThreadExit() {
    std::lock_guard<std::mutex> lock(GetRegistry().mu);
    for (Node* n : nodes) {
      if (n == nullptr) {
        continue;
      }
      PoolBase* p = n->pool.load(std::memory_order_relaxed);
      if (p != nullptr) {
        p->ThreadExitLocked(n);
      }
      delete n;
    }
    nodes.clear();
    tls_nodes = nullptr;
    tls_nodes_size = 0;
  }
};

namespace {
thread_local ThreadExit tls_exit;
}  // namespace

PoolBase::PoolBase(std::string name, uint32_t thread_cache, size_t max_idle,
                   Ops ops)
    : name_(std::move(name)),
      thread_cache_(thread_cache > kMaxThreadCache ? kMaxThreadCache
                                                   : thread_cache),
      max_idle_(max_idle),
      ops_(ops) {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  size_t i = 0;
  while (i < r.pools.size() && r.pools[i] != nullptr) {
    ++i;
  }
  if (i == r.pools.size()) {
    r.pools.push_back(nullptr);
  }
  r.pools[i] = this;
  index_ = i;
#if BRISK_POOL_ASAN
  static bool hooked = (__asan_set_error_report_callback(AsanReportHook), true);
  (void)hooked;
#endif
}

PoolBase::~PoolBase() {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  base::MutexLock pool_lock(&mu_);
  // Every thread's cache: the contract forbids using a pool while it is
  // destroyed, so no owner touches these nodes now. The nodes themselves stay
  // with their threads, which free them at exit.
  for (Node* n : nodes_) {
    uint32_t c = n->count.load(std::memory_order_relaxed);
    for (uint32_t i = 0; i < c; ++i) {
      FreeLocked(n->items[i]);
    }
    n->count.store(0, std::memory_order_relaxed);
    n->pool.store(nullptr, std::memory_order_relaxed);
  }
  for (void* obj : shared_) {
    FreeLocked(obj);
  }
  for (void* obj : victim_) {
    FreeLocked(obj);
  }
  r.pools[index_] = nullptr;
}

Node* PoolBase::RegisterThread() {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<Node*>& table = tls_exit.nodes;
  if (table.size() <= index_) {
    table.resize(r.pools.size(), nullptr);
  }
  Node*& slot = table[index_];
  if (slot != nullptr && slot->pool.load(std::memory_order_relaxed) != this) {
    // Left by a destroyed pool that had the same index.
    delete slot;
    slot = nullptr;
  }
  if (slot == nullptr) {
    slot = new Node();
    slot->pool.store(this, std::memory_order_relaxed);
    base::MutexLock pool_lock(&mu_);
    slot->epoch = epoch_.load(std::memory_order_relaxed);
    nodes_.push_back(slot);
  }
  tls_nodes = table.data();
  tls_nodes_size = table.size();
  return slot;
}

Node* PoolBase::ThisThreadNode() {
  if (index_ < tls_nodes_size) {
    Node* n = tls_nodes[index_];
    if (n != nullptr && n->pool.load(std::memory_order_relaxed) == this) {
      return n;
    }
  }
  return RegisterThread();
}

void PoolBase::ThreadExitLocked(Node* n) {
  base::MutexLock lock(&mu_);
  AgeLocked(n);
  uint32_t c = n->count.load(std::memory_order_relaxed);
  for (uint32_t i = 0; i < c; ++i) {
    ToSharedLocked(n->items[i]);
  }
  n->count.store(0, std::memory_order_relaxed);
  exited_acquires_ += n->acquires.load(std::memory_order_relaxed);
  exited_hits_ += n->hits.load(std::memory_order_relaxed);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i] == n) {
      nodes_[i] = nodes_.back();
      nodes_.pop_back();
      break;
    }
  }
  n->pool.store(nullptr, std::memory_order_relaxed);
}

void PoolBase::AgeLocked(Node* n) {
  uint64_t now = epoch_.load(std::memory_order_relaxed);
  if (n->epoch == now) {
    return;
  }
  // Objects cached since before the last Trim() are one round old: to the
  // victim generation. Since before the one before: two rounds, freed.
  uint32_t c = n->count.load(std::memory_order_relaxed);
  for (uint32_t i = 0; i < c; ++i) {
    if (now - n->epoch >= 2) {
      FreeLocked(n->items[i]);
    } else {
      victim_.push_back(n->items[i]);
    }
  }
  n->count.store(0, std::memory_order_relaxed);
  n->epoch = now;
}

void PoolBase::ToSharedLocked(void* obj) {
  if (shared_.size() < max_idle_) {
    shared_.push_back(obj);
  } else {
    FreeLocked(obj);
  }
}

void PoolBase::FreeLocked(void* obj) {
  Unpoison(obj, ops_.object_size);
  ops_.destroy(ops_.ctx, obj);
  ++freed_;
}

void* PoolBase::AcquireSlow() {
  Node* n = ThisThreadNode();
  {
    base::MutexLock lock(&mu_);
    AgeLocked(n);
    ++slow_acquires_;
    // Refill: one object and up to half a cache more from the shared store.
    // From the victim generation take only the one object (Go's victim Get):
    // moving more into the fresh cache would rescue objects nobody uses.
    if (!shared_.empty()) {
      ++slow_hits_;
      void* obj = shared_.back();
      shared_.pop_back();
      uint32_t c = n->count.load(std::memory_order_relaxed);
      const uint32_t want = thread_cache_ / 2;
      while (c < want && !shared_.empty()) {
        n->items[c++] = shared_.back();
        shared_.pop_back();
      }
      n->count.store(c, std::memory_order_relaxed);
      return obj;
    }
    if (!victim_.empty()) {
      ++slow_hits_;
      void* obj = victim_.back();
      victim_.pop_back();
      return obj;
    }
    ++misses_;
  }
  return ops_.create(ops_.ctx);
}

void PoolBase::ReleaseSlow(void* obj) {
  Node* n = ThisThreadNode();
  base::MutexLock lock(&mu_);
  AgeLocked(n);
  uint32_t c = n->count.load(std::memory_order_relaxed);
  if (c < thread_cache_) {
    n->items[c] = obj;
    n->count.store(c + 1, std::memory_order_relaxed);
    return;
  }
  // Full: move half the cache (and this object) to the shared store, so the
  // next releases stay on the fast path.
  uint32_t keep = thread_cache_ / 2;
  for (uint32_t i = keep; i < c; ++i) {
    ToSharedLocked(n->items[i]);
  }
  n->count.store(keep, std::memory_order_relaxed);
  ToSharedLocked(obj);
}

bool PoolBase::IsIdleLocked(const void* obj, const Node* own) const {
  for (void* o : shared_) {
    if (o == obj) {
      return true;
    }
  }
  for (void* o : victim_) {
    if (o == obj) {
      return true;
    }
  }
  // Only the calling thread's cache: other threads' caches are theirs alone.
  if (own != nullptr) {
    uint32_t c = own->count.load(std::memory_order_relaxed);
    for (uint32_t i = 0; i < c; ++i) {
      if (own->items[i] == obj) {
        return true;
      }
    }
  }
  return false;
}

void PoolBase::OnAcquire(void* obj) {
  Unpoison(obj, ops_.object_size);
}

void PoolBase::CheckRelease(void* obj) {
  if (obj == nullptr) {
    Die(name_, "Release(nullptr)", obj);
  }
  if (kChecks) {
    Node* own = ThisThreadNode();
    base::MutexLock lock(&mu_);
    if (IsIdleLocked(obj, own)) {
      Die(name_, "object released twice", obj);
    }
  }
}

void PoolBase::OnRelease(void* obj) {
  Poison(obj, ops_.object_size);
}

void PoolBase::Trim() {
  base::MutexLock lock(&mu_);
  for (void* obj : victim_) {
    FreeLocked(obj);
  }
  victim_.clear();
  victim_.swap(shared_);
  epoch_.store(epoch_.load(std::memory_order_relaxed) + 1,
               std::memory_order_relaxed);
  // The calling thread ages its own cache now; other threads at their next
  // use of the pool (or at exit).
  if (index_ < tls_nodes_size && tls_nodes[index_] != nullptr &&
      tls_nodes[index_]->pool.load(std::memory_order_relaxed) == this) {
    AgeLocked(tls_nodes[index_]);
  }
}

PoolStats PoolBase::Stats() const {
  base::MutexLock lock(&mu_);
  PoolStats s;
  s.acquires = slow_acquires_ + exited_acquires_;
  s.hits = slow_hits_ + exited_hits_;
  s.misses = misses_;
  s.idle = shared_.size() + victim_.size();
  s.freed = freed_;
  for (const Node* n : nodes_) {
    s.acquires += n->acquires.load(std::memory_order_relaxed);
    s.hits += n->hits.load(std::memory_order_relaxed);
    s.idle += n->count.load(std::memory_order_relaxed);
  }
  return s;
}

const char* PoolBase::NameOfIdleObjectAt(const void* addr)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {
  // Runs inside a crash report: takes no lock, which may already be held.
  Registry& r = GetRegistry();
  auto contains = [addr](const void* obj, size_t size) {
    auto a = reinterpret_cast<uintptr_t>(addr);
    auto o = reinterpret_cast<uintptr_t>(obj);
    return a >= o && a < o + size;
  };
  for (PoolBase* p : r.pools) {
    if (p == nullptr) {
      continue;
    }
    const size_t size = p->ops_.object_size;
    for (void* o : p->shared_) {
      if (contains(o, size)) {
        return p->name_.c_str();
      }
    }
    for (void* o : p->victim_) {
      if (contains(o, size)) {
        return p->name_.c_str();
      }
    }
    for (const Node* n : p->nodes_) {
      uint32_t c = n->count.load(std::memory_order_relaxed);
      for (uint32_t i = 0; i < c; ++i) {
        if (contains(n->items[i], size)) {
          return p->name_.c_str();
        }
      }
    }
  }
  return nullptr;
}

}  // namespace brisk::pool::pool_internal
