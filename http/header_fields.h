// File: http/header_fields.h
//
// HeaderFields: the fields of one message header in arrival order, with their
// names exactly as received, so a proxy can round-trip headers byte for byte.
// Lookups compare names case-insensitively.
//
// Zero-copy: fields parsed from a message are views into the caller's buffer
// (valid until that buffer is reset, moved or freed: for a server, until the
// next request on the connection). Fields added by code are copied into the
// object's own storage, which Reset() keeps for reuse. Not thread-safe;
// move-only (CopyFrom for a deep copy).

#ifndef BRISK_HTTP_HEADER_FIELDS_H_
#define BRISK_HTTP_HEADER_FIELDS_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/base/attributes.h"

#include "bytes/byte_buffer.h"
#include "http/wire.h"

namespace brisk::http {

// Where a name or value lives: in the parsed message or in own storage.
struct Slice {
  uint32_t offset = 0;
  uint32_t size = 0;
  bool own = false;
};

class HeaderFields {
 public:
  struct Field {
    std::string_view name;
    std::string_view value;
  };

  HeaderFields() = default;
  HeaderFields(HeaderFields&&) = default;
  HeaderFields& operator=(HeaderFields&&) = default;
  HeaderFields(const HeaderFields&) = delete;
  HeaderFields& operator=(const HeaderFields&) = delete;

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  Field operator[](size_t i) const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    const Entry& e = entries_[i];
    return {View(e.name), View(e.value)};
  }

  // Index of the first field named `name` at or after `from`, or -1.
  int Find(std::string_view name, size_t from = 0) const;
  bool Has(std::string_view name) const { return Find(name) >= 0; }
  // Value of the first field named `name`; empty if absent (use Has() to
  // tell an empty value from a missing field).
  std::string_view Peek(std::string_view name) const
      ABSL_ATTRIBUTE_LIFETIME_BOUND;

  // Appends a field (copied). Allocates only when own storage must grow.
  void Add(std::string_view name, std::string_view value);
  // Replaces every field named `name` with one field (at the first one's
  // place, or at the end).
  void Set(std::string_view name, std::string_view value);
  // Set() with a decimal value, formatted without allocating.
  void SetUint(std::string_view name, uint64_t value);
  // Removes every field named `name`; returns how many.
  int Del(std::string_view name);

  // Removes every field; keeps capacity.
  void Reset();
  // Makes this a deep copy of `other`, independent of other's buffer.
  void CopyFrom(const HeaderFields& other);

  // Appends `Name: value\r\n` per field through http::AppendField (wire.h).
  // With `canonical`, names are written as Content-Type (first letter and
  // letters after '-' upper case, the rest lower case); otherwise as
  // received. On an unsafe name or value `out` is left as it was.
  [[nodiscard]] WireError AppendTo(bytes::ByteBuffer& out,
                                   bool canonical) const;

  // For parsers: the bytes parsed fields point into, and one parsed field.
  void SetSource(const char* src) { src_ = src; }
  void AddParsed(Slice name, Slice value) { entries_.push_back({name, value}); }
  // Copies `s` into own storage.
  Slice Store(std::string_view s);
  std::string_view View(Slice s) const {
    return std::string_view((s.own ? own_.data() : src_) + s.offset, s.size);
  }
  // Replaces the value of field `i` (copied).
  void SetValueAt(size_t i, std::string_view value) {
    entries_[i].value = Store(value);
  }
  // Reserves room for `n` fields (parsers call it once; capacity is kept).
  void Reserve(size_t n) { entries_.reserve(n); }

 private:
  struct Entry {
    Slice name;
    Slice value;
  };
  std::vector<Entry> entries_;
  const char* src_ = nullptr;
  bytes::ByteBuffer own_;
};

// Writes `name` in canonical case (content-type -> Content-Type).
void AppendCanonicalName(bytes::ByteBuffer& out, std::string_view name);

}  // namespace brisk::http

#endif  // BRISK_HTTP_HEADER_FIELDS_H_
