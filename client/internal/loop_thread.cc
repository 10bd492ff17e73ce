#include "client/internal/loop_thread.h"

#include <utility>

#include "boost/asio/post.hpp"

namespace brisk::client::client_internal {

namespace asio = boost::asio;

LoopThread::LoopThread() = default;

LoopThread::~LoopThread() {
  Stop(nullptr);
}

void LoopThread::Start() {
  work_.emplace(io_.get_executor());
  thread_ = std::thread([this] { io_.run(); });
}

void LoopThread::Stop(absl::AnyInvocable<void()> close) {
  if (!running()) {
    return;
  }
  asio::post(io_, [this, close = std::move(close)]() mutable {
    if (close) {
      close();
    }
    work_.reset();
    // What `close` queued runs first, then the loop stops.
    asio::post(io_, [this] { io_.stop(); });
  });
  thread_.join();
}

void LoopThread::Drain(absl::AnyInvocable<void()> close) {
  if (!running()) {
    return;
  }
  asio::post(io_, [this, close = std::move(close)]() mutable {
    if (close) {
      close();
    }
    work_.reset();  // run() returns once no work is left
  });
  thread_.join();
}

void LoopThread::RunQueued() {
  io_.restart();
  io_.poll();
}

}  // namespace brisk::client::client_internal
