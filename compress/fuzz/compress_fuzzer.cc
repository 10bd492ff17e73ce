// libFuzzer target for //compress. The first byte picks a coding and a
// mode:
//   - decode: the rest is a stream of that coding, decoded under small
//     limits in pieces of a size the input picks; it must never pass the
//     output limit, and must give the same verdict as one piece (and the
//     same output when it succeeds).
//   - round trip: the rest is plain data, compressed at a level the input
//     picks with a flush every few bytes; it must decode back exactly.
//   - Accept-Encoding: the rest is a field value; the choice must be a
//     coding the client did not refuse.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "bytes/byte_buffer.h"
#include "compress/compress.h"

namespace {

using brisk::bytes::ByteBuffer;
using namespace brisk::compress;

constexpr Encoding kCodings[] = {Encoding::kGzip, Encoding::kDeflate,
                                 Encoding::kBrotli, Encoding::kZstd};

void Check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

void Decode(Encoding e, std::string_view in, size_t step) {
  DecodeLimits limits;
  limits.max_output_bytes = 1 << 20;
  limits.max_ratio = 100;
  limits.ratio_floor_bytes = 64 * 1024;
  ByteBuffer whole;
  absl::Status w = DecodeAll(e, in, whole, limits);
  Check(whole.size() <= limits.max_output_bytes);
  auto d = std::move(Decoder::Create(e)).value();
  d->Start(limits);
  ByteBuffer pieces;
  absl::Status p;
  for (size_t i = 0; i < in.size() && p.ok(); i += step) {
    p = d->Write(in.substr(i, step), pieces);
  }
  if (p.ok()) {
    p = d->Finish();
  }
  Check(pieces.size() <= limits.max_output_bytes);
  // The ratio limit is checked per step, so where it fires may move with
  // the split; every other verdict and the output must not.
  if (absl::IsResourceExhausted(w) || absl::IsResourceExhausted(p)) {
    return;
  }
  Check(w.code() == p.code());
  // What a failed stream produced before its error may differ (brotli
  // writes out when its input runs dry); a good one's output may not.
  Check(!w.ok() || whole.view() == pieces.view());
}

void RoundTrip(Encoding e, std::string_view in, int level, size_t every) {
  auto enc = std::move(Encoder::Create(e)).value();
  Check(enc->Start(level).ok());
  ByteBuffer z;
  for (size_t i = 0; i < in.size(); i += every) {
    Check(enc->Write(in.substr(i, every), /*flush=*/true, z).ok());
  }
  Check(enc->Finish(z).ok());
  ByteBuffer back;
  absl::Status s = DecodeAll(e, z.view(), back, {.max_ratio = 0});
  Check(s.ok());
  Check(back.view() == in);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) {
    return 0;
  }
  const uint8_t op = data[0];
  const uint8_t arg = data[1];
  const std::string_view rest(reinterpret_cast<const char*>(data) + 2,
                              size - 2);
  const Encoding e = kCodings[op % 4];
  switch ((op / 4) % 3) {
    case 0:
      Decode(e, rest, arg % 64 + 1);
      break;
    case 1: {
      int lo = e == Encoding::kBrotli ? 0 : 1;
      int hi = e == Encoding::kZstd ? 19 : (e == Encoding::kBrotli ? 11 : 9);
      // Fast levels mostly: the slow ones would starve the fuzzer.
      const int level = lo + (arg % 4) % (hi - lo + 1);
      RoundTrip(e, rest, level, arg % 97 + 1);
      break;
    }
    default: {
      AcceptEncoding a;
      a.AddLine(rest);
      const Encoding pref[] = {Encoding::kZstd, Encoding::kBrotli,
                               Encoding::kGzip, Encoding::kDeflate};
      const Encoding chosen = a.Choose(pref);
      Check(chosen == Encoding::kIdentity || a.Weight(chosen) > 0);
      break;
    }
  }
  return 0;
}
