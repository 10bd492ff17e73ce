#include "server/request_ctx.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "boost/asio/as_tuple.hpp"
#include "boost/asio/bind_cancellation_slot.hpp"
#include "boost/asio/use_awaitable.hpp"

#include "server/internal/loop.h"

namespace brisk::server {

using server_internal::Session;

const boost::asio::ip::tcp::endpoint& RequestCtx::remote_endpoint() const {
  CheckLive();
  return session_->conn->remote;
}

const tls::ConnectionInfo* RequestCtx::tls() const {
  CheckLive();
  const server_internal::Conn* c = session_->conn;
  return c->tls != nullptr ? &c->tls->info() : nullptr;
}

boost::asio::ip::tcp::endpoint RequestCtx::local_endpoint() const {
  CheckLive();
  boost::system::error_code ec;
  return session_->conn->socket.local_endpoint(ec);
}

uint64_t RequestCtx::connection_id() const {
  CheckLive();
  return session_->conn->id;
}

uint64_t RequestCtx::request_number() const {
  CheckLive();
  return session_->conn->requests;
}

int RequestCtx::loop_index() const {
  CheckLive();
  return session_->loop->index();
}

boost::asio::io_context& RequestCtx::loop_context() const {
  CheckLive();
  return session_->loop->io();
}

bool RequestCtx::is_head() const {
  CheckLive();
  return request_.header().method_id() == http::Method::kHead;
}

void RequestCtx::Error(int code, std::string_view message) {
  http::Response& r = response();
  r.Reset();
  r.SetStatusCode(code);
  r.SetContentType("text/plain; charset=utf-8");
  r.SetBody(message);
}

void RequestCtx::SetUserValue(std::string_view key, std::any value) {
  CheckLive();
  for (auto& [k, v] : user_values_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  user_values_.emplace_back(std::string(key), std::move(value));
}

const std::any* RequestCtx::UserValue(std::string_view key) const {
  CheckLive();
  for (const auto& [k, v] : user_values_) {
    if (k == key) {
      return &v;
    }
  }
  return nullptr;
}

DetachedCtx RequestCtx::Detach() {
  CheckLive();
  if (detached_) {
    std::fprintf(stderr, "brisk: RequestCtx::Detach() called twice\n");
    std::abort();
  }
  detached_ = true;
  return DetachedCtx(session_);
}

void RequestCtx::Continue(Task task) {
  CheckLive();
  if (session_->task) {
    std::fprintf(stderr, "brisk: RequestCtx::Continue() called twice\n");
    std::abort();
  }
  session_->task.emplace(std::move(task));
}

boost::asio::awaitable<absl::Status> RequestCtx::Sleep(absl::Duration d) {
  CheckLive();
  Session& s = *session_;
  if (s.cancel_reason != Session::Cancel::kNone) {
    co_return cancelled();
  }
  co_await s.loop->BeforeWait(s, s.conn);
  if (s.cancel_reason != Session::Cancel::kNone) {
    co_return cancelled();
  }
  // Longer than any process lives, short enough not to overflow the clock.
  d = std::clamp(d, absl::ZeroDuration(), absl::Hours(24 * 365 * 100));
  s.timer.expires_after(absl::ToChronoNanoseconds(d));
  auto [ec] = co_await s.timer.async_wait(boost::asio::bind_cancellation_slot(
      s.cancel.slot(), boost::asio::as_tuple(boost::asio::use_awaitable)));
  if (ec) {
    co_return s.cancel_reason != Session::Cancel::kNone
        ? cancelled()
        : absl::CancelledError("sleep interrupted");
  }
  co_return absl::OkStatus();
}

boost::asio::awaitable<absl::Status> RequestCtx::StreamWrite(
    std::string_view data) {
  CheckLive();
  if (detached_) {
    co_return absl::FailedPreconditionError(
        "StreamWrite on a detached request: use the DetachedCtx");
  }
  Session& s = *session_;
  co_return co_await s.loop->WriteStreamed(s, s.conn, data);
}

boost::asio::awaitable<absl::StatusOr<std::string_view>>
RequestCtx::ReadBodyPiece() {
  CheckLive();
  Session& s = *session_;
  co_return co_await s.loop->ReadBodyPiece(s, s.conn);
}

bool RequestCtx::body_streamed() const {
  CheckLive();
  return session_->body_streamed;
}

void RequestCtx::SetHandlerTimeout(absl::Duration d) {
  CheckLive();
  session_->handler_timeout_ns =
      d <= absl::ZeroDuration()
          ? 0
          : absl::ToInt64Nanoseconds(std::min(d, absl::Hours(24 * 365)));
}

absl::Status RequestCtx::cancelled() const {
  CheckLive();
  return server_internal::CancelStatus(session_->cancel_reason);
}

boost::asio::cancellation_slot RequestCtx::cancellation_slot() {
  CheckLive();
  // The call will wait: earlier pipelined answers go now, and the client
  // is watched so that its leaving interrupts the call.
  Session& s = *session_;
  s.loop->FlushNow(s, s.conn);
  s.loop->EnsureWatch(s, s.conn);
  return s.call_cancel.slot();
}

void RequestCtx::DieNotLive() const {
  std::fprintf(stderr,
               "brisk: RequestCtx used after its handler returned; it now "
               "belongs to another request. Call ctx.Detach() to answer "
               "later.\n");
  std::abort();
}

DetachedCtx& DetachedCtx::operator=(DetachedCtx&& other) noexcept {
  if (this != &other) {
    this->~DetachedCtx();
    session_ = std::exchange(other.session_, nullptr);
  }
  return *this;
}

DetachedCtx::~DetachedCtx() {
  if (session_ != nullptr) {
    session_->abandoned = true;
    http::Response& r = session_->ctx.response_;
    r.Reset();
    r.SetStatusCode(500);
    r.SetContentType("text/plain; charset=utf-8");
    r.SetBody("request abandoned by its handler\n");
    Finish();
  }
}

http::Request& DetachedCtx::request() {
  return session_->ctx.request_;
}

http::Response& DetachedCtx::response() {
  return session_->ctx.response_;
}

void DetachedCtx::StreamWrite(std::string_view data,
                              absl::AnyInvocable<void(absl::Status)> done) {
  Session* s = session_;
  if (s == nullptr) {
    if (done) {
      done(absl::FailedPreconditionError("StreamWrite after Finish"));
    }
    return;
  }
  // write_busy is only written by this handle's thread before the post and
  // by the loop after `done`, which the caller waits for.
  if (s->write_busy) {
    if (done) {
      done(absl::FailedPreconditionError(
          "StreamWrite before the previous write's callback"));
    }
    return;
  }
  s->write_busy = true;
  s->write_data = data;
  s->write_done = std::move(done);
  s->Post(Session::Cmd::kWrite);
}

void DetachedCtx::Finish() {
  Session* s = std::exchange(session_, nullptr);
  if (s != nullptr) {
    s->Post(Session::Cmd::kFinish);
  }
}

}  // namespace brisk::server
