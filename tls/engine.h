// File: tls/engine.h
//
// Engine: one TLS connection as a pure function of the bytes given to it —
// no socket, no thread, no timer. The caller moves bytes: what arrives from
// the peer goes in with Feed(), what must be sent comes out of
// TakeOutput(); plaintext comes out of Read() and goes in through Write().
// OpenSSL does the protocol over two memory BIOs (OpenSSL's own buffers
// hold what is in flight), so the same Engine serves the server and the
// clients, under any event loop, and an idle connection costs only the
// SSL object: the caller's own buffers are free between records.
//
// The byte order of Feed() calls never changes the outcome (a record split
// anywhere decodes the same), which the tests check one byte at a time.
//
// Errors (absl::Status, the connection is over after one):
//   Unauthenticated  — the peer's certificate failed verification; the
//                      message has OpenSSL's reason ("certificate has
//                      expired", "hostname mismatch", ...)
//   Aborted          — the peer sent a TLS alert (its description)
//   InvalidArgument  — the bytes are not TLS (plain HTTP sent to a TLS port)
//                      or break the protocol
//   FailedPrecondition — a call out of order
//
// Not thread-safe: one connection, one thread at a time.

#ifndef BRISK_TLS_ENGINE_H_
#define BRISK_TLS_ENGINE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"

#include "bytes/byte_buffer.h"
#include "tls/context.h"

typedef struct ssl_st SSL;
typedef struct bio_st BIO;

namespace brisk::tls {

// What the handshake settled (valid once handshake_done()).
struct ConnectionInfo {
  std::string version;       // "TLSv1.3"
  std::string cipher;        // "TLS_AES_128_GCM_SHA256"
  std::string alpn;          // "http/1.1", or "" when none was agreed
  std::string server_name;   // SNI the client sent ("" for none)
  std::string peer_subject;  // the peer certificate's subject, or ""
  bool resumed = false;      // a resumed session
};

class Engine {
 public:
  // `host` (a client's only): sent as SNI when it is a name, and checked
  // against the server's certificate (name or IP) unless the context is
  // insecure.
  Engine(std::shared_ptr<const Context> context, std::string_view host = "");
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Bytes received from the peer. Drives the handshake; afterwards
  // decrypted data waits for Read(). Returns the first error.
  [[nodiscard]] absl::Status Feed(std::string_view ciphertext);
  // Starts the handshake (a client's first flight goes to the output).
  [[nodiscard]] absl::Status Start();
  bool handshake_done() const { return done_; }

  // Appends decrypted bytes to `plain`; returns how many (0: none yet).
  // After the peer's close_notify, peer_closed() is true.
  [[nodiscard]] absl::Status Read(bytes::ByteBuffer& plain, size_t& n);
  bool peer_closed() const { return peer_closed_; }

  // Encrypts `plain` into the output (after the handshake).
  [[nodiscard]] absl::Status Write(std::string_view plain);
  // Queues close_notify.
  void Close();

  // Moves what must be sent to the peer to the end of `out`.
  void TakeOutput(bytes::ByteBuffer& out);
  bool has_output() const;

  const ConnectionInfo& info() const { return info_; }

 private:
  absl::Status Drive();
  absl::Status ErrorStatus(int ssl_error);
  void FillInfo();

  std::shared_ptr<const Context> context_;
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;   // peer -> us (owned by ssl_)
  BIO* out_ = nullptr;  // us -> peer (owned by ssl_)
  ConnectionInfo info_;
  bool started_ = false;
  bool done_ = false;
  bool peer_closed_ = false;
  absl::Status failed_;
};

}  // namespace brisk::tls

#endif  // BRISK_TLS_ENGINE_H_
