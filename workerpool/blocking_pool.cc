#include "workerpool/blocking_pool.h"

namespace brisk::workerpool {

BlockingPool::BlockingPool(const BlockingPoolOptions& options)
    : options_(options) {
  size_t n = options_.threads == 0 ? 1 : options_.threads;
  threads_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    threads_.emplace_back([this] { Loop(); });
  }
}

BlockingPool::~BlockingPool() {
  Shutdown();
}

bool BlockingPool::Submit(absl::AnyInvocable<void()> work,
                          asio::any_io_executor executor,
                          absl::AnyInvocable<void()> done) {
  {
    base::MutexLock lock(&mu_);
    if (shutdown_ || queue_.size() >= options_.max_queue) {
      return false;
    }
    queue_.emplace_back(
        [work = std::move(work), executor, done = std::move(done)]() mutable {
          work();
          asio::post(executor, std::move(done));
        });
  }
  cv_.notify_one();
  return true;
}

void BlockingPool::Loop() {
  for (;;) {
    absl::AnyInvocable<void()> item;
    {
      std::unique_lock<base::Mutex> lock(mu_);
      cv_.wait(lock, [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return shutdown_ || !queue_.empty();
      });
      mu_.AssertHeld();
      if (queue_.empty()) {
        return;  // shut down and drained
      }
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    item();
  }
}

void BlockingPool::Shutdown() {
  {
    base::MutexLock lock(&mu_);
    if (shutdown_ && threads_.empty()) {
      return;
    }
    shutdown_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) {
      t.join();
    }
  }
  threads_.clear();
}

size_t BlockingPool::queued() const {
  base::MutexLock lock(&mu_);
  return queue_.size();
}

}  // namespace brisk::workerpool
