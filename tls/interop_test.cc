// The engine against real TLS peers over real sockets on 127.0.0.1: curl
// (OpenSSL underneath, its own verification) fetching from a server Engine,
// and a client Engine fetching from Python's ssl server. The socket pumping
// here is the test's own blocking loop; brisk's loops will do it for real.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>

#include "gtest/gtest.h"

#include "bytes/byte_buffer.h"
#include "testing/raw_conn.h"
#include "testing/subprocess.h"
#include "testing/tls_certs.h"
#include "tls/context.h"
#include "tls/engine.h"

namespace brisk::tls {
namespace {

const testing::TestPki& Pki() {
  return testing::SharedTestPki();
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Sends the engine's output, then waits (bounded) for bytes and feeds them.
// false on EOF, error or timeout.
bool Step(int fd, Engine& e) {
  bytes::ByteBuffer out;
  e.TakeOutput(out);
  if (!out.empty() && !SendAll(fd, out.view())) {
    return false;
  }
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 5000) != 1) {
    return false;
  }
  char buf[16384];
  ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
  if (n <= 0) {
    return false;
  }
  return e.Feed(std::string_view(buf, static_cast<size_t>(n))).ok();
}

// A listening socket on 127.0.0.1, its port.
int Listen(uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  ::listen(fd, 4);
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

TEST(InteropTest, CurlFetchesFromAServerEngine) {
  auto ctx = Context::MakeServer(
      {.cert_chain_pem = Pki().server.cert, .key_pem = Pki().server.key});
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  uint16_t port = 0;
  const int listener = Listen(port);
  std::string seen_request, alpn, sni;
  std::thread server([&] {
    pollfd p{listener, POLLIN, 0};
    if (::poll(&p, 1, 10000) != 1) {
      return;
    }
    const int fd = ::accept(listener, nullptr, nullptr);
    Engine e(*ctx);
    bytes::ByteBuffer plain;
    while (seen_request.find("\r\n\r\n") == std::string::npos && Step(fd, e)) {
      size_t n = 0;
      if (!e.Read(plain, n).ok()) {
        break;
      }
      seen_request = std::string(plain.view());
    }
    alpn = e.info().alpn;
    sni = e.info().server_name;
    if (e.Write("HTTP/1.1 200 OK\r\nContent-Length: 13\r\nConnection: "
                "close\r\n\r\nhello, curl!\n")
            .ok()) {
      e.Close();
      bytes::ByteBuffer out;
      e.TakeOutput(out);
      SendAll(fd, out.view());
    }
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
  });
  const std::string ca =
      testing::WritePem(::testing::TempDir(), "interop_ca.pem", Pki().ca);
  const std::string cmd =
      "curl -sS --max-time 10 --cacert " + ca +
      " --resolve localhost:" + std::to_string(port) +
      ":127.0.0.1 https://localhost:" + std::to_string(port) + "/hi";
  const std::string out = testing::RunCommand(cmd).out;
  server.join();
  ::close(listener);
  EXPECT_EQ(out, "hello, curl!\n");
  EXPECT_EQ(seen_request.rfind("GET /hi HTTP/1.1\r\n", 0), 0u) << seen_request;
  EXPECT_EQ(alpn, "http/1.1");
  EXPECT_EQ(sni, "localhost");
}

// Python's ssl as the server: answers one line over TLS.
constexpr char kPythonServer[] = R"py(
import socket, ssl, sys
cert, key = sys.argv[1:3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.set_alpn_protocols(["http/1.1"])
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(1)
print(listener.getsockname()[1], flush=True)
listener.settimeout(10)
conn, _ = listener.accept()
with ctx.wrap_socket(conn, server_side=True) as s:
    data = s.recv(4096)
    s.sendall(b"python says: " + data)
)py";

TEST(InteropTest, ClientEngineTalksToPythonSsl) {
  const std::string dir = ::testing::TempDir();
  const std::string script =
      testing::WritePem(dir, "py_server.py", kPythonServer);
  const std::string cert =
      testing::WritePem(dir, "py_cert.pem", Pki().server.cert);
  const std::string key =
      testing::WritePem(dir, "py_key.pem", Pki().server.key);
  FILE* p = popen(("python3 " + script + " " + cert + " " + key).c_str(), "r");
  ASSERT_NE(p, nullptr);
  char line[64] = {};
  ASSERT_NE(fgets(line, sizeof(line), p), nullptr);
  const int port = std::atoi(line);
  ASSERT_GT(port, 0);
  brisk::testing::RawConn conn;
  ASSERT_TRUE(conn.Connect(static_cast<uint16_t>(port)));
  auto ctx = Context::MakeClient({.ca_pem = Pki().ca});
  ASSERT_TRUE(ctx.ok());
  Engine e(*ctx, "localhost");
  ASSERT_TRUE(e.Start().ok());
  while (!e.handshake_done() && Step(conn.fd(), e)) {
  }
  ASSERT_TRUE(e.handshake_done());
  EXPECT_EQ(e.info().version, "TLSv1.3");
  EXPECT_EQ(e.info().alpn, "http/1.1");
  ASSERT_TRUE(e.Write("ping").ok());
  bytes::ByteBuffer plain;
  while (plain.view().find("ping") == std::string_view::npos &&
         Step(conn.fd(), e)) {
    size_t n = 0;
    ASSERT_TRUE(e.Read(plain, n).ok());
  }
  EXPECT_EQ(plain.view(), "python says: ping");
  pclose(p);
}

}  // namespace
}  // namespace brisk::tls
