#include "middleware/access_log.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"

#include "bytes/conv.h"
#include "middleware/internal/fields.h"
#include "server/request_ctx.h"  // its endpoint type: the client address

namespace brisk::middleware {

struct AccessLog::Slot {
  std::mutex mu;
  bytes::ByteBuffer buf;
};

namespace {

void AppendHexByte(bytes::ByteBuffer& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out.Append(kHex[c >> 4]);
  out.Append(kHex[c & 0xf]);
}

// A quoted log field's content: ", \, control and non-ASCII bytes as \xHH
// (nginx's escaping), "-" when empty.
void AppendLogEscaped(bytes::ByteBuffer& out, std::string_view s) {
  if (s.empty()) {
    out.Append('-');
    return;
  }
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f) {
      out.Append("\\x");
      AppendHexByte(out, c);
    } else {
      out.Append(ch);
    }
  }
}

// The length of the valid UTF-8 sequence at the start of `s` (RFC 3629:
// no overlong forms, no surrogates, nothing past U+10FFFF), or 0.
size_t Utf8Sequence(std::string_view s) {
  const auto b = [&s](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  size_t n = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    lo = c == 0xE0 ? 0xA0 : 0x80;
    hi = c == 0xED ? 0x9F : 0xBF;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    lo = c == 0xF0 ? 0x90 : 0x80;
    hi = c == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (s.size() < n || b(1) < lo || b(1) > hi) {
    return 0;
  }
  for (size_t i = 2; i < n; ++i) {
    if (b(i) < 0x80 || b(i) > 0xBF) {
      return 0;
    }
  }
  return n;
}

// A JSON string's content: ", \ and control bytes escaped; valid UTF-8 as
// it is; any other byte over 0x7e as \u00XX, so every line is valid JSON
// whatever the client sent.
void AppendJsonEscaped(bytes::ByteBuffer& out, std::string_view s) {
  while (!s.empty()) {
    const auto c = static_cast<unsigned char>(s[0]);
    size_t take = 1;
    if (c == '"' || c == '\\') {
      out.Append('\\');
      out.Append(s[0]);
    } else if (c >= 0x80 && (take = Utf8Sequence(s)) > 0) {
      out.Append(s.substr(0, take));
    } else if (c < 0x20 || c >= 0x7f) {
      take = 1;
      out.Append("\\u00");
      AppendHexByte(out, c);
    } else {
      out.Append(s[0]);
    }
    s.remove_prefix(take);
  }
}

void AppendAddress(bytes::ByteBuffer& out,
                   const boost::asio::ip::tcp::endpoint& ep) {
  char buf[INET6_ADDRSTRLEN];
  const boost::asio::ip::address a = ep.address();
  if (a.is_v4()) {
    const auto b = a.to_v4().to_bytes();
    inet_ntop(AF_INET, b.data(), buf, sizeof(buf));
  } else {
    const auto b = a.to_v6().to_bytes();
    inet_ntop(AF_INET6, b.data(), buf, sizeof(buf));
  }
  out.Append(std::string_view(buf));
}

// The request's start time as CLF ("03/Dec/2026:19:20:00 +0000") or ISO
// 8601 ("2026-12-03T19:20:00Z"), formatted once per second per thread.
std::string_view TimeText(absl::Time t, bool iso) {
  struct Cache {
    int64_t second = -1;
    char clf[32];
    char iso[24];
    size_t clf_len = 0;
    size_t iso_len = 0;
  };
  thread_local Cache c;
  const int64_t s = absl::ToUnixSeconds(t);
  if (s != c.second) {
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr",
                                              "May", "Jun", "Jul", "Aug",
                                              "Sep", "Oct", "Nov", "Dec"};
    const time_t tt = static_cast<time_t>(s);
    struct tm tm;
    gmtime_r(&tt, &tm);
    c.clf_len = static_cast<size_t>(
        std::snprintf(c.clf, sizeof(c.clf), "%02d/%s/%04d:%02d:%02d:%02d +0000",
                      tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900,
                      tm.tm_hour, tm.tm_min, tm.tm_sec));
    c.iso_len = static_cast<size_t>(
        std::snprintf(c.iso, sizeof(c.iso), "%04d-%02d-%02dT%02d:%02d:%02dZ",
                      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                      tm.tm_min, tm.tm_sec));
    c.second = s;
  }
  return iso ? std::string_view(c.iso, c.iso_len)
             : std::string_view(c.clf, c.clf_len);
}

}  // namespace

absl::StatusOr<std::shared_ptr<AccessLog>> AccessLog::Create(
    AccessLogOptions options) {
  if (options.buffer_bytes == 0 ||
      options.max_pending_bytes < options.buffer_bytes ||
      options.flush_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "access log: buffer_bytes > 0, max_pending_bytes >= buffer_bytes and "
        "a positive flush_interval are needed");
  }
  int fd = STDOUT_FILENO;
  bool own = false;
  if (options.path != "-") {
    fd = ::open(options.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                0644);
    if (fd < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "access log \"", options.path, "\": ", std::strerror(errno)));
    }
    own = true;
  }
  return std::shared_ptr<AccessLog>(new AccessLog(std::move(options), fd, own));
}

AccessLog::AccessLog(AccessLogOptions options, int fd, bool own_fd)
    : options_(std::move(options)), fd_(fd), own_fd_(own_fd), slots_([this] {
        auto slot = std::make_unique<Slot>();
        // Room for twice what wakes the writer: the buffer does not grow
        // while the writer keeps up.
        slot->buf.Reserve(2 * options_.buffer_bytes);
        return slot;
      }) {
  writer_ = std::thread([this] { WriterLoop(); });
}

AccessLog::~AccessLog() {
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    stop_ = true;
  }
  wake_.notify_all();
  writer_.join();
  Drain();
  if (own_fd_) {
    ::close(fd_);
  }
}

bool AccessLog::OnRequest(server::RequestCtx&, void*& state) const {
  // The start, for the duration (a steady clock, in the state word).
  middleware_internal::StartClock(state);
  return true;
}

void AccessLog::OnDone(server::RequestCtx& ctx, void*& state,
                       const server::ResponseOutcome& outcome) const {
  const uint64_t micros =
      static_cast<uint64_t>(middleware_internal::ElapsedNs(state)) / 1000;
  const http::RequestHeader& h = ctx.request().header();
  const int status = outcome.status != 0 ? outcome.status : 499;
  Slot& slot = slots_.Get();
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(slot.mu);
    bytes::ByteBuffer& out = slot.buf;
    if (out.size() >= options_.max_pending_bytes) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    using Format = AccessLogOptions::Format;
    if (options_.format == Format::kJson) {
      out.Append("{\"time\":\"");
      out.Append(TimeText(ctx.start_time(), /*iso=*/true));
      out.Append("\",\"remote\":\"");
      AppendAddress(out, ctx.remote_endpoint());
      out.Append("\",\"method\":\"");
      AppendJsonEscaped(out, h.method());
      out.Append("\",\"target\":\"");
      AppendJsonEscaped(out, h.request_uri());
      out.Append("\",\"proto\":\"HTTP/1.");
      bytes::AppendUint(out, static_cast<uint64_t>(h.http_minor()));
      out.Append("\",\"status\":");
      bytes::AppendUint(out, static_cast<uint64_t>(status));
      out.Append(",\"bytes\":");
      bytes::AppendUint(out, outcome.body_bytes);
      out.Append(",\"duration_us\":");
      bytes::AppendUint(out, micros);
      out.Append(",\"referer\":\"");
      AppendJsonEscaped(out, h.Peek("Referer"));
      out.Append("\",\"user_agent\":\"");
      AppendJsonEscaped(out, h.user_agent());
      out.Append("\",\"request_id\":\"");
      AppendJsonEscaped(out, h.Peek(options_.request_id_header));
      out.Append("\"}\n");
    } else {
      AppendAddress(out, ctx.remote_endpoint());
      out.Append(" - - [");
      out.Append(TimeText(ctx.start_time(), /*iso=*/false));
      out.Append("] \"");
      AppendLogEscaped(out, h.method());
      out.Append(' ');
      AppendLogEscaped(out, h.request_uri());
      out.Append(" HTTP/1.");
      bytes::AppendUint(out, static_cast<uint64_t>(h.http_minor()));
      out.Append("\" ");
      bytes::AppendUint(out, static_cast<uint64_t>(status));
      out.Append(' ');
      bytes::AppendUint(out, outcome.body_bytes);
      if (options_.format == Format::kCombined) {
        out.Append(" \"");
        AppendLogEscaped(out, h.Peek("Referer"));
        out.Append("\" \"");
        AppendLogEscaped(out, h.user_agent());
        out.Append('"');
      }
      out.Append('\n');
    }
    wake = out.size() >= options_.buffer_bytes;
  }
  if (wake) {
    {
      std::lock_guard<std::mutex> lock(wake_mu_);
      wake_pending_ = true;
    }
    wake_.notify_one();
  }
}

void AccessLog::Drain() {
  std::lock_guard<std::mutex> drain(drain_mu_);
  // The list is copied: writing (a stuck disk) must not hold the lock a
  // new thread's first line takes.
  std::vector<Slot*> slots;
  slots_.ForEach([&slots](Slot& s) { slots.push_back(&s); });
  for (Slot* s : slots) {
    {
      std::lock_guard<std::mutex> lock(s->mu);
      if (s->buf.empty()) {
        continue;
      }
      // The thread gets an empty buffer back, as large as the one it gave
      // (grown here, so the loop thread does not allocate).
      if (spare_.capacity() < s->buf.capacity()) {
        spare_.Reserve(s->buf.capacity());
      }
      std::swap(s->buf, spare_);
    }
    const char* p = spare_.data();
    size_t left = spare_.size();
    while (left > 0) {
      const ssize_t n = ::write(fd_, p, left);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        break;  // a full disk or a closed pipe: the lines are lost
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    spare_.Reset();
  }
}

void AccessLog::Flush() {
  Drain();
}

void AccessLog::WriterLoop() {
  std::unique_lock<std::mutex> lock(wake_mu_);
  while (!stop_) {
    wake_.wait_for(lock, absl::ToChronoNanoseconds(options_.flush_interval),
                   [this] { return stop_ || wake_pending_; });
    wake_pending_ = false;
    lock.unlock();
    Drain();
    lock.lock();
  }
}

}  // namespace brisk::middleware
