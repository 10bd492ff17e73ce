// File: websocket/internal/transport.h
//
// The byte stream under a websocket::Conn: a server's hijacked connection
// (server::Hijacked) or a client's connection. Not a public header.

#ifndef BRISK_WEBSOCKET_INTERNAL_TRANSPORT_H_
#define BRISK_WEBSOCKET_INTERNAL_TRANSPORT_H_

#include <span>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/awaitable.hpp"

#include "bytes/byte_buffer.h"

namespace brisk::websocket::websocket_internal {

// The calls and errors of server::Hijacked (server/hijacked.h): Read
// appends at least one byte; OutOfRange is the peer's end, DeadlineExceeded
// a timeout, Cancelled a shutdown notice (once) or a close.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual boost::asio::awaitable<absl::Status> WaitReadable(
      absl::Duration timeout) = 0;
  virtual boost::asio::awaitable<absl::Status> Read(bytes::ByteBuffer& buf,
                                                    size_t max,
                                                    absl::Duration timeout) = 0;
  virtual boost::asio::awaitable<absl::Status> Write(
      std::span<const std::string_view> parts, absl::Duration timeout) = 0;
  virtual void Close() = 0;
  // Whether a Cancelled from Read is the server's shutdown notice.
  virtual bool shutting_down() const = 0;
  virtual boost::asio::any_io_executor executor() const = 0;
};

}  // namespace brisk::websocket::websocket_internal

#endif  // BRISK_WEBSOCKET_INTERNAL_TRANSPORT_H_
