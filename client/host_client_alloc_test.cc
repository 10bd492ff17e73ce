// Proves a warm HostClient call allocates nothing, over cleartext and over
// TLS (OpenSSL's allocations counted too): on the calling thread (Do hands the
// call to the loop through an eventfd and waits on an atomic) and on the
// client's loop thread (read with the counting allocator by callbacks posted
// before and after the measured calls).

#include <atomic>
#include <string>

#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"
#include "gtest/gtest.h"

#include "client/host_client.h"
#include "http/message.h"
#include "testing/counting_allocator.h"
#include "testing/fake_server.h"
#include "testing/raw_conn.h"
#include "testing/tls_certs.h"
#include "tls/context.h"
#include "tls/engine.h"

namespace brisk::client {
namespace {

// The loop thread's allocations so far (OpenSSL's included).
uint64_t LoopAllocations(HostClient& client) {
  std::atomic<uint64_t> n{0};
  std::atomic<bool> done{false};
  boost::asio::post(client.loop(), [&] {
    n = testing::ThreadAllocations();
    done = true;
    done.notify_one();
  });
  done.wait(false);
  return n.load();
}

constexpr char kReply[] =
    "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n"
    "\r\nHello, World!";

// Answers every request head in `in` (consumed); false at the end.
void AnswerHeads(std::string& in, std::string& out) {
  for (size_t end; (end = in.find("\r\n\r\n")) != std::string::npos;) {
    in.erase(0, end + 4);
    out += kReply;
  }
}

// The measured part: 200 warm-up calls, then 1000 counted: nothing
// allocated, by brisk or by OpenSSL (whose own record layer would make four
// small allocations per call — a WPACKET per record — which is why a TLS
// 1.3 connection leaves it for brisk's after the handshake).
void ExpectWarmCallsAllocateNothing(HostClient& client) {
  http::Request req;
  req.header().SetMethod("GET");
  req.header().SetRequestUri("/plaintext");
  http::Response resp;
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(client.DoTimeout(req, resp, absl::Seconds(5)).ok());
  }
  const uint64_t loop_before = LoopAllocations(client);
  uint64_t caller;
  {
    testing::AllocationCounter count;
    for (int i = 0; i < 1000; ++i) {
      absl::Status st = client.DoTimeout(req, resp, absl::Seconds(5));
      ASSERT_TRUE(st.ok()) << st;
    }
    caller = count.allocations();
  }
  const uint64_t loop_after = LoopAllocations(client);
  EXPECT_EQ(resp.body(), "Hello, World!");
  EXPECT_EQ(caller, 0u) << "allocations on the calling thread";
  EXPECT_EQ(loop_after - loop_before, 0u)
      << "allocations on the loop thread (OpenSSL's included)";
}

TEST(HostClientAllocTest, WarmDoAllocatesNothing) {
  testing::FakeServer s([](testing::RawConn& c, int) {
    for (;;) {
      std::string out;
      AnswerHeads(c.buffer(), out);
      if (!out.empty() && !c.Send(out)) {
        return;
      }
      if (c.ReadSome() <= 0) {
        return;
      }
    }
  });
  HostClientOptions o;
  o.addrs = {absl::StrCat("127.0.0.1:", s.port())};
  HostClient client(o);
  ExpectWarmCallsAllocateNothing(client);
}

TEST(HostClientAllocTest, WarmHttpsDoAllocatesNothing) {
  const testing::TestPki pki = testing::MakeTestPki();
  auto server_tls = tls::Context::MakeServer(
      {.cert_chain_pem = pki.server.cert, .key_pem = pki.server.key});
  ASSERT_TRUE(server_tls.ok());
  // A TLS server on the test's thread: an Engine over the raw socket.
  testing::FakeServer s([&](testing::RawConn& c, int) {
    tls::Engine e(*server_tls);
    bytes::ByteBuffer plain, wire;
    std::string in;
    for (;;) {
      if (c.ReadSome() <= 0 || !e.Feed(c.buffer()).ok()) {
        return;
      }
      c.buffer().clear();
      size_t n = 0;
      if (!e.Read(plain, n).ok()) {
        return;
      }
      in.append(plain.view());
      plain.Reset();
      std::string out;
      AnswerHeads(in, out);
      if (!out.empty() && !e.Write(out).ok()) {
        return;
      }
      wire.Reset();
      e.TakeOutput(wire);
      if (!wire.empty() && !c.Send(wire.view())) {
        return;
      }
    }
  });
  HostClientOptions o;
  o.addrs = {absl::StrCat("localhost:", s.port())};
  auto client_tls = tls::Context::MakeClient({.ca_pem = pki.ca});
  ASSERT_TRUE(client_tls.ok());
  o.tls = *client_tls;
  HostClient client(o);
  ExpectWarmCallsAllocateNothing(client);
  EXPECT_EQ(client.stats().tls_handshakes, 1u);
}

// A body streamed to a sink over hundreds of reads allocates nothing per
// read either (measured on the loop, where the reads run).
TEST(HostClientAllocTest, StreamedBodyAllocatesNothingPerRead) {
  const std::string body(1 << 20, 'b');
  testing::FakeServer s([&](testing::RawConn& c, int) {
    std::string in = std::move(c.buffer());
    for (;;) {
      std::string out;
      while (in.find("\r\n\r\n") == std::string::npos) {
        if (c.ReadSome() <= 0) {
          return;
        }
        in += c.buffer();
        c.buffer().clear();
      }
      in.erase(0, in.find("\r\n\r\n") + 4);
      if (!c.Send(absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: ",
                               body.size(), "\r\n\r\n")) ||
          !c.Send(body)) {
        return;
      }
    }
  });
  HostClientOptions o;
  o.addrs = {absl::StrCat("127.0.0.1:", s.port())};
  HostClient client(o);
  http::Request req;
  req.header().SetMethod("GET");
  req.header().SetRequestUri("/big");
  http::Response resp;
  size_t got = 0;
  const BodySink sink = [&got](std::string_view piece) {
    got += piece.size();
    return absl::OkStatus();
  };
  ASSERT_TRUE(client.DoStream(req, resp, sink).ok());
  const uint64_t before = LoopAllocations(client);
  got = 0;
  ASSERT_TRUE(client.DoStream(req, resp, sink).ok());
  const uint64_t after = LoopAllocations(client);
  EXPECT_EQ(got, body.size());
  EXPECT_EQ(after - before, 0u) << "allocations on the loop thread";
}

}  // namespace
}  // namespace brisk::client
