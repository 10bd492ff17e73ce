// File: http/args.h
//
// Args: the key=value pairs of a query string or an
// application/x-www-form-urlencoded body, decoded ('+' is a space, %XX a
// byte; a malformed escape is kept literally, as browsers do). Repeated keys
// are kept in order. Lookups allocate nothing; decoded bytes live in the
// object's own buffer, whose capacity Reset() keeps.
//
// Views returned by Peek() and operator[] are valid until the next Parse(),
// Add(), Set(), Del() or Reset(). Not thread-safe; move-only.

#ifndef BRISK_HTTP_ARGS_H_
#define BRISK_HTTP_ARGS_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/base/attributes.h"

#include "bytes/byte_buffer.h"

namespace brisk::http {

class Args {
 public:
  struct Arg {
    std::string_view key;
    std::string_view value;
    bool has_value;  // "a=" has an (empty) value, "a" has none
  };

  Args() = default;
  Args(Args&&) = default;
  Args& operator=(Args&&) = default;
  Args(const Args&) = delete;
  Args& operator=(const Args&) = delete;

  // Replaces the contents with the pairs of `query` (without the '?').
  void Parse(std::string_view query);
  void Reset();

  size_t size() const { return args_.size(); }
  bool empty() const { return args_.empty(); }
  Arg operator[](size_t i) const ABSL_ATTRIBUTE_LIFETIME_BOUND;

  // The value of the first pair with `key`; empty if absent.
  std::string_view Peek(std::string_view key) const
      ABSL_ATTRIBUTE_LIFETIME_BOUND;
  bool Has(std::string_view key) const { return Find(key, 0) >= 0; }
  // Index of the first pair with `key` at or after `from`, or -1. Iterate
  // repeated keys with `for (int i = a.Find(k); i >= 0; i = a.Find(k, i + 1))`.
  int Find(std::string_view key, size_t from = 0) const;

  void Add(std::string_view key, std::string_view value);
  // Replaces all pairs with `key` by one.
  void Set(std::string_view key, std::string_view value);
  int Del(std::string_view key);

  // Appends the pairs URL-encoded ("a=1&b=x+y").
  void AppendTo(bytes::ByteBuffer& out) const;

 private:
  struct Entry {
    uint32_t key_off, key_len, value_off, value_len;
    bool has_value;
  };
  std::string_view View(uint32_t off, uint32_t len) const {
    return std::string_view(buf_.data() + off, len);
  }
  // Decodes `s` onto the end of buf_; returns its offset and length.
  void AppendDecoded(std::string_view s, uint32_t& off, uint32_t& len);

  bytes::ByteBuffer buf_;
  std::vector<Entry> args_;
};

// Appends `s` percent-encoded for a query component: unreserved bytes as
// they are, space as '+', everything else as %XX.
void AppendQueryEscaped(bytes::ByteBuffer& out, std::string_view s);
// Appends `s` percent-encoded for one path segment (a file name in a link):
// unreserved bytes as they are, everything else, space and '/' included, as
// %XX.
void AppendPathSegmentEscaped(bytes::ByteBuffer& out, std::string_view s);

}  // namespace brisk::http

#endif  // BRISK_HTTP_ARGS_H_
