// Connections taken over by a handler (RequestCtx::Hijack): the hand-over
// from the HTTP exchange, and Hijacked's reads and writes. See
// server/hijacked.h for the contract, server/internal/loop.h for ownership.

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <exception>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/bind_cancellation_slot.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/post.hpp"

#include "server/hijacked.h"
#include "server/internal/loop.h"
#include "server/request_ctx.h"

namespace brisk::server {

using server_internal::HijackState;
using server_internal::HijackWait;
using server_internal::Session;

absl::Status RequestCtx::Hijack(HijackHandler handler) {
  CheckLive();
  Session& s = *session_;
  if (!handler) {
    return absl::InvalidArgumentError("Hijack: no handler");
  }
  if (s.hijack) {
    return absl::FailedPreconditionError("Hijack called twice");
  }
  if (detached_) {
    return absl::FailedPreconditionError("Hijack on a detached request");
  }
  if (s.stream.streaming) {
    return absl::FailedPreconditionError(
        "Hijack after a streamed response began");
  }
  if (s.body_streamed && !s.body.done()) {
    return absl::FailedPreconditionError(
        "Hijack before the streamed request body was read to its end");
  }
  if (s.loop->stopping()) {
    return absl::UnavailableError("server shutting down");
  }
  s.hijack = std::move(handler);
  return absl::OkStatus();
}

boost::asio::awaitable<absl::Status> Hijacked::Read(bytes::ByteBuffer& buf,
                                                    size_t max,
                                                    absl::Duration timeout) {
  return state_->loop->HijackRead(*state_, &buf, max, timeout);
}

boost::asio::awaitable<absl::Status> Hijacked::WaitReadable(
    absl::Duration timeout) {
  return state_->loop->HijackRead(*state_, nullptr, 1, timeout);
}

boost::asio::awaitable<absl::Status> Hijacked::Write(
    std::span<const std::string_view> parts, absl::Duration timeout) {
  return state_->loop->HijackWrite(*state_, parts, timeout);
}

boost::asio::awaitable<absl::Status> Hijacked::Write(std::string_view data,
                                                     absl::Duration timeout) {
  // (A coroutine: `data` is copied into its frame, the span points there.)
  const std::string_view parts[1] = {data};
  co_return co_await state_->loop->HijackWrite(*state_, parts, timeout);
}

void Hijacked::Close() {
  state_->loop->HijackClose(*state_);
}

bool Hijacked::closed() const {
  return state_->closed;
}

absl::Status Hijacked::cancelled() const {
  return state_->shutting_down ? absl::CancelledError("server shutting down")
                               : absl::OkStatus();
}

boost::asio::io_context::executor_type Hijacked::get_executor() const {
  return state_->loop->io().get_executor();
}

const boost::asio::ip::tcp::endpoint& Hijacked::remote_endpoint() const {
  return state_->conn->remote;
}

uint64_t Hijacked::connection_id() const {
  return state_->conn->id;
}

const tls::ConnectionInfo* Hijacked::tls() const {
  const server_internal::Conn* c = state_->conn;
  return c->tls != nullptr ? &c->tls->info() : nullptr;
}

namespace server_internal {
namespace {

// A wait's deadline from a call's timeout: 0 for none; now for zero or less
// (the call fails at the next tick unless it completes first).
int64_t DeadlineFor(absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) {
    return 0;
  }
  return CoarseNowNs() + std::max<int64_t>(ToNs(timeout), 1);
}

// Whether a read would not block: bytes (or the end, or an error) wait in
// the socket, or TLS holds received bytes not decrypted yet.
bool InputWaiting(const Conn* c) {
  if (c->tls != nullptr && c->tls->buffered_input() > 0) {
    return true;
  }
  char byte;
  const ssize_t n = ::recv(const_cast<Conn*>(c)->socket.native_handle(), &byte,
                           1, MSG_PEEK | MSG_DONTWAIT);
  return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

}  // namespace

void Loop::TrackWait(HijackWait& w, int64_t deadline) {
  w.deadline = deadline;
  if (!w.tracked) {
    hijack_waits_.push_back(w);
    w.tracked = true;
  }
  tick_.Arm();
}

void Loop::UntrackWait(HijackWait& w) {
  if (w.tracked) {
    hijack_waits_.erase(hijack_waits_.iterator_to(w));
    w.tracked = false;
  }
}

asio::awaitable<absl::Status> Loop::WaitHijacked(HijackState& h, HijackWait& w,
                                                 int64_t deadline) {
  const bool read = &w == &h.read;
  if (deadline > 0) {
    TrackWait(w, deadline);
  }
  const Socket::wait_type what = read ? Socket::wait_read : Socket::wait_write;
  auto [ec] = co_await h.conn->socket.async_wait(
      what, asio::bind_cancellation_slot(w.signal.slot(), kAwait));
  UntrackWait(w);
  if (absl::Status end = WaitEnd(h, w); !end.ok()) {
    co_return end;
  }
  if (ec) {
    co_return absl::UnavailableError(ec.message());
  }
  co_return absl::OkStatus();
}

asio::awaitable<absl::Status> Loop::ReadHijacked(HijackState& h,
                                                 bytes::ByteBuffer& buf,
                                                 size_t max, int64_t deadline) {
  // One read operation: Asio tries the read at once and, when nothing is
  // there, waits for the bytes without re-arming epoll and without a peek
  // (a readiness wait costs both: two system calls more per read).
  if (deadline > 0) {
    TrackWait(h.read, deadline);
  }
  Conn* c = h.conn;
  char* p = buf.PrepareAppend(max);
  auto [ec, n] = co_await c->socket.async_read_some(
      asio::buffer(p, max),
      asio::bind_cancellation_slot(h.read.signal.slot(), kAwait));
  UntrackWait(h.read);
  // Bytes that won a race with a timeout count.
  if (!h.closed && !ec && n > 0) {
    bytes_read.Inc(n);
    buf.CommitAppend(n);
    h.read_full = n == max;
    co_return absl::OkStatus();
  }
  h.read_full = false;
  if (absl::Status end = WaitEnd(h, h.read); !end.ok()) {
    co_return end;
  }
  if (ec == asio::error::eof || (!ec && n == 0)) {
    co_return absl::OutOfRangeError("end of stream");
  }
  co_return absl::UnavailableError(ec.message());
}

absl::Status Loop::WaitEnd(const HijackState& h, const HijackWait& w) {
  if (h.closed) {
    return HijackClosedStatus(h);
  }
  switch (w.why) {
    case HijackWait::Why::kTimeout:
      return absl::DeadlineExceededError(&w == &h.read ? "read timeout"
                                                       : "write timeout");
    case HijackWait::Why::kShutdown:
      return absl::CancelledError("server shutting down");
    case HijackWait::Why::kNone:
    case HijackWait::Why::kClosed:
      break;
  }
  return absl::OkStatus();
}

absl::Status Loop::HijackClosedStatus(const HijackState& h) {
  return h.hard_closed ? absl::CancelledError("server shutting down")
                       : absl::CancelledError("connection closed");
}

asio::awaitable<void> Loop::BeginHijack(Session& s, Conn* c,
                                        HijackHandler handler) {
  // The response (after earlier pipelined ones) is on the wire, whole,
  // before the handler's first byte.
  const bool sent = co_await Flush(s, c);
  auto h = std::make_unique<HijackState>(this, c);
  if (sent && s.pos < s.in.size()) {
    h->leftover.Append(s.in.view().substr(s.pos));
  }
  h->read_full = s.read_full;
  s.in.Reset();
  s.pos = 0;
  s.out.Reset();
  s.body_in.Reset();
  if (!sent) {
    EndTls(s, c);
    CloseConn(c);
    co_return;
  }
  if (c->tls != nullptr) {
    // The engine keeps its own buffers from now on (a record's head read
    // with the request moves along).
    c->tls->set_output(nullptr);
    c->tls->set_input(nullptr);
    s.tls_out.Reset();
  }
  c->hijack = h.get();
  hijacked.Inc();
  Notify(c, ConnState::kHijacked);
  if (stopping_) {
    h->shutting_down = true;
    h->notice_pending = true;
  }
  asio::co_spawn(io_, RunHijacked(std::move(h), std::move(handler)),
                 asio::detached);
}

asio::awaitable<void> Loop::RunHijacked(std::unique_ptr<HijackState> h,
                                        HijackHandler handler) {
  try {
    co_await handler(h->handle);
  } catch (const std::exception& e) {
    handler_exceptions.Inc();
    shared_.Log(absl::StrCat("hijack handler threw: ", e.what()));
  } catch (...) {
    handler_exceptions.Inc();
    shared_.Log("hijack handler threw a non-exception");
  }
  HijackClose(*h);
  // Calls other coroutines left pending complete (aborted by the close)
  // before the state goes.
  while (h->read.busy || h->write.busy) {
    co_await asio::post(io_, asio::use_awaitable);
  }
  Conn* c = h->conn;
  c->hijack = nullptr;
  hijack_ended.Inc();
  CloseConn(c);
}

asio::awaitable<absl::Status> Loop::HijackRead(HijackState& h,
                                               bytes::ByteBuffer* buf,
                                               size_t max,
                                               absl::Duration timeout) {
  if (h.closed) {
    co_return HijackClosedStatus(h);
  }
  if (h.read.busy) {
    co_return absl::FailedPreconditionError("a Read is already pending");
  }
  if (max == 0) {
    co_return absl::InvalidArgumentError("Read: max is 0");
  }
  if (h.notice_pending) {
    h.notice_pending = false;
    co_return absl::CancelledError("server shutting down");
  }
  if (h.leftover_pos < h.leftover.size()) {
    if (buf == nullptr) {
      co_return absl::OkStatus();  // readable: the leftover is there
    }
    const size_t n = std::min(max, h.leftover.size() - h.leftover_pos);
    buf->Append(h.leftover.view().substr(h.leftover_pos, n));
    h.leftover_pos += n;
    if (h.leftover_pos == h.leftover.size()) {
      h.leftover.Release();
      h.leftover_pos = 0;
    }
    co_return absl::OkStatus();
  }
  Conn* c = h.conn;
  h.read.busy = true;
  h.read.why = HijackWait::Why::kNone;
  const int64_t deadline = DeadlineFor(timeout);
  absl::Status result;
  bool try_now = h.read_full;  // the last read filled its room
  for (;;) {
    if (buf != nullptr && c->tls == nullptr) {
      result = co_await ReadHijacked(h, *buf, max, deadline);
      break;
    }
    if (!try_now) {
      if (c->tls != nullptr) {
        c->tls->Trim();  // an idle connection holds no buffer
      }
      result = co_await WaitHijacked(h, h.read, deadline);
      if (!result.ok()) {
        break;
      }
    }
    try_now = false;
    if (buf == nullptr) {
      // Even after a wait: Asio's readiness for a wait can come without
      // bytes (measured: trusting it made idle connections take read
      // buffers, 9 KB each instead of 5).
      if (!InputWaiting(c)) {
        continue;  // nothing after all: wait (holding nothing)
      }
      h.read_full = true;  // the next Read reads at once
      break;
    }
    boost::system::error_code ec;
    if (ReadNow(c, *buf, max, h.read_full, ec) > 0) {
      break;
    }
    if (ec == asio::error::would_block) {
      h.read_full = false;
      continue;
    }
    result = ec == asio::error::eof ? absl::OutOfRangeError("end of stream")
                                    : absl::UnavailableError(ec.message());
    break;
  }
  if (c->tls != nullptr && !h.write.busy && !h.closed && c->tls->has_output()) {
    // What TLS itself has to answer (a KeyUpdate) goes now if the socket
    // takes it, else ahead of the next Write's records.
    c->tls->TakeOutput(h.tls_out);
    boost::system::error_code ec;
    const size_t n = c->socket.write_some(
        asio::buffer(h.tls_out.data(), h.tls_out.size()), ec);
    if (!ec) {
      bytes_written.Inc(n);
      h.tls_out.DiscardPrefix(n);
    }
  }
  h.read.busy = false;
  h.read.why = HijackWait::Why::kNone;
  co_return result;
}

asio::awaitable<absl::Status> Loop::HijackWrite(
    HijackState& h, std::span<const std::string_view> parts,
    absl::Duration timeout) {
  constexpr size_t kMaxParts = 8;
  if (h.closed) {
    co_return HijackClosedStatus(h);
  }
  if (h.write.busy) {
    co_return absl::FailedPreconditionError("a Write is already pending");
  }
  Conn* c = h.conn;
  // What goes on the wire: the parts, or on TLS their records (after what
  // TLS itself still had to send).
  std::array<asio::const_buffer, kMaxParts> bufs;
  size_t left = 0;
  if (c->tls != nullptr) {
    tls::Engine& t = *c->tls;
    t.TakeOutput(h.tls_out);
    t.set_output(&h.tls_out);
    absl::Status st;
    for (std::string_view p : parts) {
      st = t.Write(p);
      if (!st.ok()) {
        break;
      }
    }
    t.set_output(nullptr);
    if (!st.ok()) {
      tls_failures.Inc();
      HijackClose(h);
      co_return absl::UnavailableError(st.message());
    }
    bufs[0] = asio::buffer(h.tls_out.data(), h.tls_out.size());
    left = h.tls_out.size();
  } else {
    if (parts.size() > kMaxParts) {
      co_return absl::InvalidArgumentError("Write: more than 8 parts");
    }
    for (size_t i = 0; i < parts.size(); ++i) {
      bufs[i] = asio::buffer(parts[i].data(), parts[i].size());
      left += parts[i].size();
    }
  }
  h.write.busy = true;
  h.write.why = HijackWait::Why::kNone;
  int64_t deadline = DeadlineFor(timeout);
  absl::Status result;
  while (left > 0) {
    boost::system::error_code ec;
    size_t n = c->socket.write_some(bufs, ec);
    if (ec == asio::error::would_block) {
      result = co_await WaitHijacked(h, h.write, deadline);
      if (!result.ok()) {
        break;
      }
      continue;
    }
    if (ec) {
      result = absl::UnavailableError(ec.message());
      break;
    }
    bytes_written.Inc(n);
    left -= n;
    if (n > 0) {
      deadline = DeadlineFor(timeout);  // the timeout bounds each stall
    }
    for (asio::const_buffer& b : bufs) {  // past what was written
      const size_t k = std::min(n, b.size());
      b += k;
      n -= k;
    }
  }
  h.tls_out.Reset();
  h.write.busy = false;
  h.write.why = HijackWait::Why::kNone;
  if (!result.ok()) {
    HijackClose(h);  // a stream cut mid-write cannot go on
  }
  co_return result;
}

void Loop::HijackClose(HijackState& h) {
  if (h.closed) {
    return;
  }
  h.closed = true;
  Conn* c = h.conn;
  boost::system::error_code ec;
  if (c->tls != nullptr && !h.write.busy && !h.hard_closed &&
      c->tls->status().ok()) {
    // close_notify, if the socket takes it now.
    c->tls->TakeOutput(h.tls_out);
    c->tls->set_output(&h.tls_out);
    c->tls->Close();
    c->tls->set_output(nullptr);
    const size_t n = c->socket.write_some(
        asio::buffer(h.tls_out.data(), h.tls_out.size()), ec);
    if (!ec) {
      bytes_written.Inc(n);
    }
    h.tls_out.Release();
  }
  UntrackWait(h.read);
  UntrackWait(h.write);
  // Pending waits complete (aborted); each call sees `closed`.
  c->socket.close(ec);
}

}  // namespace server_internal
}  // namespace brisk::server
