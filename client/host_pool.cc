#include "client/internal/host_pool.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/async_result.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/connect.hpp"
#include "boost/asio/ip/address.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"

#include "client/internal/interim.h"
#include "http/method.h"
#include "http/status_code.h"
#include "http/uri.h"

namespace brisk::client::client_internal {
namespace {

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      absl::ToChronoNanoseconds(d));
}

// now + d, or max() for an infinite duration.
std::chrono::steady_clock::time_point After(absl::Duration d) {
  if (d == absl::InfiniteDuration()) {
    return std::chrono::steady_clock::time_point::max();
  }
  return std::chrono::steady_clock::now() + ToChrono(d);
}

// Deadlines are checked every kDeadlineTick while any is set (see
// loop/ticker.h): a deadline fires up to one tick late.
constexpr auto kDeadlineTick = std::chrono::milliseconds(5);

// Idle connections are checked every half of their idle limit, at least
// every second and at most every 10 ms.
std::chrono::steady_clock::duration CleanPeriod(const HostClientOptions& o) {
  auto period =
      std::min(ToChrono(o.max_idle_conn_duration) / 2,
               std::chrono::steady_clock::duration(std::chrono::seconds(1)));
  return std::max(period, std::chrono::steady_clock::duration(
                              std::chrono::milliseconds(10)));
}

}  // namespace

HostPool::HostPool(const HostClientOptions& options, asio::io_context& io)
    : options_(options),
      io_(io),
      cleaner_(io, CleanPeriod(options),
               [this] {
                 if (!closed_) {
                   Clean();
                 }
               }),
      tick_(io, kDeadlineTick, [this] { Tick(); }),
      submitter_(io, [this](Call* call) {
        asio::co_spawn(
            io_,
            Exchange(*call->req, *call->resp, call->deadline,
                     call->cancellable ? call->cancel.slot()
                                       : asio::cancellation_slot(),
                     call->sink),
            [call](std::exception_ptr e, absl::Status s) {
              call->Complete(e ? absl::InternalError("client call threw")
                               : std::move(s));
            });
      }) {
  for (const std::string& a : options_.addrs) {
    http::HostPort hp;  // valid: Validate() checked every address
    (void)http::SplitHostPort(a, hp);
    hosts_.emplace_back(hp.host);
    ports_.emplace_back(hp.port);
    port_numbers_.push_back(hp.port_number);
    // RFC 9112 §3.2: the port goes with the host unless it is the default.
    const uint16_t default_port = options_.tls ? 443 : 80;
    host_fields_.push_back(hp.port_number == default_port
                               ? a.substr(0, a.size() - hp.port.size() - 1)
                               : a);
  }
  sessions_.resize(options_.addrs.size());
  idle_.reserve(static_cast<size_t>(options_.max_conns));
}

HostPool::~HostPool() {
  for (Conn* c : idle_) {
    if (!c->watch_pending) {
      delete c;
    }
  }
}

void HostPool::Start() {
  submitter_.Start();
}

void HostPool::Submit(Call* call) {
  submitter_.Submit(call);
}

CallCtx* HostPool::NewCtx() {
  if (free_ctx_.empty()) {
    ctx_store_.push_back(std::make_unique<CallCtx>());
    free_ctx_.push_back(ctx_store_.back().get());
  }
  CallCtx* cc = free_ctx_.back();
  free_ctx_.pop_back();
  cc->conn = nullptr;
  cc->waiting = cc->fired = cc->granted_slot = cc->closed = false;
  cc->granted_conn = nullptr;
  cc->in_use = true;
  cc->cancelled = false;
  return cc;
}

void HostPool::FreeCtx(CallCtx* cc) {
  Disarm(cc);
  cc->in_use = false;
  cc->conn = nullptr;
  free_ctx_.push_back(cc);
}

void HostPool::Arm(CallCtx* cc, Clock::time_point at) {
  if (at == Clock::time_point::max()) {
    Disarm(cc);
    return;
  }
  cc->armed_at = at;
  if (!cc->timer_armed) {
    cc->timer_armed = true;
    timed_.push_back(*cc);
  }
  tick_.Arm();
}

void HostPool::Disarm(CallCtx* cc) {
  if (!cc->timer_armed) {
    return;
  }
  cc->timer_armed = false;
  timed_.erase(timed_.iterator_to(*cc));
}

void HostPool::Tick() {
  const Clock::time_point now = Clock::now();
  for (auto it = timed_.begin(); it != timed_.end();) {
    CallCtx& cc = *it++;
    if (now >= cc.armed_at) {
      Disarm(&cc);
      cc.fired = true;
      Interrupt(&cc);
    }
  }
  if (!timed_.empty()) {
    tick_.Arm();
  }
}

bool HostPool::Interrupted(CallCtx* cc) {
  return cc->fired || cc->cancelled;
}

void HostPool::Interrupt(CallCtx* cc) {
  if (cc->waiting) {
    WakeWaiter(cc);
  } else if (cc->conn != nullptr) {
    // Really cancel: a resolution's wait ends, or the socket goes and its
    // pending operation completes with an error; the call frees its slot
    // at once.
    cc->conn->Interrupt();
  }
}

absl::Status HostPool::InterruptError(CallCtx* cc, Phase phase, int attempt,
                                      const std::string& addr) {
  if (cc->cancelled) {
    return MakeError(ErrorKind::kCancelled, phase, attempt, addr);
  }
  timeouts_.fetch_add(1, std::memory_order_relaxed);
  return MakeError(ErrorKind::kTimeout, phase, attempt, addr);
}

void HostPool::WakeWaiter(CallCtx* cc) {
  Unqueue(cc);
  auto h = std::move(*cc->wake);
  cc->wake.reset();
  asio::post(io_, std::move(h));
}

void HostPool::Unqueue(CallCtx* cc) {
  waiters_.erase(waiters_.iterator_to(*cc));
  cc->waiting = false;
  waiting_stat_.store(waiters_.size(), std::memory_order_relaxed);
}

Conn* HostPool::TakeIdle() {
  const Clock::time_point now = Clock::now();
  while (!idle_.empty()) {
    Conn* c = idle_.back();
    idle_.pop_back();
    c->idle = false;
    idle_stat_.store(idle_.size(), std::memory_order_relaxed);
    if (now >= c->idle_deadline) {
      c->Goodbye();
      CloseConn(c);
      continue;
    }
    if (c->watch_pending) {
      boost::system::error_code ignored;
      c->socket.cancel(ignored);  // the idle watch
    }
    return c;
  }
  return nullptr;
}

asio::awaitable<Conn*> HostPool::Acquire(CallCtx* cc,
                                         Clock::time_point call_deadline,
                                         bool& reused, absl::Status& error) {
  if (Conn* c = TakeIdle()) {
    reused = true;
    co_return c;
  }
  if (open_ < options_.max_conns) {
    ++open_;
    open_stat_.store(static_cast<uint64_t>(open_), std::memory_order_relaxed);
    reused = false;
    co_return nullptr;  // a slot: the caller dials
  }
  // Every connection is busy: wait in FIFO order.
  cc->waiting = true;
  waiters_.push_back(*cc);
  waiting_stat_.store(waiters_.size(), std::memory_order_relaxed);
  Arm(cc, std::min(call_deadline, After(options_.max_conn_wait_timeout)));
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [cc](auto handler) { cc->wake.emplace(std::move(handler)); },
      asio::use_awaitable);
  Disarm(cc);
  if (cc->granted_conn != nullptr) {
    reused = true;
    co_return std::exchange(cc->granted_conn, nullptr);
  }
  if (cc->granted_slot) {
    cc->granted_slot = false;
    reused = false;
    co_return nullptr;
  }
  if (cc->closed) {
    error =
        MakeError(ErrorKind::kClosed, Phase::kQueue, 1, options_.addrs.front());
  } else if (cc->cancelled) {
    error = MakeError(ErrorKind::kCancelled, Phase::kQueue, 1,
                      options_.addrs.front());
  } else if (Clock::now() >= call_deadline) {
    error = MakeError(ErrorKind::kTimeout, Phase::kQueue, 1,
                      options_.addrs.front(), "while waiting for a connection");
  } else {
    error = MakeError(
        ErrorKind::kNoFreeConns, Phase::kQueue, 1, options_.addrs.front(),
        absl::StrCat("all ", options_.max_conns, " connections busy for ",
                     absl::FormatDuration(options_.max_conn_wait_timeout)));
  }
  co_return nullptr;
}

asio::awaitable<absl::Status> HostPool::Dial(CallCtx* cc, Conn* c,
                                             Clock::time_point call_deadline) {
  c->addr = next_addr_++ % options_.addrs.size();
  const std::string& host = hosts_[c->addr];
  const std::string& addr = options_.addrs[c->addr];
  Arm(cc, std::min(call_deadline, After(options_.dial_timeout)));
  cc->conn = c;
  Phase phase = Phase::kResolve;
  const boost::system::error_code ec =
      co_await c->Connect(host, ports_[c->addr], port_numbers_[c->addr], phase);
  if (Interrupted(cc) || ec) {
    if (cc->cancelled || (cc->fired && Clock::now() >= call_deadline)) {
      co_return InterruptError(cc, phase, 1, addr);
    }
    co_return MakeError(ErrorKind::kDial, phase, 1, addr,
                        cc->fired ? "timed out" : ec.message());
  }
  boost::system::error_code ignored;
  c->socket.non_blocking(true, ignored);
  c->created = Clock::now();
  c->idle_limit = ToChrono(options_.max_idle_conn_duration);
  c->header.set_limits(
      http::HeaderLimits{.max_header_bytes = options_.max_header_bytes});
  dials_.fetch_add(1, std::memory_order_relaxed);
  if (options_.tls == nullptr) {
    co_return absl::OkStatus();
  }
  // https: the handshake gets a dial_timeout of its own.
  Arm(cc, std::min(call_deadline, After(options_.dial_timeout)));
  absl::Status st = co_await c->Handshake(
      options_.tls,
      options_.tls_server_name.empty() ? host : options_.tls_server_name,
      sessions_[c->addr]);
  if (Interrupted(cc)) {
    if (cc->cancelled || Clock::now() >= call_deadline) {
      co_return InterruptError(cc, Phase::kHandshake, 1, addr);
    }
    co_return MakeError(ErrorKind::kTlsHandshake, Phase::kHandshake, 1, addr,
                        "timed out");
  }
  if (!st.ok()) {
    co_return TlsError(st, Phase::kHandshake, 1, addr);
  }
  tls_handshakes_.fetch_add(1, std::memory_order_relaxed);
  if (c->tls->info().resumed) {
    tls_resumed_.fetch_add(1, std::memory_order_relaxed);
  }
  co_return absl::OkStatus();
}

void HostPool::Watch(Conn* c) {
  c->watch_pending = true;
  c->socket.async_wait(Socket::wait_read,
                       [this, c](const boost::system::error_code& ec) {
                         c->watch_pending = false;
                         if (c->dead) {
                           delete c;  // the pool may be gone: touch only c
                           return;
                         }
                         OnWatch(c, ec);
                       });
}

void HostPool::OnWatch(Conn* c, const boost::system::error_code& ec) {
  if (ec || !c->idle) {
    return;  // cancelled for reuse
  }
  if (c->IdleReadOk(c->in)) {
    Watch(c);  // https: only a session ticket
    return;
  }
  // Readable while idle: the server closed it (FIN or RST) or sent bytes
  // nobody asked for. Either way it must not be reused.
  evicted_.fetch_add(1, std::memory_order_relaxed);
  CloseConn(c);
}

void HostPool::Release(Conn* c, bool keep) {
  if (!keep || closed_) {
    CloseConn(c);
    return;
  }
  if (!waiters_.empty()) {
    // Hand it straight to the longest waiter.
    CallCtx* w = &waiters_.front();
    w->granted_conn = c;
    WakeWaiter(w);
    return;
  }
  c->idle = true;
  c->idle_deadline = Clock::now() + c->idle_limit;
  idle_.push_back(c);
  idle_stat_.store(idle_.size(), std::memory_order_relaxed);
  // The watch is armed once the loop has run what is ready now: a
  // connection taken again at once (a busy client) costs no wait and no
  // cancel. A close that lands in between is met by the retry rules.
  to_watch_.push_back(c);
  if (!watch_posted_) {
    watch_posted_ = true;
    // The pool may be gone when this runs (a client destroyed on its loop
    // right after its last call): `alive_` says whether it is.
    asio::post(io_, [this, alive = std::weak_ptr<int>(alive_)] {
      if (!alive.expired()) {
        WatchReleased();
      }
    });
  }
  cleaner_.Arm();
}

void HostPool::WatchReleased() {
  watch_posted_ = false;
  for (Conn* c : to_watch_) {
    if (c->idle && !c->watch_pending) {
      Watch(c);
    }
  }
  to_watch_.clear();
}

void HostPool::CloseConn(Conn* c) {
  boost::system::error_code ignored;
  c->socket.close(ignored);
  to_watch_.erase(std::remove(to_watch_.begin(), to_watch_.end(), c),
                  to_watch_.end());
  if (c->idle) {
    auto it = std::find(idle_.begin(), idle_.end(), c);
    if (it != idle_.end()) {
      idle_.erase(it);
    }
    c->idle = false;
    idle_stat_.store(idle_.size(), std::memory_order_relaxed);
  }
  if (c->watch_pending) {
    c->dead = true;  // OnWatch frees it
  } else {
    delete c;
  }
  GrantSlot();
}

// A connection slot became free: the longest waiter dials with it.
void HostPool::GrantSlot() {
  if (!waiters_.empty() && !closed_) {
    CallCtx* w = &waiters_.front();
    w->granted_slot = true;
    WakeWaiter(w);
    return;
  }
  --open_;
  open_stat_.store(static_cast<uint64_t>(open_), std::memory_order_relaxed);
}

void HostPool::Clean() {
  const Clock::time_point now = Clock::now();
  // idle_ is ordered by last use, oldest first; deadlines may differ per
  // connection (Keep-Alive hints), so check them all.
  for (size_t i = 0; i < idle_.size();) {
    if (now >= idle_[i]->idle_deadline) {
      idle_[i]->Goodbye();
      CloseConn(idle_[i]);  // erases idle_[i]
    } else {
      ++i;
    }
  }
  if (!idle_.empty()) {
    cleaner_.Arm();
  }
}

void HostPool::Close() {
  if (closed_) {
    return;
  }
  closed_ = true;
  cleaner_.Stop();
  tick_.Stop();
  submitter_.Close(
      MakeError(ErrorKind::kClosed, Phase::kQueue, 0, options_.addrs.front()));
  while (!idle_.empty()) {
    idle_.back()->Goodbye();
    CloseConn(idle_.back());
  }
  while (!waiters_.empty()) {
    waiters_.front().closed = true;
    WakeWaiter(&waiters_.front());
  }
  for (const auto& cc : ctx_store_) {
    if (cc->in_use && cc->conn != nullptr) {
      cc->conn->Interrupt();
    }
  }
}

HostClientStats HostPool::stats() const {
  HostClientStats s;
  s.open_conns = open_stat_.load(std::memory_order_relaxed);
  s.idle_conns = idle_stat_.load(std::memory_order_relaxed);
  s.waiting = waiting_stat_.load(std::memory_order_relaxed);
  s.dials = dials_.load(std::memory_order_relaxed);
  s.reuses = reuses_.load(std::memory_order_relaxed);
  s.retries = retries_.load(std::memory_order_relaxed);
  s.evicted_by_server = evicted_.load(std::memory_order_relaxed);
  s.timeouts = timeouts_.load(std::memory_order_relaxed);
  s.tls_handshakes = tls_handshakes_.load(std::memory_order_relaxed);
  s.tls_resumed = tls_resumed_.load(std::memory_order_relaxed);
  return s;
}

asio::awaitable<absl::Status> HostPool::Exchange(http::Request& req,
                                                 http::Response& resp,
                                                 absl::Time deadline,
                                                 asio::cancellation_slot cancel,
                                                 const BodySink* sink) {
  resp.Reset();
  if (closed_) {
    co_return MakeError(ErrorKind::kClosed, Phase::kQueue, 0,
                        options_.addrs.front());
  }
  const Clock::time_point call_deadline = CallDeadline(deadline);
  PrepareRequest(req.header());
  CallCtx* cc = NewCtx();
  BindCancel(cc, cancel);
  absl::Status result;
  for (int number = 1;; ++number) {
    Attempt a;
    a.cc = cc;
    a.call_deadline = call_deadline;
    a.number = number;
    result = co_await TakeConn(a);
    if (!result.ok()) {
      break;
    }
    const Next sent = co_await Send(req, a, result);
    if (sent == Next::kRetry) {
      continue;
    }
    if (sent == Next::kDone) {
      break;
    }
    const Next head = co_await ReadHead(req, a);
    if (head == Next::kRetry) {
      continue;
    }
    if (a.end == End::kNone) {
      co_await ReadBody(req, resp, sink, a);
    }
    result = Outcome(a);
    Finish(a);
    break;
  }
  if (cancel.is_connected()) {
    cancel.clear();
  }
  FreeCtx(cc);
  co_return result;
}

HostPool::Clock::time_point HostPool::CallDeadline(absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) {
    return Clock::time_point::max();
  }
  return Clock::now() +
         ToChrono(std::max(deadline - absl::Now(), absl::ZeroDuration()));
}

void HostPool::PrepareRequest(http::RequestHeader& h) const {
  h.set_keep_name_case(!options_.normalize_header_names);
  if (!options_.user_agent.empty() && h.user_agent().empty()) {
    h.Set("User-Agent", options_.user_agent);
  }
}

void HostPool::BindCancel(CallCtx* cc, asio::cancellation_slot& cancel) {
  if (cancel.is_connected()) {
    cancel.assign([this, cc](asio::cancellation_type) {
      if (cc->in_use && !cc->cancelled) {
        cc->cancelled = true;
        Interrupt(cc);
      }
    });
  }
}

bool HostPool::MayRetry(const Attempt& a, const http::Request& req,
                        bool wrote_any) const {
  return a.reused && a.number < options_.max_idempotent_call_attempts &&
         (http::IsIdempotent(req.header().method_id()) || !wrote_any ||
          (options_.retry_if && options_.retry_if(req)));
}

void HostPool::Retry(Attempt& a) {
  a.cc->conn = nullptr;
  CloseConn(a.conn);
  retries_.fetch_add(1, std::memory_order_relaxed);
}

const std::string& HostPool::AddrOf(const Attempt& a) const {
  return options_.addrs[a.conn->addr];
}

asio::awaitable<absl::Status> HostPool::TakeConn(Attempt& a) {
  CallCtx* cc = a.cc;
  absl::Status error;
  Conn* c = co_await Acquire(cc, a.call_deadline, a.reused, error);
  if (!error.ok()) {
    co_return error;
  }
  if (c == nullptr) {
    c = new Conn(io_);
    absl::Status dial = co_await Dial(cc, c, a.call_deadline);
    cc->conn = nullptr;
    if (!dial.ok()) {
      CloseConn(c);
      co_return dial;
    }
  } else {
    reuses_.fetch_add(1, std::memory_order_relaxed);
  }
  cc->conn = c;
  ++c->uses;
  a.conn = c;
  co_return absl::OkStatus();
}

asio::awaitable<HostPool::Next> HostPool::Send(http::Request& req, Attempt& a,
                                               absl::Status& result) {
  CallCtx* cc = a.cc;
  Conn* c = a.conn;
  http::RequestHeader& h = req.header();
  if (h.host().empty()) {
    h.Set("Host", host_fields_[c->addr]);
  }
  c->out.Reset();
  if (http::WireError w = req.AppendTo(c->out); w != http::WireError::kNone) {
    // Nothing was written: the connection stays good.
    result = MakeError(ErrorKind::kInvalidRequest, Phase::kWrite, a.number,
                       AddrOf(a), http::ToString(w));
    cc->conn = nullptr;
    Disarm(cc);
    Release(c, true);
    co_return Next::kDone;
  }
  std::string_view wire;
  if (!c->Seal(c->out.view(), wire)) {
    result = TlsError(c->tls_error, Phase::kWrite, a.number, AddrOf(a));
    cc->conn = nullptr;
    Disarm(cc);
    CloseConn(c);
    co_return Next::kDone;
  }
  Arm(cc, std::min(a.call_deadline, After(options_.write_timeout)));
  bool wrote_any = false;
  bool write_ok = true;
  {
    boost::system::error_code ec;
    size_t n = c->socket.write_some(asio::buffer(wire.data(), wire.size()), ec);
    if (ec && ec != asio::error::would_block) {
      write_ok = false;
    } else {
      n = ec ? 0 : n;
      wrote_any = n > 0;
      // write_timeout bounds each wait for the server to take more.
      while (write_ok && n < wire.size()) {
        auto [wec, m] = co_await c->socket.async_write_some(
            asio::buffer(wire.data() + n, wire.size() - n), kAwait);
        n += m;
        wrote_any = wrote_any || m > 0;
        write_ok = !Interrupted(cc) && !wec;
        Arm(cc, std::min(a.call_deadline, After(options_.write_timeout)));
      }
    }
  }
  if (write_ok) {
    co_return Next::kGoOn;
  }
  if (Interrupted(cc)) {
    result = InterruptError(cc, Phase::kWrite, a.number, AddrOf(a));
  } else if (MayRetry(a, req, wrote_any)) {
    Retry(a);
    co_return Next::kRetry;
  } else {
    result = MakeError(ErrorKind::kConnectionClosed, Phase::kWrite, a.number,
                       AddrOf(a));
  }
  cc->conn = nullptr;
  CloseConn(c);
  co_return Next::kDone;
}

asio::awaitable<HostPool::Next> HostPool::ReadHead(const http::Request& req,
                                                   Attempt& a) {
  CallCtx* cc = a.cc;
  Conn* c = a.conn;
  // First let the loop run what is ready: under load the answer is often
  // there by then, and the read needs no failed attempt and no readiness
  // registration.
  Arm(cc, std::min(a.call_deadline, After(options_.read_timeout)));
  co_await asio::post(io_, asio::use_awaitable);
  c->in.Reset();
  c->header.Reset();
  int interim = 0;  // 1xx heads skipped
  for (;;) {
    if (c->in.size() > a.start) {
      const http::ParseResult pr =
          c->header.Parse(c->in.view().substr(a.start));
      if (pr.done()) {
        Head kind = ClassifyHead(c->header.status_code(), interim);
        if (kind == Head::kInterim) {
          a.start += pr.consumed;
          c->header.Reset();
          continue;
        }
        if (kind == Head::kTooMany) {
          a.end = End::kTooManyInterim;
        }
        a.head_size = pr.consumed;
        break;
      }
      if (pr.failed()) {
        a.end = End::kParse;
        a.perr = pr.error;
        break;
      }
    }
    const boost::system::error_code ec =
        co_await c->ReadSome(c->in, options_.read_buffer_bytes);
    a.end = AfterRead(a, ec);
    if (a.end != End::kNone) {
      break;
    }
    if (ec) {
      // The head will not complete: its first error, if any, decides (as
      // if every byte had come in one read).
      a.perr = c->header.FirstError(c->in.view().substr(a.start));
      a.end = a.perr != http::ParseError::kNone ? End::kParse : End::kClosed;
      break;
    }
    a.got_any = true;
    // read_timeout bounds each wait for more of the response.
    Arm(cc, std::min(a.call_deadline, After(options_.read_timeout)));
  }
  if (a.end == End::kClosed && !a.got_any && MayRetry(a, req, true)) {
    Retry(a);
    co_return Next::kRetry;
  }
  co_return Next::kGoOn;
}

asio::awaitable<void> HostPool::ReadBody(const http::Request& req,
                                         http::Response& resp,
                                         const BodySink* sink, Attempt& a) {
  CallCtx* cc = a.cc;
  Conn* c = a.conn;
  // The response owns its header from here on (no views into c->in).
  c->header.CopyTo(resp.header());
  size_t pos = a.start + a.head_size;
  http::BodyReader body;
  const http::BodyFraming framing =
      c->header.framing(req.header().method_id() == http::Method::kHead);
  http::ParseError e = body.Start(framing, c->header.content_length(),
                                  options_.max_response_body_bytes);
  if (e != http::ParseError::kNone) {
    a.end = End::kParse;
    a.perr = e;
    co_return;
  }
  // Into the response, or piece by piece into the sink.
  bytes::ByteBuffer& dst = sink ? c->piece : resp.body_buffer();
  c->piece.Reset();
  http::DecodeResult d = body.Read(c->in.view().substr(pos), dst);
  pos += d.consumed;
  if (!Deliver(c, sink, a.sink_status)) {
    a.end = End::kSink;
  }
  while (a.end == End::kNone && !d.failed() && !body.done()) {
    // Bytes the decoder has not taken (a partial chunk-size line, a CRLF, a
    // trailer) are the start of its next input: keep them (the result must
    // not depend on where TCP split the response).
    c->in.DiscardPrefix(pos);
    pos = 0;
    const boost::system::error_code ec =
        co_await c->ReadSome(c->in, options_.read_buffer_bytes);
    a.end = AfterRead(a, ec);
    if (a.end != End::kNone) {
      break;
    }
    if (ec) {
      a.truncated = ec == asio::error::connection_aborted;
      // Only a clean end (FIN; for https, close_notify) ends a body
      // delimited by the end of the connection.
      if (ec == asio::error::eof) {
        d = body.Close();
        if (!d.failed()) {
          (void)Deliver(c, sink, a.sink_status);
          break;
        }
      }
      a.end = End::kClosed;
      break;
    }
    Arm(cc, std::min(a.call_deadline, After(options_.read_timeout)));
    d = body.Read(c->in.view(), dst);
    pos = d.consumed;
    if (!Deliver(c, sink, a.sink_status)) {
      a.end = End::kSink;
    }
  }
  if (a.end == End::kNone && d.failed()) {
    a.end = End::kParse;
    a.perr = d.error;
  }
  if (a.end == End::kNone) {
    a.keep = Reusable(req, framing, pos == c->in.size(), c);
  }
}

HostPool::End HostPool::AfterRead(const Attempt& a,
                                  const boost::system::error_code& ec) {
  if (Interrupted(a.cc)) {
    return End::kTimeout;
  }
  if (ec == asio::error::fault) {
    return End::kTls;
  }
  return End::kNone;
}

bool HostPool::Deliver(Conn* c, const BodySink* sink,
                       absl::Status& sink_status) {
  if (sink && !c->piece.empty()) {
    sink_status = (*sink)(c->piece.view());
    c->piece.Reset();
  }
  return sink_status.ok();
}

bool HostPool::Reusable(const http::Request& req, http::BodyFraming framing,
                        bool all_read, Conn* c) const {
  // Reusable only when the response was delimited, nothing extra arrived,
  // and both sides keep the connection.
  bool keep =
      framing != http::BodyFraming::kUntilClose && all_read &&
      c->header.keep_alive() && !req.header().connection_close() &&
      !EndsHttp(c->header.status_code()) &&
      (c->tls == nullptr || (c->tls->status().ok() && !c->tls->peer_closed()));
  if (keep && options_.max_conn_duration != absl::InfiniteDuration() &&
      Clock::now() - c->created >= ToChrono(options_.max_conn_duration)) {
    keep = false;
  }
  const int hint = c->header.keep_alive_timeout();
  if (keep && hint >= 0) {
    // The server's idle timeout, minus a margin: never reuse a connection
    // the server is about to close.
    auto limit = ToChrono(absl::Seconds(hint) - options_.keep_alive_margin);
    if (limit <= Clock::duration::zero()) {
      keep = false;
    } else {
      c->idle_limit = std::min(c->idle_limit, limit);
    }
  }
  return keep;
}

absl::Status HostPool::Outcome(const Attempt& a) {
  switch (a.end) {
    case End::kNone:
      return absl::OkStatus();
    case End::kSink:
      return a.sink_status;  // the sink's own status
    case End::kTls:
      return TlsError(a.conn->tls_error, Phase::kRead, a.number, AddrOf(a));
    case End::kTimeout:
      return InterruptError(a.cc, Phase::kRead, a.number, AddrOf(a));
    case End::kClosed: {
      std::string_view why = "before the response";
      if (a.truncated) {
        why = "mid-response, without close_notify (truncated)";
      } else if (a.got_any) {
        why = "mid-response";
      }
      return MakeError(ErrorKind::kConnectionClosed, Phase::kRead, a.number,
                       AddrOf(a), why);
    }
    case End::kParse:
      return ResponseParseError(a.perr, a.number, AddrOf(a),
                                options_.max_response_body_bytes);
    case End::kTooManyInterim:
      return TooManyInterimError(a.number, AddrOf(a));
  }
  return absl::InternalError("unknown end of an exchange");
}

void HostPool::Finish(Attempt& a) {
  Conn* c = a.conn;
  const bool whole = a.end == End::kNone;
  if (c->tls != nullptr && !c->session_saved && whole) {
    // TLS 1.3 sends the ticket after the handshake: it has come by now.
    if (std::shared_ptr<const tls::Session> s = c->tls->session()) {
      sessions_[c->addr] = std::move(s);
      c->session_saved = true;
    }
  }
  a.cc->conn = nullptr;
  Disarm(a.cc);
  if (whole && !a.keep) {
    c->Goodbye();  // a whole exchange: nothing half-written
  }
  Release(c, a.keep && whole);
}

}  // namespace brisk::client::client_internal
