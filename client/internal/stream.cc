#include "client/internal/stream.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/as_tuple.hpp"
#include "boost/asio/async_result.hpp"
#include "boost/asio/connect.hpp"
#include "boost/asio/ip/address.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"

namespace brisk::client::client_internal {
namespace {

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

}  // namespace

asio::awaitable<boost::system::error_code> Stream::Connect(
    const std::string& host, const std::string& port, uint16_t port_number,
    Phase& phase) {
  boost::system::error_code ec;
  const asio::ip::address ip = asio::ip::make_address(
      host == "localhost" ? std::string("127.0.0.1") : host, ec);
  if (!ec) {
    phase = Phase::kConnect;
    auto [cec] =
        co_await socket.async_connect(tcp::endpoint(ip, port_number), kAwait);
    ec = cec;
  } else {
    phase = Phase::kResolve;
    auto rs = std::make_shared<Resolve>(socket.get_executor());
    rs->resolver.async_resolve(
        host, port,
        [rs](const boost::system::error_code& rec, Resolve::Results results) {
          rs->ec = rec;
          rs->results = std::move(results);
          rs->done = true;
          if (rs->waiter) {
            auto h = std::move(*rs->waiter);
            rs->waiter.reset();
            std::move(h)();
          }
        });
    resolving = rs;
    if (!rs->done) {
      co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
          [&rs](auto handler) { rs->waiter.emplace(std::move(handler)); },
          asio::use_awaitable);
    }
    resolving.reset();
    ec = rs->done ? rs->ec : asio::error::operation_aborted;
    if (!ec) {
      phase = Phase::kConnect;
      auto [cec, ep] =
          co_await asio::async_connect(socket, rs->results, kAwait);
      ec = cec;
    }
  }
  if (!ec) {
    socket.set_option(tcp::no_delay(true), ec);
  }
  co_return ec;
}

void Stream::Interrupt() {
  if (resolving != nullptr && resolving->waiter) {
    auto h = std::move(*resolving->waiter);
    resolving->waiter.reset();
    asio::post(socket.get_executor(), std::move(h));
    return;
  }
  boost::system::error_code ignored;
  socket.close(ignored);
}

asio::awaitable<absl::Status> Stream::Handshake(
    std::shared_ptr<const tls::Context> context, std::string_view host,
    std::shared_ptr<const tls::Session> session) {
  tls = std::make_unique<tls::Engine>(std::move(context), host);
  tls->set_session(std::move(session));
  wire.Reset();
  tls->set_output(&wire);
  absl::Status st = tls->Start();
  for (;;) {
    // What the engine has to say first (an alert, too, when it failed).
    if (!wire.empty()) {
      auto [ec, n] = co_await asio::async_write(
          socket, asio::buffer(wire.data(), wire.size()), kAwait);
      wire.Reset();
      if (ec && st.ok()) {
        st = absl::UnavailableError(absl::StrCat("tls: ", ec.message()));
      }
    }
    if (!st.ok() || tls->handshake_done()) {
      break;
    }
    char* p = tls->PrepareFeed(tls::kRecordRead);
    auto [ec, n] = co_await socket.async_read_some(
        asio::buffer(p, tls::kRecordRead), kAwait);
    if (ec) {
      st = absl::UnavailableError(
          ec == asio::error::eof
              ? std::string("tls: the server closed the connection")
              : absl::StrCat("tls: ", ec.message()));
      break;
    }
    st = tls->CommitFeed(n);
  }
  tls->set_output(nullptr);
  co_return st;
}

asio::awaitable<boost::system::error_code> Stream::ReadSome(
    bytes::ByteBuffer& in, size_t room) {
  if (tls == nullptr) {
    char* p = in.PrepareAppend(room);
    auto [ec, n] = co_await socket.async_read_some(
        asio::buffer(p, in.available()), kAwait);
    if (!ec) {
      in.CommitAppend(n);
    }
    co_return ec;
  }
  for (;;) {
    size_t n = 0;
    if (absl::Status st = tls->Read(in, n); !st.ok()) {
      tls_error = std::move(st);
      co_return asio::error::fault;
    }
    if (n > 0) {
      co_return boost::system::error_code();
    }
    if (tls->peer_closed()) {
      co_return asio::error::eof;  // close_notify: the server's clean end
    }
    if (tls->has_output() && !writing) {
      // TLS's own answer (the peer may be waiting for it).
      wire.Reset();
      tls->TakeOutput(wire);
      writing = true;
      auto [wec, wn] = co_await asio::async_write(
          socket, asio::buffer(wire.data(), wire.size()), kAwait);
      writing = false;
      if (wec) {
        co_return wec;
      }
      if (wrote) {
        wrote();
      }
    }
    char* p = tls->PrepareFeed(tls::kRecordRead);
    auto [ec, m] = co_await socket.async_read_some(
        asio::buffer(p, tls::kRecordRead), kAwait);
    if (ec) {
      // A TCP end without close_notify may be a truncation: not a clean
      // end of a body delimited by the close.
      co_return ec == asio::error::eof ? asio::error::connection_aborted : ec;
    }
    if (absl::Status st = tls->CommitFeed(m); !st.ok()) {
      tls_error = std::move(st);
      co_return asio::error::fault;
    }
  }
}

bool Stream::Seal(std::string_view plain, std::string_view& out) {
  if (tls == nullptr) {
    out = plain;
    return true;
  }
  wire.Reset();
  tls->TakeOutput(wire);  // TLS's own first (a key update's answer)
  tls->set_output(&wire);
  absl::Status st = tls->Write(plain);
  tls->set_output(nullptr);
  if (!st.ok()) {
    tls_error = std::move(st);
    return false;
  }
  out = wire.view();
  return true;
}

void Stream::Goodbye() {
  if (tls == nullptr || !tls->handshake_done() || !tls->status().ok() ||
      tls->peer_closed() || writing) {
    return;
  }
  wire.Reset();
  tls->TakeOutput(wire);
  tls->set_output(&wire);
  tls->Close();
  tls->set_output(nullptr);
  boost::system::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(asio::buffer(wire.data(), wire.size()), ignored);
}

bool Stream::IdleReadOk(bytes::ByteBuffer& scratch) {
  if (tls == nullptr) {
    return false;
  }
  for (;;) {
    boost::system::error_code ec;
    char* p = tls->PrepareFeed(tls::kRecordRead);
    const size_t n = socket.read_some(asio::buffer(p, tls::kRecordRead), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      return true;
    }
    if (ec || !tls->CommitFeed(n).ok()) {
      return false;
    }
    scratch.Reset();
    size_t got = 0;
    if (!tls->Read(scratch, got).ok() || got > 0 || tls->peer_closed()) {
      return false;
    }
  }
}

}  // namespace brisk::client::client_internal
