#include "compress/compress.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <libdeflate.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

#include "bytes/conv.h"

namespace brisk::compress {
namespace {

// Output produced per decoder step: the bound on what a limit can be
// passed by before it is seen.
constexpr size_t kDecodeStep = 64 * 1024;
// zlib counts in 32-bit units.
constexpr size_t kZlibMaxIn = size_t{1} << 30;
// RFC 9659 §3: zstd in HTTP uses windows of at most 8 MiB.
constexpr int kZstdWindowLogMax = 23;

absl::Status Corrupt(std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("corrupt stream: ", bytes::ToAbsl(what)));
}

// Room for output: a little more than the input usually needs.
size_t OutputRoom(size_t in) {
  return std::max<size_t>(in / 2 + 1024, 4096);
}

// brotli has no reset: each stream is a new instance. Its allocations go
// through this free list, kept by the encoder or decoder across streams,
// so once warm a stream takes every block from it and calls no malloc.
class FreeList {
 public:
  FreeList() = default;
  FreeList(const FreeList&) = delete;
  FreeList& operator=(const FreeList&) = delete;
  ~FreeList() {
    for (Bucket& b : buckets_) {
      for (void* p : b.blocks) {
        std::free(static_cast<char*>(p) - kHeader);
      }
    }
  }

  static void* Alloc(void* opaque, size_t size) {
    return static_cast<FreeList*>(opaque)->Take(size);
  }
  static void Free(void* opaque, void* p) {
    if (p != nullptr) {
      static_cast<FreeList*>(opaque)->Give(p);
    }
  }

 private:
  // Each block starts with its size; the caller's part is 16-aligned.
  static constexpr size_t kHeader = 16;
  struct Bucket {
    size_t size;
    std::vector<void*> blocks;
  };

  void* Take(size_t size) {
    for (Bucket& b : buckets_) {
      if (b.size == size && !b.blocks.empty()) {
        void* p = b.blocks.back();
        b.blocks.pop_back();
        return p;
      }
    }
    char* raw = static_cast<char*>(std::malloc(size + kHeader));
    if (raw == nullptr) {
      return nullptr;
    }
    *reinterpret_cast<size_t*>(raw) = size;
    return raw + kHeader;
  }
  void Give(void* p) {
    const size_t size =
        *reinterpret_cast<size_t*>(static_cast<char*>(p) - kHeader);
    for (Bucket& b : buckets_) {
      if (b.size == size) {
        b.blocks.push_back(p);
        return;
      }
    }
    buckets_.push_back(Bucket{size, {p}});
  }

  std::vector<Bucket> buckets_;
};

// --- Encoders ---

class ZlibEncoder final : public Encoder {
 public:
  explicit ZlibEncoder(Encoding e) : Encoder(e) {}
  ~ZlibEncoder() override {
    if (init_) {
      deflateEnd(&z_);
    }
    libdeflate_free_compressor(whole_);
  }

  absl::Status Start(int level, uint64_t) override {
    if (absl::Status s = CheckLevel(encoding(), level); !s.ok()) {
      return s;
    }
    if (!init_) {
      // 15 + 16: a gzip wrapper; 15 alone: zlib's, which is what HTTP's
      // "deflate" is (RFC 9110 §8.4.1.2).
      const int bits = encoding() == Encoding::kGzip ? 15 + 16 : 15;
      if (deflateInit2(&z_, level, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY) !=
          Z_OK) {
        return absl::InternalError("deflateInit2 failed");
      }
      init_ = true;
    } else {
      if (deflateReset(&z_) != Z_OK) {
        return absl::InternalError("deflateReset failed");
      }
      if (level != level_ &&
          deflateParams(&z_, level, Z_DEFAULT_STRATEGY) != Z_OK) {
        return absl::InternalError("deflateParams failed");
      }
    }
    level_ = level;
    return absl::OkStatus();
  }

  absl::Status Write(std::string_view in, bool flush,
                     bytes::ByteBuffer& out) override {
    return Run(in, flush ? Z_SYNC_FLUSH : Z_NO_FLUSH, out);
  }
  absl::Status Finish(bytes::ByteBuffer& out) override {
    return Run({}, Z_FINISH, out);
  }

  absl::Status CompressWhole(int level, std::string_view in,
                             bytes::ByteBuffer& out) override {
    if (absl::Status s = CheckLevel(encoding(), level); !s.ok()) {
      return s;
    }
    if (whole_ == nullptr || whole_level_ != level) {
      libdeflate_free_compressor(whole_);
      whole_ = libdeflate_alloc_compressor(level);
      whole_level_ = level;
      if (whole_ == nullptr) {
        return absl::InternalError("libdeflate_alloc_compressor failed");
      }
    }
    const bool gzip = encoding() == Encoding::kGzip;
    const size_t bound =
        gzip ? libdeflate_gzip_compress_bound(whole_, in.size())
             : libdeflate_zlib_compress_bound(whole_, in.size());
    char* dst = out.PrepareAppend(bound);
    const size_t n = gzip ? libdeflate_gzip_compress(whole_, in.data(),
                                                     in.size(), dst, bound)
                          : libdeflate_zlib_compress(whole_, in.data(),
                                                     in.size(), dst, bound);
    if (n == 0) {
      return absl::InternalError("libdeflate failed");
    }
    out.CommitAppend(n);
    return absl::OkStatus();
  }

 private:
  absl::Status Run(std::string_view in, int mode, bytes::ByteBuffer& out) {
    if (!init_) {
      return absl::FailedPreconditionError("Start() first");
    }
    for (;;) {
      const size_t now = std::min(in.size(), kZlibMaxIn);
      const bool last_part = now == in.size();
      z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      z_.avail_in = static_cast<uInt>(now);
      const int step_mode = last_part ? mode : Z_NO_FLUSH;
      for (;;) {
        const size_t room = OutputRoom(z_.avail_in);
        z_.next_out = reinterpret_cast<Bytef*>(out.PrepareAppend(room));
        z_.avail_out = static_cast<uInt>(room);
        const int r = deflate(&z_, step_mode);
        out.CommitAppend(room - z_.avail_out);
        if (r == Z_STREAM_ERROR) {
          return absl::InternalError("deflate failed");
        }
        if (step_mode == Z_FINISH) {
          if (r == Z_STREAM_END) {
            break;
          }
          continue;
        }
        // Done when the input is in and the last call had room to spare
        // (so nothing of a flush is left inside).
        if (z_.avail_in == 0 && z_.avail_out != 0) {
          break;
        }
      }
      in.remove_prefix(now);
      if (last_part) {
        return absl::OkStatus();
      }
    }
  }

  z_stream z_{};
  bool init_ = false;
  int level_ = -1;
  // CompressWhole's compressor, kept for its level.
  libdeflate_compressor* whole_ = nullptr;
  int whole_level_ = -1;
};

class BrotliEncoder final : public Encoder {
 public:
  BrotliEncoder() : Encoder(Encoding::kBrotli) {}
  ~BrotliEncoder() override { Drop(); }

  absl::Status Start(int level, uint64_t size_hint) override {
    if (absl::Status s = CheckLevel(encoding(), level); !s.ok()) {
      return s;
    }
    Drop();
    state_ = BrotliEncoderCreateInstance(&FreeList::Alloc, &FreeList::Free,
                                         &free_list_);
    if (state_ == nullptr) {
      return absl::InternalError("BrotliEncoderCreateInstance failed");
    }
    BrotliEncoderSetParameter(state_, BROTLI_PARAM_QUALITY,
                              static_cast<uint32_t>(level));
    if (size_hint > 0) {
      // A window no larger than the input: less memory, same output.
      uint32_t lgwin = BROTLI_MIN_WINDOW_BITS;
      while (lgwin < BROTLI_DEFAULT_WINDOW &&
             (uint64_t{1} << lgwin) - 16 < size_hint) {
        ++lgwin;
      }
      BrotliEncoderSetParameter(state_, BROTLI_PARAM_LGWIN, lgwin);
      BrotliEncoderSetParameter(
          state_, BROTLI_PARAM_SIZE_HINT,
          static_cast<uint32_t>(std::min<uint64_t>(size_hint, 1u << 30)));
    }
    return absl::OkStatus();
  }

  absl::Status Write(std::string_view in, bool flush,
                     bytes::ByteBuffer& out) override {
    return Run(in, flush ? BROTLI_OPERATION_FLUSH : BROTLI_OPERATION_PROCESS,
               out);
  }
  absl::Status Finish(bytes::ByteBuffer& out) override {
    return Run({}, BROTLI_OPERATION_FINISH, out);
  }

 private:
  void Drop() {
    if (state_ != nullptr) {
      BrotliEncoderDestroyInstance(state_);
      state_ = nullptr;
    }
  }

  absl::Status Run(std::string_view in, BrotliEncoderOperation op,
                   bytes::ByteBuffer& out) {
    if (state_ == nullptr) {
      return absl::FailedPreconditionError("Start() first");
    }
    size_t avail_in = in.size();
    const uint8_t* next_in = reinterpret_cast<const uint8_t*>(in.data());
    for (;;) {
      const size_t room = OutputRoom(avail_in);
      size_t avail_out = room;
      uint8_t* next_out = reinterpret_cast<uint8_t*>(out.PrepareAppend(room));
      if (!BrotliEncoderCompressStream(state_, op, &avail_in, &next_in,
                                       &avail_out, &next_out, nullptr)) {
        return absl::InternalError("brotli failed");
      }
      out.CommitAppend(room - avail_out);
      if (avail_in == 0 && !BrotliEncoderHasMoreOutput(state_) &&
          (op != BROTLI_OPERATION_FINISH || BrotliEncoderIsFinished(state_))) {
        return absl::OkStatus();
      }
    }
  }

  FreeList free_list_;  // before state_: outlives it
  BrotliEncoderState* state_ = nullptr;
};

class ZstdEncoder final : public Encoder {
 public:
  ZstdEncoder() : Encoder(Encoding::kZstd), cctx_(ZSTD_createCCtx()) {}
  ~ZstdEncoder() override { ZSTD_freeCCtx(cctx_); }

  absl::Status Start(int level, uint64_t size_hint) override {
    if (absl::Status s = CheckLevel(encoding(), level); !s.ok()) {
      return s;
    }
    if (cctx_ == nullptr) {
      return absl::InternalError("ZSTD_createCCtx failed");
    }
    ZSTD_CCtx_reset(cctx_, ZSTD_reset_session_only);
    if (ZSTD_isError(
            ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, level))) {
      return absl::InternalError("zstd: bad level");
    }
    // Levels up to 19 use windows of at most 8 MiB, what HTTP's decoders
    // must accept; a known size shrinks the window to it.
    if (size_hint > 0 &&
        ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(cctx_, size_hint))) {
      return absl::InternalError("zstd: bad size");
    }
    return absl::OkStatus();
  }

  absl::Status Write(std::string_view in, bool flush,
                     bytes::ByteBuffer& out) override {
    return Run(in, flush ? ZSTD_e_flush : ZSTD_e_continue, out);
  }
  absl::Status Finish(bytes::ByteBuffer& out) override {
    return Run({}, ZSTD_e_end, out);
  }

 private:
  absl::Status Run(std::string_view in, ZSTD_EndDirective mode,
                   bytes::ByteBuffer& out) {
    ZSTD_inBuffer src{in.data(), in.size(), 0};
    for (;;) {
      const size_t room = OutputRoom(src.size - src.pos);
      ZSTD_outBuffer dst{out.PrepareAppend(room), room, 0};
      const size_t left = ZSTD_compressStream2(cctx_, &dst, &src, mode);
      out.CommitAppend(dst.pos);
      if (ZSTD_isError(left)) {
        return absl::InternalError(
            absl::StrCat("zstd: ", ZSTD_getErrorName(left)));
      }
      const bool in_done = src.pos == src.size;
      if (mode == ZSTD_e_continue ? in_done : (in_done && left == 0)) {
        return absl::OkStatus();
      }
    }
  }

  ZSTD_CCtx* cctx_;
};

// --- Decoders ---

class ZlibDecoder final : public Decoder {
 public:
  explicit ZlibDecoder(Encoding e) : Decoder(e) {}
  ~ZlibDecoder() override {
    if (init_) {
      inflateEnd(&z_);
    }
  }

 protected:
  void Restart() override { started_ = false; }
  bool MoreMembers() const override { return encoding() == Encoding::kGzip; }

  absl::Status Step(std::string_view in, char* dst, size_t cap, size_t& read,
                    size_t& written, bool& end) override {
    if (!started_) {
      if (in.empty()) {
        read = written = 0;
        return absl::OkStatus();
      }
      // gzip: its wrapper. deflate: zlib's wrapper (RFC 9110), or, as
      // some old servers send, raw deflate; the first byte tells them
      // apart (a zlib header's is 0x?8 with a window of at most 32 KiB).
      int bits = 15 + 16;
      if (encoding() == Encoding::kDeflate) {
        const auto b = static_cast<uint8_t>(in[0]);
        bits = (b & 0x0F) == 8 && (b >> 4) <= 7 ? 15 : -15;
      }
      if (init_ && bits != bits_) {
        inflateEnd(&z_);
        init_ = false;
      }
      if (!init_) {
        z_ = z_stream{};
        if (inflateInit2(&z_, bits) != Z_OK) {
          return absl::InternalError("inflateInit2 failed");
        }
        init_ = true;
      } else if (inflateReset(&z_) != Z_OK) {
        return absl::InternalError("inflateReset failed");
      }
      bits_ = bits;
      started_ = true;
    }
    const size_t now = std::min(in.size(), kZlibMaxIn);
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(now);
    z_.next_out = reinterpret_cast<Bytef*>(dst);
    z_.avail_out = static_cast<uInt>(cap);
    const int r = inflate(&z_, Z_NO_FLUSH);
    read = now - z_.avail_in;
    written = cap - z_.avail_out;
    end = r == Z_STREAM_END;
    switch (r) {
      case Z_OK:
      case Z_STREAM_END:
      case Z_BUF_ERROR:  // no progress possible now: needs input or room
        return absl::OkStatus();
      case Z_MEM_ERROR:
        return absl::InternalError("inflate: out of memory");
      default:
        return Corrupt(z_.msg != nullptr ? z_.msg : "inflate failed");
    }
  }

 private:
  z_stream z_{};
  bool init_ = false;
  bool started_ = false;
  int bits_ = 0;
};

class BrotliDecoder final : public Decoder {
 public:
  BrotliDecoder() : Decoder(Encoding::kBrotli) {}
  ~BrotliDecoder() override { Drop(); }

 protected:
  void Restart() override { Drop(); }

  absl::Status Step(std::string_view in, char* dst, size_t cap, size_t& read,
                    size_t& written, bool& end) override {
    if (state_ == nullptr) {
      state_ = BrotliDecoderCreateInstance(&FreeList::Alloc, &FreeList::Free,
                                           &free_list_);
      if (state_ == nullptr) {
        return absl::InternalError("BrotliDecoderCreateInstance failed");
      }
    }
    size_t avail_in = in.size();
    const uint8_t* next_in = reinterpret_cast<const uint8_t*>(in.data());
    size_t avail_out = cap;
    uint8_t* next_out = reinterpret_cast<uint8_t*>(dst);
    const BrotliDecoderResult r = BrotliDecoderDecompressStream(
        state_, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    read = in.size() - avail_in;
    written = cap - avail_out;
    end = r == BROTLI_DECODER_RESULT_SUCCESS;
    if (r == BROTLI_DECODER_RESULT_ERROR) {
      return Corrupt(
          BrotliDecoderErrorString(BrotliDecoderGetErrorCode(state_)));
    }
    return absl::OkStatus();
  }

 private:
  void Drop() {
    if (state_ != nullptr) {
      BrotliDecoderDestroyInstance(state_);
      state_ = nullptr;
    }
  }

  FreeList free_list_;  // before state_: outlives it
  BrotliDecoderState* state_ = nullptr;
};

class ZstdDecoder final : public Decoder {
 public:
  ZstdDecoder() : Decoder(Encoding::kZstd), dctx_(ZSTD_createDCtx()) {
    if (dctx_ != nullptr) {
      ZSTD_DCtx_setParameter(dctx_, ZSTD_d_windowLogMax, kZstdWindowLogMax);
    }
  }
  ~ZstdDecoder() override { ZSTD_freeDCtx(dctx_); }

 protected:
  void Restart() override {
    if (dctx_ != nullptr) {
      ZSTD_DCtx_reset(dctx_, ZSTD_reset_session_only);
    }
  }
  // A zstd stream may hold several frames (RFC 8878 §3).
  bool MoreMembers() const override { return true; }

  absl::Status Step(std::string_view in, char* dst, size_t cap, size_t& read,
                    size_t& written, bool& end) override {
    if (dctx_ == nullptr) {
      return absl::InternalError("ZSTD_createDCtx failed");
    }
    ZSTD_inBuffer src{in.data(), in.size(), 0};
    ZSTD_outBuffer out{dst, cap, 0};
    const size_t r = ZSTD_decompressStream(dctx_, &out, &src);
    read = src.pos;
    written = out.pos;
    end = r == 0;
    if (ZSTD_isError(r)) {
      if (ZSTD_getErrorCode(r) == ZSTD_error_frameParameter_windowTooLarge) {
        return absl::ResourceExhaustedError(
            "zstd frame window over 8 MiB (RFC 9659)");
      }
      return Corrupt(ZSTD_getErrorName(r));
    }
    return absl::OkStatus();
  }

 private:
  ZSTD_DCtx* dctx_;
};

// A q-value as thousandths (RFC 9110 §12.4.2): "0", "0.5", "1", "1.000";
// -1 when malformed.
int ParseQ(std::string_view v) {
  if (v.empty() || v.size() > 5 || (v[0] != '0' && v[0] != '1')) {
    return -1;
  }
  int q = (v[0] - '0') * 1000;
  if (v.size() == 1) {
    return q;
  }
  if (v[1] != '.') {
    return -1;
  }
  int scale = 100;
  for (size_t i = 2; i < v.size(); ++i) {
    if (v[i] < '0' || v[i] > '9') {
      return -1;
    }
    q += (v[i] - '0') * scale;
    scale /= 10;
  }
  return q > 1000 ? -1 : q;
}

}  // namespace

std::string_view Name(Encoding e) {
  switch (e) {
    case Encoding::kIdentity:
      return "identity";
    case Encoding::kGzip:
      return "gzip";
    case Encoding::kDeflate:
      return "deflate";
    case Encoding::kBrotli:
      return "br";
    case Encoding::kZstd:
      return "zstd";
  }
  return "identity";
}

std::optional<Encoding> FromName(std::string_view token) {
  for (Encoding e : {Encoding::kIdentity, Encoding::kGzip, Encoding::kDeflate,
                     Encoding::kBrotli, Encoding::kZstd}) {
    if (bytes::EqualsIgnoreCase(token, Name(e))) {
      return e;
    }
  }
  if (bytes::EqualsIgnoreCase(token, "x-gzip")) {
    return Encoding::kGzip;
  }
  return std::nullopt;
}

int DefaultLevel(Encoding e) {
  switch (e) {
    case Encoding::kGzip:
    case Encoding::kDeflate:
      return 6;
    case Encoding::kBrotli:
      return 4;
    case Encoding::kZstd:
      return 3;
    case Encoding::kIdentity:
      break;
  }
  return 0;
}

absl::Status CheckLevel(Encoding e, int level) {
  int lo = 0;
  int hi = 0;
  switch (e) {
    case Encoding::kGzip:
    case Encoding::kDeflate:
      lo = 1;
      hi = 9;
      break;
    case Encoding::kBrotli:
      lo = 0;
      hi = 11;
      break;
    case Encoding::kZstd:
      lo = 1;
      hi = 19;
      break;
    case Encoding::kIdentity:
      return absl::InvalidArgumentError("identity has no encoder");
  }
  if (level < lo || level > hi) {
    return absl::InvalidArgumentError(absl::StrCat(
        bytes::ToAbsl(Name(e)), " level ", level, " is not in ", lo, "..", hi));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Encoder>> Encoder::Create(Encoding e) {
  switch (e) {
    case Encoding::kGzip:
    case Encoding::kDeflate:
      return std::unique_ptr<Encoder>(new ZlibEncoder(e));
    case Encoding::kBrotli:
      return std::unique_ptr<Encoder>(new BrotliEncoder());
    case Encoding::kZstd:
      return std::unique_ptr<Encoder>(new ZstdEncoder());
    case Encoding::kIdentity:
      break;
  }
  return absl::InvalidArgumentError("identity has no encoder");
}

absl::Status Encoder::CompressWhole(int level, std::string_view in,
                                    bytes::ByteBuffer& out) {
  if (absl::Status s = Start(level, in.size()); !s.ok()) {
    return s;
  }
  if (absl::Status s = Write(in, /*flush=*/false, out); !s.ok()) {
    return s;
  }
  return Finish(out);
}

absl::Status CompressAll(Encoder& enc, int level, std::string_view in,
                         bytes::ByteBuffer& out) {
  return enc.CompressWhole(level, in, out);
}

absl::StatusOr<std::unique_ptr<Decoder>> Decoder::Create(Encoding e) {
  switch (e) {
    case Encoding::kGzip:
    case Encoding::kDeflate:
      return std::unique_ptr<Decoder>(new ZlibDecoder(e));
    case Encoding::kBrotli:
      return std::unique_ptr<Decoder>(new BrotliDecoder());
    case Encoding::kZstd:
      return std::unique_ptr<Decoder>(new ZstdDecoder());
    case Encoding::kIdentity:
      break;
  }
  return absl::InvalidArgumentError("identity has no decoder");
}

void Decoder::Start(const DecodeLimits& limits) {
  limits_ = limits;
  in_total_ = out_total_ = 0;
  ended_ = failed_ = false;
  Restart();
}

absl::Status Decoder::Write(std::string_view in, bytes::ByteBuffer& out) {
  return Run(in, out, nullptr);
}

absl::Status Decoder::WriteTo(std::string_view in,
                              absl::FunctionRef<bool(std::string_view)> sink) {
  step_.Reset();
  return Run(in, step_, &sink);
}

absl::Status Decoder::Run(std::string_view in, bytes::ByteBuffer& out,
                          absl::FunctionRef<bool(std::string_view)>* sink) {
  if (failed_) {
    return absl::FailedPreconditionError("the stream already failed");
  }
  auto fail = [this](absl::Status s) {
    failed_ = true;
    return s;
  };
  for (;;) {
    if (ended_) {
      if (in.empty()) {
        return absl::OkStatus();
      }
      if (!MoreMembers()) {
        return fail(Corrupt("data after the end of the stream"));
      }
      Restart();  // the next gzip member or zstd frame
      ended_ = false;
    }
    // One more byte than the limit allows, so passing it is seen (without
    // overflowing when there is no limit).
    const uint64_t left = limits_.max_output_bytes -
                          std::min(out_total_, limits_.max_output_bytes);
    const size_t cap =
        left >= kDecodeStep ? kDecodeStep : static_cast<size_t>(left) + 1;
    char* dst = out.PrepareAppend(cap);
    size_t read = 0;
    size_t written = 0;
    bool end = false;
    absl::Status s = Step(in, dst, cap, read, written, end);
    in.remove_prefix(read);
    in_total_ += read;
    if (out_total_ + written > limits_.max_output_bytes) {
      const size_t keep =
          static_cast<size_t>(limits_.max_output_bytes - out_total_);
      out.CommitAppend(keep);
      out_total_ += keep;
      return fail(absl::ResourceExhaustedError(absl::StrCat(
          "decoded body over ", limits_.max_output_bytes, " bytes")));
    }
    // What came before an error is kept, so the output is the same
    // however the input was split.
    out.CommitAppend(written);
    out_total_ += written;
    if (sink != nullptr && !out.empty()) {
      const bool go_on = (*sink)(out.view());
      out.Reset();
      if (!go_on) {
        return fail(absl::CancelledError("stopped by the sink"));
      }
    }
    if (!s.ok()) {
      return fail(std::move(s));
    }
    if (limits_.max_ratio > 0 && out_total_ > limits_.ratio_floor_bytes &&
        out_total_ / std::max<uint64_t>(in_total_, 1) >= limits_.max_ratio) {
      return fail(absl::ResourceExhaustedError(absl::StrCat(
          "decoded body over ", limits_.max_ratio, " times its encoded size")));
    }
    ended_ = end;
    if (end) {
      continue;
    }
    // Drained: all input taken and the last step had room to spare.
    if (in.empty() && written < cap) {
      return absl::OkStatus();
    }
    if (read == 0 && written == 0) {
      return fail(absl::InternalError("decoder made no progress"));
    }
  }
}

absl::Status Decoder::Finish() {
  if (failed_) {
    return absl::FailedPreconditionError("the stream already failed");
  }
  if (!ended_) {
    failed_ = true;
    return absl::DataLossError(absl::StrCat(bytes::ToAbsl(Name(encoding())),
                                            " stream cut short after ",
                                            in_total_, " bytes"));
  }
  return absl::OkStatus();
}

absl::Status DecodeAll(Encoding e, std::string_view in, bytes::ByteBuffer& out,
                       const DecodeLimits& limits) {
  absl::StatusOr<std::unique_ptr<Decoder>> d = Decoder::Create(e);
  if (!d.ok()) {
    return d.status();
  }
  (*d)->Start(limits);
  if (absl::Status s = (*d)->Write(in, out); !s.ok()) {
    return s;
  }
  return (*d)->Finish();
}

void AcceptEncoding::AddLine(std::string_view value) {
  present_ = true;
  while (!value.empty()) {
    const size_t comma = value.find(',');
    std::string_view item = bytes::TrimOws(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view()
                                            : value.substr(comma + 1);
    if (item.empty()) {
      continue;
    }
    const size_t semi = item.find(';');
    const std::string_view coding = bytes::TrimOws(item.substr(0, semi));
    int q = -1;  // unset
    std::string_view params = semi == std::string_view::npos
                                  ? std::string_view()
                                  : item.substr(semi + 1);
    while (!params.empty()) {
      const size_t next = params.find(';');
      const std::string_view p = bytes::TrimOws(params.substr(0, next));
      params = next == std::string_view::npos ? std::string_view()
                                              : params.substr(next + 1);
      if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
        // A q given twice counts at its lowest (a refusal stays one).
        const int this_q = std::max(ParseQ(bytes::TrimOws(p.substr(2))), 0);
        q = q < 0 ? this_q : std::min(q, this_q);
      }
    }
    if (q < 0) {
      q = 1000;
    }
    // Named twice: the lower weight (a refusal stays one).
    auto merge = [q](int16_t& w) {
      w = static_cast<int16_t>(w < 0 ? q : std::min<int>(w, q));
    };
    if (coding == "*") {
      merge(star_);
    } else if (std::optional<Encoding> e = FromName(coding)) {
      merge(weight_[static_cast<size_t>(*e)]);
    }
  }
}

int AcceptEncoding::Weight(Encoding e) const {
  const int named = weight_[static_cast<size_t>(e)];
  if (named >= 0) {
    return named;
  }
  if (e == Encoding::kIdentity) {
    return star_ == 0 ? 0 : 1000;
  }
  return star_ > 0 ? star_ : 0;
}

Encoding AcceptEncoding::Choose(std::span<const Encoding> preference) const {
  if (!present_) {
    return Encoding::kIdentity;
  }
  Encoding best = Encoding::kIdentity;
  int best_weight = 0;
  for (Encoding e : preference) {
    if (e == Encoding::kIdentity) {
      continue;
    }
    const int w = Weight(e);
    if (w > best_weight) {
      best = e;
      best_weight = w;
    }
  }
  // identity competes only when the client weighed it by name.
  const int identity = weight_[static_cast<size_t>(Encoding::kIdentity)];
  if (identity > best_weight) {
    return Encoding::kIdentity;
  }
  return best;
}

const std::vector<std::string>& DefaultCompressibleTypes() {
  static const auto* types = new std::vector<std::string>{
      "text/",
      "application/json",
      "application/javascript",
      "application/x-javascript",
      "application/xml",
      "application/wasm",
      "application/x-ndjson",
      "image/svg+xml",
      "image/x-icon",
      "font/ttf",
      "font/otf",
      "+json",
      "+xml",
  };
  return *types;
}

bool Compressible(std::string_view content_type,
                  const std::vector<std::string>& types) {
  std::string_view media =
      bytes::TrimOws(content_type.substr(0, content_type.find(';')));
  const size_t slash = media.find('/');
  if (slash == std::string_view::npos || slash == 0 ||
      slash + 1 == media.size()) {
    return false;
  }
  for (const std::string& t : types) {
    if (t.empty()) {
      continue;
    }
    const std::string_view entry = t;
    if (entry.back() == '/') {
      if (media.size() > entry.size() &&
          bytes::EqualsIgnoreCase(media.substr(0, entry.size()), entry)) {
        return true;
      }
    } else if (entry.front() == '+') {
      if (media.size() > entry.size() + slash + 1 &&
          bytes::EqualsIgnoreCase(media.substr(media.size() - entry.size()),
                                  entry)) {
        return true;
      }
    } else if (bytes::EqualsIgnoreCase(media, entry)) {
      return true;
    }
  }
  return false;
}

EncoderPool::EncoderPool() {
  for (Encoding e : {Encoding::kGzip, Encoding::kDeflate, Encoding::kBrotli,
                     Encoding::kZstd}) {
    pool::PoolOptions o;
    o.name = absl::StrCat("encoder.", bytes::ToAbsl(Name(e)));
    // An idle zlib encoder holds ~300 KB: keep few.
    o.thread_cache = 4;
    o.max_shared = 32;
    pools_[static_cast<size_t>(e)] = std::make_unique<pool::Pool<Encoder>>(
        std::move(o), [e]() -> std::unique_ptr<Encoder> {
          return std::move(Encoder::Create(e)).value();
        });
  }
}

absl::StatusOr<EncoderPool::Handle> EncoderPool::Acquire(Encoding e, int level,
                                                         uint64_t size_hint) {
  if (absl::Status s = CheckLevel(e, level); !s.ok()) {
    return s;
  }
  Handle h = pools_[static_cast<size_t>(e)]->Acquire();
  if (absl::Status s = h->Start(level, size_hint); !s.ok()) {
    return s;
  }
  return h;
}

EncoderPool::Handle EncoderPool::Take(Encoding e) {
  return pools_[static_cast<size_t>(e)]->Acquire();
}

void EncoderPool::Release(Encoder* enc) {
  pools_[static_cast<size_t>(enc->encoding())]->Release(enc);
}

}  // namespace brisk::compress
