#include "tls/record_layer.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace brisk::tls {
namespace {

constexpr size_t kTagLen = 16;
constexpr size_t kIvLen = 12;
constexpr size_t kHeaderLen = 5;
// KeyUpdate (§4.6.3): type 24, a 3-byte length of 1, then the request.
constexpr unsigned char kKeyUpdate = 24;
constexpr unsigned char kNewSessionTicket = 4;
// The largest NewSessionTicket a client skips: lifetime, age_add, a nonce
// of up to 255 bytes, a ticket of up to 2^16 - 1, extensions.
constexpr size_t kMaxTicketMessage = 4 + 4 + 1 + 255 + 2 + 65535 + 2 + 64;
constexpr unsigned char kUpdateNotRequested = 0;
constexpr unsigned char kUpdateRequested = 1;

// The ciphers, fetched once (an EVP_CIPHER given by name at every key
// change would be looked up again each time).
const EVP_CIPHER* Fetch(const char* name) {
  EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, name, nullptr);
  if (c == nullptr) {
    std::fprintf(stderr, "brisk tls: OpenSSL has no %s\n", name);
    std::abort();
  }
  return c;  // kept for the life of the process
}

// An HMAC context per digest and thread, made once: HMAC() and a fresh
// EVP_MAC_CTX would look the MAC and the digest up by name at every call,
// which costs a resumed handshake more than the four HMACs themselves.
EVP_MAC_CTX* HmacFor(const char* digest) {
  static EVP_MAC* const mac = [] {
    EVP_MAC* m = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (m == nullptr) {
      std::fprintf(stderr, "brisk tls: OpenSSL has no HMAC\n");
      std::abort();
    }
    return m;
  }();
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                       const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_end()};
  if (ctx == nullptr || EVP_MAC_CTX_set_params(ctx, params) != 1) {
    std::fprintf(stderr, "brisk tls: cannot make an HMAC-%s\n", digest);
    std::abort();
  }
  return ctx;
}

// HKDF-Expand-Label(secret, label, "", length) for length <= the hash's
// (RFC 8446 §7.1): one HMAC block, T(1) = HMAC(secret, info || 0x01).
bool ExpandLabel(bool sha384, const unsigned char* secret, size_t secret_len,
                 std::string_view label, unsigned char* out, size_t len) {
  // Kept per thread for the life of the thread (two small contexts).
  struct Hmacs {
    EVP_MAC_CTX* sha256 = HmacFor("SHA256");
    EVP_MAC_CTX* sha384 = HmacFor("SHA384");
    ~Hmacs() {
      EVP_MAC_CTX_free(sha256);
      EVP_MAC_CTX_free(sha384);
    }
  };
  thread_local Hmacs hmacs;
  EVP_MAC_CTX* ctx = sha384 ? hmacs.sha384 : hmacs.sha256;
  unsigned char info[2 + 1 + 6 + 16 + 1 + 1];
  size_t i = 0;
  info[i++] = static_cast<unsigned char>(len >> 8);
  info[i++] = static_cast<unsigned char>(len);
  info[i++] = static_cast<unsigned char>(6 + label.size());
  std::memcpy(info + i, "tls13 ", 6);
  i += 6;
  std::memcpy(info + i, label.data(), label.size());
  i += label.size();
  info[i++] = 0;     // empty context
  info[i++] = 0x01;  // the block counter
  unsigned char block[EVP_MAX_MD_SIZE];
  size_t block_len = 0;
  const bool ok = EVP_MAC_init(ctx, secret, secret_len, nullptr) == 1 &&
                  EVP_MAC_update(ctx, info, i) == 1 &&
                  EVP_MAC_final(ctx, block, &block_len, sizeof(block)) == 1 &&
                  block_len >= len;
  if (ok) {
    std::memcpy(out, block, len);
  }
  OPENSSL_cleanse(block, sizeof(block));
  return ok;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RecordLayer>> RecordLayer::Make(
    uint16_t suite, std::string_view read_secret, std::string_view write_secret,
    uint64_t read_seq, uint64_t write_seq, bool client) {
  static const EVP_CIPHER* const aes128 = Fetch("AES-128-GCM");
  static const EVP_CIPHER* const aes256 = Fetch("AES-256-GCM");
  static const EVP_CIPHER* const chacha = Fetch("ChaCha20-Poly1305");
  std::unique_ptr<RecordLayer> r(new RecordLayer());
  r->client_ = client;
  switch (suite) {
    case 0x1301:
      r->cipher_ = aes128, r->hash_len_ = 32, r->key_len_ = 16;
      break;
    case 0x1302:
      r->cipher_ = aes256, r->hash_len_ = 48, r->key_len_ = 32;
      break;
    case 0x1303:
      r->cipher_ = chacha, r->hash_len_ = 32, r->key_len_ = 32;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("tls: no record layer for suite ", suite));
  }
  if (read_secret.size() != r->hash_len_ ||
      write_secret.size() != r->hash_len_) {
    return absl::InvalidArgumentError("tls: traffic secret of a wrong size");
  }
  r->read_.ctx = EVP_CIPHER_CTX_new();
  r->write_.ctx = EVP_CIPHER_CTX_new();
  if (r->read_.ctx == nullptr || r->write_.ctx == nullptr ||
      !r->SetSecret(r->read_,
                    reinterpret_cast<const unsigned char*>(read_secret.data()),
                    /*encrypt=*/false) ||
      !r->SetSecret(r->write_,
                    reinterpret_cast<const unsigned char*>(write_secret.data()),
                    /*encrypt=*/true)) {
    return absl::InternalError("tls: cannot set up the record keys");
  }
  r->read_.seq = read_seq;
  r->write_.seq = write_seq;
  return r;
}

RecordLayer::~RecordLayer() {
  EVP_CIPHER_CTX_free(read_.ctx);
  EVP_CIPHER_CTX_free(write_.ctx);
  OPENSSL_cleanse(read_.secret, sizeof(read_.secret));
  OPENSSL_cleanse(write_.secret, sizeof(write_.secret));
}

bool RecordLayer::SetSecret(Direction& d, const unsigned char* secret,
                            bool encrypt) {
  if (secret != d.secret) {
    std::memcpy(d.secret, secret, hash_len_);
  }
  unsigned char key[32];
  const bool ok =
      ExpandLabel(hash_len_ == 48, d.secret, hash_len_, "key", key, key_len_) &&
      ExpandLabel(hash_len_ == 48, d.secret, hash_len_, "iv", d.iv, kIvLen) &&
      EVP_CipherInit_ex2(d.ctx, cipher_, key, nullptr, encrypt ? 1 : 0,
                         nullptr) == 1;
  OPENSSL_cleanse(key, sizeof(key));
  d.seq = 0;
  return ok;
}

bool RecordLayer::NextSecret(Direction& d, bool encrypt) {
  unsigned char next[48];
  const bool ok = ExpandLabel(hash_len_ == 48, d.secret, hash_len_,
                              "traffic upd", next, hash_len_) &&
                  SetSecret(d, next, encrypt);
  OPENSSL_cleanse(next, sizeof(next));
  return ok;
}

void RecordLayer::Nonce(const Direction& d, unsigned char nonce[12]) const {
  std::memcpy(nonce, d.iv, kIvLen);
  for (int i = 0; i < 8; ++i) {
    nonce[kIvLen - 1 - i] ^= static_cast<unsigned char>(d.seq >> (8 * i));
  }
}

void RecordLayer::Seal(uint8_t type, std::string_view content,
                       bytes::ByteBuffer& out, size_t padding) {
  const size_t inner = content.size() + 1 + padding;
  const size_t len = inner + kTagLen;
  unsigned char* p =
      reinterpret_cast<unsigned char*>(out.PrepareAppend(kHeaderLen + len));
  p[0] = kContentApplicationData;  // the outer type of every sealed record
  p[1] = 0x03;
  p[2] = 0x03;
  p[3] = static_cast<unsigned char>(len >> 8);
  p[4] = static_cast<unsigned char>(len);
  unsigned char* body = p + kHeaderLen;
  // The content sealed from where it is, its type and padding in place.
  unsigned char* tail = body + content.size();
  tail[0] = type;
  std::memset(tail + 1, 0, padding);
  unsigned char nonce[kIvLen];
  Nonce(write_, nonce);
  int l = 0;
  int fin = 0;
  const bool ok =
      EVP_EncryptInit_ex2(write_.ctx, nullptr, nullptr, nonce, nullptr) == 1 &&
      EVP_EncryptUpdate(write_.ctx, nullptr, &l, p, kHeaderLen) == 1 &&
      EVP_EncryptUpdate(write_.ctx, body, &l,
                        reinterpret_cast<const unsigned char*>(content.data()),
                        static_cast<int>(content.size())) == 1 &&
      EVP_EncryptUpdate(write_.ctx, tail, &l, tail,
                        static_cast<int>(1 + padding)) == 1 &&
      EVP_EncryptFinal_ex(write_.ctx, body + inner, &fin) == 1 &&
      EVP_CIPHER_CTX_ctrl(write_.ctx, EVP_CTRL_AEAD_GET_TAG, kTagLen,
                          body + inner) == 1;
  if (!ok) {
    // Sealing with a key that was set up cannot fail but for memory.
    std::fprintf(stderr, "brisk tls: sealing a record failed\n");
    std::abort();
  }
  out.CommitAppend(kHeaderLen + len);
  ++write_.seq;
}

void RecordLayer::Write(std::string_view plain, bytes::ByteBuffer& out) {
  answered_ = false;  // the next request needs an answer again
  do {
    if (write_.seq >= kRecordsPerKey) {
      SendKeyUpdate(kUpdateNotRequested, out);
    }
    const size_t n = std::min(plain.size(), kMaxPlaintext);
    Seal(kContentApplicationData, plain.substr(0, n), out);
    plain.remove_prefix(n);
  } while (!plain.empty());
}

void RecordLayer::Close(bytes::ByteBuffer& out) {
  const char alert[] = {1, static_cast<char>(kAlertCloseNotify)};
  Seal(kContentAlert, {alert, 2}, out);
}

void RecordLayer::UpdateKeys(bytes::ByteBuffer& out) {
  SendKeyUpdate(kUpdateRequested, out);
}

void RecordLayer::SendKeyUpdate(uint8_t request, bytes::ByteBuffer& out) {
  const char update[] = {static_cast<char>(kKeyUpdate), 0, 0, 1,
                         static_cast<char>(request)};
  Seal(kContentHandshake, {update, sizeof(update)}, out);
  if (!NextSecret(write_, /*encrypt=*/true)) {
    // Key derivation from a secret that was set up cannot fail but for
    // memory.
    std::fprintf(stderr, "brisk tls: a key update failed\n");
    std::abort();
  }
}

absl::Status RecordLayer::Fail(uint8_t alert, std::string_view why) {
  alert_ = alert;  // sent by TakeAlert, after what the caller still writes
  return absl::InvalidArgumentError(absl::StrCat("tls: ", std::string(why)));
}

void RecordLayer::TakeAlert(bytes::ByteBuffer& out) {
  if (alert_ != 0) {
    const char a[] = {2, static_cast<char>(alert_)};  // fatal
    Seal(kContentAlert, {a, 2}, out);
    alert_ = 0;
  }
}

absl::Status RecordLayer::Open(std::string_view in, size_t& consumed,
                               bytes::ByteBuffer& plain, size_t& n,
                               bytes::ByteBuffer& out) {
  consumed = 0;
  n = 0;
  absl::Status status;
  while (!peer_closed_ && in.size() - consumed >= kHeaderLen) {
    const auto* h =
        reinterpret_cast<const unsigned char*>(in.data() + consumed);
    const size_t len = size_t{h[3]} << 8 | h[4];
    if (h[0] != kContentApplicationData) {
      // After the handshake every record is sealed; a change_cipher_spec
      // or a plaintext alert no longer has a place (§5).
      status = Fail(kAlertUnexpectedMessage,
                    absl::StrCat("unexpected record type ", h[0]));
      break;
    }
    if (h[1] != 0x03 || h[2] != 0x03) {
      status = Fail(kAlertDecodeError, "wrong record version");
      break;
    }
    if (len > kMaxCiphertext) {
      status = Fail(kAlertRecordOverflow, "record too long");
      break;
    }
    if (len < 1 + kTagLen) {
      status = Fail(kAlertDecodeError, "record too short");
      break;
    }
    if (in.size() - consumed < kHeaderLen + len) {
      break;  // the rest of this record has not arrived
    }
    const unsigned char* body = h + kHeaderLen;
    const size_t sealed = len - kTagLen;
    // Opened straight into the caller's buffer; committed only once the
    // tag holds and the content is data.
    auto* dst = reinterpret_cast<unsigned char*>(plain.PrepareAppend(sealed));
    unsigned char nonce[kIvLen];
    Nonce(read_, nonce);
    int l = 0;
    int fin = 0;
    const bool opened =
        EVP_DecryptInit_ex2(read_.ctx, nullptr, nullptr, nonce, nullptr) == 1 &&
        EVP_DecryptUpdate(read_.ctx, nullptr, &l, h, kHeaderLen) == 1 &&
        EVP_DecryptUpdate(read_.ctx, dst, &l, body, static_cast<int>(sealed)) ==
            1 &&
        EVP_CIPHER_CTX_ctrl(read_.ctx, EVP_CTRL_AEAD_SET_TAG, kTagLen,
                            const_cast<unsigned char*>(body + sealed)) == 1 &&
        EVP_DecryptFinal_ex(read_.ctx, dst + sealed, &fin) == 1;
    if (!opened) {
      status = Fail(kAlertBadRecordMac, "bad record mac");
      break;
    }
    consumed += kHeaderLen + len;
    ++read_.seq;
    if (sealed > kMaxPlaintext + 1) {
      // Content, type and padding together stay within 2^14 + 1 (§5.4).
      status = Fail(kAlertRecordOverflow, "record content too long");
      break;
    }
    // The content ends at the last non-zero byte, the content type; the
    // zeros after it are padding (§5.4).
    size_t end = sealed;
    while (end > 0 && dst[end - 1] == 0) {
      --end;
    }
    if (end == 0) {
      status = Fail(kAlertUnexpectedMessage, "record without content type");
      break;
    }
    const uint8_t type = dst[end - 1];
    const size_t content = end - 1;
    if (type != kContentHandshake && (hs_len_ > 0 || hs_skip_ > 0)) {
      // A handshake message in pieces must not be interleaved (§5.1).
      status = Fail(kAlertUnexpectedMessage,
                    "a handshake message cut by another record");
      break;
    }
    if (type == kContentApplicationData) {
      plain.CommitAppend(content);
      n += content;
      continue;
    }
    const std::string_view c(reinterpret_cast<const char*>(dst), content);
    if (type == kContentAlert) {
      if (content != 2) {
        status = Fail(kAlertDecodeError, "malformed alert");
        break;
      }
      const uint8_t desc = static_cast<uint8_t>(c[1]);
      if (desc == kAlertCloseNotify) {
        peer_closed_ = true;
        break;
      }
      if (desc == kAlertUserCanceled) {
        continue;  // a close_notify should follow (§6.1)
      }
      status = absl::AbortedError(absl::StrCat(
          "tls: the peer sent alert: ", SSL_alert_desc_string_long(desc)));
      break;
    }
    if (type == kContentHandshake) {
      if (content == 0) {
        status = Fail(kAlertUnexpectedMessage, "empty handshake record");
        break;
      }
      status = Handshake(c);
      if (!status.ok()) {
        break;
      }
      continue;
    }
    status = Fail(kAlertUnexpectedMessage,
                  absl::StrCat("unexpected content type ", type));
    break;
  }
  if (answer_update_ && status.ok()) {
    // However many requests came while this side wrote no data, one answer
    // (§4.6.3): under the old key, then the new one. (Not one per read:
    // a peer sending requests while a body comes in must not pile them up.)
    answer_update_ = false;
    if (answered_) {
      return status;
    }
    answered_ = true;
    SendKeyUpdate(kUpdateNotRequested, out);
  }
  return status;
}

absl::Status RecordLayer::Handshake(std::string_view content) {
  while (!content.empty()) {
    if (hs_skip_ > 0) {
      // The body of a NewSessionTicket (a client's, which cannot use it:
      // the session to resume was taken from OpenSSL before).
      const size_t n = std::min(content.size(), hs_skip_);
      content.remove_prefix(n);
      hs_skip_ -= n;
      continue;
    }
    // The 4-byte header (type, 24-bit length), then for a KeyUpdate its
    // 1-byte body.
    const size_t want = hs_len_ < 4 ? 4 : 5;
    const size_t take = std::min(content.size(), want - hs_len_);
    std::memcpy(hs_ + hs_len_, content.data(), take);
    hs_len_ += take;
    content.remove_prefix(take);
    const bool ticket = client_ && hs_[0] == kNewSessionTicket;
    if (hs_[0] != kKeyUpdate && !ticket) {
      // A client has nothing else to send a server after the handshake (no
      // post-handshake authentication was asked for), a server nothing
      // else to send a client.
      return Fail(kAlertUnexpectedMessage,
                  absl::StrCat("unexpected handshake message ", hs_[0]));
    }
    if (hs_len_ < 4) {
      continue;  // the rest of the header comes in the next record
    }
    const size_t length = size_t{hs_[1]} << 16 | size_t{hs_[2]} << 8 | hs_[3];
    if (ticket) {
      if (length == 0 || length > kMaxTicketMessage) {
        return Fail(kAlertDecodeError, "malformed session ticket");
      }
      hs_skip_ = length;
      hs_len_ = 0;
      continue;
    }
    if (length != 1) {
      return Fail(kAlertDecodeError, "malformed key update");
    }
    if (hs_len_ < 5) {
      continue;
    }
    const unsigned char request = hs_[4];
    hs_len_ = 0;
    if (request != kUpdateNotRequested && request != kUpdateRequested) {
      return Fail(kAlertIllegalParameter, "bad key update request");
    }
    if (!content.empty()) {
      // The new key starts with the next record (§5.1).
      return Fail(kAlertUnexpectedMessage,
                  "a key update not at the end of its record");
    }
    if (!NextSecret(read_, /*encrypt=*/false)) {
      return absl::InternalError("tls: a key update failed");
    }
    answer_update_ |= request == kUpdateRequested;
  }
  return absl::OkStatus();
}

}  // namespace brisk::tls
