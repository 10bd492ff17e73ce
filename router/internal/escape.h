// File: router/internal/escape.h
//
// How the router keeps an encoded slash inside its segment, and how it
// encodes a redirect's Location. Not API; see router/README.md ("Decoding").

#ifndef BRISK_ROUTER_INTERNAL_ESCAPE_H_
#define BRISK_ROUTER_INTERNAL_ESCAPE_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "router/params.h"

namespace brisk::router::router_internal {

// Whether a raw (still encoded) path has an encoded slash (%2F or %2f).
bool HasEncodedSlash(std::string_view raw);

// The path the router matches when the raw path has an encoded slash: every
// escape decoded except %2F and %25, which stay ("%2F", "%25") so that they
// can neither split nor fake a segment, then normalized as URI::path() is.
// Written into `out`, which keeps room for DecodeEscapedValues. `raw` must
// have passed the URI parser (well-formed escapes). Returns a view of `out`.
std::string_view BuildEscapedPath(std::string_view raw, std::string& out);

// Decodes the %2F and %25 that BuildEscapedPath left in the values of
// `params` (views into `storage`, its output), appending the decoded bytes
// to `storage` (within its reserved capacity, so nothing moves) and pointing
// the values there. With `catch_all` the last value is a catch-all: a path,
// normalized again once its slashes are real. (Declared in params.h.)
void DecodeEscapedValues(Params& params, bool catch_all, std::string& storage);

// Appends `path` percent-encoded for a Location: unreserved and sub-delim
// bytes, ':', '@' and '/' as they are, every other byte as %XX. `escaped`:
// the '%' in `path` are escapes already (BuildEscapedPath's) and stay.
void AppendEncodedPath(std::string& out, std::string_view path, bool escaped);

}  // namespace brisk::router::router_internal

#endif  // BRISK_ROUTER_INTERNAL_ESCAPE_H_
