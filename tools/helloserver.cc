// helloserver: the smallest useful brisk server, and the one the benchmarks
// run. Answers "Hello, World!" (text/plain) for any path and method, echoes
// the request body at /echo, answers /sleep?ms=N after N ms (a
// coroutine handler sleeping on the loop's timer), and echoes WebSocket
// messages at /ws (--ws-deflate: with permessage-deflate when the client
// offers it) — the WebSocket benchmarks' server.
//
//   ./bazelw run //tools:helloserver -- --addr=127.0.0.1:8080 --threads=2
//
// --handler picks how the answer is made, for the benchmarks: `sync` (a
// plain handler), `coroutine` (the same work in a coroutine handler that
// never suspends) or `suspend` (a coroutine that suspends once per request
// on a zero-length Sleep before answering). --body-file answers with a
// file's bytes instead of "Hello, World!" (read once at start, its
// Content-Type from its name). The middleware, each off by default (flags
// in tools/serve.h): --compress compresses answers and decodes compressed
// request bodies, --access-log logs each request, --metrics counts them
// and serves the Prometheus page at /metrics — the middleware benchmarks'
// server.
//
// SIGINT or SIGTERM shuts down gracefully (in-flight requests finish, 5 s
// at most).

#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#include "bytes/conv.h"
#include "fs/file_server.h"
#include "middleware/compress.h"
#include "middleware/metrics.h"
#include "server/middleware.h"
#include "server/server.h"
#include "tls/context.h"
#include "tools/serve.h"
#include "websocket/websocket.h"

ABSL_FLAG(std::string, addr, "127.0.0.1:8080",
          "address to listen on (host:port; port 0 picks one)");
ABSL_FLAG(int, threads, 0, "event loops (0: one per core)");
ABSL_FLAG(std::string, handler, "sync",
          "sync, coroutine (never suspends) or suspend (once per request)");
ABSL_FLAG(std::string, body_file, "",
          "answer with this file's bytes instead of Hello, World!");
ABSL_FLAG(bool, metrics, false,
          "count requests and serve them at /metrics (Prometheus text)");
ABSL_FLAG(bool, ws_deflate, false,
          "/ws: permessage-deflate when the client offers it");

namespace {

using brisk::server::RequestCtx;
using brisk::server::Task;

// --body-file's bytes and type; "Hello, World!" without it.
std::string* body = nullptr;
std::string_view body_type = "text/plain";

void Hello(RequestCtx& ctx) {
  if (ctx.request().header().request_uri() == "/echo") {
    ctx.SetContentType(ctx.request().header().content_type().empty()
                           ? "application/octet-stream"
                           : ctx.request().header().content_type());
    ctx.SetBody(ctx.request().body());
    return;
  }
  ctx.SetContentType(body_type);
  ctx.SetBody(body != nullptr ? std::string_view(*body) : "Hello, World!");
}

Task Sleep(RequestCtx& ctx) {
  int64_t ms = 0;
  (void)absl::SimpleAtoi(
      brisk::bytes::ToAbsl(ctx.request().uri().query_args().Peek("ms")), &ms);
  absl::Status s = co_await ctx.Sleep(absl::Milliseconds(ms));
  if (s.ok()) {
    Hello(ctx);
  }
}

// /ws: every message back as it came.
Task WsEcho(brisk::websocket::Conn& conn) {
  for (;;) {
    absl::StatusOr<brisk::websocket::Message> m = co_await conn.Read();
    if (!m.ok()) {
      co_return;
    }
    absl::Status w = co_await conn.Write(m->data, m->type);
    if (!w.ok()) {
      co_return;
    }
  }
}

Task CoroutineHello(RequestCtx& ctx) {
  Hello(ctx);
  co_return;
}

Task SuspendingHello(RequestCtx& ctx) {
  absl::Status s = co_await ctx.Sleep(absl::ZeroDuration());
  if (s.ok()) {
    Hello(ctx);
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Answers Hello, World! for any request; echoes the body at /echo.");
  brisk::tools::ParseFlags(argc, argv);

  absl::StatusOr<std::shared_ptr<const brisk::tls::Context>> tls =
      brisk::tools::TlsFromFlags();
  if (!tls.ok()) {
    std::fprintf(stderr, "helloserver: %s\n", tls.status().ToString().c_str());
    return 2;
  }
  brisk::server::ServerOptions options;
  options.threads = absl::GetFlag(FLAGS_threads);
  options.tls = *tls;
  const std::string mode = absl::GetFlag(FLAGS_handler);
  if (mode != "sync" && mode != "coroutine" && mode != "suspend") {
    std::fprintf(stderr,
                 "helloserver: --handler must be sync, coroutine or "
                 "suspend\n");
    return 1;
  }
  if (const std::string path = absl::GetFlag(FLAGS_body_file); !path.empty()) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "helloserver: cannot read --body-file %s\n",
                   path.c_str());
      return 2;
    }
    body = new std::string((std::istreambuf_iterator<char>(in)),
                           std::istreambuf_iterator<char>());
    body_type = brisk::fs::ContentTypeFor(path);
  }
  absl::StatusOr<std::optional<brisk::middleware::CompressOptions>> compress =
      brisk::tools::CompressFromFlags("off");
  if (!compress.ok()) {
    std::fprintf(stderr, "helloserver: %s\n",
                 std::string(compress.status().message()).c_str());
    return 2;
  }
  absl::StatusOr<std::shared_ptr<brisk::middleware::AccessLog>> access_log =
      brisk::tools::AccessLogFromFlags();
  if (!access_log.ok()) {
    std::fprintf(stderr, "helloserver: %s\n",
                 std::string(access_log.status().message()).c_str());
    return 2;
  }
  // The log outermost: it sees the response as it left.
  brisk::server::MiddlewareChain chain;
  std::shared_ptr<brisk::middleware::Metrics> metrics;
  if (absl::GetFlag(FLAGS_metrics)) {
    metrics = std::make_shared<brisk::middleware::Metrics>();
    chain.push_back(metrics);
  }
  if (*access_log) {
    chain.push_back(*access_log);
  }
  if (*compress) {
    // Responses compressed, and compressed request bodies (/echo) decoded.
    chain.push_back(brisk::middleware::Compress::Create(**compress).value());
    chain.push_back(std::make_shared<brisk::middleware::Decompress>());
  }
  enum class Mode { kSync, kCoroutine, kSuspend };
  const Mode m = mode == "sync"        ? Mode::kSync
                 : mode == "coroutine" ? Mode::kCoroutine
                                       : Mode::kSuspend;
  static const brisk::websocket::Options ws_options{
      .deflate = {.enabled = absl::GetFlag(FLAGS_ws_deflate)}};
  brisk::server::Handler handler = [m,
                                    metrics = metrics.get()](RequestCtx& ctx) {
    std::string_view target = ctx.request().header().request_uri();
    if (target == "/ws") {
      // Not a handshake: the 4xx Upgrade left in ctx is the answer.
      (void)brisk::websocket::Upgrade(ctx, ws_options, WsEcho);
    } else if (metrics != nullptr && target == "/metrics") {
      ctx.set_route("/metrics");
      metrics->Serve(ctx);
    } else if (target.substr(0, 7) == "/sleep?") {
      ctx.Continue(Sleep(ctx));
    } else if (m == Mode::kSync) {
      Hello(ctx);
    } else if (m == Mode::kCoroutine) {
      ctx.Continue(CoroutineHello(ctx));
    } else {
      ctx.Continue(SuspendingHello(ctx));
    }
  };
  // Without middleware the handler runs bare (nothing between it and the
  // server, as the benchmarks measure it).
  brisk::server::Server server(
      options, chain.empty()
                   ? std::move(handler)
                   : brisk::server::Wrap(std::move(chain), std::move(handler)));
  if (metrics != nullptr) {
    metrics->AddServer(&server);
  }
  const int threads = brisk::server::EffectiveThreads(options);
  return brisk::tools::ServeUntilSignal(
      server, absl::GetFlag(FLAGS_addr), "helloserver",
      [threads](const std::string& url) {
        return absl::StrCat("helloserver listening on ", url, " (", threads,
                            " threads)");
      });
}
