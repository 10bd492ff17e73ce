// File: http/date.h
//
// HTTP dates (RFC 9110 §5.6.7): formatting as IMF-fixdate
// ("Sun, 06 Nov 1994 08:49:37 GMT"), parsing the three formats a recipient
// must accept, and the per-thread cached value of the Date header that a
// server sends with every response (refreshed at most once a second, no
// allocation).

#ifndef BRISK_HTTP_DATE_H_
#define BRISK_HTTP_DATE_H_

#include <cstdint>
#include <ctime>
#include <optional>
#include <string_view>

#include "bytes/byte_buffer.h"

namespace brisk::http {

// Length of an IMF-fixdate.
inline constexpr size_t kHttpDateSize = 29;

// Writes `t` (seconds since the epoch, UTC) as IMF-fixdate into `out`
// (kHttpDateSize bytes).
void FormatHttpDate(int64_t t, char* out);
void AppendHttpDate(bytes::ByteBuffer& out, int64_t t);

// Parses IMF-fixdate, RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") or asctime
// ("Sun Nov  6 08:49:37 1994"). nullopt if none matches.
std::optional<int64_t> ParseHttpDate(std::string_view s);

// The current time as IMF-fixdate, cached per thread and refreshed when the
// second changes. The view is valid until the calling thread calls it again.
std::string_view CurrentHttpDate();

}  // namespace brisk::http

#endif  // BRISK_HTTP_DATE_H_
