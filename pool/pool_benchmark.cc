// Benchmarks for //pool. Run: ./bazelw run //pool:pool_benchmark
//
// The acquire+release round trip of a 4 KiB object, in one binary:
//   BM_Pool         brisk::pool::Pool<Object4K>
//   BM_NewDelete    make_unique_for_overwrite + destroy (the allocator)
//   BM_MutexStack   a std::mutex-guarded std::vector of idle objects
// each single-threaded and with 2 threads.

#include <memory>
#include <mutex>
#include <vector>

#include "benchmark/benchmark.h"

#include "pool/pool.h"

namespace brisk::pool {
namespace {

struct Object4K {
  char bytes[4096];
  void Reset() { bytes[0] = 0; }
};

Pool<Object4K>& SharedPool() {
  static auto* pool = new Pool<Object4K>({.name = "bench"});
  return *pool;
}

void BM_Pool(benchmark::State& state) {
  Pool<Object4K>& pool = SharedPool();
  for (auto _ : state) {
    auto h = pool.Acquire();
    h->bytes[1] = 1;
    benchmark::DoNotOptimize(h.get());
  }
}
BENCHMARK(BM_Pool)->Threads(1)->Threads(2);

void BM_NewDelete(benchmark::State& state) {
  for (auto _ : state) {
    // for_overwrite: no zero-fill, so only the allocator is measured.
    auto p = std::make_unique_for_overwrite<Object4K>();
    p->bytes[1] = 1;
    benchmark::DoNotOptimize(p.get());
  }
}
BENCHMARK(BM_NewDelete)->Threads(1)->Threads(2);

class MutexStack {
 public:
  std::unique_ptr<Object4K> Get() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        auto p = std::move(idle_.back());
        idle_.pop_back();
        return p;
      }
    }
    return std::make_unique_for_overwrite<Object4K>();
  }
  void Put(std::unique_ptr<Object4K> p) {
    p->Reset();
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(p));
  }

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<Object4K>> idle_;
};

void BM_MutexStack(benchmark::State& state) {
  static auto* stack = new MutexStack();
  for (auto _ : state) {
    auto p = stack->Get();
    p->bytes[1] = 1;
    benchmark::DoNotOptimize(p.get());
    stack->Put(std::move(p));
  }
}
BENCHMARK(BM_MutexStack)->Threads(1)->Threads(2);

}  // namespace
}  // namespace brisk::pool
