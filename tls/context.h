// File: tls/context.h
//
// Context: the configuration every TLS connection of one side shares (an
// OpenSSL SSL_CTX): for a server its certificate chain and key, for a client
// what it trusts; TLS 1.2 and 1.3 only, OpenSSL's default TLS 1.3 suites and
// a modern TLS 1.2 list, ALPN `http/1.1` (`h2` later).
//
// Made once, shared by many connections (tls::Engine), on any thread: a
// Context's configuration is fixed at Make and it is thread-safe (a
// server's session-ticket keys rotate under a mutex). Errors are
// InvalidArgument with OpenSSL's reason ("tls: server key: ...").
//
// A server offers session resumption with stateless tickets (RFC 8446
// §4.6.1, RFC 5077) encrypted with keys of its own: a new key every
// ticket_key_rotation, the two before it still accepted, a fresh ticket
// after every resumption (TLS 1.3 clients use each once), tickets valid
// for as long as a key is kept. The keys live in memory only: a new Context (a
// certificate reload) starts with fresh ones and old tickets fall back to
// full handshakes.
//
// Example:
//   absl::StatusOr<std::string> chain =
//   tls::ReadPemFile("/etc/brisk/cert.pem");
//   absl::StatusOr<std::shared_ptr<const tls::Context>> server =
//       tls::Context::MakeServer({.cert_chain_pem = *chain, .key_pem = key});
//   absl::StatusOr<std::shared_ptr<const tls::Context>> client =
//       tls::Context::MakeClient({.ca_pem = ca});  // or the system's store

#ifndef BRISK_TLS_CONTEXT_H_
#define BRISK_TLS_CONTEXT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace brisk::tls {

class Engine;

// A certificate chain (the leaf first, then its intermediates) and its
// private key (unencrypted), PEM.
struct CertificatePem {
  std::string chain_pem = "";
  std::string key_pem = "";
};

struct ServerConfig {
  // The leaf certificate first, then its intermediates (PEM).
  std::string cert_chain_pem = "";
  // Its private key (PEM, unencrypted).
  std::string key_pem = "";
  // More certificates, chosen by the name the client sends (SNI): the
  // first whose names (subjectAltName DNS entries, one-label wildcards
  // included) match it. A client that sends no name, or one nothing
  // matches, gets cert_chain_pem. fasthttp: AppendCert.
  std::vector<CertificatePem> sni_certificates = {};
  // How often the session-ticket key changes (see the file comment).
  // nginx: keys set by hand; Go: every 24 h, kept 7 days.
  std::chrono::seconds ticket_key_rotation = std::chrono::hours(1);
  // When set, clients must present a certificate signed by one of these
  // (PEM) — mutual TLS. Empty: no client certificate is asked for.
  std::string client_ca_pem = "";
};

struct ClientConfig {
  // CAs to trust (PEM). Empty: the system's trust store
  // (/etc/ssl/certs, as curl and Go use on Debian).
  std::string ca_pem = "";
  // A client certificate chain and key (PEM) for servers that ask for one.
  std::string cert_chain_pem = "";
  std::string key_pem = "";
  // Skips certificate and hostname verification. Named for what it does:
  // only for tests and for hosts the caller has decided not to check
  // (curl's -k).
  bool insecure_skip_verify = false;
  // Highest TLS version offered: 0x0304 (1.3, the default) or 0x0303
  // (1.2). The lowest is always 1.2.
  int max_version = 0x0304;
};

// The contents of a PEM file (a certificate chain, a key, CAs) for the
// configs above, which take PEM text: NotFound naming the path when it
// cannot be read.
[[nodiscard]] absl::StatusOr<std::string> ReadPemFile(const std::string& path);

class Context {
 public:
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<const Context>>
  MakeServer(const ServerConfig& config);
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<const Context>>
  MakeClient(const ClientConfig& config);

  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  bool is_server() const { return server_; }
  bool verifies_peer() const { return verify_; }

  // Server: a new session-ticket key from now on (the previous ones still
  // accepted until they age out), as the rotation period does by itself.
  void RotateTicketKeys() const;

 private:
  friend class Engine;
  friend struct ContextCallbacks;

  struct TicketKey {
    unsigned char name[16];
    unsigned char aes[32];
    unsigned char hmac[32];
    std::chrono::steady_clock::time_point made;
  };

  Context(SSL_CTX* ctx, bool server, bool verify)
      : ctx_(ctx), server_(server), verify_(verify) {}
  // Under ticket_mu_: a new key first, at most kKeptTicketKeys kept.
  void AddTicketKeyLocked() const;

  SSL_CTX* ctx_;
  bool server_;
  bool verify_;
  // Server: one SSL_CTX per sni_certificates entry (owned), switched to by
  // the server-name callback.
  std::vector<SSL_CTX*> sni_;
  std::chrono::seconds ticket_key_rotation_{0};
  mutable std::mutex ticket_mu_;
  mutable std::vector<TicketKey> ticket_keys_;  // newest first
};

}  // namespace brisk::tls

#endif  // BRISK_TLS_CONTEXT_H_
