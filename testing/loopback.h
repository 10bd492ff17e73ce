// File: testing/loopback.h
//
// A blocking TCP client for tests of servers on 127.0.0.1: connect, send raw
// bytes (well-formed or not), read with a deadline, close politely or with a
// reset. Every read is bounded (default 5 s) so a broken server fails the
// test instead of hanging it.
//
// Test-only: never a dependency of a library.

#ifndef BRISK_TESTING_LOOPBACK_H_
#define BRISK_TESTING_LOOPBACK_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

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

// Open file descriptors of this process (to check for leaks).
int OpenFileDescriptors();
// Resident set size of this process in KiB (VmRSS).
int64_t ProcessRssKib();

// A scripted TCP server on 127.0.0.1:0 for client tests: each accepted
// connection runs `script` on its own thread (answer, stall, reset, close
// early: whatever the test needs). The destructor stops accepting, shuts
// every connection down (so blocked scripts return) and joins the threads.
class FakeServer {
 public:
  explicit FakeServer(std::function<void(RawConn&, int index)> script);
  ~FakeServer();
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  uint16_t port() const { return port_; }
  // Connections accepted so far.
  int accepted() const { return accepted_.load(); }

 private:
  void AcceptLoop();

  std::function<void(RawConn&, int)> script_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::mutex mu_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace brisk::testing

#endif  // BRISK_TESTING_LOOPBACK_H_
