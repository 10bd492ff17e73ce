// websocket::Conn: reading frames into messages with every receiving rule,
// control frames, keep-alive and the closing handshake; writing frames one
// at a time. See websocket/websocket.h.

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/asio/async_result.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/use_awaitable.hpp"

#include "bytes/conv.h"
#include "websocket/internal/transport.h"
#include "websocket/websocket.h"

namespace brisk::websocket {
namespace {

namespace asio = boost::asio;

// Read buffers of idle connections, kept per thread for the next
// connection that has bytes to read: an idle connection holds none, a busy
// loop allocates none.
constexpr size_t kCachedBuffers = 64;
constexpr size_t kCachedCapacity = 64 * 1024;

std::vector<bytes::ByteBuffer>& BufferCache() {
  thread_local std::vector<bytes::ByteBuffer> cache;
  return cache;
}

void GiveBack(bytes::ByteBuffer& buf) {
  if (buf.capacity() == 0) {
    return;
  }
  std::vector<bytes::ByteBuffer>& cache = BufferCache();
  if (cache.size() < kCachedBuffers && buf.capacity() <= kCachedCapacity) {
    buf.Reset();
    cache.push_back(std::move(buf));
  }
  buf.Release();
}

void Take(bytes::ByteBuffer& buf) {
  std::vector<bytes::ByteBuffer>& cache = BufferCache();
  if (buf.capacity() == 0 && !cache.empty()) {
    buf = std::move(cache.back());
    cache.pop_back();
  }
}

// A client's masking keys (RFC 6455 §5.3: from a strong source of
// entropy), drawn from OpenSSL 1 KiB at a time.
std::array<uint8_t, 4> MaskKey() {
  thread_local std::array<uint8_t, 1024> pool;
  thread_local size_t used = pool.size();
  if (used == pool.size()) {
    if (RAND_bytes(pool.data(), static_cast<int>(pool.size())) != 1) {
      // OpenSSL's generator failing is fatal to its users; keys stay
      // unpredictable to a peer only with it.
      std::abort();
    }
    used = 0;
  }
  std::array<uint8_t, 4> key;
  std::copy_n(pool.begin() + static_cast<std::ptrdiff_t>(used), 4, key.begin());
  used += 4;
  return key;
}

}  // namespace

bool IsValidCloseCode(uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

Conn::Conn(websocket_internal::Transport& transport, const Options& options,
           Role role, std::string subprotocol,
           std::optional<DeflateParams> deflate)
    : t_(transport),
      options_(options),
      role_(role),
      subprotocol_(std::move(subprotocol)),
      deflate_(deflate) {}

Conn::~Conn() {
  GiveBack(in_);
  GiveBack(msg_);
  GiveBack(zmsg_);
  GiveBack(out_);
}

bool Conn::send_reset() const {
  return role_ == Role::kServer ? deflate_->server_no_context_takeover
                                : deflate_->client_no_context_takeover;
}

bool Conn::receive_reset() const {
  return role_ == Role::kServer ? deflate_->client_no_context_takeover
                                : deflate_->server_no_context_takeover;
}

Deflater& Conn::deflater() {
  const int bits = role_ == Role::kServer ? deflate_->server_max_window_bits
                                          : deflate_->client_max_window_bits;
  if (!send_reset()) {
    if (own_deflater_ == nullptr) {
      own_deflater_ = std::make_unique<Deflater>(options_.deflate.level, bits);
    }
    return *own_deflater_;
  }
  // Each message alone: the thread's state, reset after every use.
  thread_local std::unique_ptr<Deflater> by_bits[16];
  std::unique_ptr<Deflater>& d = by_bits[std::clamp(bits, 9, 15)];
  if (d == nullptr || d->level() != options_.deflate.level) {
    d = std::make_unique<Deflater>(options_.deflate.level, bits);
  }
  return *d;
}

Inflater& Conn::inflater() {
  if (!receive_reset()) {
    if (own_inflater_ == nullptr) {
      own_inflater_ = std::make_unique<Inflater>();
    }
    return *own_inflater_;
  }
  thread_local Inflater shared;
  return shared;
}

boost::asio::any_io_executor Conn::executor() const {
  return t_.executor();
}

Conn::Step Conn::Next(Message& m) {
  const FrameRules rules{.expect_masked = role_ == Role::kServer,
                         .allow_rsv1 = deflate_.has_value(),
                         .max_payload = options_.max_message_bytes};
  auto fail = [](uint16_t code, absl::Status why) {
    return Step{.kind = Step::kFail, .code = code, .status = std::move(why)};
  };
  const auto protocol = [&fail](std::string_view why) {
    return fail(kCloseProtocolError, absl::InvalidArgumentError(absl::StrCat(
                                         "websocket: ", bytes::ToAbsl(why))));
  };
  const auto too_big = [&fail] {
    return fail(kCloseTooBig, absl::ResourceExhaustedError(
                                  "websocket: message over max_message_bytes"));
  };
  const auto bad_text = [&fail] {
    return fail(kCloseInvalidData,
                absl::InvalidArgumentError(
                    "websocket: invalid UTF-8 in a text message"));
  };
  for (;;) {
    const std::string_view avail = in_.view().substr(pos_);
    FrameHeader h;
    const FrameError e = ParseFrameHeader(avail, rules, h);
    if (e == FrameError::kTooBig) {
      return fail(kCloseTooBig, absl::ResourceExhaustedError(
                                    "websocket: frame over max_message_bytes"));
    }
    if (e != FrameError::kNone) {
      return protocol(ToString(e));
    }
    if (h.header_bytes == 0) {
      return {.kind = Step::kMore, .want = options_.read_bytes};
    }
    // What the header alone decides, before any payload is waited for:
    // the order of fragments and the message's size.
    const bool control = IsControl(h.opcode);
    const bool continuation = h.opcode == Opcode::kContinuation;
    if (continuation) {
      if (!in_message_) {
        return protocol("continuation frame without a message");
      }
      if (h.rsv1) {
        return protocol("RSV1 on a continuation frame");
      }
      const size_t so_far = msg_compressed_ ? zmsg_.size() : msg_.size();
      if (so_far + h.length > options_.max_message_bytes) {
        return too_big();
      }
    } else if (!control && in_message_) {
      return protocol("a new message inside a fragmented one");
    }
    // Unmask what has arrived; text (uncompressed) is checked as it comes,
    // so a bad byte fails the connection before the rest is waited for.
    char* payload = in_.data() + pos_ + h.header_bytes;
    const size_t have =
        std::min<uint64_t>(avail.size() - h.header_bytes, h.length);
    const bool text = continuation
                          ? msg_type_ == MessageType::kText && !msg_compressed_
                          : h.opcode == Opcode::kText && !h.rsv1;
    if (have > unmasked_) {
      if (h.masked) {
        ApplyMask(payload + unmasked_, have - unmasked_, h.mask, unmasked_);
      }
      if (text) {
        if (!continuation && unmasked_ == 0) {
          utf8_.Reset();
        }
        if (!utf8_.Feed(
                std::string_view(payload + unmasked_, have - unmasked_))) {
          return bad_text();
        }
      }
      unmasked_ = have;
    }
    if (have < h.length) {
      // The rest of the frame: asked for in steps (the buffer doubles as
      // bytes come, it is not reserved whole up front).
      const uint64_t rest = h.length - have;
      return {.kind = Step::kMore,
              .want = static_cast<size_t>(
                  std::clamp<uint64_t>(rest, options_.read_bytes, 256 * 1024))};
    }
    unmasked_ = 0;
    const size_t frame_bytes = h.header_bytes + h.length;
    const std::string_view data(payload, h.length);
    if (control) {
      if (h.opcode == Opcode::kClose) {
        return {.kind = Step::kClose, .data = data};
      }
      if (h.opcode == Opcode::kPing && !close_sent_) {
        return {.kind = Step::kPing, .data = data, .frame_bytes = frame_bytes};
      }
      pos_ += frame_bytes;  // a pong only proves liveness
      continue;
    }
    if (!continuation) {
      in_message_ = true;
      msg_type_ =
          h.opcode == Opcode::kText ? MessageType::kText : MessageType::kBinary;
      msg_compressed_ = h.rsv1;
    }
    if (msg_compressed_) {
      // The compressed bytes are gathered, then inflated whole (bounded by
      // max_message_bytes) and checked as any message.
      std::string_view compressed = data;
      if (!h.fin || !zmsg_.empty()) {
        Take(zmsg_);
        zmsg_.Append(data);
        compressed = zmsg_.view();
      }
      if (!h.fin) {
        pos_ += frame_bytes;
        continue;
      }
      Take(msg_);
      absl::Status z = inflater().Inflate(
          compressed, msg_, options_.max_message_bytes, receive_reset());
      pos_ += frame_bytes;
      GiveBack(zmsg_);
      in_message_ = false;
      if (!z.ok()) {
        const uint16_t code =
            absl::IsResourceExhausted(z) ? kCloseTooBig : kCloseInvalidData;
        return fail(code, std::move(z));
      }
      if (msg_type_ == MessageType::kText && !IsValidUtf8(msg_.view())) {
        return bad_text();
      }
      m = {msg_type_, msg_.view()};
      return {.kind = Step::kMessage};
    }
    if (text && h.fin && !utf8_.complete()) {
      return bad_text();  // a character cut at the message's end
    }
    if (h.fin && msg_.empty()) {
      // One frame: the message is a view into the read buffer.
      in_message_ = false;
      m = {msg_type_, data};
      consumed_ = frame_bytes;
      return {.kind = Step::kMessage};
    }
    Take(msg_);
    msg_.Append(data);
    pos_ += frame_bytes;
    if (h.fin) {
      in_message_ = false;
      m = {msg_type_, msg_.view()};
      return {.kind = Step::kMessage};
    }
  }
}

asio::awaitable<absl::StatusOr<Message>> Conn::Read() {
  if (reading_) {
    co_return absl::FailedPreconditionError("a Read is already pending");
  }
  if (done_) {
    co_return final_;
  }
  reading_ = true;
  pos_ += consumed_;  // the last message's frame
  consumed_ = 0;
  if (pos_ == in_.size()) {
    in_.Reset();
    pos_ = 0;
  }
  GiveBack(msg_);
  // The frame work is Next's (no suspension, so its state stays off this
  // coroutine's frame, which an idle connection keeps); here only what
  // waits.
  Message m;
  absl::Status st;
  for (bool more = true; more;) {
    Step step = Next(m);
    switch (step.kind) {
      case Step::kMessage:
        more = false;
        break;
      case Step::kMore:
        st = co_await Fill(step.want);
        more = st.ok();
        break;
      case Step::kPing:
        st = co_await SendFrame(Opcode::kPong, step.data);
        pos_ += step.frame_bytes;
        more = st.ok();
        break;
      case Step::kClose:
        st = co_await OnClose(step.data);
        more = false;
        break;
      case Step::kFail:
        st = co_await Fail(step.code, std::move(step.status));
        more = false;
        break;
    }
  }
  reading_ = false;
  if (!st.ok()) {
    if (!done_) {
      done_ = true;
      final_ = st;
      t_.Close();
    }
    co_return st;
  }
  co_return m;
}

asio::awaitable<absl::Status> Conn::Fill(size_t want) {
  // What was parsed goes, once per read (not once per frame: many small
  // frames in one read would move the rest each time).
  if (pos_ > 0) {
    in_.DiscardPrefix(pos_);
    pos_ = 0;
  }
  // Each read fills all the room the buffer has (a frame a little over
  // read_bytes comes in one read once the buffer grew for one).
  for (;;) {
    const absl::Duration timeout = close_sent_         ? options_.close_timeout
                                   : ping_outstanding_ ? options_.pong_timeout
                                                       : options_.ping_interval;
    absl::Status r;
    absl::Duration wait = timeout;
    bool held = false;
    if (in_.empty() && !hot_) {
      // Idle: the buffer goes back while the connection waits.
      GiveBack(in_);
      r = co_await t_.WaitReadable(timeout);
      if (r.ok()) {
        Take(in_);
      }
    } else if (in_.empty() && options_.hold_read_buffer < timeout) {
      // Busy lately: one read, holding the buffer, for a while.
      held = true;
      wait = options_.hold_read_buffer;
    }
    if (r.ok()) {
      const size_t max = std::max(want, in_.available());
      r = co_await t_.Read(in_, max, wait);
    }
    if (r.ok()) {
      ping_outstanding_ = false;  // any byte shows the peer is there
      hot_ = options_.hold_read_buffer > absl::ZeroDuration();
      co_return r;
    }
    if (held && absl::IsDeadlineExceeded(r)) {
      hot_ = false;  // quiet: wait holding nothing
      continue;
    }
    if (absl::IsDeadlineExceeded(r)) {
      if (close_sent_) {
        co_return absl::DeadlineExceededError(
            "websocket: no close from the peer in time");
      }
      if (ping_outstanding_) {
        co_return absl::DeadlineExceededError(
            "websocket: the peer did not answer a ping");
      }
      ping_outstanding_ = true;
      absl::Status p = co_await SendFrame(Opcode::kPing, {});
      if (!p.ok()) {
        co_return p;
      }
      continue;
    }
    if (absl::IsCancelled(r) && t_.shutting_down() && !shutdown_) {
      // The server is shutting down: say so, and wait for the answer.
      shutdown_ = true;
      if (!close_sent_) {
        absl::Status c =
            co_await SendClose(kCloseGoingAway, "server shutting down");
        if (!c.ok()) {
          co_return r;
        }
      }
      continue;
    }
    if (absl::IsOutOfRange(r)) {
      co_return absl::UnavailableError(
          "websocket: the connection ended without a close frame");
    }
    co_return r;
  }
}

asio::awaitable<absl::Status> Conn::Fail(uint16_t code, absl::Status status) {
  if (!close_sent_ && !done_) {
    std::string_view reason(status.message().data(), status.message().size());
    reason = reason.substr(0, std::min<size_t>(reason.size(), 123));
    absl::Status s = co_await SendClose(code, reason);
    (void)s;  // the connection ends either way
  }
  done_ = true;
  final_ = status;
  t_.Close();
  co_return status;
}

asio::awaitable<absl::Status> Conn::OnClose(std::string_view payload) {
  uint16_t code = kCloseNoStatus;
  std::string_view reason;
  if (payload.size() == 1) {
    co_return co_await Fail(
        kCloseProtocolError,
        absl::InvalidArgumentError("websocket: close frame of one byte"));
  }
  if (payload.size() >= 2) {
    code = static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8) |
                                 static_cast<uint8_t>(payload[1]));
    reason = payload.substr(2);
    if (!IsValidCloseCode(code)) {
      co_return co_await Fail(kCloseProtocolError,
                              absl::InvalidArgumentError(absl::StrCat(
                                  "websocket: invalid close code ", code)));
    }
    if (!IsValidUtf8(reason)) {
      co_return co_await Fail(
          kCloseInvalidData, absl::InvalidArgumentError(
                                 "websocket: invalid UTF-8 in a close reason"));
    }
  }
  close_code_ = code;
  close_reason_.assign(reason.data(), reason.size());
  if (!close_sent_) {
    // The echo (§5.5.1): the same code, or none for none.
    const uint16_t echo = code == kCloseNoStatus ? 0 : code;
    absl::Status s = co_await SendClose(echo, {});
    (void)s;
  }
  co_await Finish();
  done_ = true;
  if (shutdown_) {
    final_ = absl::CancelledError("server shutting down");
  } else {
    final_ =
        absl::OutOfRangeError(absl::StrCat("websocket: closed (", code, ")"));
  }
  co_return final_;
}

asio::awaitable<void> Conn::Finish() {
  if (role_ == Role::kClient) {
    // The server closes the TCP connection first (§7.1.1): wait for its
    // end a little, then close anyway.
    for (int i = 0; i < 16; ++i) {
      in_.Reset();
      absl::Status r = co_await t_.Read(in_, 4096, options_.close_timeout);
      if (!r.ok()) {
        break;
      }
    }
  }
  t_.Close();
}

asio::awaitable<absl::Status> Conn::SendClose(uint16_t code,
                                              std::string_view reason) {
  close_sent_ = true;
  char payload[kMaxControlPayload];
  size_t n = 0;
  if (code != 0) {
    payload[0] = static_cast<char>(code >> 8);
    payload[1] = static_cast<char>(code & 0xFF);
    n = 2 + std::min<size_t>(reason.size(), kMaxControlPayload - 2);
    std::copy_n(reason.data(), n - 2, payload + 2);
  }
  co_return co_await SendFrame(Opcode::kClose, std::string_view(payload, n));
}

asio::awaitable<absl::Status> Conn::SendFrame(Opcode op,
                                              std::string_view payload,
                                              bool rsv1) {
  co_await LockWrite();
  const bool compress = deflate_.has_value() && !IsControl(op) &&
                        payload.size() >= options_.deflate.min_bytes;
  if (compress || role_ == Role::kClient) {
    Take(out_);
    out_.Reset();
  }
  if (compress) {
    absl::Status z = deflater().Compress(payload, out_, send_reset());
    if (!z.ok()) {
      UnlockWrite();
      co_return z;
    }
    payload = out_.view();
    rsv1 = true;
  }
  char head[kMaxHeaderBytes];
  size_t head_bytes;
  std::string_view body = payload;
  if (role_ == Role::kClient) {
    const std::array<uint8_t, 4> key = MaskKey();
    head_bytes =
        WriteFrameHeader(head, true, rsv1, op, payload.size(), key.data());
    if (!compress) {
      out_.Append(payload);
    }
    ApplyMask(out_.data(), out_.size(), key);
    body = out_.view();
  } else {
    head_bytes =
        WriteFrameHeader(head, true, rsv1, op, payload.size(), nullptr);
  }
  const std::string_view parts[2] = {std::string_view(head, head_bytes), body};
  absl::Status s = co_await t_.Write(parts, options_.write_timeout);
  if (compress || role_ == Role::kClient) {
    GiveBack(out_);
  }
  UnlockWrite();
  co_return s;
}

asio::awaitable<absl::Status> Conn::Write(std::string_view data,
                                          MessageType type) {
  if (done_ || close_sent_) {
    co_return absl::FailedPreconditionError("websocket: closed");
  }
  const Opcode op =
      type == MessageType::kText ? Opcode::kText : Opcode::kBinary;
  absl::Status s = co_await SendFrame(op, data);
  if (!s.ok() && !done_) {
    done_ = true;
    final_ = s;
    t_.Close();
  }
  co_return s;
}

asio::awaitable<absl::Status> Conn::Ping(std::string_view payload) {
  if (done_ || close_sent_) {
    co_return absl::FailedPreconditionError("websocket: closed");
  }
  if (payload.size() > kMaxControlPayload) {
    co_return absl::InvalidArgumentError("websocket: ping over 125 bytes");
  }
  co_return co_await SendFrame(Opcode::kPing, payload);
}

asio::awaitable<absl::Status> Conn::Close(uint16_t code,
                                          std::string_view reason) {
  if (done_ || close_sent_) {
    co_return absl::OkStatus();
  }
  if (!IsValidCloseCode(code) || reason.size() > kMaxControlPayload - 2) {
    co_return absl::InvalidArgumentError(
        "websocket: Close needs a valid code and at most 123 bytes of "
        "reason");
  }
  absl::Status s = co_await SendClose(code, reason);
  if (!s.ok()) {
    done_ = true;
    final_ = s;
    t_.Close();
    co_return s;
  }
  if (reading_) {
    co_return absl::OkStatus();  // the pending Read finishes the handshake
  }
  for (;;) {
    absl::StatusOr<Message> m = co_await Read();  // messages are dropped
    if (!m.ok()) {
      break;
    }
  }
  co_return absl::OkStatus();
}

asio::awaitable<void> Conn::LockWrite() {
  if (!write_busy_) {
    write_busy_ = true;
    co_return;
  }
  // Handed over by UnlockWrite, in call order.
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [this](auto handler) { write_waiters_.emplace_back(std::move(handler)); },
      asio::use_awaitable);
}

void Conn::UnlockWrite() {
  if (write_waiters_.empty()) {
    write_busy_ = false;
    return;
  }
  auto next = std::move(write_waiters_.front());
  write_waiters_.erase(write_waiters_.begin());
  asio::post(t_.executor(), std::move(next));
}

}  // namespace brisk::websocket
