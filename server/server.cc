#include "server/server.h"

#include <condition_variable>
#include <mutex>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/ip/address.hpp"
#include "boost/asio/post.hpp"

#include "bytes/conv.h"
#include "http/uri.h"
#include "server/internal/loop.h"

namespace brisk::server {
namespace {

using server_internal::tcp;

absl::StatusOr<tcp::endpoint> ParseAddr(std::string_view addr) {
  http::HostPort hp;
  if (!http::SplitHostPort(addr, hp, /*allow_empty_host=*/true) ||
      hp.port.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("address \"", bytes::ToAbsl(addr),
                     "\" is not host:port (port 0-65535)"));
  }
  std::string_view host = hp.host;
  const uint16_t port = hp.port_number;
  if (host.empty()) {
    host = "0.0.0.0";
  } else if (host == "localhost") {
    host = "127.0.0.1";
  }
  boost::system::error_code ec;
  auto ip = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("address \"", bytes::ToAbsl(addr), "\": \"",
                     bytes::ToAbsl(host), "\" is not an IP address"));
  }
  return tcp::endpoint(ip, port);
}

}  // namespace

namespace server_internal {
// Loop threads finishing, for Wait() and Shutdown().
struct Done {
  std::mutex mu;
  std::condition_variable cv;
  size_t finished = 0;
};
}  // namespace server_internal

Server::Server(ServerOptions options, Handler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {}

Server::~Server() {
  if (started_ && !stopped_) {
    Shutdown();
  }
  for (auto& t : threads_) {
    if (t.joinable()) {
      t.join();
    }
  }
  if (!started_) {
    // Loops that never ran still own stopped-never-started pools.
    for (auto& loop : loops_) {
      loop->BeginShutdown();
      loop->io().run();
    }
  }
}

absl::Status Server::Listen(std::string_view addr) {
  if (!loops_.empty()) {
    return absl::FailedPreconditionError("Listen() called twice");
  }
  if (absl::Status s = Validate(options_); !s.ok()) {
    return s;
  }
  if (!handler_) {
    return absl::InvalidArgumentError("no handler");
  }
  absl::StatusOr<tcp::endpoint> ep = ParseAddr(addr);
  if (!ep.ok()) {
    return ep.status();
  }
  shared_ = std::make_unique<server_internal::Shared>(options_, handler_);
  shared_->per_loop = &per_loop_;
  const int n = EffectiveThreads(options_);
  for (int i = 0; i < n; ++i) {
    loops_.push_back(std::make_unique<server_internal::Loop>(*shared_, i));
  }
  tcp::endpoint bind_ep = *ep;
  absl::Status s = loops_[0]->Bind(bind_ep, -1);
  if (s.ok()) {
    port_ = loops_[0]->port();
    bind_ep.port(port_);
    for (int i = 1; i < n && s.ok(); ++i) {
      s = loops_[i]->Bind(
          bind_ep, options_.reuseport ? -1 : loops_[0]->native_listen_fd());
    }
  }
  if (!s.ok()) {
    for (auto& loop : loops_) {
      loop->BeginShutdown();
      loop->io().run();
    }
    loops_.clear();
    shared_.reset();
  }
  return s;
}

void Server::Start() {
  if (started_ || loops_.empty()) {
    return;
  }
  started_ = true;
  done_ = std::make_unique<server_internal::Done>();
  for (auto& loop : loops_) {
    server_internal::Loop* l = loop.get();
    threads_.emplace_back([l, done = done_.get()] {
      l->Run();
      std::lock_guard<std::mutex> lock(done->mu);
      ++done->finished;
      done->cv.notify_all();
    });
  }
}

void Server::Wait() {
  if (!started_) {
    return;
  }
  std::unique_lock<std::mutex> lock(done_->mu);
  done_->cv.wait(lock, [&] { return done_->finished == loops_.size(); });
}

ShutdownReport Server::Shutdown(absl::Duration timeout) {
  ShutdownReport report;
  if (!started_ || stopped_) {
    return report;
  }
  stopped_ = true;
  for (auto& loop : loops_) {
    server_internal::Loop* l = loop.get();
    boost::asio::post(l->io(), [l] { l->BeginShutdown(); });
  }
  {
    std::unique_lock<std::mutex> lock(done_->mu);
    auto all_done = [&] { return done_->finished == loops_.size(); };
    if (timeout == absl::InfiniteDuration()) {
      done_->cv.wait(lock, all_done);
    } else if (!done_->cv.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                                   all_done)) {
      report.drained = false;
      for (auto& loop : loops_) {
        server_internal::Loop* l = loop.get();
        boost::asio::post(l->io(), [l] { l->HardClose(); });
      }
      // Detached requests still have to be finished by their handles.
      done_->cv.wait(lock, all_done);
    }
  }
  for (auto& t : threads_) {
    t.join();
  }
  threads_.clear();
  for (auto& loop : loops_) {
    report.hard_closed += loop->hard_closed.Get();
  }
  if (!report.drained) {
    shared_->Log(absl::StrCat("shutdown deadline: hard-closed ",
                              report.hard_closed, " connections"));
  }
  if (shared_->blocking) {
    shared_->blocking->Shutdown();
  }
  return report;
}

absl::Status Server::SetTls(std::shared_ptr<const tls::Context> tls) {
  if (options_.tls == nullptr) {
    return absl::FailedPreconditionError(
        "SetTls: the server was made without ServerOptions::tls");
  }
  if (tls == nullptr || !tls->is_server()) {
    return absl::InvalidArgumentError(
        "SetTls: needs a server context (tls::Context::MakeServer)");
  }
  if (shared_ == nullptr) {  // before Listen()
    options_.tls = std::move(tls);
    return absl::OkStatus();
  }
  base::MutexLock lock(&shared_->tls_mu);
  shared_->tls = std::move(tls);
  return absl::OkStatus();
}

ServerStats Server::stats() const {
  ServerStats st;
  for (const auto& loop : loops_) {
    st.accepted += loop->accepted.Get();
    st.requests += loop->requests.Get();
    st.parse_errors += loop->parse_errors.Get();
    st.timeouts += loop->timeouts.Get();
    st.refused += loop->refused.Get();
    st.refused_per_ip += loop->refused_per_ip.Get();
    st.handler_exceptions += loop->handler_exceptions.Get();
    st.hard_closed += loop->hard_closed.Get();
    // (The ended count first: it never passes the count read after it.)
    const uint64_t hijack_ended = loop->hijack_ended.Get();
    const uint64_t hijacked = loop->hijacked.Get();
    st.hijacked += hijacked;
    st.hijacked_open += hijacked - hijack_ended;
    st.unsafe_responses += loop->unsafe_responses.Get();
    st.accept_errors += loop->accept_errors.Get();
    st.tls_handshakes += loop->tls_handshakes.Get();
    st.tls_resumed += loop->tls_resumed.Get();
    st.tls_failures += loop->tls_failures.Get();
    st.bytes_read += loop->bytes_read.Get();
    st.bytes_written += loop->bytes_written.Get();
    using Phase = server_internal::Loop::Phase;
    auto phase = [&loop](Phase p) {
      return loop->timeouts_by_phase[static_cast<size_t>(p)].Get();
    };
    st.timeouts_by_phase.header += phase(Phase::kHeader);
    st.timeouts_by_phase.body += phase(Phase::kBody);
    st.timeouts_by_phase.idle += phase(Phase::kIdle);
    st.timeouts_by_phase.write += phase(Phase::kWrite);
    st.timeouts_by_phase.tls_handshake += phase(Phase::kTlsHandshake);
    st.timeouts_by_phase.handler += phase(Phase::kHandler);
    for (size_t k = 0; k < http::kParseErrorCount; ++k) {
      st.parse_errors_by_kind[k] += loop->parse_errors_by_kind[k].Get();
    }
    const workerpool::WorkerPoolStats w = loop->worker_stats();
    st.workers_busy += w.busy;
    st.workers_idle += w.idle;
    st.workers_created += w.created;
    st.workers_expired += w.expired;
  }
  if (shared_) {
    int64_t open = shared_->open_connections.load(std::memory_order_relaxed);
    st.open_connections = open > 0 ? static_cast<uint64_t>(open) : 0;
  }
  return st;
}

}  // namespace brisk::server
