// File: tls/context.h
//
// Context: the configuration every TLS connection of one side shares (an
// OpenSSL SSL_CTX): for a server its certificate chain and key, for a client
// what it trusts; TLS 1.2 and 1.3 only, OpenSSL's default TLS 1.3 suites and
// a modern TLS 1.2 list, ALPN `http/1.1` (`h2` later).
//
// Made once, shared by many connections (tls::Engine), on any thread: a
// Context is immutable after Make and thread-safe. Errors are
// InvalidArgument with OpenSSL's reason ("tls: server key: ...").
//
// Example:
//   absl::StatusOr<std::shared_ptr<const tls::Context>> server =
//       tls::Context::MakeServer({.cert_chain_pem = chain, .key_pem = key});
//   absl::StatusOr<std::shared_ptr<const tls::Context>> client =
//       tls::Context::MakeClient({.ca_pem = ca});  // or the system's store

#ifndef BRISK_TLS_CONTEXT_H_
#define BRISK_TLS_CONTEXT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace brisk::tls {

class Engine;

struct ServerConfig {
  // The leaf certificate first, then its intermediates (PEM).
  std::string cert_chain_pem = "";
  // Its private key (PEM, unencrypted).
  std::string key_pem = "";
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

class Context {
 public:
  static absl::StatusOr<std::shared_ptr<const Context>> MakeServer(
      const ServerConfig& config);
  static absl::StatusOr<std::shared_ptr<const Context>> MakeClient(
      const ClientConfig& config);

  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  bool is_server() const { return server_; }
  bool verifies_peer() const { return verify_; }

 private:
  friend class Engine;

  Context(SSL_CTX* ctx, bool server, bool verify)
      : ctx_(ctx), server_(server), verify_(verify) {}

  SSL_CTX* ctx_;
  bool server_;
  bool verify_;
};

}  // namespace brisk::tls

#endif  // BRISK_TLS_CONTEXT_H_
