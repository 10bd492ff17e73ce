// File: compress/compress.h
//
// HTTP content codings (RFC 9110 §8.4.1): gzip and deflate through zlib
// (streams) and libdeflate (whole buffers), br through Google's brotli,
// zstd through Meta's zstd — the libraries
// themselves (Debian's), with brisk adding only what HTTP needs around them:
//
//   - Encoder: one compressed stream at a time, reused for the next (its
//     state is kept: zlib and zstd allocate nothing per stream once warm;
//     brotli, which has no reset, allocates from a free list the encoder
//     keeps, so it does not either). `flush` makes what was written so far
//     decodable — a streamed response's piece.
//   - Decoder: with limits, because a body's coding is chosen by the peer:
//     output is produced in bounded steps and stops at
//     DecodeLimits::max_output_bytes, or when the output grows faster than
//     max_ratio times the input, with ResourceExhausted; memory stays
//     bounded by about twice the limit (the output buffer doubles as it
//     grows) however the input was made — or by one 64 KiB step with
//     WriteTo.
//     zstd windows over 8 MiB are refused (RFC 9659 §3), so a frame cannot
//     make the decoder allocate more.
//   - AcceptEncoding: the client's Accept-Encoding with its q-values, and
//     the choice of a coding in the server's order of preference.
//   - EncoderPool: encoders reused across responses (pool::Pool).
//
// Errors (absl::Status codes, the same for every coding):
//   InvalidArgument    a corrupt stream, data after its end (except more
//                      gzip members, which are decoded as gzip -d does),
//                      an unknown coding or a level out of range
//   ResourceExhausted  a DecodeLimits limit; the output holds what was
//                      decoded up to it
//   DataLoss           Finish() on a stream cut short
//   Internal           the library failed (out of memory)
//
// Thread-safety: an Encoder or Decoder is used by one thread at a time;
// EncoderPool and the free functions are thread-safe.

#ifndef BRISK_COMPRESS_COMPRESS_H_
#define BRISK_COMPRESS_COMPRESS_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "bytes/byte_buffer.h"
#include "pool/pool.h"

namespace brisk::compress {

enum class Encoding : uint8_t { kIdentity, kGzip, kDeflate, kBrotli, kZstd };
inline constexpr size_t kEncodings = 5;

// The content-coding token: "identity", "gzip", "deflate", "br", "zstd".
std::string_view Name(Encoding e);
// The coding `token` names (case-insensitive; "x-gzip" is gzip); nullopt
// for any other.
std::optional<Encoding> FromName(std::string_view token);

// Levels: gzip and deflate 1..9 (default 6, zlib's), br 0..11 (default 4,
// fasthttp's: most of brotli's gain at gzip-like speed), zstd 1..19 (3,
// zstd's). InvalidArgument for identity or a level out of range.
int DefaultLevel(Encoding e);
[[nodiscard]] absl::Status CheckLevel(Encoding e, int level);

class Encoder {
 public:
  // InvalidArgument for identity.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Encoder>> Create(
      Encoding e);
  virtual ~Encoder() = default;

  Encoding encoding() const { return encoding_; }

  // Begins a new stream at `level` (see CheckLevel). `size_hint`: the
  // exact size of the whole input when known (a buffered body), which
  // lets brotli and zstd size their windows to it (zstd records it, and
  // fails a stream whose writes add up to another size); 0 when unknown.
  [[nodiscard]] virtual absl::Status Start(int level,
                                           uint64_t size_hint = 0) = 0;
  // Compresses `in`, appending to `out`. With `flush`, `out` then holds
  // everything needed to decode all input so far.
  [[nodiscard]] virtual absl::Status Write(std::string_view in, bool flush,
                                           bytes::ByteBuffer& out) = 0;
  // Ends the stream: appends what is left and the trailer.
  [[nodiscard]] virtual absl::Status Finish(bytes::ByteBuffer& out) = 0;
  // `in` as one whole stream at `level`, appended to `out`: Start, Write
  // and Finish, or a faster path for a buffer known whole (gzip and
  // deflate use libdeflate's one-shot compressor, about twice zlib's speed
  // for the same format). What CompressAll calls.
  [[nodiscard]] virtual absl::Status CompressWhole(int level,
                                                   std::string_view in,
                                                   bytes::ByteBuffer& out);

 protected:
  explicit Encoder(Encoding e) : encoding_(e) {}

 private:
  Encoding encoding_;
};

// `in` as one stream of `enc`'s coding at `level`, appended to `out`.
[[nodiscard]] absl::Status CompressAll(Encoder& enc, int level,
                                       std::string_view in,
                                       bytes::ByteBuffer& out);

struct DecodeLimits {
  // Most bytes one stream may decode to (64 MiB).
  uint64_t max_output_bytes = uint64_t{64} << 20;
  // Most output bytes per input byte, checked once the output passes
  // `ratio_floor_bytes` (0: no ratio limit). 200 lets real text through
  // (JSON and logs compress 5-50x; long runs of one byte 1000x, deflate's
  // maximum) and stops a bomb early, long before its output limit.
  uint32_t max_ratio = 200;
  uint64_t ratio_floor_bytes = uint64_t{1} << 20;
};

class Decoder {
 public:
  // InvalidArgument for identity.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Decoder>> Create(
      Encoding e);
  virtual ~Decoder() = default;

  Encoding encoding() const { return encoding_; }

  // Begins a new stream.
  void Start(const DecodeLimits& limits = {});
  // Decodes `in`, a piece of the stream, appending to `out` (see the
  // file comment for the errors). After an error the stream is over.
  [[nodiscard]] absl::Status Write(std::string_view in, bytes::ByteBuffer& out);
  // The same, handing the output to `sink` a step (at most 64 KiB) at a
  // time instead of keeping it, so memory stays bounded however much one
  // piece expands to (fetch --compressed writes a body out as it decodes
  // it). `sink` returns false to stop: Cancelled.
  [[nodiscard]] absl::Status WriteTo(
      std::string_view in, absl::FunctionRef<bool(std::string_view)> sink);
  // The input ended: DataLoss when the stream did not.
  [[nodiscard]] absl::Status Finish();

  uint64_t input_bytes() const { return in_total_; }
  uint64_t output_bytes() const { return out_total_; }

 protected:
  explicit Decoder(Encoding e) : encoding_(e) {}

  // One step: decodes from `in` into [dst, dst + cap); sets what was read
  // and written, and `end` when the stream's end was reached.
  virtual absl::Status Step(std::string_view in, char* dst, size_t cap,
                            size_t& read, size_t& written, bool& end) = 0;
  virtual void Restart() = 0;
  // Whether the coding allows another stream after the end (gzip members).
  virtual bool MoreMembers() const { return false; }

 private:
  absl::Status Run(std::string_view in, bytes::ByteBuffer& out,
                   absl::FunctionRef<bool(std::string_view)>* sink);

  Encoding encoding_;
  DecodeLimits limits_;
  bytes::ByteBuffer step_;  // WriteTo's output of one step
  uint64_t in_total_ = 0;
  uint64_t out_total_ = 0;
  bool ended_ = false;   // the stream's end was decoded
  bool failed_ = false;  // an error ended the stream
};

// `in`, one whole stream of coding `e`, decoded and appended to `out`.
[[nodiscard]] absl::Status DecodeAll(Encoding e, std::string_view in,
                                     bytes::ByteBuffer& out,
                                     const DecodeLimits& limits = {});

// A client's Accept-Encoding (RFC 9110 §12.5.3), over all its lines.
// Allocation-free.
class AcceptEncoding {
 public:
  // Adds one Accept-Encoding field line's value. Unknown codings are
  // ignored; a malformed q-value counts as 0 (refused).
  void AddLine(std::string_view value);
  // Whether any line was added.
  bool present() const { return present_; }
  // The client's weight for `e`, 0..1000 (q=1 is 1000): as named, else
  // as "*" says, else 0 — except identity, acceptable (1000) unless
  // refused by name or by "*;q=0". Without any line: identity 1000, others 0.
  int Weight(Encoding e) const;
  // Of `preference` (the server's order, identity not needed), the coding
  // with the highest weight above 0, the earlier on a tie; kIdentity when
  // none. The server's order decides among codings the client weighs alike
  // (browsers send "gzip, deflate, br, zstd", all q=1).
  Encoding Choose(std::span<const Encoding> preference) const;

 private:
  std::array<int16_t, kEncodings> weight_{-1, -1, -1, -1, -1};  // -1: unnamed
  int16_t star_ = -1;
  bool present_ = false;
};

// The media types worth compressing by default: text, JSON, JavaScript,
// XML, SVG, WebAssembly and the +json / +xml families (images, video,
// archives and fonts in woff/woff2 are compressed already).
const std::vector<std::string>& DefaultCompressibleTypes();
// Whether a body of `content_type` is worth compressing: its media type
// (parameters ignored, case-insensitive) matches an entry of `types` — an
// entry ending in '/' is a prefix ("text/"), one starting with '+' a
// subtype suffix ("+json"), any other the whole type ("application/json").
bool Compressible(
    std::string_view content_type,
    const std::vector<std::string>& types = DefaultCompressibleTypes());

// Encoders kept for reuse, one pool per coding.
class EncoderPool {
 public:
  using Handle = pool::Pool<Encoder>::Handle;

  EncoderPool();
  // An encoder of `e`, started at `level` (InvalidArgument for identity or
  // a bad level).
  [[nodiscard]] absl::StatusOr<Handle> Acquire(Encoding e, int level,
                                               uint64_t size_hint = 0);
  // An encoder of `e` (identity: none) to Start or CompressWhole.
  Handle Take(Encoding e);
  // Gives back an encoder taken with Handle::Detach().
  void Release(Encoder* enc);

 private:
  std::array<std::unique_ptr<pool::Pool<Encoder>>, kEncodings> pools_;
};

}  // namespace brisk::compress

#endif  // BRISK_COMPRESS_COMPRESS_H_
