// The event loop of one server thread: accept, idle waits, deadlines, and the
// worker's serving coroutine. See server/internal/loop.h for ownership.

#include "server/internal/loop.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/async_result.hpp"
#include "boost/asio/bind_cancellation_slot.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/socket_base.hpp"
#include "boost/asio/use_awaitable.hpp"

#include "bytes/conv.h"
#include "http/chunked.h"
#include "http/date.h"
#include "http/header_fields.h"
#include "http/status_code.h"
#include "server/middleware.h"

namespace brisk::server::server_internal {
namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// The first byte of a plaintext HTTP request (a method's first letter),
// never of a TLS record (a handshake record starts with 0x16): the answer
// does not depend on how much of the request came in the first read.
bool LooksLikeHttp(std::string_view first) {
  return !first.empty() && first[0] >= 'A' && first[0] <= 'Z';
}

std::array<uint8_t, 16> IpKey(const tcp::endpoint& ep) {
  asio::ip::address a = ep.address();
  if (a.is_v4()) {
    return asio::ip::make_address_v6(asio::ip::v4_mapped, a.to_v4()).to_bytes();
  }
  return a.to_v6().to_bytes();
}

absl::Time CoarseWallNow() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return absl::TimeFromTimespec(ts);
}

}  // namespace

int64_t CoarseNowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

int64_t ToNs(absl::Duration d) {
  return d == absl::InfiniteDuration() ? 0 : absl::ToInt64Nanoseconds(d);
}

namespace {

// Deadlines are checked every tick: a quarter of the shortest timeout,
// between 10 ms and 1 s.
std::chrono::nanoseconds TickPeriod(const ServerOptions& o) {
  int64_t shortest = std::min({ToNs(o.header_read_timeout),
                               ToNs(o.idle_timeout), ToNs(o.linger_timeout)});
  for (int64_t t : {ToNs(o.read_timeout), ToNs(o.write_timeout),
                    ToNs(o.body_read_timeout), ToNs(o.send_timeout),
                    o.tls != nullptr ? ToNs(o.tls_handshake_timeout) : 0}) {
    if (t > 0) {
      shortest = std::min(shortest, t);
    }
  }
  return std::chrono::nanoseconds(
      std::clamp<int64_t>(shortest / 4, 10'000'000, 1'000'000'000));
}

}  // namespace

Shared::Shared(const ServerOptions& o, const Handler& h)
    : options(o),
      handler(h),
      limit(o.concurrency),
      writer(o, [this](std::string_view line) { Log(line); }),
      tls(o.tls) {
  if (o.blocking_handler) {
    blocking = std::make_unique<workerpool::BlockingPool>(
        workerpool::BlockingPoolOptions{.threads = o.blocking_threads,
                                        .max_queue = o.blocking_queue});
  }
}

std::shared_ptr<const tls::Context> Shared::Tls() const {
  base::MutexLock lock(&tls_mu);
  return tls;
}

void Shared::Log(std::string_view line) const {
  if (options.logger) {
    options.logger(line);
  } else {
    std::fprintf(stderr, "brisk server: %.*s\n", static_cast<int>(line.size()),
                 line.data());
  }
}

Session::Session(Loop* l)
    : loop(l), timer(l->io_.get_executor()), deadline(l->io_.get_executor()) {
  const ServerOptions& o = l->options_;
  http::HeaderLimits limits{.max_header_bytes = o.max_header_bytes,
                            .max_uri_bytes = o.max_uri_bytes};
  ctx.request_.header().set_limits(limits);
  ctx.session_ = this;
  in.Reserve(o.read_buffer_bytes);
  // `out` grows at the first response (as fasthttp takes its writer only to
  // write): a handler asleep before answering holds no output buffer.
}

void Session::Deliver(Cmd c) {
  (c == Cmd::kWrite ? write_pending : finish_pending) = true;
  if (waiter) {
    auto h = std::move(*waiter);
    waiter.reset();
    std::move(h)();
  }
}

void Session::DropBodyPrefix() {
  if (body_prefix.capacity() > 64 * 1024) {
    body_prefix.Release();  // a warm session keeps no large prefix
  } else {
    body_prefix.Reset();
  }
}

void Session::Post(Cmd c) {
  asio::post(loop->io_, [this, c] { Deliver(c); });
}

Loop::Loop(Shared& shared, int index)
    : shared_(shared),
      options_(shared.options),
      index_(index),
      acceptor_(io_.get_executor()),
      tick_(io_, TickPeriod(shared.options), [this] { Tick(); }),
      accept_backoff_(io_.get_executor()),
      pool_(
          io_.get_executor(), shared.limit,
          [this](Session& s, Conn* c) { return Serve(s, c); },
          [this] { return std::make_unique<Session>(this); },
          workerpool::WorkerPoolOptions{
              .max_idle_worker_duration = options_.max_idle_worker_duration}) {
  header_timeout_ns_ = ToNs(options_.header_read_timeout);
  idle_timeout_ns_ = ToNs(options_.idle_timeout);
  linger_ns_ = ToNs(options_.linger_timeout);
  read_timeout_ns_ = ToNs(options_.read_timeout);
  write_timeout_ns_ = ToNs(options_.write_timeout);
  body_read_timeout_ns_ = ToNs(options_.body_read_timeout);
  send_timeout_ns_ = ToNs(options_.send_timeout);
  stream_read_timeout_ns_ = ToNs(options_.stream_read_timeout);
  tls_handshake_ns_ = ToNs(options_.tls_handshake_timeout);
}

Loop::~Loop() = default;

absl::Status Loop::Bind(const tcp::endpoint& ep, int shared_fd) {
  boost::system::error_code ec;
  if (shared_fd >= 0) {
    int fd = ::dup(shared_fd);
    if (fd < 0) {
      return absl::InternalError("dup of the listening socket failed");
    }
    acceptor_.assign(ep.protocol(), fd, ec);
    if (ec) {
      ::close(fd);
      return absl::InternalError(absl::StrCat("listen: ", ec.message()));
    }
    return absl::OkStatus();
  }
  acceptor_.open(ep.protocol(), ec);
  if (!ec) {
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec && options_.reuseport) {
    int one = 1;
    if (::setsockopt(acceptor_.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one,
                     sizeof(one)) != 0) {
      return absl::InternalError("setsockopt(SO_REUSEPORT) failed");
    }
  }
  if (!ec) {
    // Wake the acceptor only when the first request bytes are there, so the
    // first read after accept finds them (bounded at 1 s by the kernel).
    int secs = 1;
    ::setsockopt(acceptor_.native_handle(), IPPROTO_TCP, TCP_DEFER_ACCEPT,
                 &secs, sizeof(secs));
    acceptor_.bind(ep, ec);
  }
  if (!ec) {
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return absl::UnavailableError(absl::StrCat("listen on ",
                                               ep.address().to_string(), ":",
                                               ep.port(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

uint16_t Loop::port() const {
  boost::system::error_code ec;
  return acceptor_.local_endpoint(ec).port();
}

void Loop::Run() {
  if (acceptor_.is_open()) {
    Accept();
  }
  io_.run();
}

void Loop::Accept() {
  acceptor_.async_accept(
      peer_, [this](const boost::system::error_code& ec, Socket socket) {
        OnAccept(ec, std::move(socket));
      });
}

void Loop::OnAccept(const boost::system::error_code& ec, Socket socket) {
  if (stopping_ || ec == asio::error::operation_aborted) {
    return;
  }
  if (ec) {
    if (ec == asio::error::no_descriptors ||
        ec == asio::error::no_buffer_space || ec.value() == ENFILE) {
      // Out of descriptors: back off instead of spinning on accept; the
      // connections already open keep being served. One line per 10 s.
      accept_errors.Inc();
      ++accept_errors_unlogged_;
      const int64_t now = CoarseNowNs();
      if (last_accept_log_ns_ == 0 ||
          now - last_accept_log_ns_ >= 10'000'000'000) {
        shared_.Log(absl::StrCat("accept: ", ec.message(), " (",
                                 accept_errors_unlogged_,
                                 " times); backing off 50 ms each"));
        accept_errors_unlogged_ = 0;
        last_accept_log_ns_ = now;
      }
      accept_backoff_.expires_after(std::chrono::milliseconds(50));
      accept_backoff_.async_wait([this](const boost::system::error_code& e) {
        if (!e && !stopping_) {
          Accept();
        }
      });
      return;
    }
    Accept();
    return;
  }
  Accept();
  accepted.Inc();
  int64_t open =
      shared_.open_connections.fetch_add(1, std::memory_order_relaxed) + 1;
  boost::system::error_code ignored;
  socket.non_blocking(true, ignored);
  if (options_.tcp_nodelay) {
    socket.set_option(tcp::no_delay(true), ignored);
  }
  if (options_.tcp_keepalive) {
    socket.set_option(asio::socket_base::keep_alive(true), ignored);
  }
  auto* c =
      new Conn(this, std::move(socket), peer_,
               shared_.next_conn_id.fetch_add(1, std::memory_order_relaxed));
  all_.push_front(*c);
  if (options_.tls != nullptr) {
    c->tls = std::make_unique<tls::Engine>(shared_.Tls());
  }
  if (open > options_.max_connections) {
    refused.Inc();
    Refuse(c, 503, "too many open connections");
    return;
  }
  if (options_.max_conns_per_ip > 0) {
    bool over;
    {
      base::MutexLock lock(&shared_.ip_mu);
      int& n = shared_.per_ip[IpKey(c->remote)];
      over = n >= options_.max_conns_per_ip;
      if (!over) {
        ++n;
      }
    }
    if (over) {
      refused_per_ip.Inc();
      Refuse(c, 429, "too many connections from this address");
      return;
    }
    c->ip_counted = true;
  }
  Notify(c, ConnState::kNew);
  Dispatch(c);
}

void Loop::Notify(Conn* c, ConnState s) {
  if (options_.on_conn_state) {
    options_.on_conn_state(c->id, c->remote, s);
  }
}

void Loop::Dispatch(Conn* c) {
  Notify(c, ConnState::kActive);
  if (!pool_.Serve(c)) {
    refused.Inc();
    Refuse(c, 503, stopping_ ? "server shutting down" : "server busy");
  }
}

void Loop::WaitIdle(Conn* c, bool fresh, bool same_wait) {
  if (stopping_) {
    CloseConn(c);
    return;
  }
  if (!same_wait || c->idle_deadline == 0) {
    c->idle_deadline =
        CoarseNowNs() + (fresh ? header_timeout_ns_ : idle_timeout_ns_);
  }
  // An earlier deadline would break fresh_'s or idle_'s order.
  Track(c,
        same_wait ? Where::kRewait
        : fresh   ? Where::kFresh
                  : Where::kIdle,
        c->idle_deadline);
  Notify(c, ConnState::kIdle);
  c->socket.async_wait(
      Socket::wait_read,
      [c](const boost::system::error_code& ec) { c->loop->OnReadable(c, ec); });
}

void Loop::OnReadable(Conn* c, const boost::system::error_code& ec) {
  Untrack(c);
  if (ec || stopping_) {
    if (c->timed_out) {
      TimedOut(c->requests == 0 ? Phase::kHeader : Phase::kIdle);
    }
    CloseConn(c);
    return;
  }
  Dispatch(c);
}

ConnList* Loop::ListFor(Where where) {
  switch (where) {
    case Where::kFresh:
      return &fresh_;
    case Where::kIdle:
      return &idle_;
    case Where::kRewait:
      return &rewait_;
    case Where::kTimed:
      return &timed_;
    case Where::kNone:
      break;
  }
  return nullptr;
}

void Loop::Track(Conn* c, Where where, int64_t deadline) {
  Untrack(c);
  c->where = where;
  c->deadline = deadline;
  if (ConnList* list = ListFor(where)) {
    list->push_back(*c);
  }
  tick_.Arm();
}

void Loop::Untrack(Conn* c) {
  if (ConnList* list = ListFor(c->where)) {
    list->erase(list->iterator_to(*c));
  }
  c->where = Where::kNone;
}

void Loop::Tick() {
  const int64_t now = CoarseNowNs();
  auto expire = [now](ConnList& list, bool ordered) {
    for (auto it = list.begin(); it != list.end();) {
      Conn& c = *it;
      if (c.deadline <= now) {
        // The owner's completion (operation_aborted) closes or answers it.
        c.timed_out = true;
        it = list.erase(it);
        c.where = Where::kNone;
        boost::system::error_code ignored;
        c.socket.cancel(ignored);
      } else if (ordered) {
        break;
      } else {
        ++it;
      }
    }
  };
  expire(fresh_, true);
  expire(idle_, true);
  expire(rewait_, false);
  expire(timed_, false);
  // A hijacked connection's call is interrupted by its own signal: the
  // other direction goes on.
  for (auto it = hijack_waits_.begin(); it != hijack_waits_.end();) {
    HijackWait& w = *it;
    if (w.deadline <= now) {
      it = hijack_waits_.erase(it);
      w.tracked = false;
      w.why = HijackWait::Why::kTimeout;
      w.signal.emit(asio::cancellation_type::terminal);
    } else {
      ++it;
    }
  }
  if (!fresh_.empty() || !idle_.empty() || !rewait_.empty() ||
      !timed_.empty() || !hijack_waits_.empty()) {
    tick_.Arm();
  }
}

void Loop::CloseConn(Conn* c) {
  Untrack(c);
  boost::system::error_code ignored;
  c->socket.close(ignored);
  if (c->ip_counted) {
    base::MutexLock lock(&shared_.ip_mu);
    auto it = shared_.per_ip.find(IpKey(c->remote));
    if (it != shared_.per_ip.end() && --it->second == 0) {
      shared_.per_ip.erase(it);
    }
  }
  all_.erase(all_.iterator_to(*c));
  shared_.open_connections.fetch_sub(1, std::memory_order_relaxed);
  Notify(c, ConnState::kClosed);
  delete c;
  if (stopping_ && all_.empty()) {
    tick_.Stop();  // nothing left to time: let the loop drain now
    Drained();
  }
}

void Loop::Drained() {
  if (drained_ || shared_.per_loop == nullptr) {
    return;
  }
  drained_ = true;
  for (const std::unique_ptr<PerLoopBase>& p : *shared_.per_loop) {
    p->CloseOn(index_);
  }
}

void Loop::FillError(http::Response& resp, int status, http::ParseError pe,
                     std::string_view detail) {
  shared_.writer.FillError(resp, status, pe, detail);
}

void Loop::AppendChecked(http::Response& resp, bool head, bool& keep_alive,
                         int request_minor, bytes::ByteBuffer& out) {
  if (shared_.writer.AppendChecked(resp, head, keep_alive, request_minor,
                                   out) != http::WireError::kNone) {
    unsafe_responses.Inc();
  }
}

void Loop::Refuse(Conn* c, int status, std::string_view detail) {
  FillError(scratch_response_, status, http::ParseError::kNone, detail);
  scratch_out_.Reset();
  bool keep = false;
  AppendChecked(scratch_response_, false, keep, 1, scratch_out_);
  if (c->tls != nullptr) {
    // Encrypted on an established connection; before the handshake there
    // is no way to answer in HTTP: the connection just closes.
    scratch_tls_.Reset();
    if (c->tls->handshake_done()) {
      c->tls->set_output(&scratch_tls_);
      if (c->tls->Write(scratch_out_.view()).ok()) {
        c->tls->Close();
      }
      c->tls->set_output(nullptr);
    }
    std::swap(scratch_out_, scratch_tls_);
  }
  // A fresh socket's send buffer takes a short response whole; whatever does
  // not fit is dropped with the connection.
  boost::system::error_code ignored;
  c->socket.write_some(asio::buffer(scratch_out_.data(), scratch_out_.size()),
                       ignored);
  Linger(c);
}

void Loop::Linger(Conn* c) {
  boost::system::error_code ignored;
  c->socket.shutdown(Socket::shutdown_send, ignored);
  Track(c, Where::kTimed, CoarseNowNs() + linger_ns_);
  Drain(c);
}

void Loop::Drain(Conn* c) {
  c->socket.async_read_some(
      asio::buffer(drain_buf_),
      [c](const boost::system::error_code& ec, size_t) {
        if (ec) {
          c->loop->CloseConn(c);  // EOF, reset, or the linger deadline
        } else {
          c->loop->Drain(c);
        }
      });
}

bytes::ByteBuffer* Loop::Wire(Session& s, Conn* c) {
  if (c->tls == nullptr) {
    return &s.out;
  }
  if (!s.out.empty()) {
    const absl::Status st = c->tls->Write(s.out.view());  // into s.tls_out
    s.out.Reset();
    if (!st.ok()) {
      tls_failures.Inc();
      return nullptr;
    }
  }
  return &s.tls_out;
}

void Loop::CloseNotify(Session& s, Conn* c) {
  if (c->tls != nullptr && Wire(s, c) != nullptr) {
    c->tls->Close();  // after the last response's records
  }
}

bool Loop::TryFlush(Session& s, Conn* c, size_t& written, bool& failed) {
  written = 0;
  failed = false;
  bytes::ByteBuffer* wire = Wire(s, c);
  if (wire == nullptr) {
    failed = true;
    return false;
  }
  if (wire->empty()) {
    return true;
  }
  boost::system::error_code ec;
  size_t n = c->socket.write_some(asio::buffer(wire->data(), wire->size()), ec);
  if (ec && ec != asio::error::would_block) {
    failed = true;
    return false;
  }
  if (!ec) {
    bytes_written.Inc(n);
  }
  if (!ec && n == wire->size()) {
    wire->Reset();
    return true;
  }
  written = ec ? 0 : n;
  return false;
}

int64_t Loop::NextDeadline(int64_t progress_ns, int64_t whole) {
  int64_t d = progress_ns > 0 ? CoarseNowNs() + progress_ns : 0;
  if (whole > 0 && (d == 0 || whole < d)) {
    d = whole;
  }
  return d;
}

asio::awaitable<bool> Loop::FlushSlow(Session& s, Conn* c, size_t written) {
  // Each wait for the client to take more is bounded (send_timeout), and
  // the whole write by write_timeout when set.
  const int64_t whole =
      write_timeout_ns_ > 0 ? CoarseNowNs() + write_timeout_ns_ : 0;
  bytes::ByteBuffer& wire = c->tls != nullptr ? s.tls_out : s.out;
  bool ok = true;
  while (written < wire.size()) {
    if (int64_t deadline = NextDeadline(send_timeout_ns_, whole);
        deadline > 0) {
      Track(c, Where::kTimed, deadline);
    }
    // A coroutine handler's write is interrupted when it is cancelled.
    auto [ec, n] = co_await c->socket.async_write_some(
        asio::buffer(wire.data() + written, wire.size() - written),
        asio::bind_cancellation_slot(
            s.task_running ? s.cancel.slot() : asio::cancellation_slot(),
            kAwait));
    Untrack(c);
    if (ec || c->timed_out) {
      ok = false;
      break;
    }
    bytes_written.Inc(n);
    written += n;
  }
  wire.Reset();
  s.out.Reset();
  if (c->timed_out) {
    TimedOut(Phase::kWrite);
  }
  co_return ok;
}

asio::awaitable<bool> Loop::Flush(Session& s, Conn* c) {
  size_t written;
  bool failed;
  if (TryFlush(s, c, written, failed)) {
    co_return true;
  }
  if (failed) {
    s.out.Reset();
    s.tls_out.Reset();
    co_return false;
  }
  co_return co_await FlushSlow(s, c, written);
}

size_t Loop::ReadNow(Conn* c, bytes::ByteBuffer& buf, size_t want, bool& full,
                     boost::system::error_code& ec) {
  ec.clear();
  if (c->tls == nullptr) {
    char* p = buf.PrepareAppend(want > 0 ? want : options_.read_buffer_bytes);
    const size_t room = buf.available();
    const size_t n = c->socket.read_some(asio::buffer(p, room), ec);
    if (ec) {
      return 0;
    }
    bytes_read.Inc(n);
    buf.CommitAppend(n);
    full = n == room;
    return n;
  }
  // Ciphertext straight into the engine, a record's worth at a time, until
  // plaintext comes out. Records without any (a KeyUpdate, a ticket) are
  // bounded per call, so one peer cannot hold the loop.
  tls::Engine& t = *c->tls;
  for (int reads = 0;; ++reads) {
    size_t n = 0;
    if (!t.Read(buf, n).ok()) {
      tls_failures.Inc();
      ec = asio::error::connection_aborted;
      return 0;
    }
    if (n > 0) {
      return n;
    }
    if (t.peer_closed()) {
      ec = asio::error::eof;  // close_notify
      return 0;
    }
    if (reads == 8) {
      ec = asio::error::would_block;
      return 0;
    }
    char* p = t.PrepareFeed(tls::kRecordRead);
    const size_t got =
        c->socket.read_some(asio::buffer(p, tls::kRecordRead), ec);
    if (ec) {
      return 0;
    }
    bytes_read.Inc(got);
    full = got == tls::kRecordRead;
    if (!t.CommitFeed(got).ok()) {
      tls_failures.Inc();
      ec = asio::error::connection_aborted;
      return 0;
    }
  }
}

asio::awaitable<bool> Loop::ReadMore(Session& s, Conn* c,
                                     bytes::ByteBuffer& buf, int64_t deadline,
                                     size_t want,
                                     asio::cancellation_slot cancel) {
  if (c->tls != nullptr) {
    // Wait for readability, then decrypt what came (which may be no
    // plaintext yet: wait again).
    for (;;) {
      boost::system::error_code ec;
      if (ReadNow(c, buf, want, s.read_full, ec) > 0) {
        co_return true;
      }
      if (ec != asio::error::would_block) {
        co_return false;
      }
      if (deadline > 0) {
        Track(c, Where::kTimed, deadline);
      }
      auto [wec] = co_await c->socket.async_wait(
          Socket::wait_read, asio::bind_cancellation_slot(cancel, kAwait));
      Untrack(c);
      if (wec || c->timed_out) {
        co_return false;
      }
    }
  }
  if (deadline > 0) {
    Track(c, Where::kTimed, deadline);
  }
  char* p = buf.PrepareAppend(want > 0 ? want : options_.read_buffer_bytes);
  auto [ec, n] = co_await c->socket.async_read_some(
      asio::buffer(p, buf.available()),
      asio::bind_cancellation_slot(cancel, kAwait));
  Untrack(c);
  if (ec || c->timed_out) {
    co_return false;
  }
  s.read_full = n == buf.available();
  bytes_read.Inc(n);
  buf.CommitAppend(n);
  co_return true;
}

asio::awaitable<Loop::HandshakeOutcome> Loop::Handshake(Session& s, Conn* c) {
  tls::Engine& t = *c->tls;
  const int64_t deadline = CoarseNowNs() + tls_handshake_ns_;
  bool first = true;
  for (;;) {
    boost::system::error_code ec;
    char* p = t.PrepareFeed(tls::kRecordRead);
    const size_t n = c->socket.read_some(asio::buffer(p, tls::kRecordRead), ec);
    if (!ec) {
      if (first && LooksLikeHttp({p, n})) {
        // Plain HTTP sent to the TLS port: say so in clear, as nginx and
        // Go do, then close.
        tls_failures.Inc();
        c->tls.reset();
        co_await AnswerError(s, c, 400, http::ParseError::kNone,
                             "plain HTTP request sent to an HTTPS port");
        co_return HandshakeOutcome::kAnswered;
      }
      first = false;
      const absl::Status st = t.CommitFeed(n);
      // The handshake's flights, or the alert that ends it, go out now.
      if (!s.tls_out.empty()) {
        const bool sent = co_await Flush(s, c);
        if (!sent) {
          tls_failures.Inc();
          co_return HandshakeOutcome::kFailed;
        }
      }
      if (!st.ok()) {
        tls_failures.Inc();
        co_return HandshakeOutcome::kFailed;
      }
      if (t.handshake_done()) {
        tls_handshakes.Inc();
        if (t.info().resumed) {
          tls_resumed.Inc();
        }
        co_return HandshakeOutcome::kDone;
      }
      continue;
    }
    if (ec != asio::error::would_block) {
      tls_failures.Inc();  // the client left mid-handshake
      co_return HandshakeOutcome::kFailed;
    }
    Track(c, Where::kTimed, deadline);
    auto [wec] = co_await c->socket.async_wait(Socket::wait_read, kAwait);
    Untrack(c);
    if (wec || c->timed_out) {
      if (c->timed_out) {
        TimedOut(Phase::kTlsHandshake);
      }
      tls_failures.Inc();
      co_return HandshakeOutcome::kFailed;
    }
  }
}

void Loop::EndTls(Session& s, Conn* c) {
  if (c->tls != nullptr) {
    // What TLS still has to say goes out if the socket takes it now: our
    // close_notify answering the client's, or the alert OpenSSL wrote for
    // a broken record.
    if (c->tls->peer_closed()) {
      CloseNotify(s, c);
    }
    FlushNow(s, c);
    c->tls->set_output(nullptr);
    c->tls->set_input(nullptr);
  }
  s.tls_out.Reset();
}

void Loop::Park(Session& s, Conn* c, bool fresh, bool same_wait) {
  if (c->tls != nullptr && c->tls->input_ended()) {
    // The client's close_notify came with its last request, or a broken
    // record behind it: no request will follow. Our close_notify, or the
    // error's alert (Read returns the error it held back), then close.
    size_t n = 0;
    (void)c->tls->Read(s.in, n);
    s.in.Reset();
    EndTls(s, c);
    CloseConn(c);
    return;
  }
  if (c->tls != nullptr) {
    // What TLS itself had to say (a KeyUpdate's answer) is a few bytes the
    // socket takes now; a client that takes nothing is not kept.
    FlushNow(s, c);
    if (!s.tls_out.empty()) {
      EndTls(s, c);
      CloseConn(c);
      return;
    }
    c->tls->set_output(nullptr);
    c->tls->set_input(nullptr);  // a record's head stays with the engine
    c->tls->Trim();
  }
  WaitIdle(c, fresh, same_wait);
}

void Loop::HandlerThrew(RequestCtx& ctx, std::string_view what) {
  handler_exceptions.Inc();
  shared_.Log(absl::StrCat("handler threw: ", bytes::ToAbsl(what)));
  // A detached response belongs to its handle (destroyed by the unwinding,
  // it answers 500 itself); otherwise the server answers 500.
  if (!ctx.detached_) {
    FillError(ctx.response_, 500, http::ParseError::kNone,
              "internal server error");
  }
}

void Loop::ResetRequest(Session& s) {
  if (!s.ctx.hooks_.empty()) {
    DoneHooks(s);  // while the request is still live
  }
  ++s.generation;
  s.handler_timeout_ns = 0;
  s.write_pending = s.finish_pending = s.abandoned = false;
  s.write_busy = false;
  s.write_done = nullptr;
  s.stream = {};
  s.hijack = nullptr;
  s.cancel_reason = Session::Cancel::kNone;
  s.body_streamed = s.body_prefix_pending = s.body_given = false;
  s.DropBodyPrefix();
  s.body_failed = s.continue_pending = false;
  RequestCtx& ctx = s.ctx;
  ctx.live_ = false;
  ctx.detached_ = false;
  ctx.request_.Reset();
  ctx.response_.Reset();
  ctx.user_values_.clear();
  ctx.route_ = {};
}

asio::awaitable<void> Loop::AnswerError(Session& s, Conn* c, int status,
                                        http::ParseError pe,
                                        std::string_view detail) {
  parse_errors.Inc();
  parse_errors_by_kind[static_cast<size_t>(pe)].Inc();
  FillError(s.ctx.response_, status, pe, detail);
  bool keep = false;
  AppendChecked(s.ctx.response_, false, keep, 1, s.out);
  ResetRequest(s);
  CloseNotify(s, c);
  const bool ok = co_await Flush(s, c);
  s.out.Reset();
  EndTls(s, c);
  s.in.Reset();
  s.pos = 0;
  if (!ok) {
    CloseConn(c);
  } else {
    Linger(c);
  }
}

asio::awaitable<void> Loop::RunBlocking(Session& s) {
  RequestCtx& ctx = s.ctx;
  const Handler& handler = shared_.handler;
  absl::StatusOr<bool> r = co_await shared_.blocking->Run([&] {
    handler(ctx);
    return true;
  });
  if (!r.ok()) {
    const bool full = absl::IsResourceExhausted(r.status()) ||
                      absl::IsUnavailable(r.status());
    if (!full) {
      handler_exceptions.Inc();
      shared_.Log(absl::StrCat("handler failed: ", r.status().message()));
    }
    FillError(ctx.response_, full ? 503 : 500, http::ParseError::kNone,
              full ? "server busy" : "internal server error");
  }
}

absl::Status CancelStatus(Session::Cancel why) {
  switch (why) {
    case Session::Cancel::kNone:
      break;
    case Session::Cancel::kClientGone:
      return absl::UnavailableError("client gone");
    case Session::Cancel::kShutdown:
      return absl::CancelledError("server shutting down");
    case Session::Cancel::kTimeout:
      return absl::DeadlineExceededError("handler timeout");
  }
  return absl::OkStatus();
}

asio::awaitable<absl::Status> Loop::WriteStreamed(Session& s, Conn* c,
                                                  std::string_view data) {
  Session::Stream& st = s.stream;
  auto gone = [&s] {
    return s.cancel_reason != Session::Cancel::kNone
               ? CancelStatus(s.cancel_reason)
               : absl::UnavailableError("client gone");
  };
  auto unsafe = [] {
    return absl::FailedPreconditionError(
        "the response head was unsafe; a 500 was sent instead");
  };
  if (st.gone || s.cancel_reason != Session::Cancel::kNone) {
    co_return gone();
  }
  if (st.refused) {
    co_return unsafe();
  }
  http::Response& resp = s.ctx.response_;
  if (!st.streaming) {
    st.filtered = StreamStartHooks(s);
    // Content-Length when the handler stated one, chunked otherwise. 204,
    // 304 and HEAD never carry a body, streamed or not.
    const int minor = s.ctx.request_.header().http_minor();
    st.body_allowed = !st.head && !http::StatusHasNoBody(resp.status_code());
    st.keep = st.keep && !resp.header().connection_close() && !stopping_ &&
              !(s.body_streamed && !s.body.done());
    // A HEAD answer carries the framing its GET would (chunked), no body.
    st.chunked = !http::StatusHasNoBody(resp.status_code()) &&
                 resp.header().content_length() < 0;
    resp.body_buffer().Reset();
    if (shared_.writer.AppendHead(resp, st.head, st.keep, minor,
                                  st.chunked ? ResponseWriter::Framing::kChunked
                                             : ResponseWriter::Framing::kStated,
                                  s.out) == http::WireError::kNone) {
      st.streaming = true;
    } else {
      st.refused = true;
      st.keep = false;
      AppendChecked(resp, st.head, st.keep, minor, s.out);
    }
    st.status = resp.status_code();
  }
  if (st.streaming && st.body_allowed) {
    if (st.filtered) {
      data = FilterStream(s, data, /*last=*/false);
    }
    st.streamed += data.size();
    if (st.chunked) {
      http::AppendChunk(s.out, data);
    } else {
      s.out.Append(data);
    }
  }
  if (!(co_await Flush(s, c))) {
    st.gone = true;
    co_return gone();
  }
  co_return st.refused ? unsafe() : absl::OkStatus();
}

void Loop::EndResponse(Session& s) {
  Session::Stream& st = s.stream;
  http::Response& resp = s.ctx.response_;
  if (st.gone || s.cancel_reason != Session::Cancel::kNone) {
    st.keep = false;
  }
  if (st.gone) {
    s.out.Reset();
    return;
  }
  if (s.cancel_reason == Session::Cancel::kTimeout && !st.streaming) {
    // The task ran out of time before answering: its response becomes a
    // 503, written below as any response is; keep is already off, so the
    // connection ends after it (whatever the task left unread stays).
    FillError(resp, 503, http::ParseError::kNone, "handler timeout");
  } else if (s.cancel_reason != Session::Cancel::kNone) {
    // The client left (or the server is hard-closing): nothing made up is
    // sent, neither a response the handler did not finish nor the end of a
    // stream it cut short.
    return;
  }
  if (st.refused) {
    return;  // the 500 is in s.out; the connection closes after it
  }
  if (!st.streaming) {
    ResponseHooks(s);
    st.keep = st.keep && !resp.header().connection_close() && !stopping_;
    const int minor = s.ctx.request_.header().http_minor();
    if (st.hijack) {
      // A 101 switches; another status ends the HTTP exchange. Refused (a
      // 500 instead), nothing is taken over.
      st.keep = false;
      if (shared_.writer.AppendChecked(resp, st.head, st.keep, minor, s.out,
                                       resp.status_code() == 101
                                           ? ResponseWriter::Framing::kUpgrade
                                           : ResponseWriter::Framing::kBody) !=
          http::WireError::kNone) {
        unsafe_responses.Inc();
        st.hijack = false;
      }
    } else {
      AppendChecked(resp, st.head, st.keep, minor, s.out);
    }
    st.status = resp.status_code();
    st.streamed =
        st.head || http::StatusHasNoBody(st.status) ? 0 : resp.body().size();
    st.complete = true;
    return;
  }
  if (s.abandoned) {
    // The handle was dropped (or the task threw) mid-stream: end the
    // connection without the body's end, so the client sees a truncated
    // response, not a short one.
    st.keep = false;
    return;
  }
  if (st.filtered && st.body_allowed) {
    const std::string_view end = FilterStream(s, {}, /*last=*/true);
    st.streamed += end.size();
    if (st.chunked) {
      http::AppendChunk(s.out, end);
    } else {
      s.out.Append(end);
    }
  }
  if (st.chunked) {
    if (st.body_allowed) {
      (void)http::AppendLastChunk(s.out);  // no trailers: cannot fail
    }
  } else if (st.body_allowed &&
             st.streamed !=
                 static_cast<uint64_t>(resp.header().content_length())) {
    // A Content-Length body that came out short or long cannot be framed:
    // the connection ends with it.
    st.keep = false;
    return;
  }
  st.complete = true;
}

void Loop::ResponseHooks(Session& s) {
  RequestCtx& ctx = s.ctx;
  for (size_t i = ctx.hooks_.size(); i-- > 0;) {
    RequestCtx::Hook& h = ctx.hooks_[i];
    try {
      h.middleware->OnResponse(ctx, h.state);
    } catch (const std::exception& e) {
      shared_.Log(absl::StrCat("middleware OnResponse threw: ", e.what()));
    } catch (...) {
      shared_.Log("middleware OnResponse threw a non-exception");
    }
  }
}

bool Loop::StreamStartHooks(Session& s) {
  RequestCtx& ctx = s.ctx;
  bool any = false;
  for (size_t i = ctx.hooks_.size(); i-- > 0;) {
    RequestCtx::Hook& h = ctx.hooks_[i];
    try {
      h.filters = h.middleware->OnStreamStart(ctx, h.state);
    } catch (const std::exception& e) {
      shared_.Log(absl::StrCat("middleware OnStreamStart threw: ", e.what()));
    } catch (...) {
      shared_.Log("middleware OnStreamStart threw a non-exception");
    }
    any |= h.filters;
  }
  return any;
}

std::string_view Loop::FilterStream(Session& s, std::string_view data,
                                    bool last) {
  RequestCtx& ctx = s.ctx;
  // Each filter reads what the one before wrote, into the other buffer.
  bytes::ByteBuffer* buffers[2] = {&s.filter_a, &s.filter_b};
  int next = 0;
  for (size_t i = ctx.hooks_.size(); i-- > 0;) {
    RequestCtx::Hook& h = ctx.hooks_[i];
    if (!h.filters) {
      continue;
    }
    bytes::ByteBuffer& out = *buffers[next];
    out.Reset();
    try {
      h.middleware->OnStreamData(ctx, h.state, data, last, out);
    } catch (const std::exception& e) {
      shared_.Log(absl::StrCat("middleware OnStreamData threw: ", e.what()));
    } catch (...) {
      shared_.Log("middleware OnStreamData threw a non-exception");
    }
    data = out.view();
    next ^= 1;
  }
  return data;
}

void Loop::DoneHooks(Session& s) {
  RequestCtx& ctx = s.ctx;
  const Session::Stream& st = s.stream;
  const ResponseOutcome outcome{
      .status = st.status,
      .body_bytes = st.streamed,
      .complete = st.complete,
      .streamed = st.streaming,
  };
  for (size_t i = ctx.hooks_.size(); i-- > 0;) {
    RequestCtx::Hook& h = ctx.hooks_[i];
    try {
      h.middleware->OnDone(ctx, h.state, outcome);
    } catch (const std::exception& e) {
      shared_.Log(absl::StrCat("middleware OnDone threw: ", e.what()));
    } catch (...) {
      shared_.Log("middleware OnDone threw a non-exception");
    }
  }
  ctx.hooks_.clear();
  s.filter_a.Reset();
  s.filter_b.Reset();
}

asio::awaitable<void> Loop::ServeDetached(Session& s, Conn* c) {
  // Earlier pipelined responses go first.
  if (!(co_await Flush(s, c))) {
    s.stream.gone = true;
  }
  for (;;) {
    if (!s.write_pending && !s.finish_pending) {
      co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
          [&s](auto handler) { s.waiter.emplace(std::move(handler)); },
          asio::use_awaitable);
    }
    // A write posted before Finish() is served before it (both may be
    // delivered before this coroutine resumes).
    if (!s.write_pending) {
      break;  // finish_pending
    }
    s.write_pending = false;
    absl::Status status = co_await WriteStreamed(s, c, s.write_data);
    s.write_busy = false;
    auto done = std::move(s.write_done);
    s.write_done = nullptr;
    if (done) {
      done(std::move(status));
    }
  }
  s.finish_pending = false;
}

void Loop::CancelTask(Session& s, Session::Cancel why) {
  if (s.cancel_reason == Session::Cancel::kNone) {
    s.cancel_reason = why;
  }
  s.cancel.emit(asio::cancellation_type::terminal);
  s.call_cancel.emit(asio::cancellation_type::terminal);
}

void Loop::WatchPeer(Session& s, Conn* c) {
  s.watching = true;
  c->socket.async_wait(Socket::wait_read,
                       asio::bind_cancellation_slot(
                           s.peer_watch.slot(),
                           [this, &s, c](const boost::system::error_code& ec) {
                             OnPeerEvent(s, c, ec);
                           }));
}

void Loop::OnPeerEvent(Session& s, Conn* c,
                       const boost::system::error_code& ec) {
  if (s.watch_stop) {
    s.watching = false;
    if (s.watch_waiter) {
      auto h = std::move(*s.watch_waiter);
      s.watch_waiter.reset();
      std::move(h)();
    }
    return;
  }
  if (!ec) {
    char byte;
    ssize_t n =
        ::recv(c->socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) {
      // A pipelined request: the client is there (and stays unwatched).
      s.watching = false;
      return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      WatchPeer(s, c);
      return;
    }
  }
  // EOF, a reset, or the socket closed or cancelled (Shutdown, a timeout).
  s.watching = false;
  CancelTask(s, Session::Cancel::kClientGone);
}

asio::awaitable<void> Loop::RunTask(Session& s, Conn* c) {
  // Inline in the worker's coroutine: no spawn, no post. Earlier pipelined
  // answers are flushed, and the client watched, by the first of brisk's
  // awaitables that waits (BeforeWait), so a task that never waits costs
  // neither a write nor a watch.
  c->session = &s;
  s.task_running = true;
  if (s.handler_timeout_ns > 0) {
    s.deadline.expires_after(std::chrono::nanoseconds(s.handler_timeout_ns));
    s.deadline.async_wait(
        [this, &s, gen = s.generation](const boost::system::error_code& ec) {
          if (!ec && s.generation == gen && s.task_running) {
            TimedOut(Phase::kHandler);
            CancelTask(s, Session::Cancel::kTimeout);
          }
        });
  }
  std::exception_ptr thrown;
  asio::awaitable<void> task = std::move(*s.task);
  s.task.reset();
  try {
    co_await std::move(task);
  } catch (...) {
    thrown = std::current_exception();
  }
  s.task_running = false;
  if (s.handler_timeout_ns > 0) {
    s.deadline.cancel();
  }
  if (thrown) {
    try {
      std::rethrow_exception(thrown);
    } catch (const std::exception& e) {
      HandlerThrew(s.ctx, e.what());
    } catch (...) {
      HandlerThrew(s.ctx, "a non-exception");
    }
    s.abandoned = true;
  }
  co_await StopWatch(s);
  c->session = nullptr;
}

void Loop::EnsureWatch(Session& s, Conn* c) {
  // A streamed body still arriving is read by the task, whose reads see the
  // client leave themselves.
  if (!s.watching && s.task_running &&
      s.cancel_reason == Session::Cancel::kNone &&
      !(s.body_streamed && !s.body.done())) {
    WatchPeer(s, c);
  }
}

void Loop::FlushNow(Session& s, Conn* c) {
  size_t written;
  bool failed;
  if (!TryFlush(s, c, written, failed) && !failed && written > 0) {
    (c->tls != nullptr ? s.tls_out : s.out).DiscardPrefix(written);
  }
}

asio::awaitable<void> Loop::BeforeWait(Session& s, Conn* c) {
  if (!s.out.empty() || !s.tls_out.empty()) {
    // (Never a co_await inside && or ?:: gcc 12 miscompiles it.)
    const bool sent = co_await Flush(s, c);
    if (!sent) {
      s.stream.gone = true;
      CancelTask(s, Session::Cancel::kClientGone);
    }
  }
  EnsureWatch(s, c);
}

asio::awaitable<void> Loop::StopWatch(Session& s) {
  if (!s.watching) {
    co_return;
  }
  s.watch_stop = true;
  s.peer_watch.emit(asio::cancellation_type::terminal);
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [&s](auto handler) { s.watch_waiter.emplace(std::move(handler)); },
      asio::use_awaitable);
  s.watch_stop = false;
}

asio::awaitable<absl::StatusOr<std::string_view>> Loop::ReadBodyPiece(
    Session& s, Conn* c) {
  http::Request& req = s.ctx.request_;
  if (!s.body_streamed) {
    // A buffered body: whole, once.
    if (s.body_given) {
      co_return std::string_view();
    }
    s.body_given = true;
    co_return req.body();
  }
  if (s.body_prefix_pending) {
    s.body_prefix_pending = false;
    if (!s.body_prefix.empty()) {
      co_return s.body_prefix.view();
    }
  }
  req.body_buffer().Reset();
  s.DropBodyPrefix();  // given already
  if (s.body_failed) {
    co_return absl::FailedPreconditionError("the body already failed");
  }
  if (s.body.done()) {
    co_return std::string_view();
  }
  if (s.cancel_reason != Session::Cancel::kNone) {
    co_return CancelStatus(s.cancel_reason);
  }
  if (s.continue_pending) {
    s.continue_pending = false;
    s.out.Append(kContinue);
    if (!(co_await Flush(s, c))) {
      s.body_failed = true;
      CancelTask(s, Session::Cancel::kClientGone);
      co_return CancelStatus(s.cancel_reason);
    }
  }
  co_await StopWatch(s);  // the reads below see the client leave
  // Reads of at least 64 KiB: a streamed body is large by definition.
  const size_t want = std::max<size_t>(options_.read_buffer_bytes, 64 * 1024);
  for (;;) {
    http::DecodeResult d =
        s.body.Read(s.body_in.view().substr(s.body_pos), req.body_buffer());
    s.body_pos += d.consumed;
    if (d.failed()) {
      s.body_failed = true;
      co_return d.error == http::ParseError::kBodyTooLarge
          ? absl::OutOfRangeError("request body over max_streamed_body_bytes")
          : absl::InvalidArgumentError(absl::StrCat(
                "bad request body: ", bytes::ToAbsl(http::ToString(d.error))));
    }
    if (!req.body().empty() || s.body.done()) {
      break;
    }
    s.body_in.DiscardPrefix(s.body_pos);
    s.body_pos = 0;
    if (!(co_await ReadMore(
            s, c, s.body_in,
            NextDeadline(body_read_timeout_ns_, s.body_deadline), want,
            s.cancel.slot()))) {
      s.body_failed = true;
      if (c->timed_out) {
        c->timed_out = false;
        TimedOut(Phase::kBody);
        co_return absl::DeadlineExceededError("request body timeout");
      }
      CancelTask(s, Session::Cancel::kClientGone);
      co_return CancelStatus(s.cancel_reason);
    }
  }
  if (s.body.done() && s.task_running &&
      s.cancel_reason == Session::Cancel::kNone) {
    WatchPeer(s, c);  // the body is in: watch for the client leaving again
  }
  co_return req.body();
}

asio::awaitable<Loop::BodyOutcome> Loop::ReadBody(Session& s, Conn* c,
                                                  bool& spilled) {
  http::Request& req = s.ctx.request_;
  const http::RequestHeader& h = req.header();
  // Serve calls it only for a request with a body.
  const http::BodyFraming framing = h.framing();
  // With stream_request_body, a body over max_request_body_bytes goes to
  // the handler as it arrives (ReadBodyPiece) instead of failing.
  const bool may_stream = options_.stream_request_body;
  const uint64_t buffered_max = options_.max_request_body_bytes;
  // A chunked body starts under the buffered limit even when it may
  // stream: the decoder stops before the size line that would pass it,
  // and the body turns to streaming there (see `switch_at_limit`).
  const bool chunked = framing == http::BodyFraming::kChunked;
  http::ParseError e = s.body.Start(
      framing, h.content_length(),
      may_stream && !chunked ? options_.max_streamed_body_bytes : buffered_max);
  if (e != http::ParseError::kNone) {
    co_await AnswerError(s, c, http::StatusCodeFor(e), e, http::ToString(e));
    co_return BodyOutcome::kAnswered;
  }
  // Streamed or not is decided by the stream's bytes alone, never by how
  // much had arrived: a Content-Length over the limit streams from its
  // first byte (even when the body came whole with its header), a
  // chunked body from the size line that passes the limit. So the
  // answer is the same however TCP split the bytes.
  bool stream_now = may_stream && !chunked && h.content_length() >= 0 &&
                    static_cast<uint64_t>(h.content_length()) > buffered_max;
  auto switch_at_limit = [&](http::DecodeResult& r) {
    if (may_stream && chunked && r.failed() &&
        r.error == http::ParseError::kBodyTooLarge) {
      s.body.RaiseLimit(options_.max_streamed_body_bytes);
      r = http::DecodeResult{http::ParseStatus::kIncomplete,
                             http::ParseError::kNone, r.consumed};
      stream_now = true;
    }
  };
  http::DecodeResult d =
      s.body.Read(s.in.view().substr(s.pos), req.body_buffer());
  switch_at_limit(d);
  s.pos += d.consumed;
  if (!d.failed() && !d.done()) {
    if (h.expect_continue() && !stream_now) {
      s.out.Append(kContinue);
    }
    if (!(co_await Flush(s, c))) {
      co_return BodyOutcome::kGone;
    }
    spilled = true;
    // What the decoder left (a partial chunk-size line, the CRLF after
    // chunk data, a partial trailer) is the start of what it reads next:
    // it moves with the body, never dropped (the answer must not depend
    // on where TCP split the bytes).
    s.body_in.Reset();
    s.body_in.Append(s.in.view().substr(s.pos));
    s.pos = s.in.size();
    s.body_pos = 0;
    const int64_t whole =
        read_timeout_ns_ > 0 ? CoarseNowNs() + read_timeout_ns_ : 0;
    while (!stream_now && !d.failed() && !s.body.done()) {
      // Keep only the bytes not decoded yet (bounded by the decoder's
      // line limits), so the buffer does not grow with the body.
      s.body_in.DiscardPrefix(s.body_pos);
      s.body_pos = 0;
      if (!(co_await ReadMore(s, c, s.body_in,
                              NextDeadline(body_read_timeout_ns_, whole)))) {
        if (c->timed_out) {
          TimedOut(Phase::kBody);
          c->timed_out = false;
          co_await AnswerError(s, c, 408, http::ParseError::kNone,
                               "request body timeout");
          co_return BodyOutcome::kAnswered;
        }
        d = s.body.Close();
        break;
      }
      d = s.body.Read(s.body_in.view().substr(s.body_pos), req.body_buffer());
      switch_at_limit(d);
      s.body_pos += d.consumed;
    }
    if (!stream_now) {
      // What follows the body (pipelined bytes) becomes `in` once the
      // handler is done with the header's views.
      s.body_in.DiscardPrefix(s.body_pos);
      s.body_pos = 0;
    }
  }
  if (stream_now && !d.failed()) {
    // The handler reads the rest (and its 100 Continue goes then).
    s.body_streamed = true;
    s.body_prefix_pending = true;
    // Moved, not copied: a chunked prefix may be max_request_body_bytes.
    s.body_prefix.Reset();
    std::swap(s.body_prefix, req.body_buffer());
    s.continue_pending = h.expect_continue() && !s.body.done();
    s.body_deadline = stream_read_timeout_ns_ > 0
                          ? CoarseNowNs() + stream_read_timeout_ns_
                          : 0;
  }
  if (d.failed()) {
    if (d.error == http::ParseError::kTruncatedBody) {
      co_return BodyOutcome::kGone;  // the client left: nobody to answer
    }
    co_await AnswerError(s, c, http::StatusCodeFor(d.error), d.error,
                         http::ToString(d.error));
    co_return BodyOutcome::kAnswered;
  }
  co_return BodyOutcome::kReady;
}

void Loop::CallHandler(Session& s, bool head, bool keep) {
  RequestCtx& ctx = s.ctx;
  ctx.live_ = true;
  ctx.start_time_ = CoarseWallNow();
  requests.Inc();
  s.stream.head = head;
  s.stream.keep = keep;
  if (shared_.blocking) {
    return;  // Serve runs it on the BlockingPool
  }
  try {
    shared_.handler(ctx);
  } catch (const std::exception& e) {
    HandlerThrew(ctx, e.what());
  } catch (...) {
    HandlerThrew(ctx, "a non-exception");
  }
}

bool Loop::FinishResponse(Session& s, bool coroutine, bool& linger) {
  // A hijack goes ahead after a whole response, the request's body all
  // read, the client still there.
  s.stream.hijack = s.hijack != nullptr && !s.stream.streaming &&
                    !s.stream.gone && !s.abandoned &&
                    s.cancel_reason == Session::Cancel::kNone &&
                    !s.body_failed && (!s.body_streamed || s.body.done());
  if (s.body_streamed) {
    if (!coroutine) {
      // A plain handler cannot read a streamed body; it saw an empty body
      // and body_streamed(), and its answer is what it did. The connection
      // ends after it whether or not the rest had arrived, so the answer
      // does not depend on how the bytes were split.
      s.stream.keep = false;
    }
    // A streamed body left unread or failed cannot be skipped reliably:
    // the connection ends after the response, with a lingering close so
    // the unread bytes do not turn into a reset that loses the response.
    linger = s.body_failed || !s.body.done();
    s.stream.keep = s.stream.keep && !s.body_failed && s.body.done();
    s.body_in.DiscardPrefix(s.body_pos);
    s.body_pos = 0;
  }
  EndResponse(s);
  return s.stream.keep;
}

asio::awaitable<void> Loop::Serve(Session& s, Conn* c) {
  s.conn = c;
  RequestCtx& ctx = s.ctx;
  http::Request& req = ctx.request_;
  boost::system::error_code ec;
  if (c->tls != nullptr) {
    c->tls->set_output(&s.tls_out);
    c->tls->set_input(&s.tls_in);
    if (!c->tls->handshake_done()) {
      const HandshakeOutcome h = co_await Handshake(s, c);
      if (h == HandshakeOutcome::kAnswered) {
        co_return;
      }
      if (h == HandshakeOutcome::kFailed) {
        EndTls(s, c);
        CloseConn(c);
        co_return;
      }
    }
  }
  // We were woken by readability (or by accept): read what is there.
  ReadNow(c, s.in, 0, s.read_full, ec);
  if (ec == asio::error::would_block) {
    // Woken, but nothing to parse yet (over TLS: a record's head, a key
    // update): the same wait goes on, its deadline unchanged — bytes that
    // are not a request do not buy time.
    Park(s, c, c->requests == 0, /*same_wait=*/true);
    co_return;
  }
  if (ec) {
    s.in.Reset();
    EndTls(s, c);
    CloseConn(c);
    co_return;
  }
  bool linger_close = false;  // an unread streamed body is left behind
  int64_t header_deadline = CoarseNowNs() + header_timeout_ns_;
  for (;;) {
    std::string_view avail = s.in.view().substr(s.pos);
    http::ParseResult pr = req.header().Parse(avail);
    if (pr.incomplete()) {
      // Pipelined responses do not wait for the next request.
      if (!(co_await Flush(s, c))) {
        break;
      }
      if (avail.empty()) {
        const bool full = s.read_full;
        s.in.Reset();
        s.pos = 0;
        if (stopping_) {
          break;
        }
        if (full) {
          // The last read filled the buffer: more may be waiting.
          ReadNow(c, s.in, 0, s.read_full, ec);
          if (!ec) {
            header_deadline = CoarseNowNs() + header_timeout_ns_;
            continue;
          }
          if (ec != asio::error::would_block) {
            break;
          }
        }
        Park(s, c, false);
        co_return;
      }
      if (s.pos > 0) {
        s.in.DiscardPrefix(s.pos);
        s.pos = 0;
      }
      if (!(co_await ReadMore(s, c, s.in, header_deadline))) {
        // The header will not complete: its first error, if it has one, is
        // the answer, as if every byte had come in one read.
        if (http::ParseError first = req.header().FirstError(s.in.view());
            first != http::ParseError::kNone) {
          c->timed_out = false;
          co_await AnswerError(s, c, http::StatusCodeFor(first), first,
                               http::ToString(first));
          co_return;
        }
        if (c->timed_out) {
          TimedOut(Phase::kHeader);
          c->timed_out = false;
          co_await AnswerError(s, c, 408, http::ParseError::kNone,
                               "request header timeout");
          co_return;
        }
        break;  // EOF or error mid-header: nothing to answer
      }
      continue;
    }
    if (pr.failed()) {
      (void)co_await Flush(s, c);  // earlier answers go first
      co_await AnswerError(s, c, http::StatusCodeFor(pr.error), pr.error,
                           http::ToString(pr.error));
      co_return;
    }
    // A complete header.
    ++c->requests;
    s.pos += pr.consumed;
    const http::RequestHeader& h = req.header();
    const bool head = h.method_id() == http::Method::kHead;
    bool linger = false;        // close with a lingering close
    bool body_spilled = false;  // body read beyond `in` into body_in
    if (h.framing() != http::BodyFraming::kNone) {
      const BodyOutcome body = co_await ReadBody(s, c, body_spilled);
      if (body == BodyOutcome::kAnswered) {
        co_return;
      }
      if (body == BodyOutcome::kGone) {
        break;  // nobody to answer
      }
    }
    // The handler.
    bool keep =
        h.keep_alive() && !options_.disable_keepalive && !stopping_ &&
        (options_.max_requests_per_conn == 0 ||
         c->requests < static_cast<uint64_t>(options_.max_requests_per_conn));
    CallHandler(s, head, keep);
    if (shared_.blocking) {
      co_await RunBlocking(s);
    }
    const bool coroutine = s.task.has_value();
    if (coroutine) {
      co_await RunTask(s, c);
    }
    if (ctx.detached_) {
      // The response belongs to the handle until it finishes.
      co_await ServeDetached(s, c);
    }
    keep = FinishResponse(s, coroutine, linger);
    HijackHandler hijack;
    if (s.stream.hijack) {
      hijack = std::move(s.hijack);
    }
    ResetRequest(s);
    if (body_spilled) {
      s.in.Reset();
      s.in.Append(s.body_in.view());
      s.pos = 0;
      s.body_in.Reset();
    }
    if (hijack) {
      co_await BeginHijack(s, c, std::move(hijack));
      co_return;
    }
    if (!keep) {
      CloseNotify(s, c);
      const bool sent = co_await Flush(s, c);
      linger_close = sent && linger;
      break;
    }
    if (s.out.size() >= 64 * 1024) {
      const bool sent = co_await Flush(s, c);  // (not inside &&: gcc 12)
      if (!sent) {
        break;
      }
    }
    header_deadline = CoarseNowNs() + header_timeout_ns_;
  }
  // Close: a finished exchange, a gone client or a failed write.
  ResetRequest(s);
  s.in.Reset();
  s.out.Reset();
  EndTls(s, c);
  s.body_in.Reset();
  s.pos = 0;
  if (linger_close) {
    Linger(c);
  } else {
    CloseConn(c);
  }
}

void Loop::BeginShutdown() {
  stopping_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  accept_backoff_.cancel();
  // Idle connections close at once (their waits complete aborted).
  for (ConnList* list : {&fresh_, &idle_, &rewait_}) {
    for (Conn& c : *list) {
      c.socket.cancel(ignored);
    }
  }
  pool_.Stop([] {});
  // Hijacked connections are told, and their Tasks given until the
  // deadline to end.
  for (Conn& c : all_) {
    if (HijackState* h = c.hijack) {
      h->shutting_down = true;
      if (h->read.busy) {
        h->read.why = HijackWait::Why::kShutdown;
        h->read.signal.emit(asio::cancellation_type::terminal);
      } else {
        h->notice_pending = true;
      }
    }
  }
  if (all_.empty()) {
    tick_.Stop();
    Drained();
  }
}

void Loop::HardClose() {
  boost::system::error_code ignored;
  for (Conn& c : all_) {
    hard_closed.Inc();
    if (c.session != nullptr && c.session->task_running) {
      CancelTask(*c.session, Session::Cancel::kShutdown);
    }
    if (c.hijack != nullptr) {
      c.hijack->hard_closed = true;
      HijackClose(*c.hijack);
    }
    c.socket.close(ignored);
  }
}

}  // namespace brisk::server::server_internal
