// Cost of each coding on a 64 KiB JSON-like body (a typical API response):
// compress (reused encoder, as the middleware does) and decode.
//   ./bazelw run -c opt //compress:compress_benchmark

#include <benchmark/benchmark.h>

#include <string>

#include "bytes/byte_buffer.h"
#include "compress/compress.h"
#include "testing/json_like.h"

namespace brisk::compress {
namespace {

void BM_Compress(benchmark::State& state) {
  const auto e = static_cast<Encoding>(state.range(0));
  const int level = static_cast<int>(state.range(1));
  const std::string body = testing::JsonLike(64 * 1024);
  auto enc = std::move(Encoder::Create(e)).value();
  bytes::ByteBuffer out;
  for (auto _ : state) {
    out.Reset();
    if (!CompressAll(*enc, level, body, out).ok()) {
      state.SkipWithError("compress failed");
      return;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * body.size()));
  state.counters["ratio"] =
      static_cast<double>(body.size()) / static_cast<double>(out.size());
  state.SetLabel(std::string(Name(e)));
}

void BM_Decode(benchmark::State& state) {
  const auto e = static_cast<Encoding>(state.range(0));
  const std::string body = testing::JsonLike(64 * 1024);
  auto enc = std::move(Encoder::Create(e)).value();
  bytes::ByteBuffer z;
  (void)CompressAll(*enc, DefaultLevel(e), body, z);
  auto dec = std::move(Decoder::Create(e)).value();
  bytes::ByteBuffer out;
  for (auto _ : state) {
    out.Reset();
    dec->Start();
    if (!dec->Write(z.view(), out).ok() || !dec->Finish().ok()) {
      state.SkipWithError("decode failed");
      return;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * body.size()));
  state.SetLabel(std::string(Name(e)));
}

constexpr int kGzip = static_cast<int>(Encoding::kGzip);
constexpr int kBr = static_cast<int>(Encoding::kBrotli);
constexpr int kZstd = static_cast<int>(Encoding::kZstd);

BENCHMARK(BM_Compress)
    ->Args({kGzip, 1})
    ->Args({kGzip, 6})
    ->Args({kBr, 1})
    ->Args({kBr, 4})
    ->Args({kZstd, 1})
    ->Args({kZstd, 3});
BENCHMARK(BM_Decode)->Arg(kGzip)->Arg(kBr)->Arg(kZstd);

}  // namespace
}  // namespace brisk::compress

BENCHMARK_MAIN();
