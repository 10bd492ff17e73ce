// File: middleware/timeout.h
//
// A time limit on coroutine handlers (RequestCtx::SetHandlerTimeout) for
// every request it wraps: a Task still running when it passes has its
// pending co_await cancelled (DeadlineExceeded "handler timeout") and the
// client gets 503 — or, for a response already streaming, a connection
// closed before its end. Plain handlers are not interrupted.
//
// Example:
//   server::Server server(opts, server::Wrap(
//       {std::make_shared<middleware::Timeout>(absl::Seconds(5))}, handler));

#ifndef BRISK_MIDDLEWARE_TIMEOUT_H_
#define BRISK_MIDDLEWARE_TIMEOUT_H_

#include "absl/time/time.h"

#include "server/middleware.h"

namespace brisk::middleware {

class Timeout : public server::Middleware {
 public:
  explicit Timeout(absl::Duration limit) : limit_(limit) {}

  bool OnRequest(server::RequestCtx& ctx, void*&) const override {
    ctx.SetHandlerTimeout(limit_);
    return true;
  }

 private:
  absl::Duration limit_;
};

}  // namespace brisk::middleware

#endif  // BRISK_MIDDLEWARE_TIMEOUT_H_
