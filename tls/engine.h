// File: tls/engine.h
//
// Engine: one TLS connection as a pure function of the bytes given to it —
// no socket, no thread, no timer. The caller moves bytes: what arrives from
// the peer goes in with Feed() (or PrepareFeed/CommitFeed, read straight
// into the engine), what must be sent comes out into the output buffer
// (set_output, or the engine's own, emptied by TakeOutput); plaintext comes
// out of Read() and goes in through Write(). OpenSSL does the protocol over
// a BIO of brisk's that reads the fed bytes and appends to the output: no
// buffer of OpenSSL's own sits between them, so the same Engine serves the
// server and the clients, under any event loop, and an idle connection
// keeps only the SSL object (Trim() frees the rest; OpenSSL releases its
// record buffers between records).
//
// The byte order of Feed() calls never changes the outcome (a record split
// anywhere decodes the same), which the tests check one byte at a time.
// After Read() returned, no plaintext waits inside the engine: a caller may
// park the connection on a readability wait.
//
// Errors (absl::Status, the connection is over after one):
//   Unauthenticated  — the peer's certificate failed verification; the
//                      message has OpenSSL's reason ("certificate has
//                      expired", "hostname mismatch", ...)
//   Aborted          — the peer sent a TLS alert (its description)
//   InvalidArgument  — the bytes are not TLS (plain HTTP sent to a TLS port)
//                      or break the protocol
//   Unavailable      — the connection ended without close_notify where
//                      OpenSSL needed more (mid-handshake)
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
#include "tls/record_layer.h"

typedef struct ssl_st SSL;
typedef struct ssl_session_st SSL_SESSION;
typedef struct bio_st BIO;
typedef struct bio_method_st BIO_METHOD;

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

// A client's TLS session, kept to resume the next connection to the same
// server (an abbreviated handshake: no certificate, one round trip less in
// TLS 1.2). Immutable; shared between threads.
class Session {
 public:
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

 private:
  friend class Engine;
  explicit Session(SSL_SESSION* s) : session_(s) {}
  SSL_SESSION* session_;
};

// Ciphertext to read from a socket at a time: a whole record (16 KiB of
// plaintext, its header, padding and tag), for PrepareFeed().
inline constexpr size_t kRecordRead = 16 * 1024 + 512;

// Counts the whole records in a byte stream given in pieces (to know
// sequence numbers when a connection leaves OpenSSL).
struct RecordCount {
  void Add(std::string_view bytes);
  bool at_boundary() const { return header_len == 0 && skip == 0; }
  uint64_t records = 0;
  size_t skip = 0;  // body bytes of the current record still to come
  unsigned char header[5];
  size_t header_len = 0;
};

class Engine {
 public:
  // `host` (a client's only; "[::1]" brackets allowed): sent as SNI when
  // it is a name, and checked against the server's certificate unless the
  // context is insecure — against its IP SANs when it is an IP address in
  // its strict form, as a name otherwise (so "127.1" fails instead of
  // going unchecked).
  Engine(std::shared_ptr<const Context> context, std::string_view host = "");
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Bytes received from the peer. Drives the handshake; afterwards
  // decrypted data waits for Read(). Returns the first error.
  [[nodiscard]] absl::Status Feed(std::string_view ciphertext);
  // The same without a copy: room for `n` bytes to read into, then how many
  // were read.
  char* PrepareFeed(size_t n);
  [[nodiscard]] absl::Status CommitFeed(size_t n);
  // Starts the handshake (a client's first flight goes to the output).
  [[nodiscard]] absl::Status Start();
  bool handshake_done() const { return done_; }

  // Appends decrypted bytes to `plain`; returns how many (0: none yet).
  // After the peer's close_notify, peer_closed() is true. Data decrypted
  // before a bad record is returned first (OK), the error by the next
  // call, so the outcome does not depend on how the records were split.
  // More than 256 KiB of records without data (tickets, key updates)
  // fails the connection.
  [[nodiscard]] absl::Status Read(bytes::ByteBuffer& plain, size_t& n);
  bool peer_closed() const { return peer_closed_; }
  // Nothing more will come out of Read(): the peer closed, or an error
  // waits to be returned by the next Read() (after the data before it).
  bool input_ended() const {
    return peer_closed_ || !read_error_.ok() || !failed_.ok();
  }
  // The first error (OK while there is none): a connection with an error,
  // or whose peer closed, is not used again.
  const absl::Status& status() const { return failed_; }

  // Encrypts `plain` into the output (after the handshake).
  [[nodiscard]] absl::Status Write(std::string_view plain);
  // Queues close_notify.
  void Close();
  // TLS 1.3: new traffic keys from now on, the peer asked to do the same
  // (a KeyUpdate message into the output). FailedPrecondition before the
  // handshake or under TLS 1.2.
  [[nodiscard]] absl::Status UpdateKeys();

  // Where the bytes for the peer go from now on: appended to `*out` (not
  // owned; it must outlive its use), or, with nullptr, to the engine's own
  // buffer, from which TakeOutput() moves them.
  void set_output(bytes::ByteBuffer* out) { out_ = out ? out : &own_out_; }
  // Where fed bytes go from now on (PrepareFeed, Feed): `*in` (not owned;
  // left empty when the engine moves on, it must outlive its use), or, with
  // nullptr, the engine's own buffer. Bytes not consumed yet (the head of a
  // record) move along, so a caller can lend a buffer while it serves the
  // connection and take it back before the connection idles.
  void set_input(bytes::ByteBuffer* in);
  // Moves what must be sent to the peer (in the engine's own buffer) to the
  // end of `out`.
  void TakeOutput(bytes::ByteBuffer& out);
  bool has_output() const { return !own_out_.empty(); }

  // Frees the engine's own empty buffers, for a connection about to idle.
  void Trim();
  // Fed bytes not consumed yet: after Read() returned, at most the head of
  // a record whose rest has not arrived (or anything, once failed).
  size_t buffered_input() const { return in_->size() - in_pos_; }

  const ConnectionInfo& info() const { return info_; }
  // True once a TLS 1.3 connection runs on brisk's RecordLayer and its SSL
  // object is freed: a server's right after its handshake, a client's once
  // the server's ticket gave it a session to resume (a server that sends
  // none keeps it on OpenSSL). TLS 1.2 connections stay on OpenSSL.
  bool record_layer() const { return records_ != nullptr; }

  // Client: offers `session` (from session() of an earlier connection to
  // the same host, with the same context) for resumption; call before
  // Start(). The server may decline: the handshake is then a full one.
  void set_session(std::shared_ptr<const Session> session);
  // Client: this connection's session if it can be resumed (after the
  // handshake; in TLS 1.3 once the server's ticket arrived, usually with
  // the first response), else nullptr.
  std::shared_ptr<const Session> session() const;

 private:
  friend struct EngineBio;
  friend struct ContextCallbacks;

  absl::Status Drive();
  // A server's TLS 1.3 connection after its handshake: the records from
  // here on are brisk's (RecordLayer) and the SSL object is freed.
  // `tickets` is the output the last handshake step wrote (the session
  // tickets, already under the application key). Keeps OpenSSL when
  // anything is in doubt.
  void LeaveOpenSsl(std::string_view tickets);
  // A client's TLS 1.3 connection, once it holds a resumable session.
  void LeaveOpenSslClient();
  // The RecordLayer takes over at these sequence numbers (false, and
  // nothing changed, when in doubt).
  bool UseRecordLayer(uint64_t read_seq, uint64_t write_seq);
  // TLS 1.3 traffic secrets as OpenSSL derives them (its key-log line).
  void KeyLog(std::string_view line);
  absl::Status ReadRecords(bytes::ByteBuffer& plain, size_t& n);
  absl::Status ErrorStatus(int ssl_error);
  void FillInfo();

  std::shared_ptr<const Context> context_;
  SSL* ssl_ = nullptr;  // nullptr once records_ took over
  BIO* bio_ = nullptr;  // both directions (owned by ssl_)
  std::unique_ptr<RecordLayer> records_;
  // A server's application traffic secrets until records_ takes them.
  unsigned char client_secret_[48];
  unsigned char server_secret_[48];
  uint8_t client_secret_len_ = 0;
  uint8_t server_secret_len_ = 0;
  bool closed_ = false;  // close_notify sent
  // A client: records after the handshake each way, while it may still
  // leave OpenSSL (not once it stays there: a key update seen, after which
  // the handshake's secrets no longer apply, or TLS 1.2); the session kept
  // when it left.
  bool counting() const {
    return done_ && ssl_ != nullptr && !stays_on_openssl_ &&
           !context_->is_server();
  }
  RecordCount read_count_;
  RecordCount write_count_;
  bool stays_on_openssl_ = false;
  SSL_SESSION* saved_session_ = nullptr;
  bytes::ByteBuffer own_in_;
  bytes::ByteBuffer* in_ = &own_in_;  // fed; [in_pos_, size) not consumed yet
  size_t in_pos_ = 0;
  bytes::ByteBuffer own_out_;
  bytes::ByteBuffer* out_ = &own_out_;
  ConnectionInfo info_;
  bool started_ = false;
  bool done_ = false;
  bool peer_closed_ = false;
  size_t fed_without_data_ = 0;  // after the handshake, since the last data
  absl::Status failed_;
  absl::Status read_error_;  // RecordLayer: due after the data before it
};

}  // namespace brisk::tls

#endif  // BRISK_TLS_ENGINE_H_
