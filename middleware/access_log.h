// File: middleware/access_log.h
//
// An access log as server middleware: one line per request, in the Common
// or Combined Log Format (Apache's, nginx's default "combined") or as JSON
// lines, written off the hot path.
//
//   - The line is formatted on the request's loop thread when the request
//     is done (OnDone) into that thread's own buffer (an uncontended lock,
//     no allocation once warm); a writer thread takes the buffers when one
//     passes `buffer_bytes` and every `flush_interval`, and writes them.
//     A request never waits for the disk: when a thread's buffer passes
//     `max_pending_bytes` (the disk cannot keep up), lines are dropped and
//     counted (dropped()).
//   - Requests the server refuses before any handler (a malformed header:
//     400, 414, 431) are not logged: they reach no middleware; the server
//     counts them (ServerStats::parse_errors_by_kind, /metrics).
//   - Fields: the client's address, the time the request started, the
//     request line (target escaped: quotes, backslashes, control and
//     non-ASCII bytes as \xHH, so a hostile target cannot forge a line;
//     JSON lines keep valid UTF-8 and escape the rest),
//     the status (499 when the client left before an answer, as nginx
//     logs it), body bytes sent; combined adds Referer and User-Agent; JSON
//     adds the duration in microseconds and the request id
//     (middleware/request_id.h), when there is one.
//   - Destroying it (after the server is shut down) writes everything
//     gathered; Flush() does so at any time.
//
// Example:
//   auto log = middleware::AccessLog::Create({.path = "/var/log/app.log"})
//                  .value();
//   server::Server server(opts, server::Wrap({log}, handler));

#ifndef BRISK_MIDDLEWARE_ACCESS_LOG_H_
#define BRISK_MIDDLEWARE_ACCESS_LOG_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "bytes/byte_buffer.h"
#include "middleware/internal/per_thread.h"
#include "server/middleware.h"

namespace brisk::middleware {

struct AccessLogOptions {
  enum class Format : uint8_t { kCommon, kCombined, kJson };
  Format format = Format::kCombined;
  // A file (appended to, created 0644), or "-" for standard output.
  std::string path = "-";
  // What a thread gathers before the writer is woken.
  size_t buffer_bytes = 64 * 1024;
  // How often the writer takes what every thread has gathered.
  absl::Duration flush_interval = absl::Seconds(1);
  // A thread holding this much unwritten drops lines instead of growing.
  size_t max_pending_bytes = 4 << 20;
  // The request id's field, for JSON lines.
  std::string request_id_header = "X-Request-Id";
};

class AccessLog : public server::Middleware {
 public:
  // InvalidArgument for bad sizes; the file's open error otherwise.
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<AccessLog>> Create(
      AccessLogOptions options);
  // Writes everything gathered, then stops the writer.
  ~AccessLog() override;

  bool OnRequest(server::RequestCtx& ctx, void*& state) const override;
  void OnDone(server::RequestCtx& ctx, void*& state,
              const server::ResponseOutcome& outcome) const override;

  // Writes every line gathered so far (any thread; returns when written).
  void Flush();
  // Lines dropped because the writer could not keep up.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  struct Slot;
  AccessLog(AccessLogOptions options, int fd, bool own_fd);
  void WriterLoop();
  // Takes every slot's bytes and writes them.
  void Drain();

  const AccessLogOptions options_;
  const int fd_;
  const bool own_fd_;
  // Each loop thread's buffer.
  mutable middleware_internal::PerThread<Slot> slots_;
  mutable std::atomic<uint64_t> dropped_{0};
  std::mutex drain_mu_;  // one Drain at a time; guards spare_
  bytes::ByteBuffer spare_;
  mutable std::mutex wake_mu_;
  mutable std::condition_variable wake_;
  mutable bool wake_pending_ = false;
  bool stop_ = false;
  std::thread writer_;
};

}  // namespace brisk::middleware

#endif  // BRISK_MIDDLEWARE_ACCESS_LOG_H_
