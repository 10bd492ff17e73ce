// File: http/chunked.h
//
// The chunked transfer coding (RFC 9112 §7.1): an incremental, strict decoder
// and the encoder for streamed output.
//
// ChunkedDecoder::Decode(in, out) consumes a prefix of `in`, appends the
// decoded data to `out`, and says how far it got. The caller drops the
// consumed bytes and calls again with the rest plus what arrives next. Chunk
// extensions are validated and skipped (bounded), trailer fields are parsed
// and kept (copied). No allocation once `out` and the trailer storage are warm.
//
// Errors (all kBadChunk unless noted): a size that is not hex or is 2^63 or
// more, an extension with control bytes or longer than the limit, data not
// followed by CRLF, a bare LF, a malformed trailer; kBodyTooLarge when the
// decoded size passes the limit; kHeaderTooLarge when trailers pass theirs.

#ifndef BRISK_HTTP_CHUNKED_H_
#define BRISK_HTTP_CHUNKED_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bytes/byte_buffer.h"
#include "http/header_fields.h"
#include "http/parse_error.h"

namespace brisk::http {

struct ChunkedLimits {
  // Decoded body bytes; 0 means no limit.
  uint64_t max_body_bytes = 0;
  // A chunk-size line with its extensions.
  size_t max_line_bytes = 4096;
  // The whole trailer section.
  size_t max_trailer_bytes = 16 * 1024;
};

// The outcome of one Decode() call. Unlike ParseResult, `consumed` is valid
// for kIncomplete too (the decoder made progress and keeps its state).
struct [[nodiscard]] DecodeResult {
  ParseStatus status = ParseStatus::kIncomplete;
  ParseError error = ParseError::kNone;
  size_t consumed = 0;
  bool done() const { return status == ParseStatus::kDone; }
  bool incomplete() const { return status == ParseStatus::kIncomplete; }
  bool failed() const { return status == ParseStatus::kError; }
};

class ChunkedDecoder {
 public:
  explicit ChunkedDecoder(const ChunkedLimits& limits = {}) : limits_(limits) {}

  DecodeResult Decode(std::string_view in, bytes::ByteBuffer& out);
  // Ready for the next body; keeps capacity.
  void Reset();

  // Trailer fields of the finished body (copied; valid until Reset()).
  const HeaderFields& trailers() const { return trailers_; }
  uint64_t decoded_bytes() const { return decoded_; }
  // Also after kBodyTooLarge, whose `consumed` stops before the size line
  // that would pass the limit: with a higher limit, Decode() goes on from
  // that line (the data before it is in `out` already).
  void set_limits(const ChunkedLimits& limits) { limits_ = limits; }

 private:
  enum class State : uint8_t { kSize, kData, kDataEnd, kTrailer, kDone };
  ParseError ParseSizeLine(std::string_view line);
  ParseError ParseTrailerLine(std::string_view line);

  ChunkedLimits limits_;
  State state_ = State::kSize;
  uint64_t remaining_ = 0;  // data bytes left in the current chunk
  uint64_t decoded_ = 0;
  size_t trailer_bytes_ = 0;
  HeaderFields trailers_;
};

// Appends one chunk holding `data` (nothing for empty data: an empty chunk
// would end the body).
void AppendChunk(bytes::ByteBuffer& out, std::string_view data);
// Appends the last chunk, the trailer fields if any, and the final CRLF.
// An unsafe trailer field (wire.h) appends nothing and is returned.
[[nodiscard]] WireError AppendLastChunk(bytes::ByteBuffer& out,
                                        const HeaderFields* trailers = nullptr);

}  // namespace brisk::http

#endif  // BRISK_HTTP_CHUNKED_H_
