// helloserver: the smallest useful brisk server, and the one the benchmarks
// run. Answers "Hello, World!" (text/plain) for any path and method, and
// echoes the request body at /echo.
//
//   ./bazelw run //tools:helloserver -- --addr=127.0.0.1:8080 --threads=2
//
// SIGINT or SIGTERM shuts down gracefully (in-flight requests finish, 5 s
// at most).

#include <signal.h>

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"

#include "http/uri.h"
#include "server/server.h"

ABSL_FLAG(std::string, addr, "127.0.0.1:8080",
          "address to listen on (host:port; port 0 picks one)");
ABSL_FLAG(int, threads, 0, "event loops (0: one per core)");

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
  brisk::server::Server server(options, [](brisk::server::RequestCtx& ctx) {
    if (ctx.request().header().request_uri() == "/echo") {
      ctx.SetContentType(ctx.request().header().content_type().empty()
                             ? "application/octet-stream"
                             : ctx.request().header().content_type());
      ctx.SetBody(ctx.request().body());
      return;
    }
    ctx.SetContentType("text/plain");
    ctx.SetBody("Hello, World!");
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
