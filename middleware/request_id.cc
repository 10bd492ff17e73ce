#include "middleware/request_id.h"

#include <cstdint>
#include <random>

namespace brisk::middleware {
namespace {

// 32 hexadecimal digits from this thread's generator.
void Mint(char (&out)[32]) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  for (int half = 0; half < 2; ++half) {
    uint64_t v = rng();
    for (int i = 0; i < 16; ++i) {
      out[half * 16 + i] = kHex[v & 0xf];
      v >>= 4;
    }
  }
}

}  // namespace

bool RequestId::Acceptable(std::string_view id) {
  if (id.empty() || id.size() > 128) {
    return false;
  }
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                    c == '_' || c == '~' || c == ':' || c == '+' || c == '=' ||
                    c == '/' || c == '@';
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool RequestId::OnRequest(server::RequestCtx& ctx, void*&) const {
  http::RequestHeader& h = ctx.request().header();
  const http::HeaderFields& f = h.fields();
  const int first = f.Find(options_.header);
  const bool one =
      first >= 0 && f.Find(options_.header, static_cast<size_t>(first) + 1) < 0;
  if (options_.trust_incoming && one &&
      Acceptable(f[static_cast<size_t>(first)].value)) {
    return true;
  }
  char id[32];
  Mint(id);
  h.Set(options_.header, std::string_view(id, sizeof(id)));
  return true;
}

void RequestId::OnResponse(server::RequestCtx& ctx, void*&) const {
  ctx.response().header().Set(options_.header,
                              ctx.request().header().Peek(options_.header));
}

bool RequestId::OnStreamStart(server::RequestCtx& ctx, void*& state) const {
  OnResponse(ctx, state);
  return false;
}

std::string_view RequestId::Of(server::RequestCtx& ctx) {
  return ctx.request().header().Peek("X-Request-Id");
}

}  // namespace brisk::middleware
