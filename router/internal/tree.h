// File: router/internal/tree.h
//
// The router's radix tree (httprouter's layout): every node holds a run of
// static bytes, its static children indexed by their first byte, at most one
// parameter child and at most one catch-all child, and a small table of route
// ids indexed by http::Method. Not API.
//
// Matching prefers, at each node, a static child over the parameter child
// over the catch-all child, and backtracks when a preferred branch dead-ends,
// so "/users/new" beats "/users/{id}" and "/users/new/edit" still reaches
// "/users/{id}/edit". Lookups allocate nothing: parameter values are views
// into the path they are given.
//
// Not thread-safe while routes are inserted; lookups (const) may run
// concurrently once insertion is over.

#ifndef BRISK_ROUTER_INTERNAL_TREE_H_
#define BRISK_ROUTER_INTERNAL_TREE_H_

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

#include "http/method.h"
#include "router/params.h"

namespace brisk::router::router_internal {

// One bit per http::Method value.
using MethodMask = uint16_t;
inline constexpr MethodMask kAnyMethod = 0xffff;
inline constexpr int kMethodSlots = 10;  // http::Method values 0..9

inline MethodMask BitOf(http::Method m) {
  return static_cast<MethodMask>(1u << static_cast<unsigned>(m));
}

enum class TokenKind : uint8_t { kStatic, kParam, kCatchAll };
enum class Constraint : uint8_t { kNone, kInt };

// A pattern is a list of tokens: static text (with its slashes), {name},
// {name:int} or {name...}.
struct Token {
  TokenKind kind = TokenKind::kStatic;
  Constraint constraint = Constraint::kNone;
  std::string text;  // the static bytes, or the parameter's name

  bool operator==(const Token&) const = default;
};

// Splits `pattern` into tokens, or says why it is not a pattern
// (InvalidArgument). See router/router.h for the syntax.
[[nodiscard]] absl::Status ParsePattern(std::string_view pattern,
                                        std::vector<Token>& out);

// Concatenates `parts` (for messages; Debian's absl::StrCat does not take
// std::string_view).
std::string Cat(std::initializer_list<std::string_view> parts);

// "{id}", "{id:int}", "{path...}" or the static text, for messages.
std::string ToString(const Token& t);

struct Node {
  std::string path;     // static bytes (empty for wildcard nodes and the root)
  std::string indices;  // first byte of each static child, in its order
  std::vector<std::unique_ptr<Node>> children;
  std::unique_ptr<Node> param;
  std::unique_ptr<Node> catch_all;
  TokenKind kind = TokenKind::kStatic;
  Constraint constraint = Constraint::kNone;
  // Route ids by method, -1 for none; `serves` has a bit for each method
  // answered here, with the implicit HEAD (for GET) and OPTIONS included.
  std::array<int32_t, kMethodSlots> routes;
  MethodMask serves = 0;
  // Where routes end: the parameter names of the pattern, in order.
  std::vector<std::string> names;
  // Routes added through this node (orders static siblings).
  uint32_t priority = 0;

  Node() { routes.fill(-1); }
};

class Tree {
 public:
  Tree() : root_(std::make_unique<Node>()) {}

  // Whether `tokens` (of `pattern`) can be added for `method`:
  // AlreadyExists for the same method and pattern, InvalidArgument when it
  // puts another wildcard where an earlier pattern has one (a different
  // name, constraint, or a parameter against a catch-all).
  [[nodiscard]] absl::Status Check(http::Method method,
                                   std::string_view pattern,
                                   const std::vector<Token>& tokens) const;

  // Adds a route that passed Check(). `serves` is the methods it answers
  // (its own, plus HEAD for GET and OPTIONS when answered automatically).
  void Insert(http::Method method, std::string_view pattern,
              const std::vector<Token>& tokens, int32_t id, MethodMask serves);

  // The most specific node for `path` that serves a method of `mask`, with
  // `params` holding its parameter values; nullptr when none.
  const Node* Find(std::string_view path, MethodMask mask,
                   Params& params) const;

  // The methods served for `path` by every node that matches it.
  MethodMask Allowed(std::string_view path) const;

  // Every method served anywhere (for "OPTIONS *").
  MethodMask all_methods() const { return all_methods_; }

 private:
  struct Entry {
    http::Method method;
    std::string pattern;
    std::vector<Token> tokens;
  };

  static Node* InsertStatic(Node* n, std::string_view s);
  static const Node* FindFrom(const Node* n, std::string_view path,
                              MethodMask mask, Params& params);
  static MethodMask AllowedFrom(const Node* n, std::string_view path);

  std::unique_ptr<Node> root_;
  std::vector<Entry> entries_;
  MethodMask all_methods_ = 0;
};

}  // namespace brisk::router::router_internal

#endif  // BRISK_ROUTER_INTERNAL_TREE_H_
