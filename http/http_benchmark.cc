// Benchmarks for //http. Run: ./bazelw run //http:http_benchmark
//
// brisk's own parsers and serializers. The side-by-side comparison with
// Boost.Beast and Node's http-parser is //bench:http_parse_benchmark (Beast
// includes Asio, which //http must never see).

#include <string>

#include "benchmark/benchmark.h"

#include "bytes/byte_buffer.h"
#include "http/request_header.h"
#include "http/response_header.h"
#include "http/testdata/messages.h"

namespace brisk::http {
namespace {

void BM_ParseRequestHeader(benchmark::State& state) {
  std::string raw(testdata::kBrowserGet);
  RequestHeader h;
  for (auto _ : state) {
    h.Reset();
    ParseResult r = h.Parse(raw);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(raw.size()));
}
BENCHMARK(BM_ParseRequestHeader);

void BM_ParseResponseHeader(benchmark::State& state) {
  std::string raw(testdata::kNginxResponse);
  ResponseHeader h;
  for (auto _ : state) {
    h.Reset();
    ParseResult r = h.Parse(raw);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(raw.size()));
}
BENCHMARK(BM_ParseResponseHeader);

void BM_BuildResponseHeader(benchmark::State& state) {
  ResponseHeader h;
  bytes::ByteBuffer out(1024);
  for (auto _ : state) {
    h.Reset();
    h.SetStatusCode(200);
    h.SetContentType("text/plain; charset=utf-8");
    h.SetContentLength(13);
    out.Reset();
    h.AppendTo(out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_BuildResponseHeader);

}  // namespace
}  // namespace brisk::http
