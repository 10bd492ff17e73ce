// The server over TLS (ServerOptions::tls), through real sockets: real peers
// (curl, Python's ssl with a client certificate, TLS 1.1 refused), the
// answer independent of how the ciphertext is split (the segmentation rule
// over TLS), and the hostile cases — plain HTTP to the TLS port, a stalled
// handshake, a client leaving mid-handshake, a broken record — plus the
// certificate reload.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "bytes/byte_buffer.h"
#include "server/server.h"
#include "server/server_test_util.h"
#include "testing/raw_conn.h"
#include "testing/subprocess.h"
#include "testing/tls_certs.h"
#include "tls/context.h"
#include "tls/engine.h"

namespace brisk::server {
namespace {

using std::chrono::milliseconds;

const testing::TestPki& Pki() {
  return testing::SharedTestPki();
}

std::string Dir() {
  return ::testing::TempDir();
}

// Answers what the TLS handshake settled, and the request.
void TlsInfo(RequestCtx& ctx) {
  const tls::ConnectionInfo* t = ctx.tls();
  if (t == nullptr) {
    ctx.response().SetBody("cleartext");
    return;
  }
  ctx.response().SetBody(absl::StrCat(
      t->version, " ", t->alpn, " sni=", t->server_name, " peer=",
      t->peer_subject, " ", std::string(ctx.request().header().request_uri()),
      " body=", std::string(ctx.request().body()), "\n"));
}

ServerOptions TlsOptions(
    std::shared_ptr<const tls::Context> t = TestServerTls()) {
  ServerOptions o;
  o.tls = std::move(t);
  o.logger = [](std::string_view) {};
  return o;
}

// A TLS client over a raw socket, driven by the test: the handshake, then
// ciphertext the test may split as it likes.
class TlsClient {
 public:
  explicit TlsClient(uint16_t port, std::string_view host = "localhost",
                     tls::ClientConfig config = {.ca_pem = Pki().ca})
      : ctx_(*tls::Context::MakeClient(config)), engine_(ctx_, host) {
    connected_ = conn_.Connect(port);
  }

  // false when it failed (status() says why). `bytewise`: the client's
  // flights go one byte per write.
  bool Handshake(bool bytewise = false) {
    status_ = engine_.Start();
    while (status_.ok() && !engine_.handshake_done()) {
      if (!SendOutput(bytewise)) {
        return false;
      }
      if (conn_.ReadSome(milliseconds(5000)) <= 0) {
        status_ = absl::UnavailableError("closed during the handshake");
        return false;
      }
      status_ = engine_.Feed(conn_.Take(conn_.buffer().size()));
    }
    return status_.ok() && SendOutput();
  }
  // The records for `plain`, not sent.
  std::string Encrypt(std::string_view plain) {
    EXPECT_TRUE(engine_.Write(plain).ok());
    bytes::ByteBuffer out;
    engine_.TakeOutput(out);
    return std::string(out.view());
  }
  bool SendOutput(bool bytewise = false) {
    bytes::ByteBuffer out;
    engine_.TakeOutput(out);
    std::string_view v = out.view();
    while (bytewise && v.size() > 1) {
      if (!conn_.Send(v.substr(0, 1))) {
        return false;
      }
      v.remove_prefix(1);
    }
    return v.empty() || conn_.Send(v);
  }
  // Everything the server sends until it closes, decrypted; `closed`: it
  // ended the TLS session with close_notify.
  std::string ReadAllPlain(bool* closed = nullptr) {
    conn_.ReadUntilClose(milliseconds(8000));
    bytes::ByteBuffer plain;
    size_t n = 0;
    if (engine_.Feed(conn_.Take(conn_.buffer().size())).ok()) {
      (void)engine_.Read(plain, n);
    }
    if (closed != nullptr) {
      *closed = engine_.peer_closed();
    }
    return std::string(plain.view());
  }
  // Reads until the plaintext holds `needle` (bounded).
  std::string ReadPlainUntil(std::string_view needle) {
    std::string got;
    for (int i = 0; i < 50 && got.find(needle) == std::string::npos; ++i) {
      if (conn_.ReadSome(milliseconds(5000)) <= 0) {
        break;
      }
      bytes::ByteBuffer plain;
      size_t n = 0;
      if (!engine_.Feed(conn_.Take(conn_.buffer().size())).ok() ||
          !engine_.Read(plain, n).ok()) {
        break;
      }
      got += plain.view();
    }
    return got;
  }

  testing::RawConn& conn() { return conn_; }
  tls::Engine& engine() { return engine_; }
  const absl::Status& status() const { return status_; }
  bool connected() const { return connected_; }

 private:
  std::shared_ptr<const tls::Context> ctx_;
  tls::Engine engine_;
  testing::RawConn conn_;
  absl::Status status_;
  bool connected_ = false;
};

TEST(TlsServerTest, CurlKeepAliveOverOneHandshake) {
  TestServer ts(TlsOptions(), TlsInfo);
  const std::string ca = testing::WritePem(Dir(), "ca.pem", Pki().ca);
  const std::string url = absl::StrCat("https://localhost:", ts.port(), "/");
  const testing::CommandResult r = testing::RunCommand(absl::StrCat(
      "curl -sS --max-time 10 --cacert ", ca,
      " --resolve localhost:", ts.port(), ":127.0.0.1 ", url, "a ", url, "b"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out,
            "TLSv1.3 http/1.1 sni=localhost peer= /a body=\n"
            "TLSv1.3 http/1.1 sni=localhost peer= /b body=\n");
  const ServerStats st = ts.server().stats();
  EXPECT_EQ(st.tls_handshakes, 1u) << "both requests on one connection";
  EXPECT_EQ(st.requests, 2u);
  EXPECT_EQ(st.tls_failures, 0u);
}

// A 200 KB body for GET (bytes i % 251), and for a POST the size of the
// body and whether it held the same pattern: many records each way.
void BigBodies(RequestCtx& ctx) {
  const std::string_view body = ctx.request().body();
  if (!body.empty()) {
    bool same = true;
    for (size_t i = 0; i < body.size() && same; ++i) {
      same = static_cast<unsigned char>(body[i]) == i % 251;
    }
    ctx.response().SetBody(absl::StrCat(body.size(), same ? " same" : " bad"));
    return;
  }
  std::string big(200000, '\0');
  for (size_t i = 0; i < big.size(); ++i) {
    big[i] = static_cast<char>(i % 251);
  }
  ctx.response().SetBody(big);
}

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    s[i] = static_cast<char>(i % 251);
  }
  return s;
}

// curl (OpenSSL) with each TLS 1.3 suite: the server's own record layer
// seals and opens every one (AES-GCM with SHA-256 and SHA-384,
// ChaCha20-Poly1305).
TEST(TlsServerTest, CurlWithEveryTls13Suite) {
  TestServer ts(TlsOptions(), BigBodies);
  const std::string ca = testing::WritePem(Dir(), "ca.pem", Pki().ca);
  const std::string upload =
      testing::WritePem(Dir(), "upload.bin", Pattern(300000));
  const std::string url = absl::StrCat("https://localhost:", ts.port(), "/");
  for (const char* suite : {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                            "TLS_CHACHA20_POLY1305_SHA256"}) {
    const std::string curl = absl::StrCat(
        "curl -sS --max-time 10 --tlsv1.3 --tls13-ciphers ", suite,
        " --cacert ", ca, " --resolve localhost:", ts.port(), ":127.0.0.1 ");
    const testing::CommandResult get =
        testing::RunCommand(absl::StrCat(curl, url, " | md5sum"));
    const testing::CommandResult expect = testing::RunCommand(
        absl::StrCat("python3 -c 'import sys; sys.stdout.buffer.write("
                     "bytes(i % 251 for i in range(200000)))' | md5sum"));
    EXPECT_EQ(get.out, expect.out) << suite;
    const testing::CommandResult post = testing::RunCommand(
        absl::StrCat(curl, "--data-binary @", upload, " ", url));
    EXPECT_EQ(post.out, "300000 same") << suite;
  }
  EXPECT_EQ(ts.server().stats().tls_failures, 0u);
}

// Go's crypto/tls (another TLS implementation than OpenSSL) as the client:
// keep-alive requests with large bodies both ways over one connection.
constexpr char kGoClient[] = R"go(
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	ca, _ := os.ReadFile(os.Args[2])
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	c := &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool, ServerName: "localhost"},
		ForceAttemptHTTP2: false,
	}}
	url := "https://127.0.0.1:" + os.Args[1] + "/"
	upload := make([]byte, 300000)
	for i := range upload {
		upload[i] = byte(i % 251)
	}
	for i := 0; i < 10; i++ {
		r, err := c.Get(url)
		if err != nil {
			fmt.Println("get:", err)
			return
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		for j := range b {
			if b[j] != byte(j%251) {
				fmt.Println("get: bad byte at", j)
				return
			}
		}
		if len(b) != 200000 {
			fmt.Println("get: length", len(b))
			return
		}
		r, err = c.Post(url, "application/octet-stream", bytes.NewReader(upload))
		if err != nil {
			fmt.Println("post:", err)
			return
		}
		b, _ = io.ReadAll(r.Body)
		r.Body.Close()
		if string(b) != "300000 same" {
			fmt.Println("post:", string(b))
			return
		}
	}
	fmt.Println("ok")
}
)go";

TEST(TlsServerTest, GoCryptoTlsClient) {
  TestServer ts(TlsOptions(), BigBodies);
  const std::string dir = Dir();
  const std::string src = testing::WritePem(dir, "goclient.go", kGoClient);
  const std::string ca = testing::WritePem(dir, "ca.pem", Pki().ca);
  const std::string bin = dir + "/goclient";
  const testing::CommandResult build = testing::RunCommand(
      absl::StrCat("cd ", dir, " && HOME=", dir, " GOCACHE=", dir,
                   "/gocache GO111MODULE=off GOFLAGS= go build -o ", bin, " ",
                   src, " 2>&1"));
  ASSERT_EQ(build.exit_code, 0) << build.out;
  const testing::CommandResult run =
      testing::RunCommand(absl::StrCat(bin, " ", ts.port(), " ", ca));
  EXPECT_EQ(run.out, "ok\n");
  const ServerStats st = ts.server().stats();
  EXPECT_EQ(st.tls_handshakes, 1u) << "one keep-alive connection";
  EXPECT_EQ(st.requests, 20u);
  EXPECT_EQ(st.tls_failures, 0u);
}

// Python's ssl with a client certificate; the handler sees its subject.
constexpr char kPythonMtls[] = R"py(
import http.client, ssl, sys
port, ca, cert, key = sys.argv[1:5]
ctx = ssl.create_default_context(cafile=ca)
if cert:
    ctx.load_cert_chain(cert, key)
c = http.client.HTTPSConnection("localhost", int(port), context=ctx, timeout=10)
try:
    c.request("GET", "/mtls")
    r = c.getresponse()
    print(r.status, r.read().decode(), end="")
except (ssl.SSLError, ConnectionError, OSError) as e:
    print("refused:", type(e).__name__)
)py";

TEST(TlsServerTest, MutualTlsWithPythonSsl) {
  TestServer ts(TlsOptions(TestServerTls(Pki().server, Pki().ca)), TlsInfo);
  const std::string script = testing::WritePem(Dir(), "mtls.py", kPythonMtls);
  const std::string ca = testing::WritePem(Dir(), "ca.pem", Pki().ca);
  const std::string cert =
      testing::WritePem(Dir(), "client.pem", Pki().client.cert);
  const std::string key =
      testing::WritePem(Dir(), "client.key", Pki().client.key);
  const testing::CommandResult with = testing::RunCommand(absl::StrCat(
      "python3 ", script, " ", ts.port(), " ", ca, " ", cert, " ", key));
  // (http.client offers no ALPN.)
  EXPECT_EQ(with.out,
            "200 TLSv1.3  sni=localhost peer=/CN=brisk test client/O=brisk "
            "tests /mtls body=\n");
  const testing::CommandResult without = testing::RunCommand(
      absl::StrCat("python3 ", script, " ", ts.port(), " ", ca, " '' ''"));
  EXPECT_EQ(without.out.rfind("refused:", 0), 0u) << without.out;
  EXPECT_EQ(ts.server().stats().requests, 1u);
}

constexpr char kPythonOldTls[] = R"py(
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.set_ciphers("DEFAULT@SECLEVEL=0")
ctx.minimum_version = ssl.TLSVersion.TLSv1
ctx.maximum_version = ssl.TLSVersion.TLSv1_1
try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), 10) as s:
        with ctx.wrap_socket(s) as t:
            print("agreed", t.version())
except ssl.SSLError as e:
    print("refused", e.reason)
)py";

TEST(TlsServerTest, Tls11IsRefused) {
  TestServer ts(TlsOptions(), TlsInfo);
  const std::string script = testing::WritePem(Dir(), "old.py", kPythonOldTls);
  const testing::CommandResult r = testing::RunCommand(
      absl::StrCat("python3 -W ignore ", script, " ", ts.port()));
  EXPECT_EQ(r.out, "refused TLSV1_ALERT_PROTOCOL_VERSION\n");
  EXPECT_EQ(ts.server().stats().tls_handshakes, 0u);
}

// The segmentation rule over TLS: the same requests, as records split at
// every offset of their ciphertext (and one byte per write), get the same
// decrypted answers.
TEST(TlsServerTest, SplitCiphertextGetsTheSameAnswers) {
  ServerOptions o = TlsOptions();
  o.read_buffer_bytes = 64;
  TestServer ts(o, Describe);
  const std::string requests =
      "POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
      "GET /b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  auto transcript = [&](const std::vector<size_t>& cuts, bool bytewise) {
    TlsClient c(ts.port());
    EXPECT_TRUE(c.Handshake()) << c.status();
    // Small records, so cuts fall inside and between them.
    std::string wire;
    for (size_t i = 0; i < requests.size(); i += 40) {
      wire += c.Encrypt(requests.substr(i, 40));
    }
    size_t prev = 0;
    for (size_t at : cuts) {
      c.conn().Send(wire.substr(prev, at - prev));
      std::this_thread::sleep_for(milliseconds(1));
      prev = at;
    }
    if (bytewise) {
      for (; prev < wire.size(); ++prev) {
        c.conn().Send(wire.substr(prev, 1));
      }
    }
    c.conn().Send(wire.substr(prev));
    std::string t = c.ReadAllPlain();
    for (size_t p = t.find("\r\nDate: "); p != std::string::npos;
         p = t.find("\r\nDate: ", p)) {
      t.erase(p, t.find("\r\n", p + 2) - p);
    }
    return t;
  };
  // The handshake itself, one byte per write.
  TlsClient slow(ts.port());
  ASSERT_TRUE(slow.Handshake(/*bytewise=*/true)) << slow.status();
  ASSERT_TRUE(slow.conn().Send(slow.Encrypt(Get("/slow"))));
  EXPECT_NE(slow.ReadPlainUntil("GET /slow").find("GET /slow"),
            std::string::npos);
  const std::string whole = transcript({}, false);
  ASSERT_NE(whole.find("POST /a [11] hello world"), std::string::npos) << whole;
  ASSERT_NE(whole.find("GET /b [0]"), std::string::npos) << whole;
  EXPECT_EQ(transcript({}, true), whole) << "one byte per write";
  TlsClient probe(ts.port());
  ASSERT_TRUE(probe.Handshake());
  size_t wire_size = 0;
  for (size_t i = 0; i < requests.size(); i += 40) {
    wire_size += probe.Encrypt(requests.substr(i, 40)).size();
  }
  int splits = 0;
  for (size_t at = 1; at < wire_size; ++at) {
    ASSERT_EQ(transcript({at}, false), whole) << "split at " << at;
    ++splits;
  }
  EXPECT_GT(splits, 200);
}

TEST(TlsServerTest, PlainHttpToTheTlsPortGetsAClearAnswer) {
  TestServer ts(TlsOptions(), TlsInfo);
  for (std::string_view first : {"GET / HTTP/1.1\r\nHost: t\r\n\r\n", "G"}) {
    testing::RawConn c = ts.Connect();
    ASSERT_TRUE(c.Send(first));
    ASSERT_TRUE(c.ReadUntilClose(milliseconds(5000)));
    EXPECT_EQ(c.buffer().rfind("HTTP/1.1 400 ", 0), 0u) << c.buffer();
    EXPECT_NE(c.buffer().find("plain HTTP request sent to an HTTPS port"),
              std::string::npos);
  }
  EXPECT_EQ(ts.server().stats().tls_failures, 2u);
}

TEST(TlsServerTest, StalledOrAbandonedHandshakesEnd) {
  ServerOptions o = TlsOptions();
  o.tls_handshake_timeout = absl::Milliseconds(300);
  TestServer ts(o, TlsInfo);
  // The first bytes of a ClientHello, then nothing.
  TlsClient stalled(ts.port());
  ASSERT_TRUE(stalled.engine().Start().ok());
  bytes::ByteBuffer hello;
  stalled.engine().TakeOutput(hello);
  ASSERT_TRUE(stalled.conn().Send(hello.view().substr(0, 20)));
  // A whole ClientHello, then gone.
  TlsClient gone(ts.port());
  ASSERT_TRUE(gone.engine().Start().ok());
  ASSERT_TRUE(gone.SendOutput());
  gone.conn().Close();
  // Garbage where a record should be.
  testing::RawConn garbage = ts.Connect();
  ASSERT_TRUE(garbage.Send(std::string("\x16\x03\x01\x00\x05junk!", 10)));
  EXPECT_TRUE(stalled.conn().ReadUntilClose(milliseconds(5000)))
      << "the handshake timeout closes it";
  EXPECT_TRUE(garbage.ReadUntilClose(milliseconds(5000)));
  for (int i = 0; i < 500 && ts.server().stats().open_connections > 0; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  const ServerStats st = ts.server().stats();
  EXPECT_EQ(st.open_connections, 0u);
  EXPECT_EQ(st.tls_failures, 3u);
  EXPECT_GE(st.timeouts, 1u);
  // And the server still serves.
  TlsClient ok(ts.port());
  ASSERT_TRUE(ok.Handshake()) << ok.status();
  ASSERT_TRUE(ok.conn().Send(ok.Encrypt(Get("/after"))));
  EXPECT_NE(ok.ReadPlainUntil("body=").find("/after"), std::string::npos);
}

// After the handshake: a record that does not decrypt ends the connection,
// and a client's close_notify is its end of input.
TEST(TlsServerTest, BrokenRecordsAndCloseNotify) {
  TestServer ts(TlsOptions(), TlsInfo);
  TlsClient broken(ts.port());
  ASSERT_TRUE(broken.Handshake());
  std::string rec = broken.Encrypt(Get("/x"));
  rec[rec.size() - 3] ^= 0x55;  // the tag no longer matches
  ASSERT_TRUE(broken.conn().Send(rec));
  EXPECT_TRUE(broken.conn().ReadUntilClose(milliseconds(5000)));
  EXPECT_EQ(ts.server().stats().requests, 0u);

  TlsClient polite(ts.port());
  ASSERT_TRUE(polite.Handshake());
  ASSERT_TRUE(polite.conn().Send(polite.Encrypt(Get("/y"))));
  EXPECT_NE(polite.ReadPlainUntil("body=").find("/y"), std::string::npos);
  polite.engine().Close();
  ASSERT_TRUE(polite.SendOutput());
  bool closed = false;
  polite.ReadAllPlain(&closed);
  EXPECT_TRUE(polite.conn().eof()) << "close_notify closes the connection";
  EXPECT_TRUE(closed) << "answered with the server's close_notify";
}

// What arrives with the last request: a close_notify gets the answer, the
// server's close_notify and the close at once (not at the idle timeout); a
// broken record gets the answer, then its alert. The same however the
// bytes are split: whole, one byte per write, and cut at every offset.
TEST(TlsServerTest, WhatComesWithTheLastRequest) {
  TestServer ts(TlsOptions(), TlsInfo);  // idle timeout 60 s
  // Sends `wire` whole (cut 0), one byte per write (cut npos), or in two
  // writes cut at `cut` with a pause between.
  auto send = [](testing::RawConn& c, std::string_view wire, size_t cut) {
    if (cut == std::string_view::npos) {
      for (char b : wire) {
        if (!c.Send(std::string_view(&b, 1))) {
          return false;
        }
      }
      return true;
    }
    if (cut == 0 || cut >= wire.size()) {
      return c.Send(wire);
    }
    const bool first = c.Send(wire.substr(0, cut));
    std::this_thread::sleep_for(milliseconds(2));
    return first && c.Send(wire.substr(cut));
  };
  auto close_notify_after = [&](size_t cut) {
    TlsClient bye(ts.port());
    ASSERT_TRUE(bye.Handshake());
    std::string wire = bye.Encrypt(Get("/last"));
    bye.engine().Close();
    bytes::ByteBuffer notify;
    bye.engine().TakeOutput(notify);
    ASSERT_TRUE(send(bye.conn(), wire + std::string(notify.view()), cut));
    bool closed = false;
    const std::string got = bye.ReadAllPlain(&closed);
    EXPECT_NE(got.find("/last"), std::string::npos) << cut << got;
    EXPECT_TRUE(bye.conn().eof())
        << cut << ": closed without waiting for the idle timeout";
    EXPECT_TRUE(closed) << cut << ": with the server's close_notify";
  };
  auto broken_after = [&](size_t cut) {
    TlsClient bad(ts.port());
    ASSERT_TRUE(bad.Handshake());
    std::string good = bad.Encrypt(Get("/answered"));
    std::string broken = bad.Encrypt("junk");
    broken.back() ^= 1;
    ASSERT_TRUE(send(bad.conn(), good + broken, cut));
    ASSERT_TRUE(bad.conn().ReadUntilClose(milliseconds(8000))) << cut;
    ASSERT_TRUE(
        bad.engine().Feed(bad.conn().Take(bad.conn().buffer().size())).ok());
    bytes::ByteBuffer plain;
    size_t n = 0;
    ASSERT_TRUE(bad.engine().Read(plain, n).ok());
    EXPECT_NE(plain.view().find("/answered"), std::string::npos) << cut;
    const absl::Status alert = bad.engine().Read(plain, n);
    EXPECT_EQ(alert.code(), absl::StatusCode::kAborted) << cut << alert;
    EXPECT_NE(alert.message().find("bad record mac"), std::string::npos)
        << cut << alert;
  };
  for (size_t cut : {size_t{0}, std::string_view::npos}) {
    close_notify_after(cut);
    broken_after(cut);
  }
  // Every offset of the two records (77 and 83 bytes here).
  for (size_t cut = 1; cut < 90; ++cut) {
    close_notify_after(cut);
    broken_after(cut);
  }
}

// Bytes that decrypt to nothing (a record's head, one byte at a time) do
// not buy time: the wait they woke keeps its deadline.
TEST(TlsServerTest, ATrickledRecordDoesNotExtendTheWait) {
  ServerOptions o = TlsOptions();
  o.header_read_timeout = absl::Milliseconds(300);
  o.idle_timeout = absl::Milliseconds(300);
  TestServer ts(o, TlsInfo);
  TlsClient slow(ts.port());
  ASSERT_TRUE(slow.Handshake());
  const std::string rec = slow.Encrypt(Get("/never"));
  bool closed = false;
  for (size_t i = 0; i < rec.size() && i < 60 && !closed; ++i) {
    if (!slow.conn().Send(rec.substr(i, 1))) {
      closed = true;
      break;
    }
    closed = slow.conn().ReadSome(milliseconds(100)) == 0;
  }
  EXPECT_TRUE(closed) << "still open after 60 trickled bytes (6 s)";
  EXPECT_EQ(ts.server().stats().requests, 0u);
}

// Connection: close ends the TLS session with close_notify after the answer.
TEST(TlsServerTest, CloseSendsCloseNotifyAfterTheAnswer) {
  TestServer ts(TlsOptions(), TlsInfo);
  TlsClient c(ts.port());
  ASSERT_TRUE(c.Handshake());
  ASSERT_TRUE(c.conn().Send(c.Encrypt(Get("/bye", "Connection: close\r\n"))));
  bool closed = false;
  const std::string got = c.ReadAllPlain(&closed);
  EXPECT_NE(got.find("/bye"), std::string::npos) << got;
  EXPECT_TRUE(closed) << "close_notify came after the response";
}

// A hijacked TLS connection goes on under the same session, on TLS 1.3
// (brisk's record layer) and 1.2 (OpenSSL): the protocol's bytes, sent in
// the records of the upgrade request and after it, one byte per record
// too, come out in order; its end is a close_notify.
TEST(TlsServerTest, HijackedConnectionKeepsItsSession) {
  TestServer ts(TlsOptions(), DescribeOrHijack);
  for (int version : {0x0304, 0x0303}) {
    TlsClient c(ts.port(), "localhost",
                {.ca_pem = Pki().ca, .max_version = version});
    ASSERT_TRUE(c.Handshake()) << c.status();
    std::string wire = c.Encrypt("GET /up HTTP/1.1\r\nHost: a\r\n\r\nhel");
    for (char ch : std::string("lo QUIT")) {
      wire += c.Encrypt(std::string(1, ch));
    }
    ASSERT_TRUE(c.conn().Send(wire));
    bool closed = false;
    const std::string got = c.ReadAllPlain(&closed);
    EXPECT_EQ(got.substr(0, 32), "HTTP/1.1 101 Switching Protocols") << got;
    EXPECT_EQ(got.substr(got.find("\r\n\r\n") + 4), "hello QUIT<bye>");
    EXPECT_TRUE(closed) << "close_notify ends the hijacked stream";
  }
  EXPECT_EQ(ts.server().stats().hijacked, 2u);
  EXPECT_EQ(ts.server().stats().tls_failures, 0u);
}

TEST(TlsServerTest, SetTlsReloadsTheCertificateForNewConnections) {
  TestServer ts(TlsOptions(), TlsInfo);
  TlsClient before(ts.port());
  ASSERT_TRUE(before.Handshake()) << before.status();
  ASSERT_TRUE(ts.server().SetTls(TestServerTls(Pki().other_host)).ok());
  TlsClient after(ts.port());
  EXPECT_FALSE(after.Handshake());
  EXPECT_NE(after.status().message().find("hostname mismatch"),
            std::string::npos)
      << after.status();
  TlsClient other(ts.port(), "other.test");
  EXPECT_TRUE(other.Handshake()) << other.status();
  // The connection made before keeps its session.
  ASSERT_TRUE(before.conn().Send(before.Encrypt(Get("/still"))));
  EXPECT_NE(before.ReadPlainUntil("body=").find("/still"), std::string::npos);
  EXPECT_FALSE(ts.server().SetTls(nullptr).ok());
  ServerOptions clear;
  Server plain(clear, TlsInfo);
  EXPECT_EQ(plain.SetTls(TestServerTls()).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(TlsServerTest, ClientContextIsRefusedByValidate) {
  ServerOptions o;
  o.tls = *tls::Context::MakeClient({.ca_pem = Pki().ca});
  EXPECT_FALSE(Validate(o).ok());
}

}  // namespace
}  // namespace brisk::server
