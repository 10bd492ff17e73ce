// File: client/decode.h
//
// Decoding a response body by its Content-Encoding (gzip, deflate, br,
// zstd; compress/compress.h), as fasthttp's BodyUncompressed with a limit:
// a body's coding is the server's choice, so the output is bounded
// (DecodeLimits: 64 MiB, and 200 times the input once over 1 MiB) and a
// bomb stops at the limit in bounded memory.
//
// Two ways in:
//   - DecodeBody(resp) after a call, when the caller asked for a coding
//     (its own Accept-Encoding).
//   - HostClientOptions::decompress (off by default, as in fasthttp; Go's
//     transport has it on): the client sends `Accept-Encoding: zstd, br,
//     gzip, deflate` when the request names none (the field is added to the
//     request) and decodes every buffered response before returning it;
//     a body it cannot decode fails the call with kBodyTooLarge (a limit)
//     or kMalformedResponse (corrupt, unknown coding, cut short). Streamed
//     calls (DoStream) are given the body as it came.

#ifndef BRISK_CLIENT_DECODE_H_
#define BRISK_CLIENT_DECODE_H_

#include <array>
#include <cstddef>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "compress/compress.h"
#include "http/message.h"

namespace brisk::client {

// What a decompressing client asks for.
inline constexpr std::string_view kAcceptEncoding = "zstd, br, gzip, deflate";

// The content codings a message's Content-Encoding lists (RFC 9110 §8.4),
// over every line as one list, in the order they were applied; identity
// and empty items are skipped.
struct ContentCodings {
  static constexpr size_t kMax = 4;
  std::array<compress::Encoding, kMax> items{};
  size_t size = 0;
};
// InvalidArgument for a coding //compress does not know, or more than kMax.
[[nodiscard]] absl::StatusOr<ContentCodings> ParseContentEncoding(
    const http::HeaderFields& fields);

// Replaces `resp`'s body with its decoded form, removes Content-Encoding
// and sets Content-Length. Several codings ("gzip, br") are undone in
// reverse order. Nothing to do (no field, identity, 204/304, HEAD's empty
// body): OK. Errors, leaving `resp` as it was: InvalidArgument (an unknown
// coding, a corrupt body), DataLoss (cut short), ResourceExhausted (a limit).
[[nodiscard]] absl::Status DecodeBody(
    http::Response& resp, const compress::DecodeLimits& limits = {});

}  // namespace brisk::client

#endif  // BRISK_CLIENT_DECODE_H_
