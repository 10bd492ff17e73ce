// File: websocket/websocket.h
//
// RFC 6455 WebSocket connections as coroutines: a server upgrades a request
// (websocket::Upgrade, on server::RequestCtx::Hijack) and runs a session
// with a Conn; `co_await conn.Read()` gives the next message,
// `co_await conn.Write(msg)` sends one.
//
//   server::Server server(opts, [&](server::RequestCtx& ctx) {
//     absl::Status s = websocket::Upgrade(ctx, ws_options,
//         [](websocket::Conn& conn) -> server::Task {
//           for (;;) {
//             absl::StatusOr<websocket::Message> m = co_await conn.Read();
//             if (!m.ok()) co_return;  // closed, failed, timed out
//             absl::Status w = co_await conn.Write(m->data, m->type);
//             if (!w.ok()) co_return;
//           }
//         });
//     // !s.ok(): not a valid handshake; ctx already holds the answer (4xx).
//   });
//
// What Conn does for the session:
//   - Control frames are answered inside Read: a ping gets its pong, a
//     close gets its echo and ends the connection (Read returns OutOfRange
//     with close_code() set).
//   - Every receiving rule of RFC 6455 is enforced (masking per side,
//     reserved bits, opcodes, control frame size and fragmentation, the
//     order of fragments, UTF-8 of text messages incrementally across
//     fragments, close codes), each breach failing the connection with
//     the RFC's close code (1002 protocol error, 1007 invalid data, 1009
//     too big) and an error status from Read.
//   - Keep-alive: after ping_interval without a byte from the peer, Read
//     sends a ping; after pong_timeout more without one, the peer is taken
//     for dead (DeadlineExceeded, the connection closed). This needs a Read
//     pending: a session reads in a loop (its writes may come from other
//     coroutines on the same loop).
//   - Back-pressure: Write resumes once the socket took the whole frame;
//     a peer that takes nothing for write_timeout fails it.
//   - An idle connection holds no buffer (its read buffer goes back to a
//     per-thread cache while it waits, from hold_read_buffer after its last
//     message on).
//   - Server shutdown: a session's pending Read sends a 1001 close, waits
//     for the peer's answer (close_timeout) and returns Cancelled.
//
// Threads: one loop thread (the connection's); one Read at a time; Writes
// from several coroutines are sent one after another, in call order.
// Lifetimes: a Message's view is valid until the next Read; the Options
// must outlive every connection made with them.
//
// Errors from Read (and Write):
//   OutOfRange          the closing handshake ended the connection
//                       (close_code(), close_reason() say the peer's words)
//   InvalidArgument     the peer broke the protocol (close 1002 or 1007 sent)
//   ResourceExhausted   a message or frame over the limits (1009 sent)
//   DeadlineExceeded    the peer did not answer a ping or a close in time,
//                       or did not take a write
//   Unavailable         the connection broke without a closing handshake
//   Cancelled           server shutdown (after the 1001 handshake)
//   FailedPrecondition  a second Read while one is pending; Write after Close

#ifndef BRISK_WEBSOCKET_WEBSOCKET_H_
#define BRISK_WEBSOCKET_WEBSOCKET_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/asio/any_completion_handler.hpp"
#include "boost/asio/awaitable.hpp"

#include "bytes/byte_buffer.h"
#include "server/request_ctx.h"
#include "websocket/deflate.h"
#include "websocket/frame.h"
#include "websocket/utf8.h"

namespace brisk::websocket {

namespace websocket_internal {
class Transport;
}  // namespace websocket_internal

// Close codes (RFC 6455 §7.4.1).
enum CloseCode : uint16_t {
  kCloseNormal = 1000,
  kCloseGoingAway = 1001,
  kCloseProtocolError = 1002,
  kCloseUnsupportedData = 1003,
  kCloseNoStatus = 1005,  // never sent: the close frame had no code
  kCloseAbnormal = 1006,  // never sent: the connection broke
  kCloseInvalidData = 1007,
  kClosePolicyViolation = 1008,
  kCloseTooBig = 1009,
  kCloseMandatoryExtension = 1010,
  kCloseInternalError = 1011,
};
// Whether `code` may be sent in a close frame (and accepted in one).
bool IsValidCloseCode(uint16_t code);

struct Options {
  // The largest message (all its fragments) and frame accepted; over them
  // the connection fails with 1009. Python websockets: 1 MiB; Beast: 16 MiB;
  // gorilla: unlimited.
  size_t max_message_bytes = 1 << 20;
  // Bytes asked of the socket per read (a larger frame's rest is read in
  // one go).
  size_t read_bytes = 16 * 1024;
  // After a read, how long the connection keeps its read buffer and its
  // read pending (one read operation per message: the fewest system calls)
  // before it gives the buffer back and waits holding none. Zero: never
  // held. Measured on the server's deadline tick (up to 1 s more); a hold
  // that ends restarts the keep-alive wait.
  absl::Duration hold_read_buffer = absl::Seconds(1);
  // Keep-alive (see the file comment); InfiniteDuration turns it off.
  // Python websockets: 20 s and 20 s.
  absl::Duration ping_interval = absl::Seconds(20);
  absl::Duration pong_timeout = absl::Seconds(20);
  // A peer that takes none of a frame for this long fails the write.
  absl::Duration write_timeout = absl::Seconds(30);
  // How long to wait for the peer's close after sending ours.
  absl::Duration close_timeout = absl::Seconds(5);
  // Server: subprotocols, in order of preference; the first the client
  // offers is chosen (Conn::subprotocol()). None offered: no subprotocol.
  std::vector<std::string> subprotocols = {};
  // permessage-deflate (RFC 7692), used when the client offers it.
  struct Deflate {
    bool enabled = false;
    // Keep each direction's compression context across messages: better
    // ratios on similar messages, for ~300 KiB of zlib state held by each
    // connection for its life. Off (the default, gorilla's only mode): each
    // message is compressed on its own with a per-thread zlib state, so an
    // idle connection holds none.
    bool context_takeover = false;
    int level = 6;  // zlib's 1 (fastest) .. 9 (smallest)
    // Smaller messages go uncompressed (each message chooses, §6).
    size_t min_bytes = 64;
  } deflate = {};
  // Server: whether a request's Origin may connect (browsers send it; a
  // refusal is answered 403). Empty: gorilla's default, the same origin
  // as the Host (or no Origin field).
  std::function<bool(std::string_view origin, std::string_view host)>
      check_origin = nullptr;
};

enum class MessageType : uint8_t { kText, kBinary };

struct Message {
  MessageType type = MessageType::kText;
  std::string_view data;  // valid until the next Read
};

class Conn {
 public:
  enum class Role : uint8_t { kServer, kClient };
  // Used by Upgrade and the client; `transport` and `options` must outlive
  // the Conn.
  Conn(websocket_internal::Transport& transport, const Options& options,
       Role role, std::string subprotocol,
       std::optional<DeflateParams> deflate = std::nullopt);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // The next message (see the file comment for errors).
  [[nodiscard]] boost::asio::awaitable<absl::StatusOr<Message>> Read();
  // Sends one message in one frame.
  [[nodiscard]] boost::asio::awaitable<absl::Status> Write(
      std::string_view data, MessageType type = MessageType::kText);
  // Sends a ping (at most 125 bytes); its pong is consumed by Read.
  [[nodiscard]] boost::asio::awaitable<absl::Status> Ping(
      std::string_view payload = {});
  // Starts the closing handshake (`reason` at most 123 bytes): sends the
  // close frame; then, unless a Read is pending (which finishes the
  // handshake), reads until the peer's close or close_timeout, discarding
  // messages, and ends the connection. Later Writes fail.
  [[nodiscard]] boost::asio::awaitable<absl::Status> Close(
      uint16_t code = kCloseNormal, std::string_view reason = {});

  // The peer's close code (0 until a close frame came; kCloseNoStatus for
  // one without a code) and reason.
  uint16_t close_code() const { return close_code_; }
  const std::string& close_reason() const { return close_reason_; }
  // The subprotocol agreed in the handshake (empty: none).
  const std::string& subprotocol() const { return subprotocol_; }
  // Whether permessage-deflate was agreed.
  bool compressed() const { return deflate_.has_value(); }
  // Whether the connection is over (closed or failed).
  bool done() const { return done_; }
  boost::asio::any_io_executor executor() const;

 private:
  // What Read does next, decided without waiting by Next from in_: return
  // a message, read more, answer a ping, handle a close, or fail.
  struct Step {
    enum Kind : uint8_t { kMessage, kMore, kPing, kClose, kFail };
    Kind kind = kMessage;
    size_t want = 0;             // kMore: bytes to ask for
    std::string_view data = {};  // kPing, kClose: the payload (in in_)
    size_t frame_bytes = 0;      // kPing: to drop once answered
    uint16_t code = 0;           // kFail: the close code to send
    absl::Status status = {};    // kFail: what Read returns
  };
  Step Next(Message& m);
  // Reads more bytes into in_, pinging on silence.
  boost::asio::awaitable<absl::Status> Fill(size_t want);
  // Fails the connection: close `code` (unless one was sent) and the end.
  boost::asio::awaitable<absl::Status> Fail(uint16_t code, absl::Status status);
  // One whole message or control frame; `rsv1`: compressed.
  boost::asio::awaitable<absl::Status> SendFrame(Opcode op,
                                                 std::string_view payload,
                                                 bool rsv1 = false);
  // permessage-deflate: the compressor for what this side sends, the
  // decompressor for what it receives (the Conn's own with context
  // takeover, else the thread's), and whether each forgets per message.
  Deflater& deflater();
  Inflater& inflater();
  bool send_reset() const;
  bool receive_reset() const;
  boost::asio::awaitable<absl::Status> SendClose(uint16_t code,
                                                 std::string_view reason);
  // Handles a close frame's payload; returns the status Read ends with.
  boost::asio::awaitable<absl::Status> OnClose(std::string_view payload);
  // The connection is over: the transport closes (a server at once; a
  // client after the server's end, up to close_timeout).
  boost::asio::awaitable<void> Finish();
  boost::asio::awaitable<void> LockWrite();
  void UnlockWrite();

  websocket_internal::Transport& t_;
  const Options& options_;
  const Role role_;
  std::string subprotocol_;
  bytes::ByteBuffer in_;  // received bytes; [pos_, size) not parsed yet
  size_t pos_ = 0;
  size_t consumed_ = 0;  // bytes at pos_ the last message (a view) used
  // Payload bytes of the frame at pos_ already unmasked (and, for text,
  // checked) while the rest was awaited.
  size_t unmasked_ = 0;
  bytes::ByteBuffer msg_;  // a fragmented message being assembled
  Utf8Validator utf8_;
  MessageType msg_type_ = MessageType::kText;
  bool in_message_ = false;
  bool reading_ = false;
  bool ping_outstanding_ = false;
  bool hot_ = false;  // a message came within hold_read_buffer
  bool close_sent_ = false;
  bool done_ = false;
  bool shutdown_ = false;  // the server is shutting down
  absl::Status final_;     // what Read returns once done
  uint16_t close_code_ = 0;
  std::string close_reason_;
  bool write_busy_ = false;
  // Writers waiting for their turn, in call order (a vector: an idle
  // connection's costs nothing, where a deque allocates a block up front).
  std::vector<boost::asio::any_completion_handler<void()>> write_waiters_;
  bytes::ByteBuffer out_;  // a compressed or a client's masked payload
  std::optional<DeflateParams> deflate_;
  bool msg_compressed_ = false;
  bytes::ByteBuffer zmsg_;  // a compressed message's fragments
  std::unique_ptr<Deflater> own_deflater_;
  std::unique_ptr<Inflater> own_inflater_;
};

// What runs on an upgraded connection; the connection closes when it ends
// (with 1000 if the session did not close it).
using Session = absl::AnyInvocable<server::Task(Conn& conn)>;

// Validates ctx's request as an opening handshake (RFC 6455 §4.2) and
// answers it: 101 with the accept key and the chosen subprotocol, then
// `session` on the hijacked connection (server::RequestCtx::Hijack). A
// request that is not one is answered by the server as ctx now holds it (a
// 400, 403, 405 or 426 with the reason; 426 says `Sec-WebSocket-Version:
// 13`) and the error is returned (InvalidArgument, PermissionDenied for the
// origin check), or Hijack's error.
[[nodiscard]] absl::Status Upgrade(server::RequestCtx& ctx,
                                   const Options& options, Session session);

}  // namespace brisk::websocket

#endif  // BRISK_WEBSOCKET_WEBSOCKET_H_
