#include "tls/context.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"

namespace brisk::tls {
namespace {

// ALPN: what brisk speaks (length-prefixed, as on the wire).
constexpr unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

// TLS 1.2 suites: forward secrecy and AEAD only (Mozilla's "intermediate").
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

absl::Status Error(std::string_view what) {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  char reason[256] = "unknown error";
  if (e != 0) {
    ERR_error_string_n(e, reason, sizeof(reason));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("tls: ", std::string(what), ": ", reason));
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

std::unique_ptr<BIO, BioFree> MemBio(const std::string& pem) {
  return std::unique_ptr<BIO, BioFree>(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Certificate chain and key from PEM into `ctx`.
absl::Status UseChainAndKey(SSL_CTX* ctx, const std::string& chain,
                            const std::string& key_pem) {
  auto bio = MemBio(chain);
  X509* leaf = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (leaf == nullptr) {
    return Error("certificate chain");
  }
  const int ok = SSL_CTX_use_certificate(ctx, leaf);
  X509_free(leaf);
  if (ok != 1) {
    return Error("certificate");
  }
  while (X509* extra =
             PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {  // takes ownership
      X509_free(extra);
      return Error("intermediate certificate");
    }
  }
  ERR_clear_error();  // the end of the chain reads as an error
  auto kbio = MemBio(key_pem);
  EVP_PKEY* key =
      PEM_read_bio_PrivateKey(kbio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) {
    return Error("private key");
  }
  const int kok = SSL_CTX_use_PrivateKey(ctx, key);
  EVP_PKEY_free(key);
  if (kok != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return Error("private key does not match the certificate");
  }
  return absl::OkStatus();
}

// Every certificate of `pem` into the context's trust store.
absl::Status Trust(SSL_CTX* ctx, const std::string& pem, int* added) {
  auto bio = MemBio(pem);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  *added = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store, cert);
    X509_free(cert);
    ++*added;
  }
  ERR_clear_error();
  if (*added == 0) {
    return absl::InvalidArgumentError("tls: no certificate in the CA PEM");
  }
  return absl::OkStatus();
}

SSL_CTX* NewCtx(bool server, int max_version) {
  SSL_CTX* ctx =
      SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (ctx == nullptr) {
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, max_version);
  SSL_CTX_set_cipher_list(ctx, kTls12Ciphers);
  // Records may be written from a buffer that moved (ByteBuffer grows).
  SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  return ctx;
}

int SelectAlpn(SSL*, const unsigned char** out, unsigned char* outlen,
               const unsigned char* in, unsigned int inlen, void*) {
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kAlpn, sizeof(kAlpn), in,
                            inlen) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;  // no common protocol: go on without ALPN
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Context>> Context::MakeServer(
    const ServerConfig& config) {
  SSL_CTX* ctx = NewCtx(/*server=*/true, TLS1_3_VERSION);
  if (ctx == nullptr) {
    return Error("SSL_CTX_new");
  }
  const bool mtls = !config.client_ca_pem.empty();
  std::shared_ptr<const Context> c(new Context(ctx, true, mtls));
  if (absl::Status s =
          UseChainAndKey(ctx, config.cert_chain_pem, config.key_pem);
      !s.ok()) {
    return s;
  }
  SSL_CTX_set_alpn_select_cb(ctx, SelectAlpn, nullptr);
  // Sessions resume only into a context like the one that made them.
  static constexpr unsigned char kSessionContext[] = "brisk";
  SSL_CTX_set_session_id_context(ctx, kSessionContext,
                                 sizeof(kSessionContext) - 1);
  if (mtls) {
    int added = 0;
    if (absl::Status s = Trust(ctx, config.client_ca_pem, &added); !s.ok()) {
      return s;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       nullptr);
  }
  return c;
}

absl::StatusOr<std::shared_ptr<const Context>> Context::MakeClient(
    const ClientConfig& config) {
  if (config.max_version != TLS1_3_VERSION &&
      config.max_version != TLS1_2_VERSION) {
    return absl::InvalidArgumentError(
        "tls: max_version must be TLS 1.3 (0x0304) or 1.2 (0x0303)");
  }
  SSL_CTX* ctx = NewCtx(/*server=*/false, config.max_version);
  if (ctx == nullptr) {
    return Error("SSL_CTX_new");
  }
  const bool verify = !config.insecure_skip_verify;
  std::shared_ptr<const Context> c(new Context(ctx, false, verify));
  if (verify) {
    if (config.ca_pem.empty()) {
      if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        return Error("the system's trust store");
      }
    } else {
      int added = 0;
      if (absl::Status s = Trust(ctx, config.ca_pem, &added); !s.ok()) {
        return s;
      }
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  if (!config.cert_chain_pem.empty()) {
    if (absl::Status s =
            UseChainAndKey(ctx, config.cert_chain_pem, config.key_pem);
        !s.ok()) {
      return s;
    }
  }
  if (SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof(kAlpn)) != 0) {
    return Error("ALPN");
  }
  return c;
}

Context::~Context() {
  if (ctx_ != nullptr) {
    SSL_CTX_free(ctx_);
  }
}

}  // namespace brisk::tls
