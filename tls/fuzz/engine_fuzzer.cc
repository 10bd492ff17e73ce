// Feeds bytes chosen by the fuzzer to a TLS server Engine and to a client
// Engine that has sent its hello, whole and then split at a point the
// fuzzer picks: no crash, no sanitizer report, and the same verdict both
// ways (OpenSSL's state machine must not depend on how records arrive).
//
// Input: byte 0 = the split point as a fraction of the rest (0: no split),
// then the bytes.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "absl/status/status.h"

#include "bytes/byte_buffer.h"
#include "testing/tls_certs.h"
#include "tls/context.h"
#include "tls/engine.h"

namespace {

using brisk::tls::Context;
using brisk::tls::Engine;

struct Contexts {
  std::shared_ptr<const Context> server;
  std::shared_ptr<const Context> client;
};

const Contexts& Get() {
  static const Contexts* c = [] {
    brisk::testing::TestPki pki = brisk::testing::MakeTestPki();
    auto server = Context::MakeServer(
        {.cert_chain_pem = pki.server.cert, .key_pem = pki.server.key});
    auto client = Context::MakeClient({.ca_pem = pki.ca});
    if (!server.ok() || !client.ok()) {
      std::abort();
    }
    return new Contexts{*server, *client};
  }();
  return *c;
}

// The verdict of `e` after `pieces`: OK, or the first error's code.
absl::StatusCode Run(Engine& e, std::string_view a, std::string_view b) {
  absl::Status s = e.Feed(a);
  if (s.ok() && !b.empty()) {
    s = e.Feed(b);
  }
  if (s.ok()) {
    brisk::bytes::ByteBuffer plain;
    size_t n = 0;
    s = e.Read(plain, n);
    brisk::bytes::ByteBuffer out;
    e.TakeOutput(out);
  }
  return s.code();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) {
    return 0;
  }
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  const size_t cut = data[0] * in.size() / 256;
  for (bool server : {true, false}) {
    absl::StatusCode whole, split;
    {
      Engine e(server ? Get().server : Get().client, "localhost");
      if (!server) {
        (void)e.Start();
      }
      whole = Run(e, in, "");
    }
    {
      Engine e(server ? Get().server : Get().client, "localhost");
      if (!server) {
        (void)e.Start();
      }
      split = Run(e, in.substr(0, cut), in.substr(cut));
    }
    if (whole != split) {
      std::fprintf(stderr, "engine_fuzzer: %s verdict differs: %d vs %d\n",
                   server ? "server" : "client", static_cast<int>(whole),
                   static_cast<int>(split));
      std::abort();
    }
  }
  return 0;
}
