// chat: a WebSocket broadcast room on brisk's public targets. Every text
// message a member sends goes to every other member, prefixed with the
// sender's name (?name=... in the URL, or "anon"); "/who" answers the
// member alone with the names in the room. Members join and leave as
// "* ada joined" / "* ada left".
//
//   ../bazelw run //chat -- 127.0.0.1:8080
//   then connect to ws://127.0.0.1:8080/chat?name=ada (websocat, a browser,
//   Python's websockets, ...)
//
// What it shows: the server has several loops (threads), so members live on
// different threads; a broadcast goes to each member on its own loop (a
// coroutine posted to its executor), where that member's Conn may be used.
// A member's session waits for the deliveries in flight before it ends, so
// no delivery touches a Conn that is gone. SIGINT or SIGTERM shuts down:
// every member gets a 1001 close and the server drains.

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "boost/asio/as_tuple.hpp"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/use_awaitable.hpp"

#include "server/server.h"
#include "websocket/websocket.h"

namespace {

namespace asio = boost::asio;
using brisk::server::RequestCtx;
using brisk::server::Task;
using brisk::websocket::Conn;

// One member, shared by its session and the deliveries posted to it. Only
// its own loop thread touches `conn`, `gone` and `pending`.
struct Member {
  std::string name;
  Conn* conn = nullptr;
  asio::any_io_executor loop;
  bool gone = false;
  int pending = 0;  // deliveries started and not finished
};

class Room {
 public:
  void Join(std::shared_ptr<Member> m) {
    Broadcast("* " + m->name + " joined", nullptr);
    std::lock_guard<std::mutex> lock(mu_);
    members_.push_back(std::move(m));
  }
  void Leave(const Member* m) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      std::erase_if(members_, [m](const auto& x) { return x.get() == m; });
    }
    Broadcast("* " + m->name + " left", nullptr);
  }
  std::string Who() {
    std::lock_guard<std::mutex> lock(mu_);
    std::string names = "* here:";
    for (const auto& m : members_) {
      names += " " + m->name;
    }
    return names;
  }
  // Sends `text` to every member but `from`, each on its own loop.
  void Broadcast(std::string text, const Member* from) {
    auto shared = std::make_shared<const std::string>(std::move(text));
    std::vector<std::shared_ptr<Member>> to;
    {
      std::lock_guard<std::mutex> lock(mu_);
      to = members_;
    }
    for (std::shared_ptr<Member>& m : to) {
      if (m.get() != from) {
        asio::any_io_executor loop = m->loop;
        asio::co_spawn(loop, Deliver(std::move(m), shared), asio::detached);
      }
    }
  }

 private:
  static Task Deliver(std::shared_ptr<Member> m,
                      std::shared_ptr<const std::string> text) {
    if (m->gone) {
      co_return;
    }
    ++m->pending;
    absl::Status s = co_await m->conn->Write(*text);
    (void)s;  // a member that cannot take it is leaving anyway
    --m->pending;
  }

  std::mutex mu_;
  std::vector<std::shared_ptr<Member>> members_;
};

Room room;
const brisk::websocket::Options options;  // defaults: 1 MiB messages, pings

Task Session(std::shared_ptr<Member> me, Conn& conn) {
  me->conn = &conn;
  me->loop = conn.executor();
  room.Join(me);
  for (;;) {
    absl::StatusOr<brisk::websocket::Message> m = co_await conn.Read();
    if (!m.ok()) {
      break;  // closed, failed, timed out, or the server stopping
    }
    if (m->type != brisk::websocket::MessageType::kText) {
      continue;
    }
    if (m->data == "/who") {
      const std::string who = room.Who();
      absl::Status w = co_await conn.Write(who);
      if (!w.ok()) {
        break;
      }
      continue;
    }
    room.Broadcast(me->name + ": " + std::string(m->data), me.get());
  }
  me->gone = true;
  room.Leave(me.get());
  // Deliveries already writing finish (or fail) before the Conn goes.
  while (me->pending > 0) {
    asio::steady_timer t(conn.executor(), std::chrono::milliseconds(5));
    auto [ec] = co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;
  }
}

void Handle(RequestCtx& ctx) {
  if (ctx.request().header().request_uri().substr(0, 5) != "/chat") {
    ctx.Error(404, "connect to /chat?name=you with a WebSocket client");
    return;
  }
  auto me = std::make_shared<Member>();
  me->name = std::string(ctx.request().uri().query_args().Peek("name"));
  if (me->name.empty() || me->name.size() > 32) {
    me->name = "anon";
  }
  // Not a handshake: ctx holds the 4xx answer Upgrade wrote.
  (void)brisk::websocket::Upgrade(
      ctx, options,
      [me = std::move(me)](Conn& conn) { return Session(me, conn); });
}

}  // namespace

int main(int argc, char** argv) {
  std::string addr = argc > 1 ? argv[1] : "127.0.0.1:8080";
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);  // threads inherit it
  brisk::server::Server server({.threads = 2}, Handle);
  if (absl::Status s = server.Listen(addr); !s.ok()) {
    std::fprintf(stderr, "chat: %s\n", s.ToString().c_str());
    return 1;
  }
  server.Start();
  std::printf("listening on 127.0.0.1:%u\n", server.port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  brisk::server::ShutdownReport report = server.Shutdown(absl::Seconds(5));
  std::printf("stopped: %s\n", report.drained ? "drained" : "hard-closed");
  return 0;
}
