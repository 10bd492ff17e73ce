#include "client/pipeline_client.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/basic_stream_socket.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/connect.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/executor_work_guard.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/this_coro.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"

#include "bytes/byte_buffer.h"
#include "client/internal/interim.h"
#include "client/internal/loop_thread.h"
#include "client/internal/stream.h"
#include "client/internal/submitter.h"
#include "http/body_reader.h"
#include "http/method.h"
#include "http/response_header.h"
#include "http/uri.h"
#include "loop/ticker.h"

namespace brisk::client {
namespace client_internal {

namespace asio = boost::asio;

namespace {

// A copy of `s` that shares nothing with it. Fail() hands one error to many
// callers on other threads; a plain copy would share the payload's storage,
// whose reference count lives in Debian's prebuilt (uninstrumented) abseil,
// so ThreadSanitizer cannot see its hand-over.
absl::Status Unshared(const absl::Status& s) {
  absl::Status out(s.code(), s.message());
  s.ForEachPayload([&out](absl::string_view url, const absl::Cord& payload) {
    out.SetPayload(url, absl::Cord(std::string(payload)));
  });
  return out;
}

}  // namespace
using Clock = std::chrono::steady_clock;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
// How often deadlines and idle connections are checked while any is set: a
// deadline fires up to one tick late.
constexpr auto kTick = std::chrono::milliseconds(5);

struct Pending {
  Call* call = nullptr;  // nullptr once the caller gave up (timeout)
  bool head = false;
  Clock::time_point deadline;
};

struct PConn : Stream {
  explicit PConn(asio::io_context& io, size_t ring) : Stream(io), ring(ring) {}
  bytes::ByteBuffer in, out, queued;
  std::vector<Pending> ring;  // pending requests, oldest at `first`
  size_t first = 0;
  size_t count = 0;
  http::ResponseHeader header;
  http::Response scratch;  // where abandoned responses go
  Clock::time_point dial_deadline = Clock::time_point::max();
  Clock::time_point idle_since;
  bool dialing = true;   // (writing: Stream's, a write in flight)
  bool reading = false;  // the reader coroutine runs
  bool failed = false;

  Pending& front() { return ring[first]; }
  void Push(const Pending& p) {
    ring[(first + count) % ring.size()] = p;
    ++count;
  }
  void Pop() {
    ring[first] = Pending{};
    first = (first + 1) % ring.size();
    --count;
  }
};

class Pipeline {
 public:
  // Runs on `io`: the caller's, or the client's own LoopThread. Until
  // StopHere() the loop does not run out of work.
  Pipeline(const PipelineClientOptions& o, asio::io_context& io)
      : o_(o),
        io_(io),
        work_(io_.get_executor()),
        tick_(io_, kTick, [this] { Tick(); }),
        submitter_(io_, [this](Call* call) { OnCall(call); }) {
    http::HostPort hp;  // valid: ValidateOptions() checked it
    (void)http::SplitHostPort(o_.addr, hp);
    host_ = hp.host;
    port_ = hp.port;
    port_number_ = hp.port_number;
    // RFC 9112 §3.2: the port goes with the host unless it is the default.
    host_field_ = hp.port_number == (o_.tls ? 443 : 80)
                      ? o_.addr.substr(0, o_.addr.size() - hp.port.size() - 1)
                      : o_.addr;
    submitter_.Start();
  }

  ~Pipeline() {
    for (PConn* c : conns_) {
      delete c;
    }
  }

  // On the loop thread: fails what is pending, closes the connections and
  // lets the loop run out of work.
  void StopHere() {
    closed_ = true;
    absl::Status s = MakeError(ErrorKind::kClosed, Phase::kQueue, 0, o_.addr);
    submitter_.Close(s);
    tick_.Stop();
    for (PConn* c : conns_) {
      Fail(c, s);
    }
    work_.reset();
  }

  void Submit(Call* call) { submitter_.Submit(call); }
  // Loop thread: starts `call` directly (AsyncDo).
  void Start(Call* call) { OnCall(call); }
  asio::io_context& io() { return io_; }

  PipelineClientStats stats() const {
    PipelineClientStats s;
    s.conns = conns_stat_.load(std::memory_order_relaxed);
    s.pending = pending_stat_.load(std::memory_order_relaxed);
    s.writes = writes_.load(std::memory_order_relaxed);
    s.discarded = discarded_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  void OnCall(Call* call) {
    if (closed_) {
      call->Complete(MakeError(ErrorKind::kClosed, Phase::kQueue, 0, o_.addr));
      return;
    }
    // The connection with the fewest pending requests that has room.
    PConn* best = nullptr;
    for (PConn* c : conns_) {
      if (!c->failed &&
          c->count < static_cast<size_t>(o_.max_pending_requests) &&
          (best == nullptr || c->count < best->count)) {
        best = c;
      }
    }
    if (best == nullptr ||
        (best->count > 0 &&
         conns_.size() < static_cast<size_t>(o_.max_conns))) {
      if (conns_.size() < static_cast<size_t>(o_.max_conns)) {
        best = Open();
      }
    }
    if (best == nullptr) {
      call->Complete(MakeError(
          ErrorKind::kNoFreeConns, Phase::kQueue, 1, o_.addr,
          absl::StrCat("all ", o_.max_conns, " connections have ",
                       o_.max_pending_requests, " requests pending")));
      return;
    }
    http::RequestHeader& h = call->req->header();
    if (h.host().empty()) {
      h.Set("Host", host_field_);
    }
    if (!o_.user_agent.empty() && h.user_agent().empty()) {
      h.Set("User-Agent", o_.user_agent);
    }
    call->resp->Reset();
    if (http::WireError w = call->req->AppendTo(best->queued);
        w != http::WireError::kNone) {
      call->Complete(MakeError(ErrorKind::kInvalidRequest, Phase::kWrite, 0,
                               o_.addr, http::ToString(w)));
      return;
    }
    const absl::Duration left =
        call->deadline == absl::InfiniteFuture()
            ? o_.timeout
            : std::max(call->deadline - absl::Now(), absl::ZeroDuration());
    const Clock::time_point deadline =
        left == absl::InfiniteDuration()
            ? Clock::time_point::max()
            : Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                 absl::ToChronoNanoseconds(left));
    best->Push({call, h.method_id() == http::Method::kHead, deadline});
    pending_stat_.fetch_add(1, std::memory_order_relaxed);
    if (deadline != Clock::time_point::max()) {
      tick_.Arm();
    }
    Write(best);
  }

  PConn* Open() {
    auto* c = new PConn(io_, static_cast<size_t>(o_.max_pending_requests));
    c->header.set_limits(
        http::HeaderLimits{.max_header_bytes = o_.max_header_bytes});
    c->dial_deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(
                           absl::ToChronoNanoseconds(o_.dial_timeout));
    conns_.push_back(c);
    conns_stat_.store(conns_.size(), std::memory_order_relaxed);
    c->reading = true;
    c->wrote = [this, c] { Write(c); };
    tick_.Arm();
    asio::co_spawn(io_, Reader(c), asio::detached);
    return c;
  }

  void Write(PConn* c) {
    // Requests, or TLS's own bytes a read left behind.
    if (c->writing || c->dialing || c->failed ||
        (c->queued.empty() && (c->tls == nullptr || !c->tls->has_output()))) {
      return;
    }
    std::swap(c->out, c->queued);
    std::string_view wire;
    if (!c->Seal(c->out.view(), wire)) {
      c->out.Reset();
      Fail(c, TlsError(c->tls_error, Phase::kWrite, 1, o_.addr));
      return;
    }
    c->writing = true;
    writes_.fetch_add(1, std::memory_order_relaxed);
    asio::async_write(
        c->socket, asio::buffer(wire.data(), wire.size()),
        [this, c](const boost::system::error_code& ec, size_t) {
          c->writing = false;
          c->out.Reset();
          if (ec) {
            Fail(c, MakeError(ErrorKind::kConnectionClosed, Phase::kWrite, 1,
                              o_.addr, ec.message()));
          } else {
            Write(c);
          }
          MaybeFree(c);
        });
  }

  // Every pending call fails with `s`; the connection closes (for https
  // with close_notify, when nothing is half-written and TLS is sound).
  void Fail(PConn* c, const absl::Status& s) {
    c->Goodbye();
    c->failed = true;
    c->Interrupt();  // a resolution's wait too
    boost::system::error_code ignored;
    c->socket.close(ignored);
    while (c->count > 0) {
      if (Call* call = c->front().call) {
        call->Complete(Unshared(s));
      }
      c->Pop();
      pending_stat_.fetch_sub(1, std::memory_order_relaxed);
    }
    c->queued.Reset();
  }

  void MaybeFree(PConn* c) {
    if (!c->failed || c->writing || c->reading) {
      return;
    }
    conns_.erase(std::find(conns_.begin(), conns_.end(), c));
    conns_stat_.store(conns_.size(), std::memory_order_relaxed);
    delete c;
  }

  void Complete(PConn* c, absl::Status s) {
    if (Call* call = c->front().call) {
      call->Complete(std::move(s));
    } else {
      discarded_.fetch_add(1, std::memory_order_relaxed);
    }
    c->Pop();
    pending_stat_.fetch_sub(1, std::memory_order_relaxed);
    if (c->count == 0) {
      c->idle_since = Clock::now();
    }
  }

  asio::awaitable<void> Reader(PConn* c) {
    // Dial.
    Phase phase = Phase::kResolve;
    boost::system::error_code ec =
        co_await c->Connect(host_, port_, port_number_, phase);
    if (ec || c->failed) {
      c->dialing = false;
      Fail(c, MakeError(ErrorKind::kDial, phase, 1, o_.addr,
                        c->failed ? "timed out" : ec.message()));
      c->reading = false;
      MaybeFree(c);
      co_return;
    }
    if (o_.tls != nullptr) {
      // Within the same dial_timeout (Tick closes the socket at it).
      absl::Status st = co_await c->Handshake(
          o_.tls, o_.tls_server_name.empty() ? host_ : o_.tls_server_name,
          session_);
      if (!st.ok() || c->failed) {
        c->dialing = false;
        Fail(c, c->failed
                    ? MakeError(ErrorKind::kTlsHandshake, Phase::kHandshake, 1,
                                o_.addr, "timed out")
                    : TlsError(st, Phase::kHandshake, 1, o_.addr));
        c->reading = false;
        MaybeFree(c);
        co_return;
      }
    }
    c->dialing = false;
    c->dial_deadline = Clock::time_point::max();
    Write(c);
    // Read responses in order.
    size_t pos = 0;
    bool in_body = false;
    int interim = 0;  // 1xx heads skipped before the current response
    http::BodyReader body;
    for (;;) {
      while (c->count > 0 && !c->failed) {
        Pending& p = c->front();
        http::Response* target = p.call ? p.call->resp : &c->scratch;
        if (!in_body) {
          http::ParseResult pr = c->header.Parse(c->in.view().substr(pos));
          if (pr.incomplete()) {
            break;
          }
          if (pr.failed()) {
            Fail(c, ParseFailure(pr.error));
            break;
          }
          pos += pr.consumed;
          Head kind = ClassifyHead(c->header.status_code(), interim);
          if (kind == Head::kInterim) {
            c->header.Reset();
            continue;
          }
          if (kind == Head::kTooMany) {
            Fail(c, TooManyInterimError(1, o_.addr));
            break;
          }
          if (!p.call) {
            c->scratch.Reset();
          }
          c->header.CopyTo(target->header());
          http::ParseError e =
              body.Start(c->header.framing(p.head), c->header.content_length(),
                         o_.max_response_body_bytes);
          if (e != http::ParseError::kNone) {
            Fail(c, ParseFailure(e));
            break;
          }
          in_body = true;
        }
        http::DecodeResult d =
            body.Read(c->in.view().substr(pos), target->body_buffer());
        pos += d.consumed;
        if (d.failed()) {
          Fail(c, ParseFailure(d.error));
          break;
        }
        if (!body.done()) {
          break;
        }
        in_body = false;
        interim = 0;
        const bool close =
            !c->header.keep_alive() || EndsHttp(c->header.status_code());
        c->header.Reset();
        if (c->tls != nullptr && session_ == nullptr) {
          session_ = c->tls->session();  // for the next connection
        }
        Complete(c, absl::OkStatus());
        if (close) {
          Fail(c, MakeError(ErrorKind::kConnectionClosed, Phase::kRead, 1,
                            o_.addr, "the server closed the pipeline"));
        }
      }
      if (c->failed) {
        break;
      }
      if (pos == c->in.size()) {
        c->in.Reset();
      } else if (pos > 0) {
        c->in.DiscardPrefix(pos);
      }
      pos = 0;
      const boost::system::error_code rec =
          co_await c->ReadSome(c->in, o_.read_buffer_bytes);
      if (rec == asio::error::fault) {
        Fail(c, TlsError(c->tls_error, Phase::kRead, 1, o_.addr));
        break;
      }
      if (rec) {
        // Only a clean end (FIN; for https, close_notify) ends a body
        // delimited by the end of the connection.
        if (in_body && c->count > 0 && rec == asio::error::eof) {
          http::DecodeResult d = body.Close();
          if (!d.failed()) {
            Complete(c, absl::OkStatus());  // delimited by the close
          }
        } else if (c->count > 0 && !c->in.empty()) {
          // A head that will not complete: its first error, if any, decides.
          if (http::ParseError e = c->header.FirstError(c->in.view());
              e != http::ParseError::kNone) {
            Fail(c, ParseFailure(e));
            break;
          }
        }
        Fail(c, MakeError(ErrorKind::kConnectionClosed, Phase::kRead, 1,
                          o_.addr, rec.message()));
        break;
      }
      if (c->count == 0) {
        Fail(c, ResponseError(false, 1, o_.addr, "bytes nobody asked for"));
        break;
      }
    }
    c->reading = false;
    MaybeFree(c);
  }

  // The error for a response that failed to parse with `e`.
  absl::Status ParseFailure(http::ParseError e) const {
    return ResponseParseError(e, 1, o_.addr, o_.max_response_body_bytes);
  }

  // Deadlines of pending calls and dials; idle connections (every kTick
  // while any is left to check).
  void Tick() {
    const Clock::time_point now = Clock::now();
    const auto idle_limit = std::chrono::duration_cast<Clock::duration>(
        absl::ToChronoNanoseconds(o_.max_idle_conn_duration));
    bool again = false;
    for (size_t i = 0; i < conns_.size(); ++i) {
      PConn* c = conns_[i];
      if (c->failed) {
        continue;
      }
      // A call's deadline holds while its connection is still dialing too.
      // A full connection whose every pending call gave up is closed: it
      // would hold its slots for a server that may never answer.
      bool abandoned = c->count >= static_cast<size_t>(o_.max_pending_requests);
      for (size_t k = 0; k < c->count; ++k) {
        Pending& p = c->ring[(c->first + k) % c->ring.size()];
        if (p.call != nullptr && now >= p.deadline) {
          // The request stays on the wire; its answer will be discarded.
          p.call->Complete(MakeError(
              ErrorKind::kTimeout, c->dialing ? Phase::kConnect : Phase::kRead,
              1, o_.addr, "pipelined; its response will be discarded"));
          p.call = nullptr;
        } else if (p.call != nullptr &&
                   p.deadline != Clock::time_point::max()) {
          again = true;
        }
        abandoned = abandoned && p.call == nullptr;
      }
      if (abandoned) {
        Fail(c, absl::OkStatus());
        continue;
      }
      if (c->dialing) {
        if (now >= c->dial_deadline) {
          c->failed = true;  // the dial completes aborted and fails it
          c->Interrupt();
        }
        again = true;
        continue;
      }
      if (c->count == 0 && now - c->idle_since >= idle_limit) {
        Fail(c, absl::OkStatus());
      } else if (c->count == 0) {
        again = true;
      }
    }
    if (again) {
      tick_.Arm();
    }
  }

  const PipelineClientOptions& o_;
  asio::io_context& io_;
  asio::executor_work_guard<Executor> work_;
  loop::Ticker tick_;
  Submitter submitter_;
  std::string host_, port_;
  uint16_t port_number_ = 0;
  std::string host_field_;                       // the Host header value
  std::shared_ptr<const tls::Session> session_;  // https: to resume
  std::vector<PConn*> conns_;
  bool closed_ = false;
  std::atomic<uint64_t> conns_stat_{0}, pending_stat_{0}, writes_{0},
      discarded_{0};
};

}  // namespace client_internal

namespace {

absl::Status ValidateOptions(const PipelineClientOptions& o) {
  if (http::HostPort hp;
      !http::SplitHostPort(o.addr, hp) || hp.port_number == 0) {
    return absl::InvalidArgumentError(
        "PipelineClientOptions.addr: must be host:port (port 1-65535)");
  }
  if (o.max_conns <= 0 || o.max_pending_requests <= 0) {
    return absl::InvalidArgumentError(
        "PipelineClientOptions: max_conns and max_pending_requests must be "
        "positive");
  }
  if (o.tls != nullptr && o.tls->is_server()) {
    return absl::InvalidArgumentError(
        "PipelineClientOptions.tls: is a server context (use "
        "tls::Context::MakeClient)");
  }
  return absl::OkStatus();
}

}  // namespace

PipelineClient::PipelineClient(PipelineClientOptions options)
    : options_(std::move(options)) {
  status_ = ValidateOptions(options_);
  if (!status_.ok()) {
    return;
  }
  own_loop_ = std::make_unique<client_internal::LoopThread>();
  impl_ =
      std::make_unique<client_internal::Pipeline>(options_, own_loop_->io());
  own_loop_->Start();
}

PipelineClient::PipelineClient(PipelineClientOptions options,
                               boost::asio::io_context& loop)
    : options_(std::move(options)) {
  status_ = ValidateOptions(options_);
  if (status_.ok()) {
    impl_ = std::make_unique<client_internal::Pipeline>(options_, loop);
  }
}

PipelineClient::~PipelineClient() {
  if (impl_ && own_loop_ != nullptr) {
    // The pipeline ends every operation, and the loop runs out of work.
    own_loop_->Drain([p = impl_.get()] { p->StopHere(); });
  } else if (impl_) {
    impl_->StopHere();
  }
}

void PipelineClient::Close() {
  if (impl_) {
    impl_->StopHere();
  }
}

boost::asio::awaitable<absl::Status> PipelineClient::AsyncDo(
    http::Request& req, http::Response& resp, absl::Time deadline) {
  if (!status_.ok()) {
    co_return status_;
  }
  client_internal::Call call;
  call.req = &req;
  call.resp = &resp;
  call.deadline = deadline;
  // On the client's loop the call starts at once; from another loop (a
  // server's coroutine handler) it is handed over, and either way the
  // coroutine resumes on its own loop.
  const bool here = impl_->io().get_executor().running_in_this_thread();
  co_return co_await client_internal::AwaitCall(
      call, impl_->io(), {}, [this, here](client_internal::Call* c) {
        if (here) {
          impl_->Start(c);
        } else {
          impl_->Submit(c);
        }
      });
}

absl::Status PipelineClient::Do(http::Request& req, http::Response& resp) {
  return DoDeadline(req, resp, absl::InfiniteFuture());
}

absl::Status PipelineClient::DoTimeout(http::Request& req, http::Response& resp,
                                       absl::Duration timeout) {
  return DoDeadline(req, resp, absl::Now() + timeout);
}

absl::Status PipelineClient::DoDeadline(http::Request& req,
                                        http::Response& resp,
                                        absl::Time deadline) {
  if (!status_.ok()) {
    return status_;
  }
  client_internal::Call call;
  call.req = &req;
  call.resp = &resp;
  call.deadline = deadline;
  impl_->Submit(&call);
  return call.Wait();
}

PipelineClientStats PipelineClient::stats() const {
  return impl_ ? impl_->stats() : PipelineClientStats{};
}

}  // namespace brisk::client
