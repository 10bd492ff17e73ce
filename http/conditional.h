// File: http/conditional.h
//
// Range and conditional requests (RFC 9110 §13, §14) as pure functions of
// field values: what a server that sends stored representations (a file
// server, a cache) decides from Range, If-Range and If-None-Match. The
// caller finds the field values (a field that is no list, sent twice, is
// invalid and should not reach these); these decide.
//
// No allocation; no view is kept. Thread-compatible (no state).

#ifndef BRISK_HTTP_CONDITIONAL_H_
#define BRISK_HTTP_CONDITIONAL_H_

#include <cstdint>
#include <string_view>

namespace brisk::http {

enum class RangeResult {
  kWhole,          // no range, or one to ignore: send the whole representation
  kPart,           // [first, last], both inside it: 206
  kUnsatisfiable,  // 416, with Content-Range: bytes */size
};

// One Range field value for a representation of `size` bytes (§14.1.2,
// §14.2). A syntactically invalid value (bytes=1-0, bytes=2-x, an unknown
// unit) is ignored: kWhole. A valid one that no byte satisfies (first-pos
// past the end, a zero suffix, an empty representation) is kUnsatisfiable.
// Several ranges get kWhole, as §14.2 allows. Positions of any length are
// read saturated (a position past 2^64-1 is past the end). `first` and
// `last` are written only for kPart.
RangeResult ParseRange(std::string_view value, uint64_t size, uint64_t& first,
                       uint64_t& last);

// Whether If-Range value `value` names the representation as it is now
// (§13.1.5): an entity-tag must equal `etag` by strong comparison (so a weak
// one never matches); a date must equal Last-Modified (`mtime_ns`, in ns
// since the epoch) and only counts when the representation is at least a
// second older than `now_ns` (§8.8.2.2: a date is one second wide, and two
// changes within it would match with different bytes).
bool IfRangeMatches(std::string_view value, std::string_view etag,
                    int64_t mtime_ns, int64_t now_ns);

// Whether an If-None-Match list (every line of the field joined with
// commas) names `etag` by weak comparison (§13.1.2), or is "*".
bool EtagMatches(std::string_view list, std::string_view etag);

}  // namespace brisk::http

#endif  // BRISK_HTTP_CONDITIONAL_H_
