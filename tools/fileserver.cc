// fileserver: serves a directory over HTTP with brisk's server — the
// README's first command.
//
//   ./bazelw run //tools:fileserver                  # the current directory
//   ./bazelw run //tools:fileserver -- --root=/srv/www --addr=:8080
//
// Under `bazel run` the default root is the directory the command was run
// from (BUILD_WORKING_DIRECTORY), not Bazel's runfiles tree. SIGINT or
// SIGTERM shuts down gracefully.

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

#include "fs/file_server.h"
#include "middleware/access_log.h"
#include "middleware/compress.h"
#include "server/middleware.h"
#include "server/server.h"
#include "tls/context.h"
#include "tools/serve.h"

ABSL_FLAG(std::string, root, "",
          "directory to serve (default: the directory you ran the command "
          "from)");
ABSL_FLAG(std::string, addr, "127.0.0.1:8080",
          "address to listen on (host:port; :8080 for every interface)");
ABSL_FLAG(int, threads, 0, "event loops (0: one per core)");
ABSL_FLAG(bool, listing, true, "list directories that have no index.html");
ABSL_FLAG(absl::Duration, cache_duration, absl::Seconds(10),
          "how long a cached file is trusted before checking it again");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Serves a directory over HTTP.");
  brisk::tools::ParseFlags(argc, argv);

  std::string root = absl::GetFlag(FLAGS_root);
  if (root.empty()) {
    const char* wd = std::getenv("BUILD_WORKING_DIRECTORY");
    root = wd != nullptr ? wd : ".";
  }
  brisk::fs::FsOptions fs_options;
  fs_options.root = root;
  // Compressed copies are made once per file version: higher levels than
  // a per-response compressor's.
  absl::StatusOr<std::optional<brisk::middleware::CompressOptions>> compress =
      brisk::tools::CompressFromFlags("zstd:12,br:9,gzip:9");
  if (!compress.ok()) {
    std::fprintf(stderr, "fileserver: %s\n",
                 std::string(compress.status().message()).c_str());
    return 2;
  }
  fs_options.compress.clear();
  if (*compress) {
    fs_options.compress = (*compress)->encodings;
    fs_options.gzip_level = (*compress)->gzip_level;
    fs_options.brotli_level = (*compress)->brotli_level;
    fs_options.zstd_level = (*compress)->zstd_level;
  }
  fs_options.listing = absl::GetFlag(FLAGS_listing);
  fs_options.cache_duration = absl::GetFlag(FLAGS_cache_duration);
  auto fs = brisk::fs::FileServer::Create(fs_options);
  if (!fs.ok()) {
    std::fprintf(stderr, "fileserver: %s\n",
                 std::string(fs.status().message()).c_str());
    return 2;
  }

  absl::StatusOr<std::shared_ptr<const brisk::tls::Context>> tls =
      brisk::tools::TlsFromFlags();
  if (!tls.ok()) {
    std::fprintf(stderr, "fileserver: %s\n", tls.status().ToString().c_str());
    return 2;
  }
  brisk::server::ServerOptions options;
  options.threads = absl::GetFlag(FLAGS_threads);
  options.tls = *tls;
  absl::StatusOr<std::shared_ptr<brisk::middleware::AccessLog>> access_log =
      brisk::tools::AccessLogFromFlags();
  if (!access_log.ok()) {
    std::fprintf(stderr, "fileserver: %s\n",
                 std::string(access_log.status().message()).c_str());
    return 2;
  }
  brisk::fs::FileServer* fs_handler = fs->get();
  brisk::server::Handler handler =
      [fs_handler](brisk::server::RequestCtx& ctx) { fs_handler->Handle(ctx); };
  brisk::server::Server server(
      options, *access_log
                   ? brisk::server::Wrap({*access_log}, std::move(handler))
                   : std::move(handler));
  const std::string served = (*fs)->root();
  return brisk::tools::ServeUntilSignal(
      server, absl::GetFlag(FLAGS_addr), "fileserver",
      [&served](const std::string& url) {
        return absl::StrCat("Serving ", served, " at ", url, " (Ctrl-C stops)");
      });
}
