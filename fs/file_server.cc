#include "fs/file_server.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

#include "bytes/byte_buffer.h"
#include "bytes/conv.h"
#include "compress/compress.h"
#include "http/args.h"
#include "http/conditional.h"
#include "http/date.h"
#include "http/header_fields.h"
#include "http/method.h"
#include "http/uri.h"

namespace brisk::fs {
namespace {

struct TypeEntry {
  std::string_view ext;
  std::string_view type;
};

constexpr TypeEntry kTypes[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"xml", "application/xml"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"ico", "image/x-icon"},
    {"pdf", "application/pdf"},
    {"wasm", "application/wasm"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
    {"mp3", "audio/mpeg"},
    {"ogg", "audio/ogg"},
    {"wav", "audio/wav"},
    {"zip", "application/zip"},
    {"gz", "application/gzip"},
    {"tar", "application/x-tar"},
};

// Calls fn(value) for each field line named `name`. A list field may come
// on several lines, which mean the same as one line of their values joined
// with commas (RFC 9110 §5.3), so all of them count.
template <typename Fn>
void ForEachLine(const http::HeaderFields& fields, std::string_view name,
                 Fn fn) {
  for (int i = fields.Find(name); i >= 0; i = fields.Find(name, i + 1)) {
    fn(fields[i].value);
  }
}

// The value of a field that is not a list (Range, If-Range, a date): empty
// when absent, nullopt when on several lines (they cannot be joined, so the
// field is invalid and must be ignored).
std::optional<std::string_view> SingleValue(const http::HeaderFields& fields,
                                            std::string_view name) {
  const int i = fields.Find(name);
  if (i < 0) {
    return std::string_view();
  }
  if (fields.Find(name, i + 1) >= 0) {
    return std::nullopt;
  }
  return fields[i].value;
}

void AppendHtmlEscaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
}

std::string HttpDate(int64_t t) {
  char buf[http::kHttpDateSize];
  http::FormatHttpDate(t, buf);
  return std::string(buf, sizeof(buf));
}

bool ReadWhole(const std::string& path, uint64_t size, std::string& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  out.resize(size);
  size_t got = 0;
  while (got < size) {
    ssize_t n =
        ::pread(fd, out.data() + got, size - got, static_cast<off_t>(got));
    if (n <= 0) {
      break;
    }
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return got == size;
}

// A large file sent in pieces through a detached request.
struct Stream {
  server::DetachedCtx d;
  int fd = -1;
  uint64_t off = 0;
  uint64_t end = 0;
  size_t chunk = 0;
  std::string buf;
  ~Stream() {
    if (fd >= 0) {
      ::close(fd);
    }
  }
};

void Pump(std::shared_ptr<Stream> st) {
  const size_t n =
      static_cast<size_t>(std::min<uint64_t>(st->chunk, st->end - st->off));
  if (n == 0) {
    st->d.Finish();
    return;
  }
  st->buf.resize(n);
  ssize_t r = ::pread(st->fd, st->buf.data(), n, static_cast<off_t>(st->off));
  if (r <= 0) {
    // The file shrank: the announced length cannot be met, so the server
    // ends the connection after what was sent.
    st->d.Finish();
    return;
  }
  st->buf.resize(static_cast<size_t>(r));
  st->off += static_cast<uint64_t>(r);
  Stream* raw = st.get();
  raw->d.StreamWrite(raw->buf, [st = std::move(st)](absl::Status s) mutable {
    if (!s.ok()) {
      st->d.Finish();  // the client is gone
      return;
    }
    Pump(std::move(st));
  });
}

}  // namespace

struct FileServer::Entry {
  std::string real;  // resolved path inside the root
  bool is_dir = false;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  // Of the bytes as they are (at kIdentity), and of each compressed copy:
  // the same with "-zstd", "-br", ... inside the quotes.
  std::array<std::string, compress::kEncodings> etags;
  const std::string& etag() const {
    return etags[static_cast<size_t>(compress::Encoding::kIdentity)];
  }
  std::string last_modified;
  std::string_view content_type;
  std::shared_ptr<const std::string> content;  // small files
  // Compressed copies, each made once (null until then).
  std::array<std::shared_ptr<const std::string>, compress::kEncodings> copies;
  absl::Time checked;
  size_t charged = 0;                    // bytes counted against the cache
  std::list<std::string>::iterator lru;  // its place in lru_
};

std::string_view ContentTypeFor(std::string_view name) {
  size_t slash = name.rfind('/');
  std::string_view base =
      slash == std::string_view::npos ? name : name.substr(slash + 1);
  size_t dot = base.rfind('.');
  if (dot != std::string_view::npos && dot + 1 < base.size()) {
    std::string_view ext = base.substr(dot + 1);
    for (const TypeEntry& t : kTypes) {
      if (bytes::EqualsIgnoreCase(ext, t.ext)) {
        return t.type;
      }
    }
  }
  return "application/octet-stream";
}

absl::StatusOr<std::unique_ptr<FileServer>> FileServer::Create(
    FsOptions options) {
  char buf[PATH_MAX];
  if (::realpath(options.root.c_str(), buf) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("root \"", options.root, "\": ", std::strerror(errno)));
  }
  struct stat st;
  if (::stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("root \"", options.root, "\" is not a directory"));
  }
  if (::access(buf, R_OK | X_OK) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("root \"", options.root, "\" is not readable"));
  }
  std::string root(buf);
  if (root.size() > 1 && root.back() == '/') {
    root.pop_back();
  }
  return std::unique_ptr<FileServer>(
      new FileServer(std::move(options), std::move(root)));
}

FileServer::FileServer(FsOptions options, std::string root)
    : options_(std::move(options)), root_(std::move(root)) {}

FileServer::~FileServer() = default;

FsStats FileServer::stats() const {
  return {hits_.load(), misses_.load(), compressions_.load(), streamed_.load(),
          refused_.load()};
}

void FileServer::Evict(size_t need) {
  while (cache_bytes_ + need > options_.max_cache_bytes && !lru_.empty()) {
    auto it = cache_.find(lru_.back());
    if (it != cache_.end()) {
      cache_bytes_ -= it->second->charged;
      cache_.erase(it);
    }
    lru_.pop_back();
  }
}

bool FileServer::InsideRoot(std::string_view real) const {
  return real == root_ ||
         (real.size() > root_.size() && real.substr(0, root_.size()) == root_ &&
          (root_ == "/" || real[root_.size()] == '/'));
}

bool FileServer::Resolve(const std::string& path, std::string& real,
                         struct stat& st, int& status) {
  const std::string full = root_ + path;
  char buf[PATH_MAX];
  if (::realpath(full.c_str(), buf) == nullptr) {
    status = errno == EACCES ? 403 : 404;
    return false;
  }
  real = buf;
  // A symlink may point anywhere; only what stays inside the root is served.
  if (!InsideRoot(real)) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    status = 403;
    return false;
  }
  if (::stat(real.c_str(), &st) != 0) {
    status = 404;
    return false;
  }
  return true;
}

static int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
         st.st_mtim.tv_nsec;
}

std::shared_ptr<FileServer::Entry> FileServer::Load(const std::string& path,
                                                    int& status) {
  misses_.fetch_add(1, std::memory_order_relaxed);
  std::string real;
  struct stat st;
  if (!Resolve(path, real, st, status)) {
    return nullptr;
  }
  auto e = std::make_shared<Entry>();
  e->real = std::move(real);
  e->checked = absl::Now();
  if (S_ISDIR(st.st_mode)) {
    e->is_dir = true;
    return e;
  }
  if (!S_ISREG(st.st_mode)) {
    status = 403;  // devices, sockets, fifos
    return nullptr;
  }
  if (::access(e->real.c_str(), R_OK) != 0) {
    status = 403;
    return nullptr;
  }
  e->size = static_cast<uint64_t>(st.st_size);
  e->mtime_ns = MtimeNs(st);
  const std::string tag =
      absl::StrCat(absl::Hex(e->size), "-", absl::Hex(e->mtime_ns));
  for (size_t c = 0; c < compress::kEncodings; ++c) {
    const auto coding = static_cast<compress::Encoding>(c);
    e->etags[c] =
        coding == compress::Encoding::kIdentity
            ? absl::StrCat("\"", tag, "\"")
            : absl::StrCat("\"", tag, "-",
                           bytes::ToAbsl(compress::Name(coding)), "\"");
  }
  e->last_modified = HttpDate(st.st_mtim.tv_sec);
  e->content_type = ContentTypeFor(path);
  if (e->size <= options_.max_cached_file_bytes) {
    auto content = std::make_shared<std::string>();
    if (!ReadWhole(e->real, e->size, *content)) {
      status = 404;  // changed under us; the next request tries again
      return nullptr;
    }
    e->content = std::move(content);
  }
  return e;
}

std::shared_ptr<FileServer::Entry> FileServer::Lookup(std::string_view path,
                                                      int& status) {
  const std::string key(path);
  const absl::Time now = absl::Now();
  std::shared_ptr<Entry> stale;
  {
    base::MutexLock lock(&mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second->lru);
      if (now - it->second->checked < options_.cache_duration) {
        hits_.fetch_add(1, std::memory_order_relaxed);
        return it->second;
      }
      stale = it->second;
    }
  }
  if (stale != nullptr) {
    // Trusted too long: re-resolve (a symlink may have moved) and stat; an
    // unchanged file keeps its content and its gzip copy.
    std::string real;
    struct stat st;
    int ignored;
    if (Resolve(key, real, st, ignored) && real == stale->real &&
        S_ISDIR(st.st_mode) == stale->is_dir &&
        (stale->is_dir || (static_cast<uint64_t>(st.st_size) == stale->size &&
                           MtimeNs(st) == stale->mtime_ns))) {
      base::MutexLock lock(&mu_);
      stale->checked = now;
      return stale;
    }
  }
  std::shared_ptr<Entry> e = Load(key, status);
  base::MutexLock lock(&mu_);
  auto it = cache_.find(key);
  if (it != cache_.end()) {
    cache_bytes_ -= it->second->charged;
    lru_.erase(it->second->lru);
    cache_.erase(it);
  }
  if (e != nullptr) {
    e->charged = key.size() + sizeof(Entry) + (e->content ? e->size : 0);
    Evict(e->charged);
    cache_bytes_ += e->charged;
    e->lru = lru_.insert(lru_.begin(), key);
    cache_[key] = e;
  }
  return e;
}

std::shared_ptr<const std::string> FileServer::Compressed(
    const std::shared_ptr<Entry>& e, compress::Encoding c) {
  const size_t slot = static_cast<size_t>(c);
  {
    base::MutexLock lock(&mu_);
    if (e->copies[slot]) {
      return e->copies[slot];
    }
  }
  std::string read;  // only for files not kept in memory
  if (!e->content && !ReadWhole(e->real, e->size, read)) {
    return nullptr;
  }
  const int level = c == compress::Encoding::kBrotli ? options_.brotli_level
                    : c == compress::Encoding::kZstd ? options_.zstd_level
                                                     : options_.gzip_level;
  absl::StatusOr<std::unique_ptr<compress::Encoder>> enc =
      compress::Encoder::Create(c);
  bytes::ByteBuffer out;
  if (!enc.ok() ||
      !compress::CompressAll(
           **enc, level, e->content ? std::string_view(*e->content) : read, out)
           .ok()) {
    return nullptr;
  }
  auto copy = std::make_shared<const std::string>(out.view());
  compressions_.fetch_add(1, std::memory_order_relaxed);
  base::MutexLock lock(&mu_);
  if (!e->copies[slot]) {
    e->copies[slot] = copy;
    e->charged += copy->size();
    cache_bytes_ += copy->size();
  }
  return e->copies[slot];
}

void FileServer::Handle(server::RequestCtx& ctx) {
  http::Request& req = ctx.request();
  const http::RequestHeader& h = req.header();
  const http::Method m = h.method_id();
  if (m != http::Method::kGet && m != http::Method::kHead) {
    ctx.Error(405, "method not allowed\n");
    ctx.response().header().Set("Allow", "GET, HEAD");
    return;
  }
  if (req.uri_error() != http::ParseError::kNone) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    ctx.Error(400, "bad request path\n");
    return;
  }
  const std::string_view path = req.uri().path();
  if (path.empty() || path.front() != '/' ||
      path.find('\\') != std::string_view::npos ||
      path.find('\0') != std::string_view::npos) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    ctx.Error(400, "bad request path\n");
    return;
  }
  int status = 404;
  std::shared_ptr<Entry> e = Lookup(path, status);
  if (e == nullptr) {
    ctx.Error(status, status == 403 ? "forbidden\n" : "not found\n");
    return;
  }
  if (!e->is_dir) {
    ServeFile(ctx, e);
    return;
  }
  if (path.back() != '/') {
    // Relative links in the page resolve against the directory. The path is
    // decoded, so each segment is percent-encoded again: no byte of a name
    // (CR, LF, space, '%') reaches the header as it is. The query is copied
    // still encoded, and only when it is all 0x21-0x7E (the request line
    // admits nothing else).
    bytes::ByteBuffer location;
    for (std::string_view rest = path.substr(1);;) {
      const size_t slash = rest.find('/');
      location.Append('/');
      http::AppendPathSegmentEscaped(location, rest.substr(0, slash));
      if (slash == std::string_view::npos) {
        break;
      }
      rest.remove_prefix(slash + 1);
    }
    location.Append('/');
    if (std::string_view q = req.uri().query_string();
        !q.empty() && std::all_of(q.begin(), q.end(), [](char c) {
          return c > 0x20 && c < 0x7F;
        })) {
      location.Append('?');
      location.Append(q);
    }
    ctx.SetStatusCode(301);
    ctx.response().header().Set("Location", location.view());
    return;
  }
  int index_status = 404;
  std::shared_ptr<Entry> index =
      Lookup(absl::StrCat(bytes::ToAbsl(path), "index.html"), index_status);
  if (index != nullptr && !index->is_dir) {
    ServeFile(ctx, index);
    return;
  }
  if (!options_.listing) {
    ctx.Error(403, "directory listing is off\n");
    return;
  }
  ServeListing(ctx, path, e->real);
}

void FileServer::ServeFile(server::RequestCtx& ctx,
                           const std::shared_ptr<Entry>& e) {
  const http::RequestHeader& h = ctx.request().header();
  http::Response& resp = ctx.response();
  http::ResponseHeader& rh = resp.header();
  rh.Set("Last-Modified", e->last_modified);
  rh.Set("Accept-Ranges", "bytes");
  rh.SetContentType(e->content_type);
  const bool compressible =
      !options_.compress.empty() && compress::Compressible(e->content_type);
  if (compressible) {
    rh.Set("Vary", "Accept-Encoding");
  }
  // Range is defined for GET only (RFC 9110 §14.2): HEAD gets the head of
  // the whole file. An If-Range that does not name this very file turns
  // the Range off (§13.1.5): the client gets the whole new file.
  uint64_t first = 0;
  uint64_t last = e->size == 0 ? 0 : e->size - 1;
  http::RangeResult range = http::RangeResult::kWhole;
  const http::HeaderFields& fields = h.fields();
  if (std::optional<std::string_view> r = SingleValue(fields, "Range");
      r && !r->empty() && h.method_id() == http::Method::kGet) {
    uint64_t range_first = 0;
    uint64_t range_last = 0;
    range = http::ParseRange(*r, e->size, range_first, range_last);
    std::optional<std::string_view> if_range = SingleValue(fields, "If-Range");
    if (fields.Has("If-Range") &&
        !(if_range && http::IfRangeMatches(*if_range, e->etag(), e->mtime_ns,
                                           absl::ToUnixNanos(absl::Now())))) {
      range = http::RangeResult::kWhole;
    }
    if (range == http::RangeResult::kPart) {
      first = range_first;
      last = range_last;
    }
  }
  // The representation: a compressed copy or identity (ranges are of
  // identity). Each has its own ETag, so a cache never takes one for the
  // other, and the validators below are compared with the one that would
  // be sent.
  compress::Encoding coding = compress::Encoding::kIdentity;
  if (range == http::RangeResult::kWhole && compressible && e->size >= 256 &&
      e->size <= options_.max_compress_bytes) {
    compress::AcceptEncoding accept;
    ForEachLine(fields, "Accept-Encoding",
                [&](std::string_view v) { accept.AddLine(v); });
    coding = accept.Choose(options_.compress);
  }
  const std::string& etag = e->etags[static_cast<size_t>(coding)];
  rh.Set("ETag", etag);
  // Conditional requests (RFC 9110 §13.2.2: If-None-Match wins).
  bool has_inm = false;
  bool inm_matches = false;
  ForEachLine(fields, "If-None-Match", [&](std::string_view inm) {
    has_inm |= !inm.empty();
    inm_matches |= http::EtagMatches(inm, etag);
  });
  if (has_inm) {
    if (inm_matches) {
      resp.SetStatusCode(304);
      return;
    }
  } else if (std::optional<std::string_view> ims =
                 SingleValue(fields, "If-Modified-Since");
             ims && !ims->empty()) {
    std::optional<int64_t> t = http::ParseHttpDate(*ims);
    if (t && e->mtime_ns / 1'000'000'000 <= *t) {
      resp.SetStatusCode(304);
      return;
    }
  }
  if (range == http::RangeResult::kUnsatisfiable) {
    resp.SetStatusCode(416);
    rh.Set("Content-Range", absl::StrCat("bytes */", e->size));
    return;
  }
  if (coding != compress::Encoding::kIdentity) {
    if (std::shared_ptr<const std::string> copy = Compressed(e, coding)) {
      rh.Set("Content-Encoding", compress::Name(coding));
      resp.SetBody(*copy);
      return;
    }
    rh.Set("ETag", e->etag());  // unreadable now: identity after all
  }
  const uint64_t length = e->size == 0 ? 0 : last - first + 1;
  if (range == http::RangeResult::kPart) {
    resp.SetStatusCode(206);
    rh.Set("Content-Range",
           absl::StrCat("bytes ", first, "-", last, "/", e->size));
  }
  if (e->content) {
    resp.SetBody(std::string_view(*e->content).substr(first, length));
    return;
  }
  rh.SetContentLength(static_cast<int64_t>(length));
  if (ctx.is_head()) {
    return;  // the server writes the head with this length and no body
  }
  auto st = std::make_shared<Stream>();
  st->fd = ::open(e->real.c_str(), O_RDONLY | O_CLOEXEC);
  if (st->fd < 0) {
    ctx.Error(404, "not found\n");
    return;
  }
  st->off = first;
  st->end = first + length;
  st->chunk = options_.chunk_bytes;
  streamed_.fetch_add(1, std::memory_order_relaxed);
  st->d = ctx.Detach();
  Pump(std::move(st));
}

void FileServer::ServeListing(server::RequestCtx& ctx,
                              std::string_view url_path,
                              const std::string& dir) {
  struct Item {
    std::string name;
    bool is_dir;
    uint64_t size;
    int64_t mtime;
  };
  std::vector<Item> items;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* de = ::readdir(d)) {
      std::string_view name = de->d_name;
      if (name == "." || name == "..") {
        continue;
      }
      struct stat st;
      std::string p = absl::StrCat(dir, "/", bytes::ToAbsl(name));
      if (::lstat(p.c_str(), &st) != 0) {
        continue;
      }
      if (S_ISLNK(st.st_mode)) {
        // A symlink is listed only when it resolves inside the root, as it
        // is served only then. Others (outside, dangling, looping) are not
        // listed at all: not even their existence, size or time is shown.
        char buf[PATH_MAX];
        if (::realpath(p.c_str(), buf) == nullptr || !InsideRoot(buf) ||
            ::stat(buf, &st) != 0) {
          continue;
        }
      }
      items.push_back({std::string(name), S_ISDIR(st.st_mode),
                       static_cast<uint64_t>(st.st_size), st.st_mtim.tv_sec});
    }
    ::closedir(d);
  } else {
    ctx.Error(403, "forbidden\n");
    return;
  }
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.is_dir != b.is_dir ? a.is_dir : a.name < b.name;
  });
  std::string html =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of ";
  AppendHtmlEscaped(html, url_path);
  html += "</title></head>\n<body><h1>Index of ";
  AppendHtmlEscaped(html, url_path);
  html += "</h1>\n<table>\n";
  if (url_path != "/") {
    html += "<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n";
  }
  for (const Item& it : items) {
    html += "<tr><td><a href=\"";
    bytes::ByteBuffer href;
    http::AppendPathSegmentEscaped(href, it.name);
    AppendHtmlEscaped(html, href.view());
    if (it.is_dir) {
      html += "/";
    }
    html += "\">";
    AppendHtmlEscaped(html, it.name);
    if (it.is_dir) {
      html += "/";
    }
    html += "</a></td><td>";
    html += it.is_dir ? "-" : std::to_string(it.size);
    html += "</td><td>";
    html += HttpDate(it.mtime);
    html += "</td></tr>\n";
  }
  html += "</table>\n</body></html>\n";
  ctx.SetContentType("text/html; charset=utf-8");
  ctx.SetBody(html);
}

}  // namespace brisk::fs
