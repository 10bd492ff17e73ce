#include "tls/context.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"

#include "tls/engine.h"

namespace brisk::tls {
namespace {

// ALPN: what brisk speaks (length-prefixed, as on the wire).
constexpr unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

// TLS 1.2 suites: forward secrecy and AEAD only (Mozilla's "intermediate").
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// TLS 1.3 suites in a server's order of preference (OpenSSL's own order
// puts AES-256 first and follows the client's): AES-128-GCM first, as Go's
// servers do on CPUs with AES instructions — 128-bit security, 4 rounds
// fewer than AES-256, SHA-256 for the key schedule (in hardware on current
// CPUs) — and ChaCha20-Poly1305 first for a client that puts it first (a
// phone without AES instructions: SSL_OP_PRIORITIZE_CHACHA).
constexpr char kTls13Suites[] =
    "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:"
    "TLS_AES_256_GCM_SHA384";

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
  std::vector<X509*> certs;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store, cert);
    certs.push_back(cert);
    ++*added;
  }
  // OpenSSL fills a certificate's caches (its extensions, its names'
  // canonical form) and sorts the store at their first use, and handshakes
  // on two threads race on that (ThreadSanitizer sees it in load -t 2):
  // one verification of each CA here, before the context is shared, does
  // that first use.
  for (X509* cert : certs) {
    X509_check_purpose(cert, -1, 0);
    if (X509_STORE_CTX* v = X509_STORE_CTX_new()) {
      if (X509_STORE_CTX_init(v, store, cert, nullptr) == 1) {
        (void)X509_verify_cert(v);
      }
      X509_STORE_CTX_free(v);
    }
    X509_free(cert);
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
  SSL_CTX_set_mode(
      ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
  if (server) {
    // An idle TLS 1.2 connection (TLS 1.3 ones leave OpenSSL after the
    // handshake) keeps no record buffers. A client keeps its two (~34 KB
    // per pooled connection) rather than allocating them for every record.
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  }
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

// The ticket cipher, fetched once: EVP_aes_256_cbc() would be looked up
// by name again at every ticket.
const EVP_CIPHER* TicketCipher() {
  static const EVP_CIPHER* const cipher =
      EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr);
  return cipher;
}

// Ticket keys kept: the newest encrypts, all of them decrypt.
constexpr size_t kKeptTicketKeys = 3;

// Everything a server context has but its certificate: ALPN, the session
// id context, client certificates.
absl::Status ConfigureServer(SSL_CTX* ctx, const ServerConfig& config) {
  SSL_CTX_set_ciphersuites(ctx, kTls13Suites);
  SSL_CTX_set_options(
      ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_PRIORITIZE_CHACHA);
  SSL_CTX_set_alpn_select_cb(ctx, SelectAlpn, nullptr);
  // Sessions resume only into a context like the one that made them.
  static constexpr unsigned char kSessionContext[] = "brisk";
  SSL_CTX_set_session_id_context(ctx, kSessionContext,
                                 sizeof(kSessionContext) - 1);
  // Resumption is by tickets alone (stateless): no session kept in memory
  // per client, no cache to lock, search and flush on every handshake.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (!config.client_ca_pem.empty()) {
    int added = 0;
    if (absl::Status s = Trust(ctx, config.client_ca_pem, &added); !s.ok()) {
      return s;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       nullptr);
  }
  return absl::OkStatus();
}

bool SetTicketMac(EVP_MAC_CTX* hctx, const unsigned char* key) {
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
                                        const_cast<unsigned char*>(key), 32),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end()};
  return EVP_MAC_CTX_set_params(hctx, params) == 1;
}

}  // namespace

// OpenSSL's callbacks into a Context (its app data) and an Engine (the
// SSL's app data).
struct ContextCallbacks {
  // A server connection's TLS 1.3 traffic secrets, for its RecordLayer.
  static void KeyLog(const SSL* ssl, const char* line) {
    if (auto* e = static_cast<Engine*>(SSL_get_app_data(ssl))) {
      e->KeyLog(line);
    }
  }

  // The certificate for the client's SNI name.
  static int ServerName(SSL* ssl, int*, void* arg) {
    const Context& c = *static_cast<const Context*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (name == nullptr) {
      return SSL_TLSEXT_ERR_OK;
    }
    for (SSL_CTX* sni : c.sni_) {
      X509* leaf = SSL_CTX_get0_certificate(sni);
      if (leaf != nullptr &&
          X509_check_host(leaf, name, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
                          nullptr) == 1) {
        SSL_set_SSL_CTX(ssl, sni);
        break;
      }
    }
    return SSL_TLSEXT_ERR_OK;
  }

  // Encrypts a new ticket with the newest key (enc 1), or finds the key of
  // one the client offers: 2 to accept it and send a fresh one, 0 for a
  // full handshake. Always a fresh one: TLS 1.3 clients use a ticket once
  // (RFC 8446 §C.4), and without a new ticket after a resumption their
  // next connection is a full handshake (wrk's every other one was).
  static int TicketKey(SSL* ssl, unsigned char key_name[16], unsigned char* iv,
                       EVP_CIPHER_CTX* cctx, EVP_MAC_CTX* hctx, int enc) {
    const Context& c = *static_cast<const Context*>(
        SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(c.ticket_mu_);
    if (enc == 1) {
      if (c.ticket_keys_.empty() ||
          now - c.ticket_keys_.front().made >= c.ticket_key_rotation_) {
        c.AddTicketKeyLocked();
      }
      if (c.ticket_keys_.empty()) {
        return 0;  // no key (no randomness): no ticket
      }
      const Context::TicketKey& k = c.ticket_keys_.front();
      std::memcpy(key_name, k.name, sizeof(k.name));
      if (RAND_bytes(iv, 16) != 1 ||
          EVP_EncryptInit_ex(cctx, TicketCipher(), nullptr, k.aes, iv) != 1 ||
          !SetTicketMac(hctx, k.hmac)) {
        return -1;
      }
      return 1;
    }
    for (size_t i = 0; i < c.ticket_keys_.size(); ++i) {
      const Context::TicketKey& k = c.ticket_keys_[i];
      if (std::memcmp(key_name, k.name, sizeof(k.name)) != 0) {
        continue;
      }
      if (now - k.made >= kKeptTicketKeys * c.ticket_key_rotation_) {
        return 0;  // aged out
      }
      if (EVP_DecryptInit_ex(cctx, TicketCipher(), nullptr, k.aes, iv) != 1 ||
          !SetTicketMac(hctx, k.hmac)) {
        return -1;
      }
      return 2;
    }
    return 0;  // not one of ours (any more)
  }
};

absl::StatusOr<std::string> ReadPemFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("tls: cannot read ", path));
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

absl::StatusOr<std::shared_ptr<const Context>> Context::MakeServer(
    const ServerConfig& config) {
  if (config.ticket_key_rotation <= std::chrono::seconds(0)) {
    return absl::InvalidArgumentError(
        "tls: ticket_key_rotation must be positive");
  }
  SSL_CTX* ctx = NewCtx(/*server=*/true, TLS1_3_VERSION);
  if (ctx == nullptr) {
    return Error("SSL_CTX_new");
  }
  const bool mtls = !config.client_ca_pem.empty();
  std::shared_ptr<Context> c(new Context(ctx, true, mtls));
  c->ticket_key_rotation_ = config.ticket_key_rotation;
  if (absl::Status s =
          UseChainAndKey(ctx, config.cert_chain_pem, config.key_pem);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ConfigureServer(ctx, config); !s.ok()) {
    return s;
  }
  for (const CertificatePem& extra : config.sni_certificates) {
    SSL_CTX* sni = NewCtx(/*server=*/true, TLS1_3_VERSION);
    if (sni == nullptr) {
      return Error("SSL_CTX_new");
    }
    c->sni_.push_back(sni);  // freed with the Context
    SSL_CTX_set_keylog_callback(sni, ContextCallbacks::KeyLog);
    if (absl::Status s = UseChainAndKey(sni, extra.chain_pem, extra.key_pem);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = ConfigureServer(sni, config); !s.ok()) {
      return s;
    }
    SSL_CTX_set_app_data(sni, c.get());
  }
  if (!c->sni_.empty()) {
    SSL_CTX_set_tlsext_servername_callback(ctx, ContextCallbacks::ServerName);
    SSL_CTX_set_tlsext_servername_arg(ctx, c.get());
  }
  // The traffic secrets, for the engines' own record layer.
  SSL_CTX_set_keylog_callback(ctx, ContextCallbacks::KeyLog);
  // Tickets with our rotating keys, offered for as long as a key is kept.
  SSL_CTX_set_app_data(ctx, c.get());
  SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ContextCallbacks::TicketKey);
  SSL_CTX_set_timeout(
      ctx,
      static_cast<long>(kKeptTicketKeys * config.ticket_key_rotation.count()));
  return std::shared_ptr<const Context>(std::move(c));
}

void Context::AddTicketKeyLocked() const {
  TicketKey k;
  if (RAND_bytes(k.name, sizeof(k.name)) != 1 ||
      RAND_bytes(k.aes, sizeof(k.aes)) != 1 ||
      RAND_bytes(k.hmac, sizeof(k.hmac)) != 1) {
    return;  // no new key: the newest goes on
  }
  k.made = std::chrono::steady_clock::now();
  ticket_keys_.insert(ticket_keys_.begin(), k);
  if (ticket_keys_.size() > kKeptTicketKeys) {
    ticket_keys_.pop_back();
  }
}

void Context::RotateTicketKeys() const {
  if (!server_) {
    return;
  }
  std::lock_guard<std::mutex> lock(ticket_mu_);
  AddTicketKeyLocked();
}

absl::StatusOr<std::shared_ptr<const Context>> Context::MakeClient(
    const ClientConfig& config) {
  if (config.max_version != TLS1_3_VERSION &&
      config.max_version != TLS1_2_VERSION) {
    return absl::InvalidArgumentError(
        "tls: max_version must be TLS 1.3 (0x0304) or 1.2 (0x0303)");
  }
  SSL_CTX* ctx = NewCtx(/*server=*/false, config.max_version);
  if (ctx != nullptr) {
    // The traffic secrets, for the engines' own record layer.
    SSL_CTX_set_keylog_callback(ctx, ContextCallbacks::KeyLog);
  }
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
  for (SSL_CTX* sni : sni_) {
    SSL_CTX_free(sni);
  }
  if (ctx_ != nullptr) {
    SSL_CTX_free(ctx_);
  }
}

}  // namespace brisk::tls
