// A coroutine handler calling a backend through brisk's client: the answer
// relayed, and the backend call interrupted when the front's client leaves
// or the front server hard-closes (the cancellation crosses from the
// server's loop to the client's).

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "client/client.h"
#include "client/errors.h"
#include "client/host_client.h"
#include "client/pipeline_client.h"
#include "http/message.h"
#include "server/server.h"
#include "server/server_test_util.h"
#include "testing/raw_conn.h"

namespace brisk {
namespace {

using server::Coroutine;
using server::RequestCtx;
using server::Task;
using server::TestServer;

// The backend request for the front's request: GET of the same target.
void ForwardTo(RequestCtx& ctx, http::Request& req) {
  req.header().SetMethod("GET");
  req.header().SetRequestUri(ctx.request().header().request_uri());
}

// A backend that answers "/fast" at once and never answers "/hang" (its
// handle is kept until the test ends).
class Backend {
 public:
  Backend()
      : server_({}, [this](RequestCtx& ctx) {
          if (ctx.request().header().request_uri() == "/hang") {
            std::lock_guard<std::mutex> lock(mu_);
            held_.push_back(ctx.Detach());
            return;
          }
          ctx.SetBody("backend says " +
                      std::string(ctx.request().header().request_uri()));
        }) {}
  ~Backend() {
    std::lock_guard<std::mutex> lock(mu_);
    for (server::DetachedCtx& d : held_) {
      d.Finish();
    }
  }
  std::string addr() const {
    return absl::StrCat("127.0.0.1:", server_.port());
  }

 private:
  TestServer server_;
  std::mutex mu_;
  std::vector<server::DetachedCtx> held_;
};

struct Seen {
  client::ErrorKind kind = client::ErrorKind::kNone;
  std::string text;
};

// The front: relays its path to the backend and reports the call's status.
class Front {
 public:
  explicit Front(const Backend& backend)
      : backend_client_(client::HostClientOptions{.addrs = {backend.addr()}}),
        server_(std::make_unique<TestServer>(
            server::ServerOptions{}, Coroutine([this](RequestCtx& ctx) -> Task {
              http::Request req;
              ForwardTo(ctx, req);
              http::Response resp;
              absl::Status s = co_await backend_client_.AsyncDo(
                  req, resp, absl::Now() + absl::Seconds(20),
                  ctx.cancellation_slot());
              if (seen_ != nullptr) {
                // What the test needs, not the Status itself: its payload
                // is shared through Debian's uninstrumented abseil, which
                // TSan cannot follow across threads.
                seen_->set_value(Seen{client::KindOf(s), s.ToString()});
              }
              if (!s.ok()) {
                ctx.Error(502, s.ToString());
                co_return;
              }
              ctx.SetBody(resp.body());
            }))) {}

  void Expect(std::promise<Seen>* seen) { seen_ = seen; }
  TestServer& server() { return *server_; }
  void Stop() { server_.reset(); }

 private:
  client::HostClient backend_client_;
  std::promise<Seen>* seen_ = nullptr;
  std::unique_ptr<TestServer> server_;
};

Seen Await(std::promise<Seen>& p) {
  auto f = p.get_future();
  if (f.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    return Seen{client::ErrorKind::kNone, "the handler never resumed"};
  }
  return f.get();
}

TEST(CoroutineBackendTest, RelaysTheBackendsAnswer) {
  Backend backend;
  Front front(backend);
  for (int i = 0; i < 20; ++i) {
    server::Reply r =
        server::RoundTrip(front.server().port(), server::Get("/fast"));
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.body, "backend says /fast");
  }
}

TEST(CoroutineBackendTest, ClientGoneCancelsTheBackendCall) {
  Backend backend;
  Front front(backend);
  std::promise<Seen> seen;
  front.Expect(&seen);
  testing::RawConn c = front.server().Connect();
  ASSERT_TRUE(c.Send(server::Get("/hang")));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  c.Close();
  Seen s = Await(seen);
  EXPECT_EQ(s.kind, client::ErrorKind::kCancelled) << s.text;
}

TEST(CoroutineBackendTest, ShutdownDeadlineCancelsTheBackendCall) {
  Backend backend;
  Front front(backend);
  std::promise<Seen> seen;
  front.Expect(&seen);
  testing::RawConn c = front.server().Connect();
  ASSERT_TRUE(c.Send(server::Get("/hang")));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server::ShutdownReport rep =
      front.server().server().Shutdown(absl::Milliseconds(100));
  EXPECT_FALSE(rep.drained);
  Seen s = Await(seen);
  EXPECT_EQ(s.kind, client::ErrorKind::kCancelled) << s.text;
}

// PipelineClient::AsyncDo from a server's coroutine handler (another loop):
// handed over, and the handler resumes on its own loop.
TEST(CoroutineBackendTest, PipelineClientFromAHandler) {
  Backend backend;
  client::PipelineClient pc({.addr = backend.addr()});
  TestServer front(
      server::ServerOptions{}, Coroutine([&](RequestCtx& ctx) -> Task {
        http::Request req;
        ForwardTo(ctx, req);
        http::Response resp;
        absl::Status s =
            co_await pc.AsyncDo(req, resp, absl::Now() + absl::Seconds(5));
        ctx.SetBody(s.ok() ? std::string(resp.body()) : "failed");
      }));
  for (int i = 0; i < 20; ++i) {
    server::Reply r = server::RoundTrip(front.port(), server::Get("/fast"));
    EXPECT_EQ(r.body, "backend says /fast");
  }
}

// Client::AsyncDo (absolute URLs, a HostClient per host) from a handler.
TEST(CoroutineBackendTest, ClientFromAHandler) {
  Backend backend;
  client::Client cl;
  TestServer front(
      server::ServerOptions{}, Coroutine([&](RequestCtx& ctx) -> Task {
        http::Request req;
        req.header().SetMethod("GET");
        req.header().SetRequestUri("http://" + backend.addr() + "/fast");
        http::Response resp;
        absl::Status s = co_await cl.AsyncDo(
            req, resp, absl::Now() + absl::Seconds(5), ctx.cancellation_slot());
        ctx.SetBody(s.ok() ? std::string(resp.body()) : s.ToString());
      }));
  for (int i = 0; i < 10; ++i) {
    server::Reply r = server::RoundTrip(front.port(), server::Get("/"));
    EXPECT_EQ(r.body, "backend says /fast");
  }
  EXPECT_EQ(cl.hosts(), 1u);
}

// A backend client per server loop (Server::MakePerLoop): the call runs on
// the handler's own loop (no thread hop), is cancelled there when the
// client leaves, and the clients' idle connections do not hold up Shutdown.
TEST(CoroutineBackendTest, PerLoopClientsRunOnTheHandlersLoop) {
  Backend backend;
  std::promise<Seen> seen;
  std::atomic<bool> report{false};
  server::PerLoop<client::HostClient>* clients = nullptr;
  server::Server front(
      {.threads = 2}, Coroutine([&](RequestCtx& ctx) -> Task {
        client::HostClient& hc = clients->Get(ctx);
        const bool same_loop =
            hc.loop().get_executor().running_in_this_thread();
        http::Request req;
        ForwardTo(ctx, req);
        http::Response resp;
        absl::Status s =
            co_await hc.AsyncDo(req, resp, absl::Now() + absl::Seconds(20),
                                ctx.cancellation_slot());
        if (report) {
          seen.set_value(Seen{client::KindOf(s), s.ToString()});
        }
        ctx.SetBody(std::string(same_loop ? "same loop: " : "another loop: ") +
                    std::string(resp.body()));
      }));
  clients = &front.MakePerLoop<client::HostClient>(
      [addr = backend.addr()](boost::asio::io_context& loop) {
        return std::make_unique<client::HostClient>(
            client::HostClientOptions{.addrs = {addr}}, loop);
      },
      [](client::HostClient& c) { c.Close(); });
  ASSERT_TRUE(front.Listen("127.0.0.1:0").ok());
  front.Start();
  for (int i = 0; i < 20; ++i) {
    server::Reply r = server::RoundTrip(front.port(), server::Get("/fast"));
    EXPECT_EQ(r.body, "same loop: backend says /fast");
  }
  report = true;
  testing::RawConn c;
  ASSERT_TRUE(c.Connect(front.port()));
  ASSERT_TRUE(c.Send(server::Get("/hang")));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  c.Close();
  Seen s = Await(seen);
  EXPECT_EQ(s.kind, client::ErrorKind::kCancelled) << s.text;
  // The per-loop clients hold idle connections to the backend: Shutdown
  // closes them once each loop has drained, and returns.
  server::ShutdownReport rep = front.Shutdown(absl::Seconds(10));
  EXPECT_TRUE(rep.drained);
}

}  // namespace
}  // namespace brisk
