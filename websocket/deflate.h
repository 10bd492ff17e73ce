// File: websocket/deflate.h
//
// permessage-deflate (RFC 7692) as pure functions: the server's choice among
// a client's offers, and raw-deflate compression and decompression of one
// message at a time on zlib, with the sync-flush tail removed and restored
// (§7.2.1) and a bound on the inflated size. No I/O; the inflater is fuzzed.

#ifndef BRISK_WEBSOCKET_DEFLATE_H_
#define BRISK_WEBSOCKET_DEFLATE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"

#include "bytes/byte_buffer.h"

typedef struct z_stream_s z_stream;

namespace brisk::websocket {

// What both sides agreed (§7.1).
struct DeflateParams {
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  int server_max_window_bits = 15;  // the server compresses within it
  int client_max_window_bits = 15;  // the client compresses within it
};

// The server's side of the negotiation: the first permessage-deflate offer
// in `offers` (Sec-WebSocket-Extensions values, comma-joined) it accepts,
// into `out`, and the response value into `answer`. Offers with unknown or
// repeated parameters, or bad window sizes, are declined (§7.1), and so is
// server_max_window_bits=8 (zlib cannot keep to a 256-byte window). Without
// `context_takeover` the answer asks both sides to compress each message on
// its own (so no state lives between messages). false: none accepted.
bool NegotiateDeflate(std::string_view offers, bool context_takeover,
                      DeflateParams& out, std::string& answer);

// The client's offer for `context_takeover`, and its check of the server's
// answer (false: an answer the offer did not allow).
std::string DeflateOffer(bool context_takeover);
bool AcceptDeflateAnswer(std::string_view answer, DeflateParams& out);

// Raw deflate of whole messages.
class Deflater {
 public:
  // `window_bits` 9..15, `level` 0..9 (zlib's).
  Deflater(int level, int window_bits);
  ~Deflater();
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // Appends `in` compressed, ending at a byte boundary without the
  // 00 00 FF FF tail; `reset`: forget the context after it (no context
  // takeover).
  absl::Status Compress(std::string_view in, bytes::ByteBuffer& out,
                        bool reset);
  int level() const { return level_; }
  int window_bits() const { return window_bits_; }

 private:
  std::unique_ptr<z_stream> z_;
  int level_;
  int window_bits_;
};

class Inflater {
 public:
  Inflater();
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // Appends the message whose compressed bytes are `in` (the tail is
  // added here) to `out`. ResourceExhausted as soon as `out` would grow
  // past `limit` bytes; InvalidArgument for data that is not deflate (the
  // connection must end: the context is lost). `reset`: forget the context
  // after it.
  absl::Status Inflate(std::string_view in, bytes::ByteBuffer& out,
                       size_t limit, bool reset);

 private:
  std::unique_ptr<z_stream> z_;
};

}  // namespace brisk::websocket

#endif  // BRISK_WEBSOCKET_DEFLATE_H_
