// //compress: every coding round-trips (whole and streamed with flushes,
// each flush decodable on its own), decoders give the same output however
// the input is split, refuse corrupt, truncated and trailing input with
// their typed errors, stop bombs at their limits in bounded memory, reuse
// their state without allocating, and Accept-Encoding is weighed as RFC
// 9110 says.

#include "compress/compress.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

#include "bytes/byte_buffer.h"
#include "testing/counting_allocator.h"
#include "testing/json_like.h"

namespace brisk::compress {
namespace {

constexpr Encoding kAll[] = {Encoding::kGzip, Encoding::kDeflate,
                             Encoding::kBrotli, Encoding::kZstd};

std::string Random(size_t n) {
  std::mt19937 rng(11);
  std::string s(n, '\0');
  for (char& c : s) {
    c = static_cast<char>(rng());
  }
  return s;
}

std::string Encode(Encoding e, std::string_view in, int level = 0) {
  std::unique_ptr<Encoder> enc = std::move(Encoder::Create(e)).value();
  bytes::ByteBuffer out;
  absl::Status s =
      CompressAll(*enc, level == 0 ? DefaultLevel(e) : level, in, out);
  EXPECT_TRUE(s.ok()) << s;
  return std::string(out.view());
}

absl::StatusOr<std::string> Decode(Encoding e, std::string_view in,
                                   DecodeLimits limits = {}) {
  bytes::ByteBuffer out;
  absl::Status s = DecodeAll(e, in, out, limits);
  if (!s.ok()) {
    return s;
  }
  return std::string(out.view());
}

class CodingTest : public ::testing::TestWithParam<Encoding> {};

INSTANTIATE_TEST_SUITE_P(All, CodingTest, ::testing::ValuesIn(kAll),
                         [](const auto& info) {
                           return std::string(Name(info.param));
                         });

TEST_P(CodingTest, RoundTripsAtEveryLevelAndSize) {
  const Encoding e = GetParam();
  int lo = e == Encoding::kBrotli ? 0 : 1;
  int hi = e == Encoding::kZstd ? 19 : (e == Encoding::kBrotli ? 11 : 9);
  for (const std::string& in : {std::string(), std::string("a"),
                                testing::JsonLike(1000), Random(5000)}) {
    for (int level = lo; level <= hi; ++level) {
      const std::string z = Encode(e, in, level == 0 ? 0 : level);
      absl::StatusOr<std::string> back = Decode(e, z);
      ASSERT_TRUE(back.ok()) << back.status() << " level " << level;
      EXPECT_EQ(*back, in) << "level " << level;
    }
  }
  const std::string big = testing::JsonLike(3 << 20);
  const std::string z = Encode(e, big);
  EXPECT_LT(z.size(), big.size() / 4);
  EXPECT_EQ(Decode(e, z).value(), big);
}

TEST_P(CodingTest, EachFlushIsDecodableOnItsOwn) {
  const Encoding e = GetParam();
  std::unique_ptr<Encoder> enc = std::move(Encoder::Create(e)).value();
  ASSERT_TRUE(enc->Start(DefaultLevel(e)).ok());
  std::unique_ptr<Decoder> dec = std::move(Decoder::Create(e)).value();
  dec->Start();
  bytes::ByteBuffer wire;
  bytes::ByteBuffer decoded;
  std::string sent;
  for (int i = 0; i < 20; ++i) {
    const std::string piece =
        testing::JsonLike(100 + 37 * i).substr(0, 50 + 13 * i);
    sent += piece;
    const size_t before = wire.size();
    ASSERT_TRUE(enc->Write(piece, /*flush=*/true, wire).ok());
    // What this flush appended decodes to everything sent so far.
    ASSERT_TRUE(dec->Write(wire.view().substr(before), decoded).ok());
    EXPECT_EQ(decoded.view(), sent) << "after piece " << i;
  }
  const size_t before = wire.size();
  ASSERT_TRUE(enc->Finish(wire).ok());
  ASSERT_TRUE(dec->Write(wire.view().substr(before), decoded).ok());
  EXPECT_TRUE(dec->Finish().ok());
  EXPECT_EQ(decoded.view(), sent);
}

TEST_P(CodingTest, DecodesTheSameAtEverySplit) {
  const Encoding e = GetParam();
  const std::string in = testing::JsonLike(20000);
  const std::string z = Encode(e, in);
  std::unique_ptr<Decoder> dec = std::move(Decoder::Create(e)).value();
  for (size_t cut = 0; cut <= z.size(); ++cut) {
    dec->Start();
    bytes::ByteBuffer out;
    ASSERT_TRUE(dec->Write(std::string_view(z).substr(0, cut), out).ok())
        << cut;
    ASSERT_TRUE(dec->Write(std::string_view(z).substr(cut), out).ok()) << cut;
    ASSERT_TRUE(dec->Finish().ok()) << cut;
    ASSERT_EQ(out.view(), in) << cut;
  }
  // One byte at a time.
  dec->Start();
  bytes::ByteBuffer out;
  for (char c : z) {
    ASSERT_TRUE(dec->Write(std::string_view(&c, 1), out).ok());
  }
  EXPECT_TRUE(dec->Finish().ok());
  EXPECT_EQ(out.view(), in);
}

TEST_P(CodingTest, TruncatedIsDataLoss) {
  const Encoding e = GetParam();
  const std::string z = Encode(e, testing::JsonLike(5000));
  for (size_t keep : {size_t{0}, size_t{1}, z.size() / 2, z.size() - 1}) {
    absl::StatusOr<std::string> r = Decode(e, z.substr(0, keep));
    EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << keep;
  }
}

TEST_P(CodingTest, CorruptIsInvalidArgument) {
  const Encoding e = GetParam();
  std::string z = Encode(e, testing::JsonLike(5000));
  // Bytes that are no stream of the coding.
  EXPECT_EQ(Decode(e, std::string(64, '\xff')).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Flipped bytes in the middle: refused, never a different success (gzip
  // and zlib check a CRC or Adler-32; brotli and zstd their structure).
  int refused = 0;
  for (size_t i = z.size() / 4; i < z.size(); i += z.size() / 8) {
    std::string bad = z;
    bad[i] = static_cast<char>(bad[i] ^ 0x55);
    absl::StatusOr<std::string> r = Decode(e, bad);
    if (!r.ok()) {
      ++refused;
      EXPECT_TRUE(r.status().code() == absl::StatusCode::kInvalidArgument ||
                  r.status().code() == absl::StatusCode::kDataLoss)
          << r.status();
    } else {
      EXPECT_NE(*r, testing::JsonLike(5000))
          << "a flipped byte decoded to the original";
    }
  }
  if (e != Encoding::kZstd) {  // zstd frames carry no checksum by default
    EXPECT_GT(refused, 0);
  }
}

TEST_P(CodingTest, DecoderRefusesWorkAfterAFailure) {
  const Encoding e = GetParam();
  std::unique_ptr<Decoder> dec = std::move(Decoder::Create(e)).value();
  dec->Start();
  bytes::ByteBuffer out;
  EXPECT_FALSE(dec->Write(std::string(64, '\xff'), out).ok());
  EXPECT_EQ(dec->Write("x", out).code(), absl::StatusCode::kFailedPrecondition);
  // Start() makes it usable again.
  dec->Start();
  ASSERT_TRUE(dec->Write(Encode(e, "again"), out).ok());
  EXPECT_TRUE(dec->Finish().ok());
}

TEST_P(CodingTest, OutputLimitStopsInBoundedMemory) {
  const Encoding e = GetParam();
  const std::string zeros(8 << 20, '\0');
  const std::string z = Encode(e, zeros, 1);
  DecodeLimits limits;
  limits.max_output_bytes = 1 << 20;
  limits.max_ratio = 0;
  std::unique_ptr<Decoder> dec = std::move(Decoder::Create(e)).value();
  dec->Start(limits);
  bytes::ByteBuffer out;
  absl::Status s = dec->Write(z, out);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_EQ(out.size(), limits.max_output_bytes);
  // The buffer never held much more than the limit.
  EXPECT_LE(out.capacity(), 2 * limits.max_output_bytes + 128 * 1024);
}

TEST_P(CodingTest, NoLimitAtAll) {
  const Encoding e = GetParam();
  const std::string in = testing::JsonLike(300000);
  absl::StatusOr<std::string> back = Decode(
      e, Encode(e, in), {.max_output_bytes = UINT64_MAX, .max_ratio = 0});
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, in);
}

TEST_P(CodingTest, RatioLimitStopsABombEarly) {
  const Encoding e = GetParam();
  const std::string z = Encode(e, std::string(16 << 20, 'a'), 1);
  bytes::ByteBuffer out;
  absl::Status s = DecodeAll(e, z, out);  // default limits
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_LT(out.size(), size_t{2} << 20);  // stopped soon after 1 MiB
}

TEST_P(CodingTest, ReusedEncoderAllocatesNothing) {
  const Encoding e = GetParam();
  std::unique_ptr<Encoder> enc = std::move(Encoder::Create(e)).value();
  const std::string body = testing::JsonLike(64 * 1024);
  bytes::ByteBuffer out;
  for (int i = 0; i < 3; ++i) {  // warm
    out.Reset();
    ASSERT_TRUE(CompressAll(*enc, DefaultLevel(e), body, out).ok());
  }
  const uint64_t before = testing::ThreadAllocations();
  for (int i = 0; i < 20; ++i) {
    out.Reset();
    ASSERT_TRUE(CompressAll(*enc, DefaultLevel(e), body, out).ok());
  }
  EXPECT_EQ(testing::ThreadAllocations() - before, 0u)
      << Name(e) << ": allocations over 20 reused streams";
}

TEST_P(CodingTest, ReusedDecoderAllocatesNothing) {
  const Encoding e = GetParam();
  const std::string z = Encode(e, testing::JsonLike(64 * 1024));
  std::unique_ptr<Decoder> dec = std::move(Decoder::Create(e)).value();
  bytes::ByteBuffer out;
  auto once = [&] {
    out.Reset();
    dec->Start();
    ASSERT_TRUE(dec->Write(z, out).ok());
    ASSERT_TRUE(dec->Finish().ok());
  };
  for (int i = 0; i < 3; ++i) {
    once();
  }
  const uint64_t before = testing::ThreadAllocations();
  for (int i = 0; i < 20; ++i) {
    once();
  }
  EXPECT_EQ(testing::ThreadAllocations() - before, 0u)
      << Name(e) << ": allocations over 20 reused streams";
}

TEST(CompressTest, WriteToHandsOutBoundedSteps) {
  // 1 GiB of zeros in brotli is a few KiB: one Write would hold it all.
  auto enc = std::move(Encoder::Create(Encoding::kBrotli)).value();
  bytes::ByteBuffer bomb;
  ASSERT_TRUE(enc->Start(1).ok());
  const std::string zeros(1 << 20, '\0');
  for (int i = 0; i < 1024; ++i) {
    ASSERT_TRUE(enc->Write(zeros, false, bomb).ok());
  }
  ASSERT_TRUE(enc->Finish(bomb).ok());
  ASSERT_LT(bomb.size(), 1u << 20);  // a thousandth of what it decodes to
  auto dec = std::move(Decoder::Create(Encoding::kBrotli)).value();
  dec->Start({.max_output_bytes = UINT64_MAX, .max_ratio = 0});
  uint64_t total = 0;
  size_t largest = 0;
  ASSERT_TRUE(dec->WriteTo(bomb.view(),
                           [&](std::string_view step) {
                             total += step.size();
                             largest = std::max(largest, step.size());
                             return true;
                           })
                  .ok());
  EXPECT_TRUE(dec->Finish().ok());
  EXPECT_EQ(total, uint64_t{1} << 30);
  EXPECT_LE(largest, 64 * 1024u);
  // A sink that stops ends the stream with Cancelled.
  dec->Start({.max_output_bytes = UINT64_MAX, .max_ratio = 0});
  EXPECT_EQ(
      dec->WriteTo(bomb.view(), [](std::string_view) { return false; }).code(),
      absl::StatusCode::kCancelled);
}

TEST(CompressTest, GzipMembersAndZstdFramesFollowEachOther) {
  for (Encoding e : {Encoding::kGzip, Encoding::kZstd}) {
    const std::string two = Encode(e, "hello ") + Encode(e, "world");
    EXPECT_EQ(Decode(e, two).value(), "hello world") << Name(e);
  }
  // deflate and br end where their stream does.
  for (Encoding e : {Encoding::kDeflate, Encoding::kBrotli}) {
    const std::string two = Encode(e, "hello ") + "x";
    EXPECT_EQ(Decode(e, two).status().code(),
              absl::StatusCode::kInvalidArgument)
        << Name(e);
  }
}

TEST(CompressTest, DeflateAlsoReadsRawDeflate) {
  // Some old servers send raw deflate (no zlib wrapper) as "deflate".
  const std::string in = testing::JsonLike(3000);
  z_stream z{};
  ASSERT_EQ(deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string raw(deflateBound(&z, in.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(raw.data());
  z.avail_out = static_cast<uInt>(raw.size());
  ASSERT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  raw.resize(z.total_out);
  deflateEnd(&z);
  EXPECT_EQ(Decode(Encoding::kDeflate, raw).value(), in);
}

TEST(CompressTest, ZstdWindowOver8MiBIsRefused) {
  // A frame made with a 128 MiB window (long-distance mode, as `zstd
  // --long=27` does): decoding it would need that much memory.
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ASSERT_EQ(ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, 27)), 0u);
  // Streamed with no size known, so the frame keeps the window it states.
  const std::string in = Random(1 << 20);
  std::string z(ZSTD_compressBound(in.size()) + 1024, '\0');
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  ZSTD_outBuffer dst{z.data(), z.size(), 0};
  ASSERT_FALSE(
      ZSTD_isError(ZSTD_compressStream2(c, &dst, &src, ZSTD_e_continue)));
  size_t left = 1;
  while (left != 0) {
    left = ZSTD_compressStream2(c, &dst, &src, ZSTD_e_end);
    ASSERT_FALSE(ZSTD_isError(left));
  }
  ZSTD_freeCCtx(c);
  z.resize(dst.pos);
  EXPECT_EQ(Decode(Encoding::kZstd, z).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(CompressTest, ZstdBombOf10GiBStopsAtTheLimit) {
  // 160 frames of 64 MiB of zeros each: 10 GiB decoded from a few hundred
  // KiB. The output limit (ratio off) and then the default limits stop it.
  ZSTD_CCtx* c = ZSTD_createCCtx();
  const std::string zeros(64 << 20, '\0');
  std::string frame(ZSTD_compressBound(zeros.size()), '\0');
  const size_t n = ZSTD_compressCCtx(c, frame.data(), frame.size(),
                                     zeros.data(), zeros.size(), 1);
  ZSTD_freeCCtx(c);
  ASSERT_FALSE(ZSTD_isError(n));
  frame.resize(n);
  std::string bomb;
  for (int i = 0; i < 160; ++i) {
    bomb += frame;
  }
  DecodeLimits output_only;
  output_only.max_ratio = 0;
  bytes::ByteBuffer out;
  absl::Status s = DecodeAll(Encoding::kZstd, bomb, out, output_only);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_EQ(out.size(), output_only.max_output_bytes);
  out.Release();
  s = DecodeAll(Encoding::kZstd, bomb, out);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
  EXPECT_LT(out.size(), size_t{2} << 20);
}

TEST(CompressTest, NamesAndLevels) {
  for (Encoding e : kAll) {
    EXPECT_EQ(FromName(Name(e)), e);
    EXPECT_TRUE(CheckLevel(e, DefaultLevel(e)).ok());
  }
  EXPECT_EQ(FromName("GZIP"), Encoding::kGzip);
  EXPECT_EQ(FromName("x-gzip"), Encoding::kGzip);
  EXPECT_EQ(FromName("Br"), Encoding::kBrotli);
  EXPECT_EQ(FromName("compress"), std::nullopt);
  EXPECT_EQ(FromName(""), std::nullopt);
  EXPECT_FALSE(CheckLevel(Encoding::kGzip, 0).ok());
  EXPECT_FALSE(CheckLevel(Encoding::kGzip, 10).ok());
  EXPECT_FALSE(CheckLevel(Encoding::kBrotli, 12).ok());
  EXPECT_FALSE(CheckLevel(Encoding::kZstd, 20).ok());
  EXPECT_FALSE(CheckLevel(Encoding::kIdentity, 1).ok());
  EXPECT_FALSE(Encoder::Create(Encoding::kIdentity).ok());
  EXPECT_FALSE(Decoder::Create(Encoding::kIdentity).ok());
  std::unique_ptr<Encoder> enc =
      std::move(Encoder::Create(Encoding::kGzip)).value();
  EXPECT_EQ(enc->Start(42).code(), absl::StatusCode::kInvalidArgument);
}

TEST(CompressTest, EncoderPoolReusesEncoders) {
  EncoderPool pool;
  Encoder* first = nullptr;
  {
    absl::StatusOr<EncoderPool::Handle> h = pool.Acquire(Encoding::kZstd, 3);
    ASSERT_TRUE(h.ok());
    first = h->get();
    bytes::ByteBuffer out;
    ASSERT_TRUE((*h)->Write("abc", false, out).ok());
    ASSERT_TRUE((*h)->Finish(out).ok());
    EXPECT_EQ(Decode(Encoding::kZstd, out.view()).value(), "abc");
  }
  absl::StatusOr<EncoderPool::Handle> again = pool.Acquire(Encoding::kZstd, 5);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->get(), first);
  Encoder* raw = again->Detach();
  pool.Release(raw);
  EXPECT_FALSE(pool.Acquire(Encoding::kGzip, 11).ok());
  EXPECT_FALSE(pool.Acquire(Encoding::kIdentity, 1).ok());
}

TEST(CompressTest, CompressibleTypes) {
  for (std::string_view t :
       {"text/html", "text/plain; charset=utf-8", "TEXT/CSS",
        "application/json", "application/json;charset=utf-8",
        "application/problem+json", "application/atom+xml", "image/svg+xml",
        "application/javascript", " application/wasm "}) {
    EXPECT_TRUE(Compressible(t)) << t;
  }
  for (std::string_view t :
       {"", "text", "text/", "image/png", "application/octet-stream",
        "application/zip", "font/woff2", "video/mp4", "application/jsonx",
        "+json", "/json", "application/+json"}) {
    EXPECT_FALSE(Compressible(t)) << t;
  }
  const std::vector<std::string> only_csv = {"text/csv"};
  EXPECT_TRUE(Compressible("text/csv", only_csv));
  EXPECT_FALSE(Compressible("text/html", only_csv));
}

struct AcceptCase {
  std::vector<std::string> lines;
  Encoding want;
};

TEST(AcceptEncodingTest, ChoosesAsRfc9110Says) {
  const Encoding pref[] = {Encoding::kZstd, Encoding::kBrotli, Encoding::kGzip};
  const std::vector<AcceptCase> cases = {
      {{}, Encoding::kIdentity},    // no field
      {{""}, Encoding::kIdentity},  // empty: identity only
      {{"gzip"}, Encoding::kGzip},
      {{"gzip, deflate, br, zstd"}, Encoding::kZstd},  // server order on ties
      {{"gzip, deflate, br"}, Encoding::kBrotli},
      {{"GZip;Q=1.0"}, Encoding::kGzip},
      {{"br;q=0.5, gzip"}, Encoding::kGzip},  // client weight first
      {{"br;q=0.5, gzip;q=0.4"}, Encoding::kBrotli},
      {{"*"}, Encoding::kZstd},
      {{"*;q=0.1, zstd;q=0"}, Encoding::kBrotli},
      {{"zstd;q=0, br;q=0, gzip;q=0"}, Encoding::kIdentity},
      {{"gzip;q=0.000"}, Encoding::kIdentity},
      {{"gzip;q=0.001"}, Encoding::kGzip},
      {{"gzip;q=2"}, Encoding::kIdentity},       // malformed: 0
      {{"gzip;q=0.5000"}, Encoding::kIdentity},  // malformed: 0
      {{"gzip;q=abc"}, Encoding::kIdentity},
      {{"gzip;q=1", "gzip;q=0"}, Encoding::kIdentity},  // a refusal stays
      {{"br", "gzip"}, Encoding::kBrotli},              // lines add up
      {{"identity;q=1, gzip;q=0.5"}, Encoding::kIdentity},
      {{"identity;q=0, gzip;q=0.5"}, Encoding::kGzip},
      {{"compress, x-gzip"}, Encoding::kGzip},
      {{" , ,gzip , "}, Encoding::kGzip},
      {{"deflate"}, Encoding::kIdentity},         // not in this preference
      {{"zstd;q=0;q=1, gzip"}, Encoding::kGzip},  // the lowest q counts
  };
  for (const AcceptCase& c : cases) {
    AcceptEncoding a;
    std::string joined;
    for (const std::string& l : c.lines) {
      a.AddLine(l);
      joined += "[" + l + "]";
    }
    EXPECT_EQ(a.Choose(pref), c.want) << joined;
  }
}

TEST(AcceptEncodingTest, Weights) {
  AcceptEncoding none;
  EXPECT_EQ(none.Weight(Encoding::kIdentity), 1000);
  EXPECT_EQ(none.Weight(Encoding::kGzip), 0);
  AcceptEncoding a;
  a.AddLine("gzip;q=0.3, *;q=0.2");
  EXPECT_TRUE(a.present());
  EXPECT_EQ(a.Weight(Encoding::kGzip), 300);
  EXPECT_EQ(a.Weight(Encoding::kBrotli), 200);
  EXPECT_EQ(a.Weight(Encoding::kIdentity), 1000);
  AcceptEncoding star_zero;
  star_zero.AddLine("*;q=0");
  EXPECT_EQ(star_zero.Weight(Encoding::kIdentity), 0);
}

}  // namespace
}  // namespace brisk::compress
