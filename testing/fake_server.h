// File: testing/fake_server.h
//
// A scripted TCP server on 127.0.0.1:0 for client tests: each accepted
// connection runs `script` on its own thread (answer, stall, reset, close
// early: whatever the test needs). The destructor stops accepting, shuts
// every connection down (so blocked scripts return) and joins the threads.
//
// Test-only: never a dependency of a library.

#ifndef BRISK_TESTING_FAKE_SERVER_H_
#define BRISK_TESTING_FAKE_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "testing/raw_conn.h"

namespace brisk::testing {

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

#endif  // BRISK_TESTING_FAKE_SERVER_H_
