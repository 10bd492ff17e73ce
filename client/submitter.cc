#include "client/internal/submitter.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <utility>

#include "boost/asio/async_result.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/this_coro.hpp"
#include "boost/asio/use_awaitable.hpp"

namespace brisk::client::client_internal {

void Call::Complete(absl::Status s) {
  result = std::move(s);
  if (resume) {
    completed = true;
    Release();
    return;
  }
  done.store(1, std::memory_order_release);
  done.notify_one();
}

void Call::Release() {
  if (holds.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    auto h = std::move(*resume);
    resume.reset();
    // The caller may free this Call as soon as it resumes.
    boost::asio::post(resume_on, std::move(h));
  }
}

void Call::Cancel(boost::asio::io_context& loop) {
  int h = holds.load(std::memory_order_acquire);
  while (h > 0 &&
         !holds.compare_exchange_weak(h, h + 1, std::memory_order_acq_rel)) {
  }
  if (h == 0) {
    return;  // completed: the caller is about to resume
  }
  boost::asio::post(loop, [this] {
    if (!completed) {
      cancel.emit(boost::asio::cancellation_type::terminal);
    }
    Release();
  });
}

boost::asio::awaitable<absl::Status> AwaitCall(
    Call& call, boost::asio::io_context& loop,
    boost::asio::cancellation_slot cancel,
    absl::AnyInvocable<void(Call*)> start) {
  const boost::asio::any_io_executor caller =
      co_await boost::asio::this_coro::executor;
  call.cancellable = cancel.is_connected();
  co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable),
                                       void()>(
      [&](auto handler) {
        call.resume.emplace(std::move(handler));
        call.resume_on = caller;
        if (call.cancellable) {
          cancel.assign([&call, &loop](boost::asio::cancellation_type) {
            call.Cancel(loop);
          });
        }
        start(&call);
      },
      boost::asio::use_awaitable);
  if (call.cancellable) {
    cancel.clear();
  }
  co_return std::move(call.result);
}

absl::Status Call::Wait() {
  done.wait(0, std::memory_order_acquire);
  return std::move(result);
}

Submitter::Submitter(boost::asio::io_context& io,
                     std::function<void(Call*)> on_call)
    : io_(io), on_call_(std::move(on_call)), event_(io) {
  fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd_ >= 0) {
    boost::system::error_code ec;
    event_.assign(fd_, ec);
  }
}

Submitter::~Submitter() = default;  // event_ closes the descriptor

void Submitter::Start() {
  Arm();
}

void Submitter::Arm() {
  if (!event_.is_open()) {
    return;
  }
  event_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                    [this](const boost::system::error_code& ec) {
                      if (!ec) {
                        OnWake();
                      }
                    });
}

void Submitter::Submit(Call* call) {
  bool wake = false;
  bool refused = false;
  absl::Status refusal;
  {
    base::MutexLock lock(&mu_);
    if (closed_ || fd_ < 0) {
      refused = true;
      refusal = closed_ ? closed_status_
                        : absl::UnavailableError("client not started");
    } else {
      call->next = nullptr;
      if (tail_ != nullptr) {
        tail_->next = call;
      } else {
        head_ = call;
      }
      tail_ = call;
      wake = !wake_pending_;
      wake_pending_ = true;
    }
  }
  if (refused) {
    call->Complete(std::move(refusal));
    return;
  }
  if (wake) {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(fd_, &one, sizeof(one));
  }
}

void Submitter::OnWake() {
  uint64_t value;
  [[maybe_unused]] ssize_t n = ::read(fd_, &value, sizeof(value));
  Call* list;
  {
    base::MutexLock lock(&mu_);
    list = head_;
    head_ = tail_ = nullptr;
    wake_pending_ = false;
  }
  while (list != nullptr) {
    Call* call = list;
    list = list->next;
    on_call_(call);
  }
  Arm();
}

void Submitter::Close(absl::Status status) {
  Call* pending;
  {
    base::MutexLock lock(&mu_);
    if (closed_) {
      return;
    }
    closed_ = true;
    closed_status_ = status;
    pending = head_;
    head_ = tail_ = nullptr;
    boost::system::error_code ignored;
    event_.close(ignored);
  }
  while (pending != nullptr) {
    Call* call = pending;
    pending = pending->next;
    call->Complete(status);
  }
}

}  // namespace brisk::client::client_internal
