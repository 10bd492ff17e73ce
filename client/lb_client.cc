#include "client/lb_client.h"

#include <utility>

#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"

#include "client/internal/loop_thread.h"

namespace brisk::client {

LBClient::LBClient(LBClientOptions options)
    : options_(std::move(options)),
      loop_(std::make_unique<client_internal::LoopThread>()) {
  if (options_.addrs.empty()) {
    status_ = absl::InvalidArgumentError("LBClientOptions.addrs: empty");
  } else if (options_.timeout <= absl::ZeroDuration() ||
             options_.penalty < absl::ZeroDuration()) {
    status_ = absl::InvalidArgumentError(
        "LBClientOptions: timeout must be positive, penalty not negative");
  }
  if (status_.ok()) {
    for (const std::string& addr : options_.addrs) {
      HostClientOptions o = options_.host;
      o.addrs = {addr};
      auto b = std::make_unique<Backend>();
      b->client = std::make_unique<HostClient>(std::move(o), loop_->io());
      if (!b->client->status().ok()) {
        status_ = b->client->status();
        break;
      }
      backends_.push_back(std::move(b));
    }
  }
  loop_->Start();
}

LBClient::~LBClient() {
  // The HostClients live on the loop: close them there, then stop.
  loop_->Stop([this] {
    for (auto& b : backends_) {
      b->client.reset();
    }
  });
}

LBClient::Backend* LBClient::Pick() {
  const size_t n = backends_.size();
  const size_t start = next_.fetch_add(1, std::memory_order_relaxed) % n;
  Backend* best = nullptr;
  int64_t best_load = 0;
  for (size_t i = 0; i < n; ++i) {
    Backend* b = backends_[(start + i) % n].get();
    int64_t load = b->in_flight.load(std::memory_order_relaxed) +
                   b->penalty.load(std::memory_order_relaxed);
    if (best == nullptr || load < best_load) {
      best = b;
      best_load = load;
    }
  }
  return best;
}

void LBClient::Penalize(Backend* b) {
  if (options_.penalty == absl::ZeroDuration()) {
    return;
  }
  b->penalty.fetch_add(1, std::memory_order_relaxed);
  boost::asio::post(loop_->io(), [this, b] {
    auto timer = std::make_shared<boost::asio::steady_timer>(
        loop_->io(), absl::ToChronoNanoseconds(options_.penalty));
    timer->async_wait([b, timer](const boost::system::error_code&) {
      b->penalty.fetch_sub(1, std::memory_order_relaxed);
    });
  });
}

absl::Status LBClient::Do(http::Request& req, http::Response& resp) {
  return DoDeadline(req, resp, absl::Now() + options_.timeout);
}

absl::Status LBClient::DoTimeout(http::Request& req, http::Response& resp,
                                 absl::Duration timeout) {
  return DoDeadline(req, resp, absl::Now() + timeout);
}

absl::Status LBClient::DoDeadline(http::Request& req, http::Response& resp,
                                  absl::Time deadline) {
  if (!status_.ok()) {
    return status_;
  }
  Backend* b = Pick();
  b->in_flight.fetch_add(1, std::memory_order_relaxed);
  b->requests.fetch_add(1, std::memory_order_relaxed);
  absl::Status s = b->client->DoDeadline(req, resp, deadline);
  b->in_flight.fetch_sub(1, std::memory_order_relaxed);
  const bool healthy = options_.health_check
                           ? options_.health_check(req, resp, s)
                           : s.ok() && resp.status_code() < 500;
  if (!healthy) {
    Penalize(b);
  }
  return s;
}

std::vector<LBBackendStats> LBClient::stats() const {
  std::vector<LBBackendStats> out;
  for (size_t i = 0; i < backends_.size(); ++i) {
    const Backend& b = *backends_[i];
    out.push_back({options_.addrs[i], b.in_flight.load(), b.penalty.load(),
                   b.requests.load()});
  }
  return out;
}

}  // namespace brisk::client
