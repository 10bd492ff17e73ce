// File: middleware/request_id.h
//
// Request ids as server middleware: each request carries one in
// `X-Request-Id` (the header is an option), on the request — so the
// handler, a backend call and the access log read the same id — and on
// the response.
//
//   - An id the client sent is kept when `trust_incoming` (the default,
//     right behind a proxy that sets it) and it looks like an id: 1 to 128
//     characters of letters, digits and -._~:+=/@ — anything else (CR/LF,
//     spaces, quotes, too long) is replaced, so the id is always safe to
//     log and to forward.
//   - Otherwise one is minted: 32 hexadecimal digits, random per thread
//     (not a secret: unique, not unguessable).
//   - Reading it: RequestId::Of(ctx), or the request header itself.
//
// Allocation: none per request once warm (the id is written into the
// request's and the response's header storage).
//
// Example:
//   server::Server server(opts, server::Wrap({std::make_shared<RequestId>()},
//                                            handler));
//   ... in the handler: std::string_view id = RequestId::Of(ctx);

#ifndef BRISK_MIDDLEWARE_REQUEST_ID_H_
#define BRISK_MIDDLEWARE_REQUEST_ID_H_

#include <string>
#include <string_view>

#include "server/middleware.h"

namespace brisk::middleware {

struct RequestIdOptions {
  std::string header = "X-Request-Id";
  bool trust_incoming = true;
};

class RequestId : public server::Middleware {
 public:
  explicit RequestId(RequestIdOptions options = {})
      : options_(std::move(options)) {}

  bool OnRequest(server::RequestCtx& ctx, void*& state) const override;
  void OnResponse(server::RequestCtx& ctx, void*& state) const override;
  bool OnStreamStart(server::RequestCtx& ctx, void*& state) const override;

  // The request's id (set by a RequestId with the default header); empty
  // without one.
  static std::string_view Of(server::RequestCtx& ctx);
  // Whether `id` would be kept when a client sends it.
  static bool Acceptable(std::string_view id);

 private:
  RequestIdOptions options_;
};

}  // namespace brisk::middleware

#endif  // BRISK_MIDDLEWARE_REQUEST_ID_H_
