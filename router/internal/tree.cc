#include "router/internal/tree.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "absl/base/attributes.h"

namespace brisk::router::router_internal {
namespace {

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool IsNameChar(char c) {
  return IsNameStart(c) || (c >= '0' && c <= '9');
}

absl::Status Bad(std::string_view pattern, std::string_view why) {
  return absl::InvalidArgumentError(
      Cat({"route pattern \"", pattern, "\": ", why}));
}

// Parses the inside of "{...}" into `t`.
absl::Status ParseWildcard(std::string_view pattern, std::string_view inner,
                           bool last, Token& t) {
  t.kind = TokenKind::kParam;
  std::string_view name = inner;
  if (name.size() >= 3 && name.substr(name.size() - 3) == "...") {
    if (!last) {
      return Bad(pattern, "a catch-all {name...} must be the last segment");
    }
    t.kind = TokenKind::kCatchAll;
    name.remove_suffix(3);
  } else if (size_t colon = name.find(':'); colon != std::string_view::npos) {
    std::string_view constraint = name.substr(colon + 1);
    name = name.substr(0, colon);
    if (constraint != "int") {
      return Bad(pattern, Cat({"unknown constraint \"", constraint,
                               "\" (the only one is int)"}));
    }
    t.constraint = Constraint::kInt;
  }
  if (name.empty() || !IsNameStart(name[0]) ||
      !std::all_of(name.begin(), name.end(), IsNameChar)) {
    return Bad(pattern, Cat({"parameter name \"", name,
                             "\" is not [A-Za-z_][A-Za-z0-9_]*"}));
  }
  t.text = std::string(name);
  return absl::OkStatus();
}

bool Satisfies(Constraint c, std::string_view value) {
  if (c == Constraint::kInt) {
    for (char ch : value) {
      if (ch < '0' || ch > '9') {
        return false;
      }
    }
  }
  return true;
}

// The lookup helpers below are plain loops, not memchr/memcmp: the strings
// are a few bytes long, and the library calls cost more than the search
// (half of a lookup's time on the GitHub routes).

const Node* StaticChild(const Node* n, char c) {
  const char* indices = n->indices.data();
  const size_t count = n->indices.size();
  for (size_t i = 0; i < count; ++i) {
    if (indices[i] == c) {
      return n->children[i].get();
    }
  }
  return nullptr;
}

// The length of `path` up to its next '/' (or its end).
size_t SegmentLength(std::string_view path) {
  size_t i = 0;
  while (i < path.size() && path[i] != '/') {
    ++i;
  }
  return i;
}

// Whether `s` starts with `prefix`, eight bytes at a time.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool StartsWith(std::string_view s,
                                                    std::string_view prefix) {
  const size_t len = prefix.size();
  if (s.size() < len) {
    return false;
  }
  const char* a = s.data();
  const char* b = prefix.data();
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t x;
    uint64_t y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    if (x != y) {
      return false;
    }
  }
  for (; i < len; ++i) {
    if (a[i] != b[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) {
    out += p;
  }
  return out;
}

absl::Status ParsePattern(std::string_view pattern, std::vector<Token>& out) {
  out.clear();
  if (pattern.empty() || pattern[0] != '/') {
    return Bad(pattern, "must start with '/'");
  }
  for (char c : pattern) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return Bad(pattern, "control byte");
    }
    if (c == '%' || c == '?' || c == '#') {
      return Bad(pattern,
                 "'%', '?' and '#' cannot match a decoded path (write the "
                 "decoded byte; query strings are not routed)");
    }
  }
  std::string text;  // static bytes not yet in a token
  size_t params = 0;
  size_t i = 0;
  while (i < pattern.size()) {  // pattern[i] == '/'
    text += '/';
    ++i;
    size_t end = pattern.find('/', i);
    if (end == std::string_view::npos) {
      end = pattern.size();
    }
    std::string_view seg = pattern.substr(i, end - i);
    if (seg.empty()) {
      if (end == pattern.size()) {
        break;  // a trailing slash
      }
      return Bad(pattern,
                 "an empty segment (\"//\") never matches a "
                 "normalized path");
    }
    if (seg == "." || seg == "..") {
      return Bad(pattern, "a dot segment never matches a normalized path");
    }
    const bool wildcard = seg.front() == '{';
    std::string_view inner =
        wildcard && seg.size() >= 2 ? seg.substr(1, seg.size() - 2) : seg;
    if (!wildcard || seg.back() != '}' ||
        inner.find_first_of("{}") != std::string_view::npos) {
      if (seg.find_first_of("{}") != std::string_view::npos) {
        return Bad(pattern, "a parameter must be a whole segment: /{name}/");
      }
      text += seg;
      i = end;
      continue;
    }
    Token t;
    if (absl::Status s =
            ParseWildcard(pattern, inner, end == pattern.size(), t);
        !s.ok()) {
      return s;
    }
    for (const Token& earlier : out) {
      if (earlier.kind != TokenKind::kStatic && earlier.text == t.text) {
        return Bad(pattern, Cat({"parameter {", t.text, "} appears twice"}));
      }
    }
    if (++params > Params::kMaxParams) {
      return Bad(pattern, Cat({"more than ", std::to_string(Params::kMaxParams),
                               " parameters"}));
    }
    out.push_back(Token{.kind = TokenKind::kStatic, .text = std::move(text)});
    text.clear();
    out.push_back(std::move(t));
    i = end;
  }
  if (!text.empty()) {
    out.push_back(Token{.kind = TokenKind::kStatic, .text = std::move(text)});
  }
  return absl::OkStatus();
}

std::string ToString(const Token& t) {
  switch (t.kind) {
    case TokenKind::kStatic:
      return t.text;
    case TokenKind::kParam:
      return Cat(
          {"{", t.text, t.constraint == Constraint::kInt ? ":int" : "", "}"});
    case TokenKind::kCatchAll:
      return Cat({"{", t.text, "...}"});
  }
  return "";
}

absl::Status Tree::Check(http::Method method, std::string_view pattern,
                         const std::vector<Token>& tokens) const {
  // Wildcards sit right after a '/' and static tokens end with one, so two
  // patterns reach the same wildcard position exactly when all the tokens
  // before it are equal.
  for (const Entry& e : entries_) {
    const size_t n = std::min(e.tokens.size(), tokens.size());
    size_t i = 0;
    while (i < n && e.tokens[i] == tokens[i]) {
      ++i;
    }
    if (i == e.tokens.size() && i == tokens.size()) {
      if (e.method == method) {
        return absl::AlreadyExistsError(
            Cat({http::MethodName(method), " ", pattern,
                 " is already registered"}));
      }
      continue;
    }
    if (i < n && e.tokens[i].kind != TokenKind::kStatic &&
        tokens[i].kind != TokenKind::kStatic) {
      return absl::InvalidArgumentError(
          Cat({"route pattern \"", pattern, "\": ", ToString(tokens[i]),
               " conflicts with ", ToString(e.tokens[i]), " of \"", e.pattern,
               "\" (one parameter or catch-all per position, with one name)"}));
    }
  }
  return absl::OkStatus();
}

namespace {

// Counts one more route under n's static child `i` and moves it ahead of
// its siblings with fewer (httprouter's priority order), so a lookup's scan
// of the first bytes meets the busiest children first.
Node* Promote(Node* n, size_t i) {
  const uint32_t priority = ++n->children[i]->priority;
  while (i > 0 && n->children[i - 1]->priority < priority) {
    std::swap(n->children[i - 1], n->children[i]);
    std::swap(n->indices[i - 1], n->indices[i]);
    --i;
  }
  return n->children[i].get();
}

}  // namespace

Node* Tree::InsertStatic(Node* n, std::string_view s) {
  while (!s.empty()) {
    const size_t idx = n->indices.find(s[0]);
    if (idx == std::string::npos) {
      auto child = std::make_unique<Node>();
      child->path = std::string(s);
      n->indices.push_back(s[0]);
      n->children.push_back(std::move(child));
      return Promote(n, n->children.size() - 1);
    }
    Node* c = n->children[idx].get();
    const size_t limit = std::min(c->path.size(), s.size());
    size_t l = 0;
    while (l < limit && c->path[l] == s[l]) {
      ++l;
    }
    if (l < c->path.size()) {
      // Split c: it keeps the common prefix, the rest moves to a new child.
      auto tail = std::make_unique<Node>();
      tail->path = c->path.substr(l);
      tail->indices = std::move(c->indices);
      tail->children = std::move(c->children);
      tail->param = std::move(c->param);
      tail->catch_all = std::move(c->catch_all);
      tail->routes = c->routes;
      tail->serves = c->serves;
      tail->names = std::move(c->names);
      tail->priority = c->priority;
      c->path.resize(l);
      c->indices.assign(1, tail->path[0]);
      c->children.clear();
      c->children.push_back(std::move(tail));
      c->routes.fill(-1);
      c->serves = 0;
      c->names.clear();
    }
    s.remove_prefix(l);
    n = Promote(n, idx);
  }
  return n;
}

void Tree::Insert(http::Method method, std::string_view pattern,
                  const std::vector<Token>& tokens, int32_t id,
                  MethodMask serves) {
  Node* n = root_.get();
  std::vector<std::string> names;
  for (const Token& t : tokens) {
    switch (t.kind) {
      case TokenKind::kStatic:
        n = InsertStatic(n, t.text);
        break;
      case TokenKind::kParam:
        if (n->param == nullptr) {
          n->param = std::make_unique<Node>();
          n->param->kind = TokenKind::kParam;
          n->param->constraint = t.constraint;
        }
        n = n->param.get();
        names.push_back(t.text);
        break;
      case TokenKind::kCatchAll:
        if (n->catch_all == nullptr) {
          n->catch_all = std::make_unique<Node>();
          n->catch_all->kind = TokenKind::kCatchAll;
        }
        n = n->catch_all.get();
        names.push_back(t.text);
        break;
    }
  }
  n->routes[static_cast<size_t>(method)] = id;
  n->serves |= serves;
  n->names = std::move(names);  // the same for every route ending here
  all_methods_ |= serves;
  entries_.push_back(Entry{method, std::string(pattern), tokens});
}

const Node* Tree::Find(std::string_view path, MethodMask mask,
                       Params& params) const {
  params.size_ = 0;
  params.names_ = nullptr;
  const Node* n = FindFrom(root_.get(), path, mask, params);
  if (n == nullptr) {
    params.size_ = 0;
    return nullptr;
  }
  params.names_ = n->names.data();
  return n;
}

// Iterative along the only possible branch; recursive (to backtrack) only at
// a node that also has a wildcard child.
const Node* Tree::FindFrom(const Node* n, std::string_view path,
                           MethodMask mask, Params& params) {
  for (;;) {
    if (!StartsWith(path, n->path)) {
      return nullptr;
    }
    path.remove_prefix(n->path.size());
    if (path.empty()) {
      if ((n->serves & mask) != 0) {
        return n;
      }
      const Node* c = n->catch_all.get();
      if (c != nullptr && (c->serves & mask) != 0) {
        params.values_[params.size_++] = path;
        return c;
      }
      return nullptr;
    }
    const Node* next = StaticChild(n, path[0]);
    const Node* p = n->param.get();
    const Node* c = n->catch_all.get();
    if (p == nullptr && c == nullptr) {
      if (next == nullptr) {
        return nullptr;
      }
      n = next;
      continue;
    }
    if (next != nullptr) {
      const uint8_t saved = params.size_;
      if (const Node* r = FindFrom(next, path, mask, params)) {
        return r;
      }
      params.size_ = saved;
    }
    if (p != nullptr) {
      const size_t end = SegmentLength(path);
      const std::string_view value = path.substr(0, end);
      if (end != 0 && Satisfies(p->constraint, value)) {
        const std::string_view rest = path.substr(end);
        if (rest.empty()) {
          if ((p->serves & mask) != 0) {
            params.values_[params.size_++] = value;
            return p;
          }
        } else {
          params.values_[params.size_++] = value;
          if (c == nullptr) {
            n = p;
            path = rest;
            continue;
          }
          if (const Node* r = FindFrom(p, rest, mask, params)) {
            return r;
          }
          --params.size_;
        }
      }
    }
    if (c != nullptr && (c->serves & mask) != 0) {
      params.values_[params.size_++] = path;
      return c;
    }
    return nullptr;
  }
}

MethodMask Tree::Allowed(std::string_view path) const {
  return AllowedFrom(root_.get(), path);
}

MethodMask Tree::AllowedFrom(const Node* n, std::string_view path) {
  if (!StartsWith(path, n->path)) {
    return 0;
  }
  path.remove_prefix(n->path.size());
  MethodMask m = 0;
  if (path.empty()) {
    m = n->serves;
    if (n->catch_all != nullptr) {
      m |= n->catch_all->serves;
    }
    return m;
  }
  if (const Node* next = StaticChild(n, path[0])) {
    m |= AllowedFrom(next, path);
  }
  if (const Node* p = n->param.get()) {
    const size_t end = SegmentLength(path);
    if (end != 0 && Satisfies(p->constraint, path.substr(0, end))) {
      m |= end == path.size() ? p->serves : AllowedFrom(p, path.substr(end));
    }
  }
  if (n->catch_all != nullptr) {
    m |= n->catch_all->serves;
  }
  return m;
}

}  // namespace brisk::router::router_internal
