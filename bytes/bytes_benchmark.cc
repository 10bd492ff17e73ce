// Benchmarks for //bytes. Run: ./bazelw run //bytes:bytes_benchmark
//
// Pairs to compare (same binary, same run):
//   BM_PoolGetPut/N    vs BM_NewDelete/N      (ByteBufferPool vs operator
//   new/delete) BM_ParseUint/...   vs BM_FromChars/...    (strict decimal
//   parse)

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"

#include "bytes/byte_buffer_pool.h"
#include "bytes/conv.h"

namespace brisk::bytes {
namespace {

void BM_PoolGetPut(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  ByteBufferPool pool;
  for (auto _ : state) {
    ByteBuffer b = pool.Get();
    b.Resize(n);
    benchmark::DoNotOptimize(b.data());
    pool.Put(std::move(b));
  }
}
BENCHMARK(BM_PoolGetPut)->Arg(64)->Arg(4096)->Arg(64 << 10)->Arg(1 << 20);
BENCHMARK(BM_PoolGetPut)
    ->Arg(4096)
    ->Threads(2)
    ->Name("BM_PoolGetPut/4096/threads:2");

void BM_NewDelete(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    char* p = static_cast<char*>(::operator new(n));
    // Touch the memory as a buffer would, so mmap-backed sizes pay their
    // faults.
    p[0] = 1;
    p[n - 1] = 1;
    const char* observed = p;
    benchmark::DoNotOptimize(observed);
    benchmark::ClobberMemory();
    ::operator delete(p, n);
  }
}
BENCHMARK(BM_NewDelete)->Arg(64)->Arg(4096)->Arg(64 << 10)->Arg(1 << 20);
BENCHMARK(BM_NewDelete)
    ->Arg(4096)
    ->Threads(2)
    ->Name("BM_NewDelete/4096/threads:2");

const std::vector<std::string>& Numbers(int64_t kind) {
  static const auto* small =
      new std::vector<std::string>{"0", "13", "1024", "4096", "65535"};
  static const auto* large = new std::vector<std::string>{
      "18446744073709551615", "9223372036854775807", "1234567890123456789"};
  return kind == 0 ? *small : *large;
}

void BM_ParseUint(benchmark::State& state) {
  const auto& numbers = Numbers(state.range(0));
  for (auto _ : state) {
    for (const std::string& s : numbers) {
      std::optional<uint64_t> r = ParseUint(s);
      bool ok = r.has_value();
      uint64_t v = r.value_or(0);
      benchmark::DoNotOptimize(ok);
      benchmark::DoNotOptimize(v);
    }
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(numbers.size()));
}
BENCHMARK(BM_ParseUint)->Arg(0)->Arg(1)->ArgName("large");

void BM_FromChars(benchmark::State& state) {
  const auto& numbers = Numbers(state.range(0));
  for (auto _ : state) {
    for (const std::string& s : numbers) {
      uint64_t v = 0;
      auto r = std::from_chars(s.data(), s.data() + s.size(), v);
      bool ok = r.ec == std::errc() && r.ptr == s.data() + s.size();
      benchmark::DoNotOptimize(ok);
      benchmark::DoNotOptimize(v);
    }
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(numbers.size()));
}
BENCHMARK(BM_FromChars)->Arg(0)->Arg(1)->ArgName("large");

// Values a server formats: lengths, status codes, chunk sizes.
constexpr uint64_t kValues[] = {13, 200, 4096, 1234567, 18446744073709551615u};

void BM_AppendUint(benchmark::State& state) {
  ByteBuffer b(64);
  size_t i = 0;
  for (auto _ : state) {
    b.Reset();
    uint64_t v = kValues[i++ % std::size(kValues)];
    benchmark::DoNotOptimize(v);
    AppendUint(b, v);
    benchmark::DoNotOptimize(b.data());
  }
}
BENCHMARK(BM_AppendUint);

void BM_ToCharsAppend(benchmark::State& state) {
  ByteBuffer b(64);
  size_t i = 0;
  for (auto _ : state) {
    b.Reset();
    uint64_t v = kValues[i++ % std::size(kValues)];
    benchmark::DoNotOptimize(v);
    char* out = b.PrepareAppend(kMaxUintDigits);
    b.CommitAppend(static_cast<size_t>(
        std::to_chars(out, out + kMaxUintDigits, v).ptr - out));
    benchmark::DoNotOptimize(b.data());
  }
}
BENCHMARK(BM_ToCharsAppend);

}  // namespace
}  // namespace brisk::bytes
