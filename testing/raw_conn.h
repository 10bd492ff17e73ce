// File: testing/raw_conn.h
//
// A blocking TCP client for tests of servers on 127.0.0.1: connect, send raw
// bytes (well-formed or not), read with a deadline, close politely or with a
// reset. Every read is bounded (default 5 s) so a broken server fails the
// test instead of hanging it.
//
// Test-only: never a dependency of a library.

#ifndef BRISK_TESTING_RAW_CONN_H_
#define BRISK_TESTING_RAW_CONN_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace brisk::testing {

class RawConn {
 public:
  RawConn() = default;
  ~RawConn();
  RawConn(RawConn&& other) noexcept;
  RawConn& operator=(RawConn&& other) noexcept;
  RawConn(const RawConn&) = delete;
  RawConn& operator=(const RawConn&) = delete;

  // Takes ownership of a connected socket.
  explicit RawConn(int fd) : fd_(fd) {}

  // Connects to 127.0.0.1:port; false on failure. `source`, when not 0,
  // is the last byte of the local address 127.0.0.<source>: a test that
  // opens tens of thousands of connections spreads them over several
  // source addresses, so that the closed ones waiting out TIME_WAIT do not
  // use up the 28k ephemeral ports of one.
  bool Connect(uint16_t port, uint8_t source = 0);
  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  // Sends all of `data`; false if the peer is gone.
  bool Send(std::string_view data);
  // Appends what arrives within `timeout` (at least one byte unless EOF or
  // timeout) to buffer(); returns bytes read, 0 on EOF, -1 on timeout or
  // error.
  int ReadSome(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads until buffer() contains `needle` (true) or EOF/timeout (false).
  bool ReadUntil(std::string_view needle,
                 std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads until the peer closes (true) or the timeout (false).
  bool ReadUntilClose(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Whether the peer closed (EOF or reset seen by a read).
  bool eof() const { return eof_; }
  bool reset() const { return reset_; }

  std::string& buffer() { return buf_; }
  // Removes and returns the first `n` bytes of buffer().
  std::string Take(size_t n);

  void ShutdownWrite();
  // Closes with RST instead of FIN (SO_LINGER 0).
  void Reset();
  void Close();

 private:
  int fd_ = -1;
  std::string buf_;
  bool eof_ = false;
  bool reset_ = false;
};

}  // namespace brisk::testing

#endif  // BRISK_TESTING_RAW_CONN_H_
