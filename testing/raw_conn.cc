#include "testing/raw_conn.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace brisk::testing {

RawConn::~RawConn() {
  Close();
}

RawConn::RawConn(RawConn&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      buf_(std::move(other.buf_)),
      eof_(other.eof_),
      reset_(other.reset_) {}

RawConn& RawConn::operator=(RawConn&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    buf_ = std::move(other.buf_);
    eof_ = other.eof_;
    reset_ = other.reset_;
  }
  return *this;
}

bool RawConn::Connect(uint16_t port, uint8_t source) {
  Close();
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    return false;
  }
  if (source != 0) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(0x7f000000u | source);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
      Close();
      return false;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    // A signal (libFuzzer's timer, say) interrupted it: the connection goes
    // on by itself; wait for it to finish.
    bool connected = false;
    if (errno == EINTR) {
      pollfd p{fd_, POLLOUT, 0};
      int r;
      do {
        r = ::poll(&p, 1, 5000);
      } while (r < 0 && errno == EINTR);
      int err = 0;
      socklen_t len = sizeof(err);
      connected = r == 1 &&
                  ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
                  err == 0;
    }
    if (!connected) {
      Close();
      return false;
    }
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  eof_ = reset_ = false;
  buf_.clear();
  return true;
}

bool RawConn::Send(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

int RawConn::ReadSome(std::chrono::milliseconds timeout) {
  if (fd_ < 0) {
    return -1;
  }
  // Signals (libFuzzer's timer, say) interrupt poll and recv: go on until
  // the deadline.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd p{fd_, POLLIN, 0};
  int r;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    r = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
    if (r >= 0 || errno != EINTR) {
      break;
    }
  }
  if (r <= 0) {
    return -1;
  }
  char tmp[16384];
  ssize_t n;
  do {
    n = ::recv(fd_, tmp, sizeof(tmp), 0);
  } while (n < 0 && errno == EINTR);
  if (n == 0) {
    eof_ = true;
    return 0;
  }
  if (n < 0) {
    if (errno == ECONNRESET) {
      reset_ = eof_ = true;
      return 0;
    }
    return -1;
  }
  buf_.append(tmp, static_cast<size_t>(n));
  return static_cast<int>(n);
}

bool RawConn::ReadUntil(std::string_view needle,
                        std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (buf_.find(needle) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || ReadSome(left) <= 0) {
      return buf_.find(needle) != std::string::npos;
    }
  }
  return true;
}

bool RawConn::ReadUntilClose(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!eof_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || ReadSome(left) < 0) {
      return eof_;
    }
  }
  return true;
}

std::string RawConn::Take(size_t n) {
  std::string head = buf_.substr(0, n);
  buf_.erase(0, n);
  return head;
}

void RawConn::ShutdownWrite() {
  if (fd_ >= 0) {
    ::shutdown(fd_, SHUT_WR);
  }
}

void RawConn::Reset() {
  if (fd_ >= 0) {
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    Close();
  }
}

void RawConn::Close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

}  // namespace brisk::testing
