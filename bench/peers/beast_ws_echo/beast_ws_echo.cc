// Boost.Beast's WebSocket echo server, the C++ peer of brisk's (helloserver
// /ws) in //bench:ws_compare: one thread, one io_context, a coroutine per
// connection reading a message into a flat_buffer and writing it back with
// the same type — Beast's own example shape, with its suggested server
// timeouts. --deflate turns on permessage-deflate (no context takeover,
// level 6, as brisk's default).
//
//   beast_ws_echo --addr=127.0.0.1:9003 [--deflate]

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/signal_set.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/websocket.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

namespace {

bool deflate = false;

asio::awaitable<void> Session(tcp::socket socket) {
  websocket::stream<beast::tcp_stream> ws(std::move(socket));
  ws.set_option(
      websocket::stream_base::timeout::suggested(beast::role_type::server));
  if (deflate) {
    websocket::permessage_deflate pmd;
    pmd.server_enable = true;
    pmd.server_no_context_takeover = true;
    pmd.client_no_context_takeover = true;
    pmd.compLevel = 6;
    ws.set_option(pmd);
  }
  try {
    co_await ws.async_accept(asio::use_awaitable);
    beast::flat_buffer buffer;
    for (;;) {
      co_await ws.async_read(buffer, asio::use_awaitable);
      ws.text(ws.got_text());
      co_await ws.async_write(buffer.data(), asio::use_awaitable);
      buffer.consume(buffer.size());
    }
  } catch (const std::exception&) {
    // closed, reset or a protocol error: the session ends
  }
}

asio::awaitable<void> Listen(tcp::acceptor& acceptor) {
  for (;;) {
    tcp::socket s = co_await acceptor.async_accept(asio::use_awaitable);
    s.set_option(tcp::no_delay(true));
    asio::co_spawn(acceptor.get_executor(), Session(std::move(s)),
                   asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string addr = "127.0.0.1:9003";
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.substr(0, 7) == "--addr=") {
      addr = std::string(a.substr(7));
    } else if (a == "--deflate") {
      deflate = true;
    } else {
      std::fprintf(stderr, "usage: beast_ws_echo [--addr=H:P] [--deflate]\n");
      return 2;
    }
  }
  const size_t colon = addr.rfind(':');
  asio::io_context io(1);
  tcp::endpoint ep(
      asio::ip::make_address(addr.substr(0, colon)),
      static_cast<unsigned short>(std::atoi(addr.substr(colon + 1).c_str())));
  tcp::acceptor acceptor(io, ep);
  asio::co_spawn(io, Listen(acceptor), asio::detached);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { io.stop(); });
  io.run();
  return 0;
}
