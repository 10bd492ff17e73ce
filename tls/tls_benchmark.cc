// The TLS engine's costs in memory, no sockets: a full handshake (client and
// server, TLS 1.3, ECDSA P-256), and moving a response through an
// established connection (encrypt on one side, decrypt on the other).
//
//   ./bazelw run //tls:tls_benchmark

#include <memory>
#include <string>

#include "benchmark/benchmark.h"

#include "bytes/byte_buffer.h"
#include "testing/tls_certs.h"
#include "tls/context.h"
#include "tls/engine.h"

namespace brisk::tls {
namespace {

struct Contexts {
  std::shared_ptr<const Context> server;
  std::shared_ptr<const Context> client;
};

const Contexts& Get() {
  static const Contexts c = [] {
    testing::TestPki pki = testing::MakeTestPki();
    return Contexts{*Context::MakeServer({.cert_chain_pem = pki.server.cert,
                                          .key_pem = pki.server.key}),
                    *Context::MakeClient({.ca_pem = pki.ca})};
  }();
  return c;
}

// Moves output both ways until quiet.
void Pump(Engine& a, Engine& b, bytes::ByteBuffer& wire) {
  for (int i = 0; i < 10; ++i) {
    bool moved = false;
    for (auto [from, to] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
      wire.Reset();
      from->TakeOutput(wire);
      if (!wire.empty()) {
        moved = true;
        (void)to->Feed(wire.view());
      }
    }
    if (!moved) {
      return;
    }
  }
}

void BM_Handshake(benchmark::State& state) {
  bytes::ByteBuffer wire;
  for (auto _ : state) {
    Engine client(Get().client, "localhost");
    Engine server(Get().server);
    (void)client.Start();
    Pump(client, server, wire);
    if (!client.handshake_done() || !server.handshake_done()) {
      state.SkipWithError("handshake failed");
      return;
    }
  }
}
BENCHMARK(BM_Handshake);

void BM_Transfer(benchmark::State& state) {
  Engine client(Get().client, "localhost");
  Engine server(Get().server);
  bytes::ByteBuffer wire;
  (void)client.Start();
  Pump(client, server, wire);
  const std::string body(static_cast<size_t>(state.range(0)), 'x');
  bytes::ByteBuffer plain;
  for (auto _ : state) {
    (void)server.Write(body);
    wire.Reset();
    server.TakeOutput(wire);
    (void)client.Feed(wire.view());
    plain.Reset();
    size_t n = 0;
    (void)client.Read(plain, n);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Transfer)->Arg(1024)->Arg(64 * 1024);

}  // namespace
}  // namespace brisk::tls
