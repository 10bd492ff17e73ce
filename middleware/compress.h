// File: middleware/compress.h
//
// Response compression and request decompression as server middleware
// (server/middleware.h), for a whole server (server::Wrap) or a route group
// (router::Hooks). fasthttp's CompressHandler, with HTTP's rules kept:
//
// Compress (responses):
//   - The coding is negotiated from Accept-Encoding (q-values, "*",
//     identity;q=0; compress/compress.h): the client's highest weight,
//     the server's order among equals (default zstd, br, gzip: see
//     compress/README.md for why). Each coding's level is an option.
//   - Compressed: a body of a compressible type (CompressOptions::types)
//     of at least `min_bytes` and at most `max_bytes` (4 MiB). Never:
//     HEAD, 1xx/204/304, 206 or a Content-Range, a body that already has
//     a Content-Encoding, a response with Cache-Control: no-transform, or
//     a body the coding would not make smaller (sent as it is).
//   - Every response that could be compressed carries
//     `Vary: Accept-Encoding` (added to the handler's Vary), whatever this
//     client got, so caches keep the variants apart.
//   - An ETag gets the coding inside its quotes ("abc" becomes
//     "abc-zstd", W/"abc" becomes W/"abc-zstd"): each representation has
//     its own. An If-None-Match naming the encoded tag is answered 304
//     here, without compressing.
//   - Streamed responses (StreamWrite) are compressed as they stream, each
//     write flushed so the client can decode it at once; Content-Length
//     is dropped (the body is chunked). A stated Content-Length under
//     `min_bytes` is sent as it is.
//   - Encoders come from a pool (compress::EncoderPool): once warm, a
//     compressed response allocates nothing for zlib and zstd, and brotli
//     reuses its blocks (middleware/README.md has the counts).
//
// Decompress (requests):
//   - A buffered request body with Content-Encoding gzip, deflate, br or
//     zstd (every line of the field read as one list) is decoded before
//     the handler, which sees the plain body; the Content-Encoding field
//     is removed. Limits answer 413: by default the decoded body may be as
//     large as ServerOptions::max_request_body_bytes's default (4 MiB) and
//     200 times its encoded size once over 1 MiB — set them to your server's
//     (a compressed body must not buy more than a plain one). A corrupt
//     body gets 400, a coding it does not know or several stacked 415 with
//     Accept-Encoding listing the ones it does (RFC 9110 §15.5.16); an
//     empty body is passed as it is. A streamed body
//     (ServerOptions::stream_request_body) is left as it is, its
//     Content-Encoding with it. The body has been read before any
//     middleware runs, so an `Expect: 100-continue` was answered already.
//
// Thread-safety: one object serves every loop.
//
// Example:
//   auto gz = middleware::Compress::Create({}).value();
//   server::Server server(opts, server::Wrap({gz}, handler));

#ifndef BRISK_MIDDLEWARE_COMPRESS_H_
#define BRISK_MIDDLEWARE_COMPRESS_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "compress/compress.h"
#include "server/middleware.h"

namespace brisk::middleware {

struct CompressOptions {
  // The server's order of preference (identity is implied last).
  std::vector<compress::Encoding> encodings = {compress::Encoding::kZstd,
                                               compress::Encoding::kBrotli,
                                               compress::Encoding::kGzip};
  // Levels (compress::CheckLevel); defaults compress::DefaultLevel's.
  int gzip_level = compress::DefaultLevel(compress::Encoding::kGzip);
  int deflate_level = compress::DefaultLevel(compress::Encoding::kDeflate);
  int brotli_level = compress::DefaultLevel(compress::Encoding::kBrotli);
  int zstd_level = compress::DefaultLevel(compress::Encoding::kZstd);
  // Smaller bodies are sent as they are: under 1 KiB the saving is a few
  // hundred bytes at most, less than the CPU costs (nginx's gzip_min_length
  // is 20, Cloudflare and Akamai use about 1 KiB).
  size_t min_bytes = 1024;
  // Larger buffered bodies are sent as they are: a body is compressed
  // whole on its loop thread (a 30 MB body at br 4 holds the loop for a
  // tenth of a second and a copy of its output per connection); stream
  // big bodies instead (StreamWrite), which are compressed a piece at a
  // time, or serve precompressed files (fs/file_server.h).
  size_t max_bytes = 4 << 20;
  // Media types compressed (compress::Compressible's syntax).
  std::vector<std::string> types = compress::DefaultCompressibleTypes();
};

class Compress : public server::Middleware {
 public:
  // InvalidArgument for a bad level or an identity in `encodings`.
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<Compress>> Create(
      CompressOptions options = {});

  void OnResponse(server::RequestCtx& ctx, void*& state) const override;
  bool OnStreamStart(server::RequestCtx& ctx, void*& state) const override;
  void OnStreamData(server::RequestCtx& ctx, void*& state,
                    std::string_view data, bool last,
                    bytes::ByteBuffer& out) const override;
  void OnDone(server::RequestCtx& ctx, void*& state,
              const server::ResponseOutcome& outcome) const override;

  const CompressOptions& options() const { return options_; }

 private:
  explicit Compress(CompressOptions options);
  int LevelOf(compress::Encoding e) const;
  // Whether the response may vary by coding (and so gets Vary); `stream`:
  // its size is not known yet.
  bool Eligible(server::RequestCtx& ctx, bool stream) const;
  // Vary, the ETag's new form, and 304 on a match; false when answered 304.
  bool Label(server::RequestCtx& ctx, compress::Encoding e) const;

  CompressOptions options_;
  mutable compress::EncoderPool encoders_;
};

// Decompress's default limits: 4 MiB decoded (ServerOptions'
// max_request_body_bytes default), 200x.
inline constexpr compress::DecodeLimits kRequestDecodeLimits = {
    .max_output_bytes = 4 << 20};

class Decompress : public server::Middleware {
 public:
  explicit Decompress(compress::DecodeLimits limits = kRequestDecodeLimits)
      : limits_(limits) {}

  bool OnRequest(server::RequestCtx& ctx, void*& state) const override;

 private:
  compress::DecodeLimits limits_;
};

}  // namespace brisk::middleware

#endif  // BRISK_MIDDLEWARE_COMPRESS_H_
