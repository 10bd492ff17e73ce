// helloserver: the smallest useful brisk server, and the one the benchmarks
// run. Answers "Hello, World!" (text/plain) for any path and method, echoes
// the request body at /echo, and answers /sleep?ms=N after N ms (a
// coroutine handler sleeping on the loop's timer).
//
//   ./bazelw run //tools:helloserver -- --addr=127.0.0.1:8080 --threads=2
//
// --handler picks how the answer is made, for the benchmarks: `sync` (a
// plain handler), `coroutine` (the same work in a coroutine handler that
// never suspends) or `suspend` (a coroutine that suspends once per request
// on a zero-length Sleep before answering).
//
// SIGINT or SIGTERM shuts down gracefully (in-flight requests finish, 5 s
// at most).

#include <signal.h>

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"

#include "bytes/conv.h"
#include "http/uri.h"
#include "server/server.h"

ABSL_FLAG(std::string, addr, "127.0.0.1:8080",
          "address to listen on (host:port; port 0 picks one)");
ABSL_FLAG(int, threads, 0, "event loops (0: one per core)");
ABSL_FLAG(std::string, handler, "sync",
          "sync, coroutine (never suspends) or suspend (once per request)");

namespace {

using brisk::server::RequestCtx;
using brisk::server::Task;

void Hello(RequestCtx& ctx) {
  if (ctx.request().header().request_uri() == "/echo") {
    ctx.SetContentType(ctx.request().header().content_type().empty()
                           ? "application/octet-stream"
                           : ctx.request().header().content_type());
    ctx.SetBody(ctx.request().body());
    return;
  }
  ctx.SetContentType("text/plain");
  ctx.SetBody("Hello, World!");
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
  absl::ParseCommandLine(argc, argv);

  // Signals are taken by sigwait below, never by a loop thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  brisk::server::ServerOptions options;
  options.threads = absl::GetFlag(FLAGS_threads);
  const std::string mode = absl::GetFlag(FLAGS_handler);
  if (mode != "sync" && mode != "coroutine" && mode != "suspend") {
    std::fprintf(stderr,
                 "helloserver: --handler must be sync, coroutine or "
                 "suspend\n");
    return 1;
  }
  enum class Mode { kSync, kCoroutine, kSuspend };
  const Mode m = mode == "sync"        ? Mode::kSync
                 : mode == "coroutine" ? Mode::kCoroutine
                                       : Mode::kSuspend;
  brisk::server::Server server(options, [m](RequestCtx& ctx) {
    std::string_view target = ctx.request().header().request_uri();
    if (target.substr(0, 7) == "/sleep?") {
      ctx.Continue(Sleep(ctx));
    } else if (m == Mode::kSync) {
      Hello(ctx);
    } else if (m == Mode::kCoroutine) {
      ctx.Continue(CoroutineHello(ctx));
    } else {
      ctx.Continue(SuspendingHello(ctx));
    }
  });
  const std::string addr = absl::GetFlag(FLAGS_addr);
  if (absl::Status s = server.Listen(addr); !s.ok()) {
    std::fprintf(stderr, "helloserver: %s\n", s.ToString().c_str());
    return 1;
  }
  server.Start();
  brisk::http::HostPort hp;
  (void)brisk::http::SplitHostPort(addr, hp, /*allow_empty_host=*/true);
  std::string host(hp.host);  // Listen() accepted it
  if (host.empty() || host == "0.0.0.0") {
    host = "127.0.0.1";
  } else if (host.find(':') != std::string::npos) {
    host = "[" + host + "]";
  }
  std::printf("helloserver listening on http://%s:%u/ (%d threads)\n",
              host.c_str(), static_cast<unsigned>(server.port()),
              brisk::server::EffectiveThreads(options));
  std::fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  std::fprintf(stderr, "helloserver: signal %d, shutting down\n", sig);
  brisk::server::ShutdownReport report = server.Shutdown(absl::Seconds(5));
  if (!report.drained) {
    std::fprintf(stderr,
                 "helloserver: closed %llu connections at the deadline\n",
                 static_cast<unsigned long long>(report.hard_closed));
  }
  return 0;
}
