// File: testing/tls_certs.h
//
// A throwaway public-key infrastructure for TLS tests, made at test time
// through OpenSSL's API (no checked-in keys, nothing to expire in the
// repository): a CA, and certificates it signed for the cases a TLS test
// needs — the right host, a client (mTLS), the wrong host, an expired one —
// plus one it did not sign.
//
// Keys are EC P-256, signatures SHA-256, everything PEM. Making a TestPki
// takes a few milliseconds. Test-only: an OpenSSL failure aborts with a
// message.
//
// Example:
//   brisk::testing::TestPki pki = brisk::testing::MakeTestPki();
//   std::string ca = WritePem(::testing::TempDir(), "ca.pem", pki.ca);
//   // a server presents pki.server.cert / pki.server.key; clients trust ca.

#ifndef BRISK_TESTING_TLS_CERTS_H_
#define BRISK_TESTING_TLS_CERTS_H_

#include <string>

namespace brisk::testing {

// A certificate and its private key (unencrypted PKCS#8), PEM.
struct PemPair {
  std::string cert;
  std::string key;
};

struct TestPki {
  std::string ca;         // the CA's certificate: what clients trust
  std::string ca_key;     // its key, to sign more in a test
  PemPair server;         // DNS:localhost, IP:127.0.0.1, IP:::1; serverAuth
  PemPair client;         // CN "brisk test client"; clientAuth (mTLS)
  PemPair other_host;     // DNS:other.test only: fails a hostname check
  PemPair expired;        // DNS:localhost, valid only in 2000
  PemPair not_yet_valid;  // DNS:localhost, valid only in 2100
  PemPair self_signed;    // DNS:localhost, signed by itself, not by the CA
};

TestPki MakeTestPki();
// One TestPki for the whole test binary (made at the first call).
const TestPki& SharedTestPki();

// Writes `pem` to `dir`/`name` and returns the path.
std::string WritePem(const std::string& dir, const std::string& name,
                     const std::string& pem);

}  // namespace brisk::testing

#endif  // BRISK_TESTING_TLS_CERTS_H_
