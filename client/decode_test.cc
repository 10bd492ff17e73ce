// DecodeBody (client/decode.h): stacked codings, unknown ones, limits, and
// nothing to do. Through real connections: e2e/compress_test.cc.

#include "client/decode.h"

#include <string>

#include "gtest/gtest.h"

#include "bytes/byte_buffer.h"
#include "compress/compress.h"
#include "http/message.h"

namespace brisk::client {
namespace {

TEST(DecodeBodyTest, StackedUnknownAndLimits) {
  auto encode = [](compress::Encoding e, std::string_view in) {
    auto enc = std::move(compress::Encoder::Create(e)).value();
    bytes::ByteBuffer out;
    EXPECT_TRUE(
        compress::CompressAll(*enc, compress::DefaultLevel(e), in, out).ok());
    return std::string(out.view());
  };
  http::Response resp;
  // gzip, then br on top: undone br first.
  resp.header().Set("Content-Encoding", "gzip");
  resp.header().Add("Content-Encoding", "br");
  resp.SetBody(encode(compress::Encoding::kBrotli,
                      encode(compress::Encoding::kGzip, "twice")));
  ASSERT_TRUE(DecodeBody(resp).ok());
  EXPECT_EQ(resp.body(), "twice");
  EXPECT_FALSE(resp.header().fields().Has("Content-Encoding"));
  // Unknown: refused, the response untouched.
  resp.Reset();
  resp.header().Set("Content-Encoding", "compress");
  resp.SetBody("xyz");
  EXPECT_EQ(DecodeBody(resp).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(resp.body(), "xyz");
  EXPECT_EQ(resp.header().Peek("Content-Encoding"), "compress");
  // Over the limit.
  resp.Reset();
  resp.header().Set("Content-Encoding", "gzip");
  const std::string z =
      encode(compress::Encoding::kGzip, std::string(100000, 'a'));
  resp.SetBody(z);
  compress::DecodeLimits small;
  small.max_output_bytes = 1000;
  EXPECT_EQ(DecodeBody(resp, small).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(resp.body(), z);
  // identity, or nothing: nothing to do.
  resp.Reset();
  resp.header().Set("Content-Encoding", "identity");
  resp.SetBody("as is");
  EXPECT_TRUE(DecodeBody(resp).ok());
  EXPECT_EQ(resp.body(), "as is");
}

}  // namespace
}  // namespace brisk::client
