// File: http/body_reader.h
//
// BodyReader reads a message body of any framing (Content-Length, chunked,
// until close) incrementally into a ByteBuffer, enforcing a size limit: the
// one loop a server and a client both need after a header is parsed.
//
//   BodyReader r;
//   if (ParseError e = r.Start(h.framing(), h.content_length(), max); ...)
//   DecodeResult d = r.Read(buffered_bytes, body);  // drop d.consumed bytes
//   ... on EOF: r.Close()  (kDone only for until-close bodies)
//
// Not thread-safe. No allocation beyond growing `body` (and trailers).

#ifndef BRISK_HTTP_BODY_READER_H_
#define BRISK_HTTP_BODY_READER_H_

#include <cstdint>
#include <string_view>

#include "bytes/byte_buffer.h"
#include "http/chunked.h"
#include "http/parse_error.h"
#include "http/request_header.h"

namespace brisk::http {

class BodyReader {
 public:
  // Prepares for a body. `max_body_bytes` 0 means no limit. Returns
  // kBodyTooLarge at once when a Content-Length is over the limit (answer 413
  // without reading the body).
  [[nodiscard]] ParseError Start(BodyFraming framing, int64_t content_length,
                                 uint64_t max_body_bytes);

  // Appends body bytes from the front of `in` to `body`.
  DecodeResult Read(std::string_view in, bytes::ByteBuffer& body);

  // After Read() failed with kBodyTooLarge on a chunked body: raises the
  // limit (0: none) so Read() can go on from the input it did not consume
  // (the size line of the chunk that passed the old limit). The server uses
  // it to switch a body to streaming at a byte position of the stream, not
  // at wherever a read happened to end.
  void RaiseLimit(uint64_t max_body_bytes);

  // The peer closed the connection: completes an until-close body, otherwise
  // fails with kTruncatedBody (unless the body was already complete).
  DecodeResult Close();

  bool done() const { return done_; }
  BodyFraming framing() const { return framing_; }
  uint64_t read_bytes() const { return read_; }
  // Trailer fields of a chunked body.
  const HeaderFields& trailers() const { return chunked_.trailers(); }

 private:
  BodyFraming framing_ = BodyFraming::kNone;
  uint64_t remaining_ = 0;
  uint64_t max_ = 0;
  uint64_t read_ = 0;
  bool done_ = true;
  ChunkedDecoder chunked_;
};

}  // namespace brisk::http

#endif  // BRISK_HTTP_BODY_READER_H_
