// Two Engines, a client and a server, talking through memory: handshakes
// with the test PKI, data both ways, the failures a client must tell apart
// (expired, wrong host, untrusted, no client certificate, an alert), bytes
// that are not TLS, and the same outcome when every byte arrives alone.

#include "tls/engine.h"

#include <cstring>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"

#include "bytes/byte_buffer.h"
#include "testing/tls_certs.h"
#include "tls/context.h"

namespace brisk::tls {
namespace {

const testing::TestPki& Pki() {
  return testing::SharedTestPki();
}

std::shared_ptr<const Context> ServerCtx(const testing::PemPair& pair,
                                         std::string client_ca = "") {
  auto c = Context::MakeServer({.cert_chain_pem = pair.cert,
                                .key_pem = pair.key,
                                .client_ca_pem = std::move(client_ca)});
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

std::shared_ptr<const Context> ClientCtx(ClientConfig config = {}) {
  if (config.ca_pem.empty() && !config.insecure_skip_verify) {
    config.ca_pem = Pki().ca;
  }
  auto c = Context::MakeClient(config);
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

// Moves bytes between the two until neither has anything to say; with
// `bytewise`, one byte per Feed. Returns the first error of either side
// (client's first), OK otherwise.
struct Pair {
  Pair(std::shared_ptr<const Context> c, std::string_view host,
       std::shared_ptr<const Context> s)
      : client(std::move(c), host), server(std::move(s)) {}

  Engine client;
  Engine server;
  absl::Status client_status;
  absl::Status server_status;

  void Pump(bool bytewise) {
    for (int round = 0; round < 100; ++round) {
      bool moved = false;
      moved |= Move(client, server, server_status, bytewise);
      moved |= Move(server, client, client_status, bytewise);
      if (!moved) {
        return;
      }
    }
  }
  static bool Move(Engine& from, Engine& to, absl::Status& to_status,
                   bool bytewise) {
    bytes::ByteBuffer wire;
    from.TakeOutput(wire);
    if (wire.empty()) {
      return false;
    }
    std::string_view v = wire.view();
    while (!v.empty() && to_status.ok()) {
      const size_t n = bytewise ? 1 : v.size();
      to_status = to.Feed(v.substr(0, n));
      v.remove_prefix(n);
    }
    return true;
  }
};

void Handshake(Pair& p, bool bytewise = false) {
  p.client_status = p.client.Start();
  p.Pump(bytewise);
}

std::string ReadAll(Engine& e) {
  bytes::ByteBuffer plain;
  size_t n = 0;
  EXPECT_TRUE(e.Read(plain, n).ok());
  return std::string(plain.view());
}

TEST(EngineTest, HandshakeAndDataBothWays) {
  for (bool bytewise : {false, true}) {
    Pair p(ClientCtx(), "localhost", ServerCtx(Pki().server));
    Handshake(p, bytewise);
    ASSERT_TRUE(p.client_status.ok()) << p.client_status;
    ASSERT_TRUE(p.server_status.ok()) << p.server_status;
    ASSERT_TRUE(p.client.handshake_done());
    ASSERT_TRUE(p.server.handshake_done());
    EXPECT_EQ(p.client.info().version, "TLSv1.3");
    EXPECT_EQ(p.client.info().alpn, "http/1.1");
    EXPECT_EQ(p.server.info().alpn, "http/1.1");
    EXPECT_EQ(p.server.info().server_name, "localhost");
    const std::string big(100000, 'b');
    ASSERT_TRUE(p.client.Write("GET / HTTP/1.1\r\n\r\n").ok());
    p.Pump(bytewise);
    EXPECT_EQ(ReadAll(p.server), "GET / HTTP/1.1\r\n\r\n");
    ASSERT_TRUE(p.server.Write(big).ok());
    p.Pump(bytewise);
    EXPECT_EQ(ReadAll(p.client), big) << "bytewise " << bytewise;
    p.server.Close();
    p.Pump(bytewise);
    EXPECT_EQ(ReadAll(p.client), "");
    EXPECT_TRUE(p.client.peer_closed());
  }
}

// The server's way of driving an engine: ciphertext read straight into it,
// its output appended to the caller's buffer, nothing left inside between
// records, and nothing held after Trim().
TEST(EngineTest, CallerBuffersAndNothingLeftInside) {
  Pair p(ClientCtx(), "localhost", ServerCtx(Pki().server));
  Handshake(p);
  ASSERT_TRUE(p.server.handshake_done());
  bytes::ByteBuffer wire;
  p.server.set_output(&wire);
  ASSERT_TRUE(p.server.Write(std::string(70000, 'w')).ok());
  EXPECT_FALSE(p.server.has_output()) << "it went to the caller's buffer";
  EXPECT_GT(wire.size(), 70000u);
  ASSERT_TRUE(p.client.Feed(wire.view()).ok());
  EXPECT_EQ(ReadAll(p.client), std::string(70000, 'w'));
  // Three records' worth fed in two pieces through PrepareFeed.
  ASSERT_TRUE(p.client.Write(std::string(40000, 'r')).ok());
  bytes::ByteBuffer sent;
  p.client.TakeOutput(sent);
  const std::string_view v = sent.view();
  const size_t half = v.size() / 2;
  bytes::ByteBuffer plain;
  size_t total = 0;
  for (std::string_view piece : {v.substr(0, half), v.substr(half)}) {
    char* dst = p.server.PrepareFeed(piece.size());
    std::memcpy(dst, piece.data(), piece.size());
    ASSERT_TRUE(p.server.CommitFeed(piece.size()).ok());
    size_t n = 0;
    ASSERT_TRUE(p.server.Read(plain, n).ok());
    total += n;
    // Only the head of a record whose rest is still to come stays.
    EXPECT_LT(p.server.buffered_input(), kMaxCiphertext + 5);
  }
  EXPECT_EQ(p.server.buffered_input(), 0u) << "every whole record was read";
  EXPECT_EQ(total, 40000u);
  EXPECT_EQ(plain.view(), std::string(40000, 'r'));
  p.server.set_output(nullptr);
  p.server.Trim();
  EXPECT_EQ(p.server.buffered_input(), 0u);
  // Still usable after Trim().
  ASSERT_TRUE(p.server.Write("after").ok());
  p.Pump(false);
  EXPECT_EQ(ReadAll(p.client), "after");
}

TEST(EngineTest, IpAddressesAreCheckedWithoutSni) {
  Pair p(ClientCtx(), "127.0.0.1", ServerCtx(Pki().server));
  Handshake(p);
  ASSERT_TRUE(p.client_status.ok()) << p.client_status;
  EXPECT_EQ(p.server.info().server_name, "");
}

TEST(EngineTest, Tls12WhenTheClientOffersNoMore) {
  Pair p(ClientCtx({.max_version = 0x0303}), "localhost",
         ServerCtx(Pki().server));
  Handshake(p);
  ASSERT_TRUE(p.client_status.ok()) << p.client_status;
  EXPECT_EQ(p.client.info().version, "TLSv1.2");
  EXPECT_EQ(p.client.info().cipher, "ECDHE-ECDSA-AES128-GCM-SHA256");
}

// What a client must tell apart, each with OpenSSL's reason.
TEST(EngineTest, VerificationFailuresSayWhy) {
  struct Case {
    const testing::PemPair* cert;
    const char* host;
    const char* reason;
  } cases[] = {
      {&Pki().expired, "localhost", "certificate has expired"},
      {&Pki().other_host, "localhost", "hostname mismatch"},
      {&Pki().self_signed, "localhost", "self-signed certificate"},
      {&Pki().server, "example.com", "hostname mismatch"},
      {&Pki().server, "10.1.2.3", "IP address mismatch"},
  };
  for (const Case& c : cases) {
    Pair p(ClientCtx(), c.host, ServerCtx(*c.cert));
    Handshake(p);
    EXPECT_TRUE(absl::IsUnauthenticated(p.client_status))
        << c.host << ": " << p.client_status;
    EXPECT_NE(p.client_status.message().find(c.reason), std::string::npos)
        << p.client_status;
    EXPECT_FALSE(p.client.handshake_done());
    // The server hears why (an alert), and does not finish either.
    EXPECT_FALSE(p.server_status.ok());
  }
}

TEST(EngineTest, InsecureSkipsVerificationByName) {
  Pair p(ClientCtx({.insecure_skip_verify = true}), "localhost",
         ServerCtx(Pki().expired));
  Handshake(p);
  EXPECT_TRUE(p.client_status.ok()) << p.client_status;
  EXPECT_TRUE(p.client.handshake_done());
}

TEST(EngineTest, MutualTlsNeedsAClientCertificate) {
  {
    Pair p(ClientCtx(), "localhost", ServerCtx(Pki().server, Pki().ca));
    Handshake(p);
    EXPECT_FALSE(p.server_status.ok());
    EXPECT_FALSE(p.server.handshake_done());
    // TLS 1.3: the client learns of it from the server's alert.
    p.client_status = p.client.Write("x");
    p.Pump(false);
    size_t n = 0;
    bytes::ByteBuffer plain;
    absl::Status read = p.client.Read(plain, n);
    EXPECT_TRUE(absl::IsAborted(read)) << read;
  }
  Pair p(ClientCtx({.cert_chain_pem = Pki().client.cert,
                    .key_pem = Pki().client.key}),
         "localhost", ServerCtx(Pki().server, Pki().ca));
  Handshake(p);
  ASSERT_TRUE(p.server_status.ok()) << p.server_status;
  ASSERT_TRUE(p.server.handshake_done());
  EXPECT_NE(p.server.info().peer_subject.find("CN=brisk test client"),
            std::string::npos)
      << p.server.info().peer_subject;
}

// Plain HTTP sent to a TLS port: a clear error, never a crash or a wait.
TEST(EngineTest, BytesThatAreNotTls) {
  Engine server(ServerCtx(Pki().server));
  absl::Status s = server.Feed("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_FALSE(server.Feed("more").ok()) << "errors stick";
}

TEST(EngineTest, ConfigurationErrors) {
  EXPECT_FALSE(
      Context::MakeServer({.cert_chain_pem = "nope", .key_pem = "nope"}).ok());
  EXPECT_FALSE(Context::MakeServer({.cert_chain_pem = Pki().server.cert,
                                    .key_pem = Pki().client.key})
                   .ok())
      << "a key that is not the certificate's";
  EXPECT_FALSE(Context::MakeClient({.ca_pem = "not a pem"}).ok());
  EXPECT_FALSE(Context::MakeClient({.max_version = 0x0302}).ok());
  EXPECT_TRUE(Context::MakeClient({}).ok()) << "the system's trust store";
}

// A session kept from one connection resumes the next (TLS 1.3: the
// ticket comes after the handshake; TLS 1.2: the session id or ticket),
// and a server with another key cannot resume it.
TEST(EngineTest, SessionResumesTheNextConnection) {
  for (int version : {0x0304, 0x0303}) {
    auto client_ctx = ClientCtx({.max_version = version});
    auto server_ctx = ServerCtx(Pki().server);
    std::shared_ptr<const Session> session;
    {
      Pair p(client_ctx, "localhost", server_ctx);
      EXPECT_EQ(p.client.session(), nullptr);  // before the handshake
      Handshake(p);
      ASSERT_TRUE(p.client_status.ok()) << p.client_status;
      EXPECT_FALSE(p.client.info().resumed);
      ReadAll(p.client);  // takes in the TLS 1.3 ticket
      session = p.client.session();
      ASSERT_NE(session, nullptr) << version;
      EXPECT_EQ(p.server.session(), nullptr);  // a client's only
    }
    Pair again(client_ctx, "localhost", server_ctx);
    again.client.set_session(session);
    Handshake(again);
    ASSERT_TRUE(again.client_status.ok()) << again.client_status;
    EXPECT_TRUE(again.client.info().resumed) << version;
    EXPECT_TRUE(again.server.info().resumed) << version;

    Pair other(client_ctx, "localhost", ServerCtx(Pki().server));
    other.client.set_session(session);
    Handshake(other);
    ASSERT_TRUE(other.client_status.ok()) << other.client_status;
    EXPECT_FALSE(other.client.info().resumed) << version;
  }
}

// Several certificates: the client's SNI name picks one; no match (or no
// name) gets the first.
TEST(EngineTest, SniChoosesTheCertificate) {
  auto server = Context::MakeServer(
      {.cert_chain_pem = Pki().server.cert,
       .key_pem = Pki().server.key,
       .sni_certificates = {{.chain_pem = Pki().other_host.cert,
                             .key_pem = Pki().other_host.key}}});
  ASSERT_TRUE(server.ok()) << server.status();
  for (const char* host : {"other.test", "localhost", "127.0.0.1"}) {
    Pair p(ClientCtx(), host, *server);
    Handshake(p);
    EXPECT_TRUE(p.client_status.ok()) << host << ": " << p.client_status;
  }
  // A name no certificate has: the first certificate, which fails the
  // client's hostname check.
  Pair none(ClientCtx(), "nobody.test", *server);
  Handshake(none);
  EXPECT_TRUE(absl::IsUnauthenticated(none.client_status))
      << none.client_status;
  EXPECT_FALSE(Context::MakeServer({.cert_chain_pem = Pki().server.cert,
                                    .key_pem = Pki().server.key,
                                    .sni_certificates = {{.chain_pem = "x"}}})
                   .ok());
}

// A ticket stays good for two rotations (and is replaced when used), not
// for three.
TEST(EngineTest, TicketKeysRotate) {
  auto client_ctx = ClientCtx();
  auto server_ctx = ServerCtx(Pki().server);
  auto session_from = [&](std::shared_ptr<const Session> offer, bool& resumed) {
    Pair p(client_ctx, "localhost", server_ctx);
    p.client.set_session(std::move(offer));
    Handshake(p);
    EXPECT_TRUE(p.client_status.ok()) << p.client_status;
    resumed = p.client.info().resumed;
    ReadAll(p.client);  // the TLS 1.3 tickets
    return p.client.session();
  };
  bool resumed = false;
  std::shared_ptr<const Session> first = session_from(nullptr, resumed);
  ASSERT_NE(first, nullptr);
  // A resumed connection gets a fresh ticket (TLS 1.3 clients use each
  // once), which resumes the next one.
  std::shared_ptr<const Session> fresh = session_from(first, resumed);
  EXPECT_TRUE(resumed);
  ASSERT_NE(fresh, nullptr) << "no new ticket after a resumption";
  session_from(fresh, resumed);
  EXPECT_TRUE(resumed);
  server_ctx->RotateTicketKeys();
  server_ctx->RotateTicketKeys();
  session_from(first, resumed);
  EXPECT_TRUE(resumed) << "a ticket two keys old";
  server_ctx->RotateTicketKeys();
  session_from(first, resumed);
  EXPECT_FALSE(resumed) << "a ticket three keys old";
  EXPECT_TRUE(absl::IsNotFound(ReadPemFile("/no/such/file.pem").status()));
  EXPECT_FALSE(
      Context::MakeServer({.cert_chain_pem = Pki().server.cert,
                           .key_pem = Pki().server.key,
                           .ticket_key_rotation = std::chrono::seconds(0)})
          .ok());
}

// Numeric hosts in other forms than the strict one are checked as names:
// the check fails instead of being skipped (resolvers read "0177.0.0.1"
// as 127.0.0.1, OpenSSL as 177.0.0.1). The strict forms are checked
// against the IP SANs, IPv6 with or without brackets.
TEST(EngineTest, NonCanonicalNumericHostsFailClosed) {
  for (const char* host :
       {"127.1", "2130706433", "0177.0.0.1", "0x7f000001", "::1%lo"}) {
    Pair p(ClientCtx(), host, ServerCtx(Pki().server));
    Handshake(p);
    EXPECT_FALSE(p.client_status.ok()) << host;
    EXPECT_FALSE(p.client.handshake_done()) << host;
  }
  for (const char* host : {"127.0.0.1", "::1", "[::1]"}) {
    Pair p(ClientCtx(), host, ServerCtx(Pki().server));
    Handshake(p);
    EXPECT_TRUE(p.client_status.ok()) << host << ": " << p.client_status;
  }
}

// Data before a bad record comes out first; the error after it.
TEST(EngineTest, DataBeforeABadRecordIsReadFirst) {
  Pair p(ClientCtx(), "localhost", ServerCtx(Pki().server));
  Handshake(p);
  ASSERT_TRUE(p.client_status.ok());
  ReadAll(p.client);  // tickets
  ASSERT_TRUE(p.server.Write("the answer").ok());
  bytes::ByteBuffer wire;
  p.server.TakeOutput(wire);
  std::string bytes(wire.view());
  std::string bad = bytes;
  bad.back() ^= 1;  // the same record again, its tag broken
  ASSERT_TRUE(p.client.Feed(bytes + bad).ok());
  bytes::ByteBuffer plain;
  size_t n = 0;
  ASSERT_TRUE(p.client.Read(plain, n).ok());
  EXPECT_EQ(plain.view(), "the answer");
  absl::Status next = p.client.Read(plain, n);
  EXPECT_FALSE(next.ok());
  EXPECT_EQ(p.client.status(), next);
}

// Records that carry no data (here TLS 1.3 key updates, over and over)
// are bounded.
TEST(EngineTest, RecordsWithoutDataAreBounded) {
  Pair p(ClientCtx(), "localhost", ServerCtx(Pki().server));
  Handshake(p);
  ASSERT_TRUE(p.client_status.ok());
  ReadAll(p.client);
  absl::Status st;
  size_t sent = 0;
  for (int i = 0; i < 20000 && st.ok(); ++i) {
    bytes::ByteBuffer wire;
    ASSERT_TRUE(p.server.UpdateKeys().ok());
    p.server.TakeOutput(wire);
    sent += wire.size();
    st = p.client.Feed(wire.view());
    bytes::ByteBuffer plain;
    size_t n = 0;
    if (st.ok()) {
      st = p.client.Read(plain, n);
    }
  }
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("without data"), absl::string_view::npos) << st;
  EXPECT_LT(sent, 300u * 1024);
}

// A server's TLS 1.3 connection leaves OpenSSL for brisk's RecordLayer
// right after its handshake, a client's once it has a session to resume;
// TLS 1.2 stays.
TEST(EngineTest, ServerTls13RunsOnTheRecordLayer) {
  Pair p(ClientCtx(), "localhost", ServerCtx(Pki().server));
  Handshake(p);
  ASSERT_TRUE(p.server.handshake_done());
  EXPECT_TRUE(p.server.record_layer());
  EXPECT_FALSE(p.client.record_layer()) << "no session to resume yet";
  ReadAll(p.client);  // the tickets
  EXPECT_TRUE(p.client.record_layer());
  EXPECT_NE(p.client.session(), nullptr) << "kept when leaving OpenSSL";
  ASSERT_TRUE(p.client.Write("both on their own").ok());
  p.Pump(false);
  EXPECT_EQ(ReadAll(p.server), "both on their own");
  ASSERT_TRUE(p.server.Write("and back").ok());
  p.Pump(false);
  EXPECT_EQ(ReadAll(p.client), "and back");
  EXPECT_EQ(p.server.info().version, "TLSv1.3");
  // The server's preference, not OpenSSL's client order (AES-256 first).
  EXPECT_EQ(p.server.info().cipher, "TLS_AES_128_GCM_SHA256");

  Pair old(ClientCtx({.max_version = 0x0303}), "localhost",
           ServerCtx(Pki().server));
  Handshake(old);
  ASSERT_TRUE(old.server.handshake_done());
  EXPECT_FALSE(old.server.record_layer());
  ASSERT_TRUE(old.client.Write("ping").ok());
  old.Pump(false);
  EXPECT_EQ(ReadAll(old.server), "ping");
  ReadAll(old.client);
  EXPECT_FALSE(old.client.record_layer());
}

// Key updates both ways between the RecordLayer and OpenSSL (the client),
// over and over, whole and one byte at a time: each side answers the
// other's request and the data keeps flowing under the new keys.
TEST(EngineTest, KeyUpdatesWithOpenSsl) {
  for (bool bytewise : {false, true}) {
    Pair p(ClientCtx(), "localhost", ServerCtx(Pki().server));
    Handshake(p, bytewise);
    ASSERT_TRUE(p.server.record_layer());
    ReadAll(p.client);  // tickets
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(p.client.UpdateKeys().ok());
      ASSERT_TRUE(p.client.Write("from the client").ok());
      p.Pump(bytewise);
      EXPECT_EQ(ReadAll(p.server), "from the client") << i;
      p.Pump(bytewise);  // the server's answer
      ASSERT_TRUE(p.server.Write("from the server").ok());
      p.Pump(bytewise);
      EXPECT_EQ(ReadAll(p.client), "from the server") << i;
      ASSERT_TRUE(p.server.UpdateKeys().ok());
      ASSERT_TRUE(p.server.Write("after our update").ok());
      p.Pump(bytewise);
      EXPECT_EQ(ReadAll(p.client), "after our update") << i;
      ASSERT_TRUE(p.client.Write("after the answer").ok());
      p.Pump(bytewise);
      EXPECT_EQ(ReadAll(p.server), "after the answer") << i;
      ASSERT_TRUE(p.server_status.ok()) << p.server_status;
      ASSERT_TRUE(p.client_status.ok()) << p.client_status;
    }
  }
}

// A key update the client's OpenSSL takes before the client has a session
// (here: with the tickets) makes the handshake's secrets stale: the client
// stays on OpenSSL, and the connection works on.
TEST(EngineTest, KeyUpdateBeforeTheClientLeavesOpenSslKeepsItThere) {
  Pair p(ClientCtx(), "localhost", ServerCtx(Pki().server));
  Handshake(p);
  ASSERT_TRUE(p.server.record_layer());
  ASSERT_TRUE(p.server.UpdateKeys().ok());  // after the tickets, unread
  ASSERT_TRUE(p.server.Write("updated").ok());
  p.Pump(false);
  EXPECT_EQ(ReadAll(p.client), "updated");
  EXPECT_FALSE(p.client.record_layer());
  ASSERT_TRUE(p.client.Write("still fine").ok());
  p.Pump(false);
  EXPECT_EQ(ReadAll(p.server), "still fine");
  EXPECT_TRUE(p.client_status.ok() && p.server_status.ok());
}

// A broken record from the client: the data before it first, then the
// error, and OpenSSL (the client) reads the alert the server sent.
TEST(EngineTest, ServerDataBeforeABadRecordThenAnAlert) {
  Pair p(ClientCtx(), "localhost", ServerCtx(Pki().server));
  Handshake(p);
  ASSERT_TRUE(p.server.record_layer());
  ReadAll(p.client);
  ASSERT_TRUE(p.client.Write("request").ok());
  bytes::ByteBuffer wire;
  p.client.TakeOutput(wire);
  std::string bad(wire.view());
  bad.back() ^= 1;
  ASSERT_TRUE(p.server.Feed(std::string(wire.view()) + bad).ok());
  bytes::ByteBuffer plain;
  size_t n = 0;
  ASSERT_TRUE(p.server.Read(plain, n).ok());
  EXPECT_EQ(plain.view(), "request");
  const absl::Status next = p.server.Read(plain, n);
  EXPECT_EQ(next.code(), absl::StatusCode::kInvalidArgument) << next;
  EXPECT_EQ(p.server.status(), next);
  p.Pump(false);
  bytes::ByteBuffer client_plain;
  const absl::Status alert = p.client.Read(client_plain, n);
  EXPECT_EQ(alert.code(), absl::StatusCode::kAborted) << alert;
  EXPECT_NE(alert.message().find("bad record mac"), std::string::npos) << alert;
}

// A client's flood of key updates is bounded on the RecordLayer too.
TEST(EngineTest, ServerRecordsWithoutDataAreBounded) {
  Pair p(ClientCtx(), "localhost", ServerCtx(Pki().server));
  Handshake(p);
  ASSERT_TRUE(p.server.record_layer());
  absl::Status st;
  size_t sent = 0;
  for (int i = 0; i < 20000 && st.ok(); ++i) {
    bytes::ByteBuffer wire;
    const absl::Status update = p.client.UpdateKeys();
    ASSERT_TRUE(update.ok()) << i << " " << update;
    p.client.TakeOutput(wire);
    sent += wire.size();
    st = p.server.Feed(wire.view());
    bytes::ByteBuffer plain;
    size_t n = 0;
    if (st.ok()) {
      st = p.server.Read(plain, n);
    }
    bytes::ByteBuffer answers;  // not read: the client only writes here
    p.server.TakeOutput(answers);
  }
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("without data"), absl::string_view::npos) << st;
  EXPECT_LT(sent, 300u * 1024);
}

// The client's close_notify reaches the server; the server's Close()
// reaches OpenSSL, after which the server writes nothing more.
TEST(EngineTest, CloseNotifyBothWaysOnTheRecordLayer) {
  Pair p(ClientCtx(), "localhost", ServerCtx(Pki().server));
  Handshake(p);
  ASSERT_TRUE(p.server.record_layer());
  ASSERT_TRUE(p.client.Write("bye").ok());
  p.client.Close();
  p.Pump(false);
  EXPECT_EQ(ReadAll(p.server), "bye");
  EXPECT_TRUE(p.server.peer_closed());
  p.server.Close();
  EXPECT_EQ(p.server.Write("too late").code(),
            absl::StatusCode::kFailedPrecondition);
  p.Pump(false);
  ReadAll(p.client);
  EXPECT_TRUE(p.client.peer_closed());
}

}  // namespace
}  // namespace brisk::tls
