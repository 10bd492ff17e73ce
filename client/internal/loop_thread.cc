#include "client/internal/loop_thread.h"

#include <utility>

#include "boost/asio/post.hpp"

namespace brisk::client::client_internal {

namespace asio = boost::asio;

LoopThread::LoopThread() = default;

LoopThread::~LoopThread() {
  if (running()) {
    io_.stop();
    thread_.join();
  }
}

void LoopThread::Start() {
  work_.emplace(io_.get_executor());
  thread_ = std::thread([this] { io_.run(); });
}

void LoopThread::Stop(absl::AnyInvocable<void()> close) {
  End(std::move(close), /*stop=*/true);
}

void LoopThread::Drain(absl::AnyInvocable<void()> close) {
  End(std::move(close), /*stop=*/false);
}

void LoopThread::End(absl::AnyInvocable<void()> close, bool stop) {
  if (!running()) {
    return;
  }
  asio::post(io_, [this, stop, close = std::move(close)]() mutable {
    if (close) {
      close();
    }
    work_.reset();  // Drain: run() returns once no work is left
    if (stop) {
      // What `close` queued runs first, then the loop stops.
      asio::post(io_, [this] { io_.stop(); });
    }
  });
  thread_.join();
}

void LoopThread::RunQueued() {
  io_.restart();
  io_.poll();
}

}  // namespace brisk::client::client_internal
