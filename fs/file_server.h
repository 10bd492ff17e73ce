// File: fs/file_server.h
//
// FileServer: fasthttp's FS for brisk's server — a static file handler.
//
//   - GET and HEAD (others: 405 with Allow). Content-Type from the file
//     extension; `index.html` for a directory (a directory URL without the
//     trailing slash is redirected to it, 301, with the path percent-encoded
//     in Location); an HTML listing with escaped names when `listing` is on,
//     403 otherwise.
//   - One byte range (`Range: bytes=a-b`, `a-`, `-n`) on a GET gives 206
//     with Content-Range; a valid but unsatisfiable one 416 with
//     `Content-Range: bytes */size`. An invalid one (`bytes=1-0`,
//     `bytes=2-x`) is ignored: 200 with the whole file, never a part of it.
//     Several ranges in one request are answered with the whole file (200),
//     as RFC 9110 §14.2 allows.
//   - ETag (size and mtime) and Last-Modified; If-None-Match and
//     If-Modified-Since give 304. If-Range (an ETag, or a date when the file
//     is a second old) must name the current file for Range to apply;
//     otherwise the whole file is sent (RFC 9110 §13.1.5). List fields
//     (If-None-Match, Accept-Encoding) count on every line they come on; a
//     field that is no list (Range, If-Range, If-Modified-Since) sent twice
//     is invalid and ignored.
//   - zstd, br or gzip for compressible types (compress::Compressible), as
//     the client accepts them (compress::AcceptEncoding: its weights, then
//     FsOptions::compress's order); each compressed copy is made once per
//     version of the file, cached, and has its own ETag (the file's with
//     "-zstd", "-br" or "-gzip" inside the quotes).
//   - Small files are served from a bounded in-memory cache (entries are
//     re-checked with stat() after `cache_duration`); large files are
//     streamed in `chunk_bytes` pieces, never read whole.
//   - Security: the URL path is decoded and normalized (no `..` survives,
//     encoded or not); a path with a backslash or NUL is refused (400); a
//     symlink is followed only when its target stays inside the root
//     (403 otherwise), and listed only then. Dot-files are served (nginx
//     does too).
//
// Thread-safe: one FileServer serves every loop of a server (the cache has
// a mutex). Reads happen on the loop thread (they usually hit the page
// cache); run the server with blocking_handler for slow disks.

#ifndef BRISK_FS_FILE_SERVER_H_
#define BRISK_FS_FILE_SERVER_H_

#include <sys/stat.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "base/mutex.h"
#include "compress/compress.h"
#include "server/request_ctx.h"

namespace brisk::fs {

struct FsOptions {
  std::string root = ".";
  // The codings of compressed copies, in the server's order of preference;
  // empty: none (fasthttp's Compress and CompressBrotli: gzip and br).
  std::vector<compress::Encoding> compress = {compress::Encoding::kZstd,
                                              compress::Encoding::kBrotli,
                                              compress::Encoding::kGzip};
  // Their levels (deflate takes gzip's). A copy is made once per version of
  // a file, so these are higher than a per-response level.
  int gzip_level = 9;
  int brotli_level = 9;
  int zstd_level = 12;
  // HTML listings of directories without an index (fasthttp:
  // GenerateIndexPages, off).
  bool listing = true;
  // How long a cached file is trusted before stat() again (fasthttp:
  // CacheDuration, 10 s).
  absl::Duration cache_duration = absl::Seconds(10);
  // Files up to this size are kept in memory; larger ones are streamed.
  size_t max_cached_file_bytes = 256 * 1024;
  // Total bytes of the memory cache (originals and compressed copies).
  size_t max_cache_bytes = 64 * 1024 * 1024;
  // Largest file that is compressed (in memory, once per version).
  size_t max_compress_bytes = 8 * 1024 * 1024;
  // Streaming piece size for large files.
  size_t chunk_bytes = 64 * 1024;
};

struct FsStats {
  uint64_t hits = 0;    // answered from the memory cache
  uint64_t misses = 0;  // needed stat/open
  uint64_t compressions = 0;
  uint64_t streamed = 0;  // large files sent in pieces
  uint64_t refused = 0;   // 400/403 for paths that try to leave the root
};

// The Content-Type for a file name ("a.css" -> "text/css; charset=utf-8"),
// application/octet-stream when unknown.
std::string_view ContentTypeFor(std::string_view name);

class FileServer {
 public:
  // InvalidArgument when the root is not a readable directory.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<FileServer>> Create(
      FsOptions options);
  ~FileServer();

  void Handle(server::RequestCtx& ctx);
  FsStats stats() const;
  const std::string& root() const { return root_; }

 private:
  struct Entry;
  explicit FileServer(FsOptions options, std::string root);
  // The cached entry for a root-relative path (nullptr with `status` set to
  // the HTTP status to answer: 403, 404).
  std::shared_ptr<Entry> Lookup(std::string_view path, int& status);
  // Whether the resolved path `real` is the root or under it.
  bool InsideRoot(std::string_view real) const;
  // realpath inside the root and stat; false with `status` (403/404).
  bool Resolve(const std::string& path, std::string& real, struct stat& st,
               int& status);
  std::shared_ptr<Entry> Load(const std::string& path, int& status);
  void Evict(size_t need);
  void ServeFile(server::RequestCtx& ctx, const std::shared_ptr<Entry>& e);
  void ServeListing(server::RequestCtx& ctx, std::string_view url_path,
                    const std::string& dir);
  // The copy of `e` in coding `c`, made on first use; null when the file
  // cannot be read now.
  std::shared_ptr<const std::string> Compressed(const std::shared_ptr<Entry>& e,
                                                compress::Encoding c);

  const FsOptions options_;
  const std::string root_;  // realpath, no trailing slash
  mutable base::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<Entry>> cache_
      ABSL_GUARDED_BY(mu_);
  std::list<std::string> lru_ ABSL_GUARDED_BY(mu_);  // front: last used
  size_t cache_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<uint64_t> hits_{0}, misses_{0}, compressions_{0}, streamed_{0},
      refused_{0};
};

}  // namespace brisk::fs

#endif  // BRISK_FS_FILE_SERVER_H_
