// File: middleware/internal/fields.h
//
// Helpers the middleware share (not an API): list fields (RFC 9110 §5.6.1)
// read across every line, Vary grown without duplicates, and a request's
// elapsed time kept in a middleware's state word.

#ifndef BRISK_MIDDLEWARE_INTERNAL_FIELDS_H_
#define BRISK_MIDDLEWARE_INTERNAL_FIELDS_H_

#include <cstdint>
#include <string_view>

#include "http/header_fields.h"
#include "http/response_header.h"

namespace brisk::middleware::middleware_internal {

// Calls fn(item) for each non-empty item of the comma-separated list field
// `name`, over all its lines, items trimmed of OWS; stops early when fn
// returns false. Returns false when it was stopped.
template <typename Fn>
bool ForEachListItem(const http::HeaderFields& fields, std::string_view name,
                     Fn fn);

// Whether list field `name` has an item equal to `token` (without case),
// parameters after '=' or ';' ignored.
bool ListHas(const http::HeaderFields& fields, std::string_view name,
             std::string_view token);

// Adds `token` to the response's Vary unless it is there already or Vary
// is "*".
void AddVary(http::ResponseHeader& h, std::string_view token);

// The request's start (a steady clock) into a middleware's state word, at
// OnRequest; the nanoseconds since, at OnDone.
void StartClock(void*& state);
int64_t ElapsedNs(void* state);

// --- Implementation ---

std::string_view TrimOwsItem(std::string_view s);

template <typename Fn>
bool ForEachListItem(const http::HeaderFields& fields, std::string_view name,
                     Fn fn) {
  for (int i = fields.Find(name); i >= 0;
       i = fields.Find(name, static_cast<size_t>(i) + 1)) {
    std::string_view v = fields[static_cast<size_t>(i)].value;
    while (!v.empty()) {
      const size_t comma = v.find(',');
      const std::string_view item = TrimOwsItem(v.substr(0, comma));
      v = comma == std::string_view::npos ? std::string_view()
                                          : v.substr(comma + 1);
      if (!item.empty() && !fn(item)) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace brisk::middleware::middleware_internal

#endif  // BRISK_MIDDLEWARE_INTERNAL_FIELDS_H_
