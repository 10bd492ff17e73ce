// File: server/middleware.h
//
// Middleware: code that runs around a handler, plain or coroutine — before
// it, on its finished response, and after that response went out. A chain
// of them wraps one Handler (Wrap) or a router's routes (router::Hooks);
// compression, CORS, request ids, access logs and metrics are middleware
// (//middleware).
//
// Why hooks and not only "a handler that calls the next one": a coroutine
// handler's response is made after the plain call returns (its Task runs
// later), and a streamed one leaves in pieces. So the server itself calls
// each middleware at the three points every response passes:
//
//   OnRequest   before the handler, first listed first. Returning false
//               ends the chain there: this middleware answered (the handler
//               and the middleware after it do not run).
//   OnResponse  the response is final (the handler, its Task or its
//               DetachedCtx ended) and its head is about to be written; last
//               listed first. It may rewrite the response: compress the
//               body, add fields, turn it into a 304. Not called for a
//               streamed response (see OnStreamStart) nor when nothing will
//               be written (the client left).
//   OnStreamStart / OnStreamData
//               a streamed response (StreamWrite): OnStreamStart when the
//               head is about to go out (last listed first; it may edit the
//               head as OnResponse does); if it returns true, every piece
//               passes through its OnStreamData, which appends what goes
//               out instead to `out` — once more with `last` at the end of
//               the body. A middleware that filters removes Content-Length
//               when it changes the length (the body is then chunked).
//   OnDone      once per request whose OnRequest ran, whatever happened
//               (answered, streamed, the client left): last listed first,
//               with what was sent. Logs and metrics go here, and a
//               middleware frees its per-request state here.
//
// Contract:
//   - One Middleware object serves every request of every loop at once: its
//     hooks are const and thread-safe. What it keeps per request goes in
//     `state`: one word, null when OnRequest is called, kept by the server
//     until OnDone (typically a pointer to a pooled object).
//   - All hooks of one request run on the thread running its handler
//     (OnRequest) or on its loop thread (the others), one at a time; the
//     RequestCtx is live in each (request() and response() may be used).
//   - OnRequest may throw (as a handler may: the server answers 500); the
//     other hooks must not (an exception from them is logged and ignored).
//   - Allocation: none per request for the chain itself once a worker is
//     warm (a reused vector of hooks); a middleware with nothing to do for
//     a request costs a virtual call per hook.
//   - Object lifetime: a Wrap'ed handler owns its chain (shared_ptr).
//
// Example (10 lines: a header on every response, and the count of 5xx):
//   class Tag : public server::Middleware {
//    public:
//     void OnResponse(RequestCtx& ctx, void*&) const override {
//       ctx.response().header().Set("X-Served-By", "brisk");
//     }
//     void OnDone(RequestCtx&, void*&, const ResponseOutcome& o) const override
//     {
//       if (o.status >= 500) errors_.fetch_add(1, std::memory_order_relaxed);
//     }
//     mutable std::atomic<uint64_t> errors_{0};
//   };
//   Server server(opts, server::Wrap({std::make_shared<Tag>()}, handler));

#ifndef BRISK_SERVER_MIDDLEWARE_H_
#define BRISK_SERVER_MIDDLEWARE_H_

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "bytes/byte_buffer.h"
#include "server/request_ctx.h"
#include "server/server.h"

namespace brisk::server {

// What became of a response (Middleware::OnDone).
struct ResponseOutcome {
  // The status written; 0 when no response was written (the client left
  // before it, or the connection failed).
  int status = 0;
  // Body bytes written (after every filter; 0 for HEAD, 204, 304).
  uint64_t body_bytes = 0;
  // The whole response was handed to the connection (it may still fail to
  // reach the client, as for any server). false: no response, or a
  // streamed one cut short.
  bool complete = false;
  // The body was streamed (StreamWrite).
  bool streamed = false;
};

class Middleware {
 public:
  virtual ~Middleware() = default;

  // Before the handler; false: answered here (see the file comment).
  virtual bool OnRequest(RequestCtx& ctx, void*& state) const;
  // The response is final; its head is written next.
  virtual void OnResponse(RequestCtx& ctx, void*& state) const;
  // A streamed response's head is written next; true to filter its body.
  virtual bool OnStreamStart(RequestCtx& ctx, void*& state) const;
  // A piece of a filtered body (`last`: the end; `data` may be empty):
  // append what replaces it to `out`.
  virtual void OnStreamData(RequestCtx& ctx, void*& state,
                            std::string_view data, bool last,
                            bytes::ByteBuffer& out) const;
  // After the request (see the file comment).
  virtual void OnDone(RequestCtx& ctx, void*& state,
                      const ResponseOutcome& outcome) const;
};

using MiddlewareChain = std::vector<std::shared_ptr<const Middleware>>;

// `handler` inside `chain`, the first listed outermost: its OnRequest runs
// first and its OnResponse and OnDone last. Null entries are skipped.
Handler Wrap(MiddlewareChain chain, Handler handler);

// One middleware's OnRequest for `ctx`, registering its later hooks: what
// Wrap does for each middleware in turn, for adapters such as
// router::Hooks. false: the middleware answered. `m` must outlive the
// request.
bool Enter(RequestCtx& ctx, const Middleware& m);

}  // namespace brisk::server

#endif  // BRISK_SERVER_MIDDLEWARE_H_
