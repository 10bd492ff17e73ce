#include "client/dialed_conn.h"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/experimental/awaitable_operators.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"

#include "client/internal/stream.h"

namespace brisk::client {
namespace {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// `op` (an awaitable of T), or DeadlineExceeded when `timeout` passes first
// (the operation is cancelled, the connection stays).
template <typename T>
asio::awaitable<std::optional<T>> Within(asio::awaitable<T> op,
                                         absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) {
    co_return co_await std::move(op);
  }
  asio::steady_timer timer(co_await asio::this_coro::executor,
                           absl::ToChronoNanoseconds(timeout));
  std::variant<T, std::tuple<boost::system::error_code>> r =
      co_await (std::move(op) || timer.async_wait(kAwait));
  if (r.index() == 0) {
    co_return std::move(std::get<0>(r));
  }
  co_return std::nullopt;
}

absl::Status FromError(const boost::system::error_code& ec, bool closed,
                       const client_internal::Stream& s) {
  if (closed || ec == asio::error::operation_aborted) {
    return absl::CancelledError("connection closed");
  }
  if (ec == asio::error::eof) {
    return absl::OutOfRangeError("end of stream");
  }
  if (ec == asio::error::fault && !s.tls_error.ok()) {
    return absl::UnavailableError(s.tls_error.message());
  }
  return absl::UnavailableError(ec.message());
}

}  // namespace

DialedConn::DialedConn(asio::io_context& io)
    : stream_(std::make_unique<client_internal::Stream>(io)) {}

DialedConn::~DialedConn() {
  Close();
}

asio::awaitable<absl::StatusOr<std::unique_ptr<DialedConn>>> DialedConn::Dial(
    asio::io_context& io, std::string host, uint16_t port,
    std::shared_ptr<const tls::Context> tls, absl::Duration timeout) {
  std::unique_ptr<DialedConn> c(new DialedConn(io));
  client_internal::Stream& s = *c->stream_;
  // The whole dial is bounded: past the deadline the stream is
  // interrupted (its wait completes with an error).
  auto expired = std::make_shared<bool>(false);
  asio::steady_timer deadline(io, absl::ToChronoNanoseconds(timeout));
  deadline.async_wait([expired, &s](const boost::system::error_code& ec) {
    if (!ec && !*expired) {
      *expired = true;
      s.Interrupt();
    }
  });
  Phase phase = Phase::kResolve;
  const boost::system::error_code ec =
      co_await s.Connect(host, std::to_string(port), port, phase);
  absl::Status st;
  if (ec) {
    st = absl::UnavailableError(
        absl::StrCat(phase == Phase::kResolve ? "resolve " : "connect ", host,
                     ":", port, ": ", ec.message()));
  } else if (tls != nullptr) {
    st = co_await s.Handshake(std::move(tls), host, nullptr);
  }
  const bool late = *expired;
  *expired = true;  // a completion still queued does nothing now
  deadline.cancel();
  if (late) {
    co_return absl::DeadlineExceededError(
        absl::StrCat("dial ", host, ":", port, ": timed out"));
  }
  if (!st.ok()) {
    co_return st;
  }
  boost::system::error_code ignored;
  s.socket.non_blocking(true, ignored);
  co_return std::move(c);
}

asio::awaitable<absl::Status> DialedConn::WaitReadable(absl::Duration timeout) {
  if (closed_) {
    co_return absl::CancelledError("connection closed");
  }
  if (reading_) {
    co_return absl::FailedPreconditionError("a Read is already pending");
  }
  client_internal::Stream& s = *stream_;
  if (s.tls != nullptr && s.tls->buffered_input() > 0) {
    co_return absl::OkStatus();
  }
  reading_ = true;
  absl::Status result;
  for (;;) {
    std::optional<std::tuple<boost::system::error_code>> r = co_await Within(
        s.socket.async_wait(asio::socket_base::wait_read, kAwait), timeout);
    if (!r) {
      result = absl::DeadlineExceededError("read timeout");
      break;
    }
    if (const auto& [ec] = *r; ec) {
      result = FromError(ec, closed_, s);
      break;
    }
    // Readiness may come without bytes: look before saying so.
    char byte;
    const ssize_t n =
        ::recv(s.socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
      break;
    }
  }
  reading_ = false;
  co_return result;
}

asio::awaitable<absl::Status> DialedConn::Read(bytes::ByteBuffer& buf,
                                               size_t max,
                                               absl::Duration timeout) {
  if (closed_) {
    co_return absl::CancelledError("connection closed");
  }
  if (reading_) {
    co_return absl::FailedPreconditionError("a Read is already pending");
  }
  reading_ = true;
  std::optional<boost::system::error_code> r =
      co_await Within(stream_->ReadSome(buf, max), timeout);
  reading_ = false;
  if (!r) {
    co_return absl::DeadlineExceededError("read timeout");
  }
  if (*r) {
    co_return FromError(*r, closed_, *stream_);
  }
  co_return absl::OkStatus();
}

asio::awaitable<absl::Status> DialedConn::Write(
    std::span<const std::string_view> parts, absl::Duration timeout) {
  if (closed_) {
    co_return absl::CancelledError("connection closed");
  }
  if (writing_) {
    co_return absl::FailedPreconditionError("a Write is already pending");
  }
  client_internal::Stream& s = *stream_;
  std::array<asio::const_buffer, 8> bufs;
  size_t n = 0;
  if (s.tls != nullptr || parts.size() > bufs.size()) {
    plain_.Reset();
    for (std::string_view p : parts) {
      plain_.Append(p);
    }
    std::string_view wire;
    if (!s.Seal(plain_.view(), wire)) {
      co_return absl::UnavailableError(s.tls_error.message());
    }
    bufs[n++] = asio::buffer(wire.data(), wire.size());
  } else {
    for (std::string_view p : parts) {
      bufs[n++] = asio::buffer(p.data(), p.size());
    }
  }
  writing_ = true;
  s.writing = true;
  // The timeout bounds each stall (the socket taking nothing), not the
  // whole write.
  absl::Status result;
  for (size_t first = 0; first < n;) {
    std::optional<std::tuple<boost::system::error_code, size_t>> r =
        co_await Within(s.socket.async_write_some(
                            std::span(bufs.data() + first, n - first), kAwait),
                        timeout);
    if (!r) {
      Close();  // part of a frame may have gone: the stream cannot go on
      result = absl::DeadlineExceededError("write timeout");
      break;
    }
    auto [ec, written] = *r;
    if (ec) {
      result = FromError(ec, closed_, s);
      break;
    }
    for (; first < n && written >= bufs[first].size(); ++first) {
      written -= bufs[first].size();
    }
    if (first < n) {
      bufs[first] += written;
    }
  }
  s.writing = false;
  writing_ = false;
  co_return result;
}

void DialedConn::Close() {
  if (closed_) {
    return;
  }
  closed_ = true;
  stream_->Goodbye();
  boost::system::error_code ignored;
  stream_->socket.close(ignored);
}

asio::io_context::executor_type DialedConn::get_executor() const {
  return stream_->socket.get_executor();
}

const tls::ConnectionInfo* DialedConn::tls() const {
  return stream_->tls != nullptr ? &stream_->tls->info() : nullptr;
}

}  // namespace brisk::client
