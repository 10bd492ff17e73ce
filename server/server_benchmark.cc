// In-process round trips through the whole server (loop, worker hand-off,
// parse, handler, serialize, write) over loopback, with a blocking client on
// the benchmark thread. Both share this machine's cores, so the figures are
// for regressions; the side-by-side comparison with nginx and fasthttp is
// bench/server_compare.sh.

#include <string>

#include "benchmark/benchmark.h"

#include "server/server.h"
#include "testing/raw_conn.h"

namespace brisk::server {
namespace {

constexpr std::string_view kRequest =
    "GET /plaintext HTTP/1.1\r\nHost: bench\r\nUser-Agent: bm\r\n\r\n";

void Hello(RequestCtx& ctx) {
  ctx.SetContentType("text/plain");
  ctx.SetBody("Hello, World!");
}

// Reads until `n` responses (each ends with the 13-byte body) arrived.
bool ReadResponses(testing::RawConn& c, int n) {
  int seen = 0;
  size_t from = 0;
  while (seen < n) {
    size_t at = c.buffer().find("Hello, World!", from);
    if (at == std::string::npos) {
      if (c.ReadSome() <= 0) {
        return false;
      }
      continue;
    }
    ++seen;
    from = at + 13;
  }
  c.buffer().clear();
  return true;
}

void BM_RoundTrip(benchmark::State& state) {
  const int depth = static_cast<int>(state.range(0));
  Server server({.threads = 1}, Hello);
  if (!server.Listen("127.0.0.1:0").ok()) {
    state.SkipWithError("listen failed");
    return;
  }
  server.Start();
  testing::RawConn c;
  if (!c.Connect(server.port())) {
    state.SkipWithError("connect failed");
    return;
  }
  std::string batch;
  for (int i = 0; i < depth; ++i) {
    batch += kRequest;
  }
  for (auto _ : state) {
    if (!c.Send(batch) || !ReadResponses(c, depth)) {
      state.SkipWithError("round trip failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * depth);
  c.Close();
  server.Shutdown(absl::Seconds(5));
}
BENCHMARK(BM_RoundTrip)->Arg(1)->Arg(16)->UseRealTime();

}  // namespace
}  // namespace brisk::server
