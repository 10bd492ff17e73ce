#include "server/middleware.h"

#include <utility>

namespace brisk::server {

bool Middleware::OnRequest(RequestCtx&, void*&) const {
  return true;
}
void Middleware::OnResponse(RequestCtx&, void*&) const {}
bool Middleware::OnStreamStart(RequestCtx&, void*&) const {
  return false;
}
void Middleware::OnStreamData(RequestCtx&, void*&, std::string_view data, bool,
                              bytes::ByteBuffer& out) const {
  out.Append(data);
}
void Middleware::OnDone(RequestCtx&, void*&, const ResponseOutcome&) const {}

bool Enter(RequestCtx& ctx, const Middleware& m) {
  ctx.CheckLive();
  ctx.hooks_.push_back(RequestCtx::Hook{&m, nullptr, false});
  // By index: OnRequest may not add hooks, but the vector is the request's.
  return m.OnRequest(ctx, ctx.hooks_.back().state);
}

Handler Wrap(MiddlewareChain chain, Handler handler) {
  std::erase(chain, nullptr);
  return [chain = std::move(chain),
          handler = std::move(handler)](RequestCtx& ctx) {
    for (const std::shared_ptr<const Middleware>& m : chain) {
      if (!Enter(ctx, *m)) {
        return;
      }
    }
    handler(ctx);
  };
}

}  // namespace brisk::server
