// Client round trips over loopback against a minimal scripted responder
// (testing::FakeServer: one blocking thread per connection), for
// regressions. The comparison with wrk and fasthttp's client is the tools
// and bench issues' job.

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"

#include "client/host_client.h"
#include "client/pipeline_client.h"
#include "http/message.h"
#include "testing/fake_server.h"
#include "testing/raw_conn.h"

namespace brisk::client {
namespace {

// Answers every request header with a 13-byte body, batching replies to
// pipelined requests into one send.
void Responder(testing::RawConn& c, int) {
  const std::string reply =
      "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n"
      "\r\nHello, World!";
  std::string out;
  for (;;) {
    size_t end;
    while ((end = c.buffer().find("\r\n\r\n")) != std::string::npos) {
      c.Take(end + 4);
      out += reply;
    }
    if (!out.empty()) {
      c.Send(out);
      out.clear();
    }
    if (c.ReadSome(std::chrono::seconds(30)) <= 0) {
      return;
    }
  }
}

http::Request MakeGet() {
  http::Request req;
  req.header().SetMethod("GET");
  req.header().SetRequestUri("/plaintext");
  return req;
}

void BM_HostClientDo(benchmark::State& state) {
  testing::FakeServer s(Responder);
  HostClientOptions o;
  o.addrs = {absl::StrCat("127.0.0.1:", s.port())};
  HostClient client(o);
  http::Request req = MakeGet();
  http::Response resp;
  for (auto _ : state) {
    if (!client.Do(req, resp).ok()) {
      state.SkipWithError("Do failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HostClientDo)->UseRealTime();

void BM_PipelineClient4Threads(benchmark::State& state) {
  static testing::FakeServer* s = nullptr;
  static PipelineClient* client = nullptr;
  if (state.thread_index() == 0) {
    s = new testing::FakeServer(Responder);
    PipelineClientOptions o;
    o.addr = absl::StrCat("127.0.0.1:", s->port());
    client = new PipelineClient(o);
  }
  http::Request req = MakeGet();
  http::Response resp;
  for (auto _ : state) {
    if (!client->Do(req, resp).ok()) {
      state.SkipWithError("Do failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    delete client;
    delete s;
  }
}
BENCHMARK(BM_PipelineClient4Threads)->Threads(4)->UseRealTime();

}  // namespace
}  // namespace brisk::client
