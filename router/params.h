// File: router/params.h
//
// Params: the values of a matched route's parameters ({id}, {path...}), by
// name or by position, as a small value that the router fills without
// allocating and passes to the handler.
//
//   - Names are views into the Router (valid while it lives). Values are
//     views into the request's decoded path: valid while the request is,
//     that is during the handler call, or until DetachedCtx::Finish() for a
//     handler that called ctx.Detach() and kept a copy of its Params.
//   - Values are percent-decoded. A {name} value is one path segment: it
//     holds a '/' only where the client sent %2F (see router/README.md). A
//     {name...} value is the rest of the path, normalized, without its
//     leading '/'; it may be empty.
//   - Copyable and cheap to copy (a fixed array of views). Copies share the
//     one buffer used for a path with an encoded slash, so they stay valid
//     as long as the request does.
//
// Not thread-safe (a value; copy it to hand it to another thread).
//
// Example:
//   [](server::RequestCtx& ctx, const router::Params& p) {
//     std::string_view id = p.Get("id");   // "" when the route has no {id}
//   }

#ifndef BRISK_ROUTER_PARAMS_H_
#define BRISK_ROUTER_PARAMS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace brisk::router {

class Params;
class Router;
namespace router_internal {
class Tree;
void DecodeEscapedValues(Params& params, bool catch_all, std::string& storage);
}  // namespace router_internal

class Params {
 public:
  // Parameters one route may have; a pattern with more is refused.
  static constexpr size_t kMaxParams = 16;

  Params() = default;

  // The value of parameter `name`, or "" when the route has none by that
  // name (a matched {name} is never empty; a {name...} may be).
  std::string_view Get(std::string_view name) const;
  // Whether the route has a parameter `name`.
  bool Has(std::string_view name) const;

  // In pattern order.
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view name(size_t i) const;
  std::string_view value(size_t i) const { return values_[i]; }

  // Forgets every value (the router does this before each lookup).
  void Clear() {
    size_ = 0;
    names_ = nullptr;
    storage_.reset();
  }

 private:
  friend class Router;
  friend class router_internal::Tree;
  friend void router_internal::DecodeEscapedValues(Params& params,
                                                   bool catch_all,
                                                   std::string& storage);

  const std::string* names_ = nullptr;  // size_ names, owned by the Router
  std::array<std::string_view, kMaxParams> values_;
  uint8_t size_ = 0;
  // Only for a path with an encoded slash: the decoded values' bytes.
  std::shared_ptr<const std::string> storage_;
};

}  // namespace brisk::router

#endif  // BRISK_ROUTER_PARAMS_H_
