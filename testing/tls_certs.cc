#include "testing/tls_certs.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <string>

namespace brisk::testing {
namespace {

[[noreturn]] void Die(const char* what) {
  char err[256];
  ERR_error_string_n(ERR_get_error(), err, sizeof(err));
  std::fprintf(stderr, "tls_certs: %s failed: %s\n", what, err);
  std::abort();
}

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

Key NewKey() {
  Key k(EVP_EC_gen("P-256"));
  if (!k) {
    Die("EVP_EC_gen");
  }
  return k;
}

std::string Pem(const Bio& bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string CertPem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    Die("PEM_write_bio_X509");
  }
  return Pem(bio);
}

std::string KeyPem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0,
                                       nullptr, nullptr) != 1) {
    Die("PEM_write_bio_PrivateKey");
  }
  return Pem(bio);
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr || X509_add_ext(cert, ext, -1) != 1) {
    Die("X509_add_ext");
  }
  X509_EXTENSION_free(ext);
}

struct Spec {
  const char* common_name;
  const char* alt_names = nullptr;  // subjectAltName, or none
  const char* usage = nullptr;      // extendedKeyUsage, or none (the CA)
  bool ca = false;
  // Validity: [not_before, not_after] as offsets from now, or, when
  // `fixed_year` is set, that whole year.
  int fixed_year = 0;
};

// A certificate for `key` per `spec`, signed by `issuer_key` as `issuer`
// (itself when null).
Cert Make(const Spec& spec, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
          long serial) {
  Cert cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) {
    Die("X509_new");
  }
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  if (spec.fixed_year != 0) {
    std::tm start = {};
    start.tm_year = spec.fixed_year - 1900;
    start.tm_mday = 1;
    std::tm end = start;
    end.tm_mon = 11;
    end.tm_mday = 31;
    ASN1_TIME_set(X509_getm_notBefore(cert.get()), timegm(&start));
    ASN1_TIME_set(X509_getm_notAfter(cert.get()), timegm(&end));
  } else {
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 3600);
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>(spec.common_name), -1, -1, 0);
  X509_NAME_add_entry_by_txt(
      name, "O", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("brisk tests"), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) != 1 ||
      X509_set_pubkey(cert.get(), key) != 1) {
    Die("X509_set_pubkey");
  }
  AddExtension(cert.get(), signer, NID_basic_constraints,
               spec.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  AddExtension(
      cert.get(), signer, NID_key_usage,
      spec.ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  AddExtension(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (issuer != nullptr) {
    AddExtension(cert.get(), signer, NID_authority_key_identifier,
                 "keyid:always");
  }
  if (spec.alt_names != nullptr) {
    AddExtension(cert.get(), signer, NID_subject_alt_name, spec.alt_names);
  }
  if (spec.usage != nullptr) {
    AddExtension(cert.get(), signer, NID_ext_key_usage, spec.usage);
  }
  if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key,
                EVP_sha256()) == 0) {
    Die("X509_sign");
  }
  return cert;
}

constexpr char kLocal[] = "DNS:localhost,IP:127.0.0.1,IP:::1";

PemPair Leaf(const Spec& spec, X509* ca, EVP_PKEY* ca_key, long serial) {
  Key key = NewKey();
  Cert cert = Make(spec, key.get(), ca, ca_key, serial);
  return PemPair{CertPem(cert.get()), KeyPem(key.get())};
}

}  // namespace

TestPki MakeTestPki() {
  TestPki pki;
  Key ca_key = NewKey();
  Cert ca = Make({.common_name = "brisk test CA", .ca = true}, ca_key.get(),
                 nullptr, nullptr, 1);
  pki.ca = CertPem(ca.get());
  pki.ca_key = KeyPem(ca_key.get());
  pki.server = Leaf(
      {.common_name = "localhost", .alt_names = kLocal, .usage = "serverAuth"},
      ca.get(), ca_key.get(), 2);
  pki.client = Leaf({.common_name = "brisk test client", .usage = "clientAuth"},
                    ca.get(), ca_key.get(), 3);
  pki.other_host = Leaf({.common_name = "other.test",
                         .alt_names = "DNS:other.test",
                         .usage = "serverAuth"},
                        ca.get(), ca_key.get(), 4);
  pki.expired = Leaf({.common_name = "localhost",
                      .alt_names = kLocal,
                      .usage = "serverAuth",
                      .fixed_year = 2000},
                     ca.get(), ca_key.get(), 5);
  pki.not_yet_valid = Leaf({.common_name = "localhost",
                            .alt_names = kLocal,
                            .usage = "serverAuth",
                            .fixed_year = 2100},
                           ca.get(), ca_key.get(), 7);
  // Signed by its own key: not by the CA.
  pki.self_signed = Leaf(
      {.common_name = "localhost", .alt_names = kLocal, .usage = "serverAuth"},
      nullptr, nullptr, 6);
  return pki;
}

const TestPki& SharedTestPki() {
  static const TestPki pki = MakeTestPki();
  return pki;
}

std::string WritePem(const std::string& dir, const std::string& name,
                     const std::string& pem) {
  const std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << pem;
  return path;
}

}  // namespace brisk::testing
