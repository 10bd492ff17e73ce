// File: tls/record_layer.h
//
// RecordLayer: TLS 1.3 record protection (RFC 8446 §5) for one connection
// whose handshake is over — what an Engine runs instead of OpenSSL's SSL
// object once the handshake has given it the two application traffic
// secrets (a server at once, a client once it holds a session to resume).
// It seals data into records and opens the peer's records, answers key
// updates (§4.6.3) and reads alerts; a client also takes (and drops) more
// session tickets. Nothing else may arrive after the handshake: brisk
// asks for no client certificate after it.
//
// Why: an SSL object costs an idle connection about 10 KB, and OpenSSL's
// record path (its read buffer, allocated and freed per record under
// SSL_MODE_RELEASE_BUFFERS, a copy in and a copy out through the BIO, its
// state machine) costs more CPU per small request than the AEAD itself.
// Here a record is opened straight from the fed bytes into the caller's
// plaintext buffer and sealed straight into the output buffer, with one
// EVP_CIPHER_CTX per direction and nothing allocated per record.
//
// Ownership: plain byte arrays and two EVP_CIPHER_CTX, owned. Not
// thread-safe. Errors (absl::Status; the connection is over after one, and
// TakeAlert() seals the matching fatal alert):
//   InvalidArgument — a record that fails authentication, is too long, has
//                     a wrong type or version, or a malformed or unexpected
//                     handshake message
//   Aborted         — the peer sent a fatal alert (its description)

#ifndef BRISK_TLS_RECORD_LAYER_H_
#define BRISK_TLS_RECORD_LAYER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "bytes/byte_buffer.h"

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;
typedef struct evp_cipher_st EVP_CIPHER;

namespace brisk::tls {

// Largest plaintext in one record, and the largest record on the wire.
inline constexpr size_t kMaxPlaintext = 16 * 1024;
inline constexpr size_t kMaxCiphertext = kMaxPlaintext + 256;
// Records sealed under one key before the layer moves to the next by
// itself (a KeyUpdate of its own): AES-GCM's safety margin is 2^24.5 full
// records (RFC 8446 §5.5).
inline constexpr uint64_t kRecordsPerKey = uint64_t{1} << 24;

// Record content types (RFC 8446 §5.1) and the alerts this layer sends.
enum : uint8_t {
  kContentAlert = 21,
  kContentHandshake = 22,
  kContentApplicationData = 23,
};
enum : uint8_t {
  kAlertCloseNotify = 0,
  kAlertUnexpectedMessage = 10,
  kAlertBadRecordMac = 20,
  kAlertRecordOverflow = 22,
  kAlertIllegalParameter = 47,
  kAlertDecodeError = 50,
  kAlertUserCanceled = 90,
};

class RecordLayer {
 public:
  // `suite`: the TLS 1.3 cipher suite's number (0x1301 AES-128-GCM-SHA256,
  // 0x1302 AES-256-GCM-SHA384, 0x1303 ChaCha20-Poly1305-SHA256); the
  // secrets are the application traffic secrets (the hash's length), the
  // sequence numbers the records each side has already protected under
  // them; `client`: this side is the client (it takes the server's
  // NewSessionTickets and drops them). InvalidArgument for another suite or
  // a secret of a wrong size.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<RecordLayer>> Make(
      uint16_t suite, std::string_view read_secret,
      std::string_view write_secret, uint64_t read_seq, uint64_t write_seq,
      bool client = false);
  ~RecordLayer();
  RecordLayer(const RecordLayer&) = delete;
  RecordLayer& operator=(const RecordLayer&) = delete;

  // Opens the whole records at the front of `in`: their application data is
  // appended to `plain` (`n` bytes), key updates are applied (and answered
  // into `out` when the peer asks), a close_notify ends the reading
  // (peer_closed(); bytes after it are not looked at). `consumed` says how
  // many bytes of `in` were used: a record's tail that has not arrived yet
  // stays for the next call. On an error, `plain` holds the data of the
  // records before the bad one, and TakeAlert() has the fatal alert to
  // send (after whatever the caller still answers to that data).
  [[nodiscard]] absl::Status Open(std::string_view in, size_t& consumed,
                                  bytes::ByteBuffer& plain, size_t& n,
                                  bytes::ByteBuffer& out);
  bool peer_closed() const { return peer_closed_; }
  // Seals the fatal alert of the error Open() returned into `out` (nothing
  // when there is none, or it was taken).
  void TakeAlert(bytes::ByteBuffer& out);

  // Seals `plain` into application-data records of at most kMaxPlaintext
  // appended to `out`.
  void Write(std::string_view plain, bytes::ByteBuffer& out);
  // One record of any content type, with `padding` zero bytes after it
  // (§5.4): what Write, Close and key updates use, and tests that play a
  // peer, well-behaved or not.
  void Seal(uint8_t type, std::string_view content, bytes::ByteBuffer& out,
            size_t padding = 0);
  // close_notify into `out`.
  void Close(bytes::ByteBuffer& out);
  // A KeyUpdate asking the peer to update too, then new write keys.
  void UpdateKeys(bytes::ByteBuffer& out);

 private:
  struct Direction {
    EVP_CIPHER_CTX* ctx = nullptr;
    unsigned char secret[48];
    unsigned char iv[12];
    uint64_t seq = 0;
  };

  RecordLayer() = default;
  // The key and IV of `secret` into `d` (HKDF-Expand-Label, §7.3).
  bool SetSecret(Direction& d, const unsigned char* secret, bool encrypt);
  // The next secret (§7.2), keys from it, sequence number 0.
  bool NextSecret(Direction& d, bool encrypt);
  void Nonce(const Direction& d, unsigned char nonce[12]) const;
  // A KeyUpdate (`request`: 1 to ask the peer to update too), then new
  // write keys.
  void SendKeyUpdate(uint8_t request, bytes::ByteBuffer& out);
  // The content of a post-handshake handshake record.
  absl::Status Handshake(std::string_view content);
  // Keeps the alert for TakeAlert() and returns InvalidArgument with `why`.
  absl::Status Fail(uint8_t alert, std::string_view why);

  const EVP_CIPHER* cipher_ = nullptr;
  size_t key_len_ = 0;
  size_t hash_len_ = 0;
  Direction read_;
  Direction write_;
  bool client_ = false;
  // A handshake message arriving in pieces: its 4-byte header and, for a
  // KeyUpdate, its 1-byte body; a client's NewSessionTicket body is
  // skipped (hs_skip_ bytes still to come).
  unsigned char hs_[5];
  size_t hs_len_ = 0;
  size_t hs_skip_ = 0;
  bool answer_update_ = false;  // the peer asked for our new keys
  bool answered_ = false;       // and got them; no data written since
  uint8_t alert_ = 0;           // the fatal alert of Open()'s error
  bool peer_closed_ = false;
};

}  // namespace brisk::tls

#endif  // BRISK_TLS_RECORD_LAYER_H_
