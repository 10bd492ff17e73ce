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

// Parses `raw` from a reset header per iteration.
template <typename Header>
void BM_ParseHeader(benchmark::State& state, std::string_view raw_view) {
  std::string raw(raw_view);
  Header h;
  for (auto _ : state) {
    h.Reset();
    ParseResult r = h.Parse(raw);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(raw.size()));
}
const bool kRegistered = [] {
  benchmark::RegisterBenchmark("BM_ParseRequestHeader",
                               BM_ParseHeader<RequestHeader>,
                               testdata::kBrowserGet);
  benchmark::RegisterBenchmark("BM_ParseResponseHeader",
                               BM_ParseHeader<ResponseHeader>,
                               testdata::kNginxResponse);
  return true;
}();

void BM_BuildResponseHeader(benchmark::State& state) {
  ResponseHeader h;
  bytes::ByteBuffer out(1024);
  for (auto _ : state) {
    h.Reset();
    h.SetStatusCode(200);
    h.SetContentType("text/plain; charset=utf-8");
    h.SetContentLength(13);
    out.Reset();
    benchmark::DoNotOptimize(h.AppendTo(out));
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_BuildResponseHeader);

}  // namespace
}  // namespace brisk::http
