// fileserver: serves a directory over HTTP with brisk's server — the
// README's first command.
//
//   ./bazelw run //tools:fileserver                  # the current directory
//   ./bazelw run //tools:fileserver -- --root=/srv/www --addr=:8080
//
// Under `bazel run` the default root is the directory the command was run
// from (BUILD_WORKING_DIRECTORY), not Bazel's runfiles tree. SIGINT or
// SIGTERM shuts down gracefully.

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/time.h"

#include "http/uri.h"
#include "server/server.h"
#include "tools/fs.h"

ABSL_FLAG(std::string, root, "",
          "directory to serve (default: the directory you ran the command "
          "from)");
ABSL_FLAG(std::string, addr, "127.0.0.1:8080",
          "address to listen on (host:port; :8080 for every interface)");
ABSL_FLAG(int, threads, 0, "event loops (0: one per core)");
ABSL_FLAG(bool, compress, true,
          "gzip compressible files for clients that accept it");
ABSL_FLAG(bool, listing, true, "list directories that have no index.html");
ABSL_FLAG(absl::Duration, cache_duration, absl::Seconds(10),
          "how long a cached file is trusted before checking it again");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Serves a directory over HTTP.");
  absl::ParseCommandLine(argc, argv);

  std::string root = absl::GetFlag(FLAGS_root);
  if (root.empty()) {
    const char* wd = std::getenv("BUILD_WORKING_DIRECTORY");
    root = wd != nullptr ? wd : ".";
  }
  brisk::tools::FsOptions fs_options;
  fs_options.root = root;
  fs_options.compress = absl::GetFlag(FLAGS_compress);
  fs_options.listing = absl::GetFlag(FLAGS_listing);
  fs_options.cache_duration = absl::GetFlag(FLAGS_cache_duration);
  auto fs = brisk::tools::FileServer::Create(fs_options);
  if (!fs.ok()) {
    std::fprintf(stderr, "fileserver: %s\n",
                 std::string(fs.status().message()).c_str());
    return 2;
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  brisk::server::ServerOptions options;
  options.threads = absl::GetFlag(FLAGS_threads);
  brisk::tools::FileServer* handler = fs->get();
  brisk::server::Server server(
      options,
      [handler](brisk::server::RequestCtx& ctx) { handler->Handle(ctx); });
  const std::string addr = absl::GetFlag(FLAGS_addr);
  if (absl::Status s = server.Listen(addr); !s.ok()) {
    std::fprintf(stderr, "fileserver: %s\n", std::string(s.message()).c_str());
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
  std::printf("Serving %s at http://%s:%u/ (Ctrl-C stops)\n",
              (*fs)->root().c_str(), host.c_str(),
              static_cast<unsigned>(server.port()));
  std::fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  std::fprintf(stderr, "fileserver: shutting down\n");
  server.Shutdown(absl::Seconds(5));
  return 0;
}
