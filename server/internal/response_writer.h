// File: server/internal/response_writer.h
//
// ResponseWriter: how the server turns a handler's Response into bytes. It
// owns the framing and connection fields (Content-Length or chunked,
// Connection, Keep-Alive), adds Server, Date and a default Content-Type,
// writes everything through http/wire.h's checks, and puts a 500 in place of
// a response that is unsafe to write. No I/O: it appends to a buffer. Not a
// public header.
//
// One per server, shared by its loops: const after construction, so any
// thread may use it.

#ifndef BRISK_SERVER_INTERNAL_RESPONSE_WRITER_H_
#define BRISK_SERVER_INTERNAL_RESPONSE_WRITER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "bytes/byte_buffer.h"
#include "http/message.h"
#include "http/parse_error.h"
#include "http/wire.h"
#include "server/options.h"

namespace brisk::server::server_internal {

class ResponseWriter {
 public:
  using Logger = std::function<void(std::string_view line)>;
  // `options` must outlive the writer; `log` receives one line per refused
  // response and per error_handler that threw.
  ResponseWriter(const ServerOptions& options, Logger log);

  // How the head frames the body: by the body's size, by the length the
  // handler stated (streams, HEAD), or chunked; or, for a connection a
  // handler takes over (RequestCtx::Hijack), a 101 whose `Connection:
  // upgrade` hands the bytes that follow to the protocol its Upgrade field
  // names.
  enum class Framing : uint8_t { kBody, kStated, kChunked, kUpgrade };

  // Appends the status line and fields of `resp` for a request of HTTP/1.
  // `request_minor`; nothing when a part is unsafe (http/wire.h) or the
  // status is 1xx (a final answer must be final), which is returned. 204,
  // 304 and HEAD get no body framing beyond a stated length. kUpgrade takes
  // only a 101 with a non-empty Upgrade field to an HTTP/1.1 request
  // (RFC 9110 §7.8; kBadStatus otherwise); `keep_alive` is then ignored.
  [[nodiscard]] http::WireError AppendHead(const http::Response& resp,
                                           bool head, bool keep_alive,
                                           int request_minor, Framing framing,
                                           bytes::ByteBuffer& out) const;
  // AppendHead with `framing` (kBody or kUpgrade), then the body unless
  // HEAD or no-body.
  [[nodiscard]] http::WireError AppendResponse(
      const http::Response& resp, bool head, bool keep_alive, int request_minor,
      bytes::ByteBuffer& out, Framing framing = Framing::kBody) const;
  // AppendResponse; when `resp` is unsafe, logs it, replaces it with a 500
  // (FillError) and appends that with `keep_alive` off after a kUpgrade —
  // or, when the error handler made that unsafe too, a fixed 500 with
  // `keep_alive` turned off. Returns what was wrong with the original
  // (kNone when it went out).
  http::WireError AppendChecked(http::Response& resp, bool head,
                                bool& keep_alive, int request_minor,
                                bytes::ByteBuffer& out,
                                Framing framing = Framing::kBody) const;
  // Makes `resp` the server's own error answer: `status` with a text/plain
  // `detail`, then ServerOptions::error_handler's edits (an exception from it
  // is logged and leaves the default).
  void FillError(http::Response& resp, int status, http::ParseError pe,
                 std::string_view detail) const;

 private:
  const ServerOptions& options_;
  Logger log_;
  std::string server_line_;      // "Server: brisk\r\n" or empty
  std::string keep_alive_line_;  // "Keep-Alive: timeout=60\r\n"
};

}  // namespace brisk::server::server_internal

#endif  // BRISK_SERVER_INTERNAL_RESPONSE_WRITER_H_
