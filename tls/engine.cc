#include "tls/engine.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace brisk::tls {
namespace {

// An IP address in its one strict form (IPv4 dotted quad without leading
// zeros, IPv6 without a zone): what the certificate's IP SANs are checked
// against. Anything else ("127.1", "0177.0.0.1", "2130706433", "fe80::1%lo")
// is checked as a name, so it fails closed instead of going unchecked —
// resolvers read those forms differently from OpenSSL.
bool IsIpLiteral(std::string_view host) {
  const std::string h(host);
  unsigned char addr[16];
  return inet_pton(AF_INET, h.c_str(), addr) == 1 ||
         inet_pton(AF_INET6, h.c_str(), addr) == 1;
}

// Bytes of TLS records a peer may send after the handshake without any
// application data (tickets, key updates) before the connection is failed.
constexpr size_t kMaxRecordsWithoutData = 256 * 1024;

}  // namespace

// The BIO under every Engine's SSL: reads what was fed (an empty input is
// "retry later", never end of file) and appends what OpenSSL writes to the
// engine's output buffer.
struct EngineBio {
  static int Write(BIO* b, const char* data, size_t len, size_t* written) {
    BIO_clear_retry_flags(b);
    Engine& e = *static_cast<Engine*>(BIO_get_data(b));
    e.out_->Append({data, len});
    if (e.counting()) {
      e.write_count_.Add({data, len});
    }
    *written = len;
    return 1;
  }
  static int Read(BIO* b, char* data, size_t len, size_t* read) {
    BIO_clear_retry_flags(b);
    Engine& e = *static_cast<Engine*>(BIO_get_data(b));
    const size_t n = std::min(len, e.in_->size() - e.in_pos_);
    if (n == 0) {
      BIO_set_retry_read(b);
      *read = 0;
      return 0;
    }
    std::memcpy(data, e.in_->data() + e.in_pos_, n);
    e.in_pos_ += n;
    if (e.in_pos_ == e.in_->size()) {
      e.in_->Reset();
      e.in_pos_ = 0;
    }
    *read = n;
    return 1;
  }
  static long Ctrl(BIO* b, int cmd, long, void*) {
    switch (cmd) {
      case BIO_CTRL_FLUSH:
        return 1;  // written bytes are already in the output
      case BIO_CTRL_PENDING: {
        const Engine& e = *static_cast<Engine*>(BIO_get_data(b));
        return static_cast<long>(e.buffered_input());
      }
      default:
        return 0;
    }
  }
  static int Create(BIO* b) {
    BIO_set_init(b, 1);
    return 1;
  }
  static const BIO_METHOD* Method() {
    static BIO_METHOD* const method = [] {
      BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                                   "brisk tls engine");
      if (m == nullptr || BIO_meth_set_write_ex(m, Write) != 1 ||
          BIO_meth_set_read_ex(m, Read) != 1 ||
          BIO_meth_set_ctrl(m, Ctrl) != 1 ||
          BIO_meth_set_create(m, Create) != 1) {
        std::fprintf(stderr, "brisk tls: cannot make the BIO method\n");
        std::abort();
      }
      return m;
    }();
    return method;
  }
};

Engine::Engine(std::shared_ptr<const Context> context, std::string_view host)
    : context_(std::move(context)) {
  ssl_ = SSL_new(context_->ctx_);
  bio_ = BIO_new(EngineBio::Method());
  if (ssl_ == nullptr || bio_ == nullptr) {
    std::fprintf(stderr, "brisk tls: out of memory making a connection\n");
    std::abort();
  }
  BIO_set_data(bio_, this);
  SSL_set_bio(ssl_, bio_, bio_);  // ssl_ owns it now (one reference)
  if (context_->is_server()) {
    SSL_set_accept_state(ssl_);
    SSL_set_app_data(ssl_, this);  // for ContextCallbacks::KeyLog
    return;
  }
  SSL_set_connect_state(ssl_);
  SSL_set_app_data(ssl_, this);  // for ContextCallbacks::KeyLog
  // A key update before the client leaves OpenSSL would make the key-log
  // secrets stale: seen here, it keeps the connection on OpenSSL.
  SSL_set_msg_callback(ssl_, [](int, int, int content_type, const void* buf,
                                size_t len, SSL*, void* arg) {
    if (content_type == SSL3_RT_HANDSHAKE && len > 0 &&
        static_cast<const unsigned char*>(buf)[0] == SSL3_MT_KEY_UPDATE) {
      static_cast<Engine*>(arg)->stays_on_openssl_ = true;
    }
  });
  SSL_set_msg_callback_arg(ssl_, this);
  std::string h(host);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') {
    h = h.substr(1, h.size() - 2);  // [::1]
  }
  const bool ip = IsIpLiteral(h);
  if (!h.empty() && !ip) {
    SSL_set_tlsext_host_name(ssl_, h.c_str());  // SNI is for names only
  }
  if (context_->verifies_peer() && !h.empty()) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    X509_VERIFY_PARAM_set_hostflags(param,
                                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int set =
        ip ? X509_VERIFY_PARAM_set1_ip_asc(param, h.c_str())
           : X509_VERIFY_PARAM_set1_host(param, h.c_str(), h.size());
    if (set != 1) {
      // Never a connection whose name goes unchecked.
      failed_ = absl::InvalidArgumentError(absl::StrCat(
          "tls: cannot check the certificate against \"", h, "\""));
    }
  }
}

Engine::~Engine() {
  OPENSSL_cleanse(client_secret_, sizeof(client_secret_));
  OPENSSL_cleanse(server_secret_, sizeof(server_secret_));
  SSL_SESSION_free(saved_session_);
  if (ssl_ == nullptr) {
    return;  // records_ took over
  }
  if (done_ && failed_.ok()) {
    // A connection that ended without an error, with or without
    // close_notify, leaves its session resumable (OpenSSL would otherwise
    // mark it bad on SSL_free); one that failed does not.
    SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  }
  SSL_free(ssl_);  // frees the BIO too
}

absl::Status Engine::Start() {
  if (started_) {
    return absl::FailedPreconditionError("tls: Start() called twice");
  }
  started_ = true;
  return failed_.ok() ? Drive() : failed_;
}

absl::Status Engine::Feed(std::string_view ciphertext) {
  if (!failed_.ok()) {
    return failed_;
  }
  if (!ciphertext.empty()) {
    std::memcpy(in_->PrepareAppend(ciphertext.size()), ciphertext.data(),
                ciphertext.size());
  }
  return CommitFeed(ciphertext.size());
}

char* Engine::PrepareFeed(size_t n) {
  return in_->PrepareAppend(n);
}

absl::Status Engine::CommitFeed(size_t n) {
  in_->CommitAppend(n);
  if (!failed_.ok()) {
    return failed_;
  }
  started_ = true;
  if (done_) {
    fed_without_data_ += n;  // reset by Read when data comes out
    if (counting()) {
      read_count_.Add(in_->view().substr(in_->size() - n));
    }
    return absl::OkStatus();
  }
  return Drive();
}

absl::Status Engine::Drive() {
  const size_t out_before = out_->size();
  const int r = SSL_do_handshake(ssl_);
  if (r == 1) {
    done_ = true;
    FillInfo();
    LeaveOpenSsl(out_->view().substr(out_before));
    if (counting()) {
      read_count_.Add(in_->view().substr(in_pos_));  // fed with Finished
    }
    return absl::OkStatus();
  }
  const int e = SSL_get_error(ssl_, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
    return absl::OkStatus();  // more bytes from the peer, or flush output
  }
  return failed_ = ErrorStatus(e);
}

absl::Status Engine::Read(bytes::ByteBuffer& plain, size_t& n) {
  n = 0;
  if (!failed_.ok()) {
    return failed_;
  }
  if (!done_) {
    return absl::OkStatus();
  }
  if (records_ != nullptr) {
    return ReadRecords(plain, n);
  }
  for (;;) {
    char* p = plain.PrepareAppend(16 * 1024);
    size_t got = 0;
    const int r = SSL_read_ex(ssl_, p, plain.available(), &got);
    if (r == 1) {
      plain.CommitAppend(got);
      n += got;
      fed_without_data_ = 0;
      continue;
    }
    const int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (SSL_get_key_update_type(ssl_) != SSL_KEY_UPDATE_NONE) {
        // The peer asked for our new keys: answer now (into the output),
        // not only before our next data, which may be long in coming.
        if (SSL_key_update(ssl_, SSL_KEY_UPDATE_NOT_REQUESTED) != 1 ||
            SSL_do_handshake(ssl_) != 1) {
          ERR_clear_error();
        }
      }
      if (n == 0 && fed_without_data_ > kMaxRecordsWithoutData) {
        return failed_ = absl::InvalidArgumentError(
                   "tls: 256 KiB of records without data (a flood of key "
                   "updates or tickets)");
      }
      if (!context_->is_server()) {
        LeaveOpenSslClient();
      }
      return absl::OkStatus();
    }
    if (e == SSL_ERROR_ZERO_RETURN) {
      peer_closed_ = true;
      return absl::OkStatus();
    }
    failed_ = ErrorStatus(e);
    // The data before the bad record is the peer's as much as in any
    // other split of the bytes: it goes out now, the error next time.
    return n > 0 ? absl::OkStatus() : failed_;
  }
}

absl::Status Engine::Write(std::string_view plain) {
  if (!failed_.ok()) {
    return failed_;
  }
  if (!done_) {
    return absl::FailedPreconditionError(
        "tls: Write() before the handshake is done");
  }
  if (closed_) {
    return absl::FailedPreconditionError("tls: Write() after Close()");
  }
  if (records_ != nullptr) {
    if (!plain.empty()) {
      records_->Write(plain, *out_);
    }
    return absl::OkStatus();
  }
  while (!plain.empty()) {
    size_t written = 0;
    const int r = SSL_write_ex(ssl_, plain.data(), plain.size(), &written);
    if (r != 1) {
      return failed_ = ErrorStatus(SSL_get_error(ssl_, r));
    }
    plain.remove_prefix(written);
  }
  return absl::OkStatus();
}

absl::Status Engine::UpdateKeys() {
  if (!failed_.ok()) {
    return failed_;
  }
  if (records_ != nullptr) {
    records_->UpdateKeys(*out_);
    return absl::OkStatus();
  }
  if (!done_ || SSL_version(ssl_) != TLS1_3_VERSION) {
    return absl::FailedPreconditionError(
        "tls: UpdateKeys() needs a TLS 1.3 connection after its handshake");
  }
  if (SSL_key_update(ssl_, SSL_KEY_UPDATE_REQUESTED) != 1) {
    return failed_ = ErrorStatus(SSL_ERROR_SSL);
  }
  const int r = SSL_do_handshake(ssl_);  // writes the KeyUpdate
  if (r != 1) {
    return failed_ = ErrorStatus(SSL_get_error(ssl_, r));
  }
  return absl::OkStatus();
}

void Engine::Close() {
  if (!done_ || !failed_.ok() || closed_) {
    return;
  }
  closed_ = true;
  if (records_ != nullptr) {
    records_->Close(*out_);
  } else {
    SSL_shutdown(ssl_);  // close_notify into the output
  }
}

void Engine::TakeOutput(bytes::ByteBuffer& out) {
  out.Append(own_out_.view());
  own_out_.Reset();
}

void Engine::set_input(bytes::ByteBuffer* in) {
  bytes::ByteBuffer* next = in != nullptr ? in : &own_in_;
  if (next == in_) {
    return;
  }
  // What has not been consumed (the head of a record) moves along; the
  // buffer left behind is left empty.
  next->Reset();
  if (buffered_input() > 0) {
    next->Append(in_->view().substr(in_pos_));
  }
  in_->Reset();
  in_pos_ = 0;
  in_ = next;
}

void Engine::Trim() {
  if (own_in_.empty()) {
    own_in_.Release();
  }
  if (own_out_.empty()) {
    own_out_.Release();
  }
}

absl::Status Engine::ErrorStatus(int ssl_error) {
  // A certificate the verification refused: its reason, not the alert's.
  const long verify = SSL_get_verify_result(ssl_);
  const unsigned long e = ERR_peek_error();
  ERR_clear_error();
  if (verify != X509_V_OK && context_->verifies_peer()) {
    return absl::UnauthenticatedError(
        absl::StrCat("tls: certificate verification failed: ",
                     X509_verify_cert_error_string(verify)));
  }
  if (e == 0) {
    if (ssl_error == SSL_ERROR_SYSCALL || ssl_error == SSL_ERROR_ZERO_RETURN) {
      return absl::UnavailableError("tls: the peer closed the connection");
    }
    return absl::InternalError(absl::StrCat("tls: error ", ssl_error));
  }
  const char* reason = ERR_reason_error_string(e);
  const std::string text = reason != nullptr ? reason : "unknown";
  const int r = ERR_GET_REASON(e);
  // Alerts from the peer are reasons SSL_AD_REASON_OFFSET + description.
  if (r >= SSL_AD_REASON_OFFSET && r < SSL_AD_REASON_OFFSET + 256) {
    return absl::AbortedError(absl::StrCat("tls: the peer sent alert: ", text));
  }
  return absl::InvalidArgumentError(absl::StrCat("tls: ", text));
}

Session::~Session() {
  SSL_SESSION_free(session_);
}

void Engine::set_session(std::shared_ptr<const Session> session) {
  if (session != nullptr && !context_->is_server() && ssl_ != nullptr) {
    SSL_set_session(ssl_, session->session_);  // takes its own reference
  }
}

std::shared_ptr<const Session> Engine::session() const {
  if (!done_ || context_->is_server()) {
    return nullptr;
  }
  if (ssl_ == nullptr) {
    // Kept when the connection left OpenSSL; not from a failed one.
    if (saved_session_ == nullptr || !failed_.ok()) {
      return nullptr;
    }
    SSL_SESSION_up_ref(saved_session_);
    return std::shared_ptr<const Session>(new Session(saved_session_));
  }
  SSL_SESSION* s = SSL_get1_session(ssl_);
  if (s == nullptr) {
    return nullptr;
  }
  if (SSL_SESSION_is_resumable(s) != 1) {
    SSL_SESSION_free(s);
    return nullptr;
  }
  return std::shared_ptr<const Session>(new Session(s));
}

void Engine::FillInfo() {
  info_.version = SSL_get_version(ssl_);
  info_.cipher = SSL_get_cipher_name(ssl_);
  const unsigned char* alpn = nullptr;
  unsigned int alpn_len = 0;
  SSL_get0_alpn_selected(ssl_, &alpn, &alpn_len);
  info_.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_len);
  const char* sni = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
  info_.server_name = sni != nullptr ? sni : "";
  info_.resumed = SSL_session_reused(ssl_) == 1;
  if (X509* peer = SSL_get0_peer_certificate(ssl_)) {
    char subject[512];
    X509_NAME_oneline(X509_get_subject_name(peer), subject, sizeof(subject));
    info_.peer_subject = subject;
  }
}

absl::Status Engine::ReadRecords(bytes::ByteBuffer& plain, size_t& n) {
  if (!read_error_.ok()) {
    // The error after the data the last call returned: its alert now,
    // after what the caller answered to that data.
    failed_ = read_error_;
    records_->TakeAlert(*out_);
    return failed_;
  }
  if (peer_closed_) {
    return absl::OkStatus();
  }
  size_t consumed = 0;
  const absl::Status s =
      records_->Open(in_->view().substr(in_pos_), consumed, plain, n, *out_);
  in_pos_ += consumed;
  if (in_pos_ == in_->size()) {
    in_->Reset();
    in_pos_ = 0;
  } else if (in_pos_ > 0) {
    in_->DiscardPrefix(in_pos_);  // a record's head: to the front
    in_pos_ = 0;
  }
  peer_closed_ = records_->peer_closed();
  if (n > 0) {
    fed_without_data_ = 0;
  }
  if (!s.ok()) {
    if (n > 0) {
      // The data before the bad record is the peer's as much as in any
      // other split of the bytes: it goes out now (and the caller may
      // still answer it), the error and its alert with the next call.
      read_error_ = s;
      return absl::OkStatus();
    }
    failed_ = s;
    records_->TakeAlert(*out_);
    return failed_;
  }
  if (n == 0 && fed_without_data_ > kMaxRecordsWithoutData) {
    return failed_ = absl::InvalidArgumentError(
               "tls: 256 KiB of records without data (a flood of key "
               "updates or tickets)");
  }
  return absl::OkStatus();
}

void Engine::KeyLog(std::string_view line) {
  // "<LABEL> <client random, hex> <secret, hex>"
  unsigned char* dst = nullptr;
  uint8_t* len = nullptr;
  if (line.starts_with("CLIENT_TRAFFIC_SECRET_0 ")) {
    dst = client_secret_, len = &client_secret_len_;
  } else if (line.starts_with("SERVER_TRAFFIC_SECRET_0 ")) {
    dst = server_secret_, len = &server_secret_len_;
  } else {
    return;
  }
  const size_t at = line.rfind(' ');
  const std::string_view hex = line.substr(at + 1);
  if (hex.size() % 2 != 0 || hex.size() / 2 > sizeof(client_secret_)) {
    return;
  }
  for (size_t i = 0; i < hex.size() / 2; ++i) {
    const int hi = OPENSSL_hexchar2int(static_cast<unsigned char>(hex[2 * i]));
    const int lo =
        OPENSSL_hexchar2int(static_cast<unsigned char>(hex[2 * i + 1]));
    if (hi < 0 || lo < 0) {
      *len = 0;
      return;
    }
    dst[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  *len = static_cast<uint8_t>(hex.size() / 2);
}

void RecordCount::Add(std::string_view bytes) {
  while (!bytes.empty()) {
    if (skip > 0) {
      const size_t n = std::min(skip, bytes.size());
      skip -= n;
      bytes.remove_prefix(n);
      if (skip == 0) {
        ++records;
      }
      continue;
    }
    const size_t take = std::min(bytes.size(), sizeof(header) - header_len);
    std::memcpy(header + header_len, bytes.data(), take);
    header_len += take;
    bytes.remove_prefix(take);
    if (header_len == sizeof(header)) {
      skip = size_t{header[3]} << 8 | header[4];
      header_len = 0;
      if (skip == 0) {
        ++records;
      }
    }
  }
}

void Engine::LeaveOpenSsl(std::string_view tickets) {
  if (!context_->is_server()) {
    // A client leaves later, with a session (LeaveOpenSslClient); over TLS
    // 1.2 never.
    stays_on_openssl_ = SSL_version(ssl_) != TLS1_3_VERSION;
    return;
  }
  // The records OpenSSL sealed under the server's application key: the
  // tickets it wrote when the client's Finished came (OpenSSL reads one
  // record at a time, so nothing of the client's after its Finished has
  // been read: the client's sequence number is 0).
  RecordCount written;
  written.Add(tickets);
  if (written.at_boundary()) {
    UseRecordLayer(/*read_seq=*/0, written.records);
  }
}

void Engine::LeaveOpenSslClient() {
  // Once the server's ticket made the session resumable (kept, for
  // session()), at a record boundary both ways with nothing inside
  // OpenSSL, and with the keys the handshake made (no key update yet).
  if (records_ != nullptr || ssl_ == nullptr || stays_on_openssl_ ||
      buffered_input() > 0 || !read_count_.at_boundary() ||
      !write_count_.at_boundary() || SSL_has_pending(ssl_) == 1) {
    return;
  }
  SSL_SESSION* session = SSL_get0_session(ssl_);
  if (session == nullptr || SSL_SESSION_is_resumable(session) != 1) {
    return;
  }
  SSL_SESSION_up_ref(session);  // outlives the SSL object
  if (UseRecordLayer(read_count_.records, write_count_.records)) {
    saved_session_ = session;
  } else {
    SSL_SESSION_free(session);
    stays_on_openssl_ = true;  // in doubt: stay on OpenSSL
  }
}

bool Engine::UseRecordLayer(uint64_t read_seq, uint64_t write_seq) {
  if (SSL_version(ssl_) != TLS1_3_VERSION || client_secret_len_ == 0 ||
      server_secret_len_ == 0 || SSL_has_pending(ssl_) == 1) {
    return false;
  }
  const bool server = context_->is_server();
  const std::string_view client_secret(
      reinterpret_cast<const char*>(client_secret_), client_secret_len_);
  const std::string_view server_secret(
      reinterpret_cast<const char*>(server_secret_), server_secret_len_);
  const uint16_t suite = static_cast<uint16_t>(
      SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(ssl_)));
  auto records = RecordLayer::Make(
      suite, server ? client_secret : server_secret,
      server ? server_secret : client_secret, read_seq, write_seq, !server);
  OPENSSL_cleanse(client_secret_, sizeof(client_secret_));
  OPENSSL_cleanse(server_secret_, sizeof(server_secret_));
  client_secret_len_ = server_secret_len_ = 0;
  if (!records.ok()) {
    return false;
  }
  records_ = std::move(*records);
  // Not a failed connection: OpenSSL must not mark the session bad.
  SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  SSL_free(ssl_);  // frees the BIO too
  ssl_ = nullptr;
  bio_ = nullptr;
  return true;
}

}  // namespace brisk::tls
