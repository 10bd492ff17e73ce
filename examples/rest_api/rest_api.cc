// A small REST service on brisk: routes with parameters, JSON bodies
// (nlohmann/json from Debian), a slow endpoint that sleeps on a timer, a
// streamed response, a streamed upload, an endpoint that calls a backend
// with brisk's client,
// and a graceful shutdown on SIGINT or SIGTERM. Handlers that wait are
// coroutines (server::Task); none blocks its loop thread.
//
//   rest_api [address]     (default 127.0.0.1:8080; port 0 picks one)
//
// It prints "listening on <address>" once ready. rest_api_client.cc calls
// every route; rest_api_test.sh runs both.

#include <signal.h>

#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "client/host_client.h"
#include "nlohmann/json.hpp"
#include "router/router.h"
#include "server/server.h"

namespace {

using brisk::router::Coroutine;
using brisk::router::Params;
using brisk::server::RequestCtx;
using brisk::server::Task;
using nlohmann::json;

void Reply(RequestCtx& ctx, int status, const json& body) {
  ctx.SetStatusCode(status);
  ctx.SetContentType("application/json");
  ctx.SetBody(body.dump());
}

// The users, shared by the loops (handlers run on several threads).
class Users {
 public:
  json List() {
    std::lock_guard<std::mutex> lock(mu_);
    json all = json::array();
    for (const auto& [id, user] : users_)
      all.push_back(user);
    return all;
  }
  bool Find(const std::string& id, json& out) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = users_.find(id);
    if (it == users_.end())
      return false;
    out = it->second;
    return true;
  }
  json Add(std::string name, std::string email) {
    std::lock_guard<std::mutex> lock(mu_);
    std::string id = std::to_string(next_id_++);
    json user = {
        {"id", id}, {"name", std::move(name)}, {"email", std::move(email)}};
    users_[id] = user;
    return user;
  }
  bool Remove(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    return users_.erase(id) == 1;
  }

 private:
  std::mutex mu_;
  std::map<std::string, json> users_;
  int next_id_ = 1;
};

}  // namespace

int main(int argc, char** argv) {
  std::string addr = argc > 1 ? argv[1] : "127.0.0.1:8080";
  Users users;
  brisk::router::Router router;

  // --- the handlers ---
  (void)router.Get("/users", [&](RequestCtx& ctx, const Params&) {
    Reply(ctx, 200, users.List());
  });
  (void)router.Get("/users/{id:int}", [&](RequestCtx& ctx, const Params& p) {
    json user;
    if (users.Find(std::string(p.Get("id")), user)) {
      Reply(ctx, 200, user);
    } else {
      Reply(ctx, 404, {{"error", "no such user"}});
    }
  });
  (void)router.Post("/users", [&](RequestCtx& ctx, const Params&) {
    json in =
        json::parse(ctx.request().body(), nullptr, /*allow_exceptions=*/false);
    if (!in.is_object() || !in["name"].is_string() ||
        !in["email"].is_string()) {
      Reply(ctx, 400,
            {{"error", "want {\"name\": string, \"email\": string}"}});
      return;
    }
    json user = users.Add(in["name"], in["email"]);
    ctx.response().header().Set("Location",
                                "/users/" + user["id"].get<std::string>());
    Reply(ctx, 201, user);
  });
  (void)router.Delete("/users/{id:int}", [&](RequestCtx& ctx, const Params& p) {
    ctx.SetStatusCode(users.Remove(std::string(p.Get("id"))) ? 204 : 404);
  });
  // Answers after 200 ms; the loop serves others meanwhile.
  // (A co_await's result goes into a variable before it is tested: gcc 12
  // miscompiles `if ((co_await x).ok())`.)
  (void)router.Get(
      "/slow", Coroutine([](RequestCtx& ctx, Params) -> Task {
        absl::Status slept = co_await ctx.Sleep(absl::Milliseconds(200));
        if (slept.ok())
          Reply(ctx, 200, {{"slept_ms", 200}});  // else: client gone
      }));
  // Five JSON lines, one every 50 ms, each sent as it is made.
  (void)router.Get("/stream", Coroutine([](RequestCtx& ctx, Params) -> Task {
                     ctx.SetContentType("application/x-ndjson");
                     for (int i = 1; i <= 5; ++i) {
                       std::string line = json{{"tick", i}}.dump() + "\n";
                       absl::Status s = co_await ctx.StreamWrite(line);
                       if (!s.ok())
                         co_return;  // client gone
                       if (i < 5)
                         s = co_await ctx.Sleep(absl::Milliseconds(50));
                       if (!s.ok())
                         co_return;
                     }
                   }));
  // Takes an upload of any size in pieces as it arrives (bodies over 1 MiB
  // are streamed, see the server's options below): memory stays flat.
  (void)router.Post(
      "/upload", Coroutine([](RequestCtx& ctx, Params) -> Task {
        uint64_t bytes = 0;
        for (;;) {
          absl::StatusOr<std::string_view> piece = co_await ctx.ReadBodyPiece();
          if (!piece.ok()) {
            Reply(ctx, 400, {{"error", piece.status().ToString()}});
            co_return;
          }
          if (piece->empty())
            break;
          bytes += piece->size();
        }
        Reply(ctx, 200, {{"received_bytes", bytes}});
      }));
  // Calls a backend (here: this service itself, once its port is known)
  // with brisk's client, with a deadline, interrupted if our client leaves.
  std::optional<brisk::client::HostClient> backend;
  (void)router.Get(
      "/profile/{id:int}", Coroutine([&](RequestCtx& ctx, Params p) -> Task {
        brisk::http::Request req;
        req.header().SetRequestUri("/users/" + std::string(p.Get("id")));
        brisk::http::Response resp;
        absl::Status s = co_await backend->AsyncDo(
            req, resp, absl::Now() + absl::Seconds(2), ctx.cancellation_slot());
        if (!s.ok()) {
          Reply(ctx, 502, {{"error", s.ToString()}});
          co_return;
        }
        json user = json::parse(resp.body(), nullptr, false);
        Reply(ctx, resp.status_code(), {{"user", user}, {"via", "backend"}});
      }));

  // --- serving, and a graceful stop on SIGINT or SIGTERM ---
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);  // threads inherit it
  brisk::server::Server server({.threads = 2,
                                .max_request_body_bytes = 1 << 20,
                                .stream_request_body = true},
                               router.handler());
  if (absl::Status s = server.Listen(addr); !s.ok()) {
    std::fprintf(stderr, "rest_api: %s\n", s.ToString().c_str());
    return 1;
  }
  addr = "127.0.0.1:" + std::to_string(server.port());  // port 0 resolved
  backend.emplace(brisk::client::HostClientOptions{.addrs = {addr}});
  server.Start();
  std::printf("listening on %s\n", addr.c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop_signals, &sig);
  brisk::server::ShutdownReport report = server.Shutdown(absl::Seconds(5));
  std::printf("stopped: %s\n", report.drained ? "drained" : "hard-closed");
  return 0;
}
