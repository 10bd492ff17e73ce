// The test PKI is what a TLS stack expects: OpenSSL's own verification
// accepts exactly the certificates it should, and Python's ssl module (a
// real peer) completes a verified handshake with the server certificate and
// refuses the others for the right reasons.

#include "testing/tls_certs.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <string>

#include "gtest/gtest.h"

#include "testing/subprocess.h"

namespace brisk::testing {
namespace {

X509* ParseCert(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return cert;
}

EVP_PKEY* ParseKey(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return key;
}

// OpenSSL's verdict on `leaf` against a store holding only the CA, with
// `purpose` (X509_PURPOSE_SSL_SERVER or _CLIENT): X509_V_OK or the error.
int Verify(const TestPki& pki, const std::string& leaf, int purpose) {
  X509* ca = ParseCert(pki.ca);
  X509* cert = ParseCert(leaf);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, cert, nullptr);
  X509_STORE_CTX_set_purpose(ctx, purpose);
  const int ok = X509_verify_cert(ctx);
  const int err = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  X509_free(cert);
  X509_free(ca);
  return err;
}

TEST(TlsCertsTest, OpenSslVerifiesWhatItShould) {
  const TestPki pki = MakeTestPki();
  EXPECT_EQ(Verify(pki, pki.server.cert, X509_PURPOSE_SSL_SERVER), X509_V_OK);
  EXPECT_EQ(Verify(pki, pki.client.cert, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  EXPECT_EQ(Verify(pki, pki.other_host.cert, X509_PURPOSE_SSL_SERVER),
            X509_V_OK);  // a valid chain: only the hostname is wrong
  EXPECT_EQ(Verify(pki, pki.client.cert, X509_PURPOSE_SSL_SERVER),
            X509_V_ERR_INVALID_PURPOSE);
  EXPECT_EQ(Verify(pki, pki.expired.cert, X509_PURPOSE_SSL_SERVER),
            X509_V_ERR_CERT_HAS_EXPIRED);
  EXPECT_EQ(Verify(pki, pki.self_signed.cert, X509_PURPOSE_SSL_SERVER),
            X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
}

TEST(TlsCertsTest, NamesKeysAndFreshness) {
  const TestPki pki = MakeTestPki();
  X509* server = ParseCert(pki.server.cert);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(X509_check_host(server, "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(server, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(server, "::1", 0), 1);
  EXPECT_NE(X509_check_host(server, "example.com", 0, 0, nullptr), 1);
  EVP_PKEY* key = ParseKey(pki.server.key);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(X509_check_private_key(server, key), 1);
  EVP_PKEY_free(key);
  X509_free(server);
  X509* other = ParseCert(pki.other_host.cert);
  EXPECT_NE(X509_check_host(other, "localhost", 0, 0, nullptr), 1);
  X509_free(other);
  // Every call makes new keys.
  EXPECT_NE(MakeTestPki().server.key, pki.server.key);
}

// Python's ssl: a server presenting `pair`, a client trusting only the CA
// and checking `host`. Prints "ok TLSv1.3" or "verify-failed <reason>".
constexpr char kPeer[] = R"py(
import socket, ssl, sys, threading
ca, cert, key, host = sys.argv[1:5]
server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server.load_cert_chain(cert, key)
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(1)
def serve():
    conn, _ = listener.accept()
    try:
        with server.wrap_socket(conn, server_side=True) as s:
            s.recv(1)
    except (ssl.SSLError, OSError):
        pass
serving = threading.Thread(target=serve, daemon=True)
serving.start()
client = ssl.create_default_context(cafile=ca)
try:
    with socket.create_connection(listener.getsockname(), timeout=10) as raw:
        with client.wrap_socket(raw, server_hostname=host) as s:
            s.sendall(b"x")
            print("ok", s.version())
except ssl.SSLCertVerificationError as e:
    print("verify-failed", e.verify_message)
# The server's thread ends before the interpreter does: a daemon thread
# still inside OpenSSL at exit made Python crash now and then (CI saw a
# "Segmentation fault" after a correct answer).
serving.join(10)
)py";

std::string Handshake(const TestPki& pki, const PemPair& pair,
                      const std::string& host) {
  const std::string dir = ::testing::TempDir();
  const std::string script = WritePem(dir, "peer.py", kPeer);
  const std::string ca = WritePem(dir, "ca.pem", pki.ca);
  const std::string cert = WritePem(dir, "cert.pem", pair.cert);
  const std::string key = WritePem(dir, "key.pem", pair.key);
  const std::string cmd =
      "python3 " + script + " " + ca + " " + cert + " " + key + " " + host;
  return RunCommand(cmd).out;
}

TEST(TlsCertsTest, PythonSslAgrees) {
  const TestPki pki = MakeTestPki();
  EXPECT_EQ(Handshake(pki, pki.server, "localhost"), "ok TLSv1.3\n");
  EXPECT_EQ(Handshake(pki, pki.server, "127.0.0.1"), "ok TLSv1.3\n");
  EXPECT_EQ(Handshake(pki, pki.other_host, "localhost")
                .rfind("verify-failed Hostname mismatch", 0),
            0u);
  EXPECT_EQ(Handshake(pki, pki.expired, "localhost"),
            "verify-failed certificate has expired\n");
  EXPECT_EQ(Handshake(pki, pki.self_signed, "localhost"),
            "verify-failed self-signed certificate\n");
}

}  // namespace
}  // namespace brisk::testing
