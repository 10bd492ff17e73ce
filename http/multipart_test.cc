#include "http/multipart.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace brisk::http {
namespace {

struct Part {
  std::string name, filename, type, data;
  bool ended = false;
};

class Collector : public MultipartHandler {
 public:
  bool OnPartBegin(const MultipartPart& p) override {
    parts.push_back({std::string(p.name), std::string(p.filename),
                     std::string(p.content_type), "", false});
    return true;
  }
  bool OnPartData(std::string_view d) override {
    parts.back().data += d;
    data_calls++;
    return quota < 0 || parts.back().data.size() <= static_cast<size_t>(quota);
  }
  bool OnPartEnd() override {
    parts.back().ended = true;
    return true;
  }
  std::vector<Part> parts;
  int data_calls = 0;
  long quota = -1;
};

const std::string kBody =
    "preamble\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"title\"\r\n"
    "\r\n"
    "hello\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"a;b.txt\"\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "line1\r\n--X not a boundary\r\nline3\r\n"
    "--XyZ--\r\n"
    "epilogue";

TEST(MultipartTest, BoundaryOf) {
  EXPECT_EQ(MultipartReader::BoundaryOf("multipart/form-data; boundary=XyZ"),
            "XyZ");
  EXPECT_EQ(MultipartReader::BoundaryOf(
                "Multipart/Form-Data; charset=x; boundary=\"a b\""),
            "a b");
  EXPECT_EQ(MultipartReader::BoundaryOf("text/plain; boundary=x"), "");
  EXPECT_EQ(MultipartReader::BoundaryOf("multipart/form-data"), "");
}

TEST(MultipartTest, ParsesWhole) {
  MultipartReader r("XyZ");
  Collector c;
  DecodeResult d = r.Feed(kBody, c);
  ASSERT_TRUE(d.done());
  ASSERT_EQ(c.parts.size(), 2u);
  EXPECT_EQ(c.parts[0].name, "title");
  EXPECT_EQ(c.parts[0].data, "hello");
  EXPECT_TRUE(c.parts[0].ended);
  EXPECT_EQ(c.parts[1].name, "file");
  EXPECT_EQ(c.parts[1].filename, "a;b.txt");
  EXPECT_EQ(c.parts[1].type, "text/plain");
  EXPECT_EQ(c.parts[1].data, "line1\r\n--X not a boundary\r\nline3");
}

TEST(MultipartTest, StreamsInEveryChunkSize) {
  for (size_t chunk : {1u, 2u, 3u, 7u, 16u, 64u}) {
    MultipartReader r("XyZ");
    Collector c;
    std::string pending;
    DecodeResult d;
    for (size_t i = 0; i < kBody.size(); i += chunk) {
      pending += kBody.substr(i, chunk);
      d = r.Feed(pending, c);
      ASSERT_FALSE(d.failed()) << chunk;
      pending.erase(0, d.consumed);
    }
    ASSERT_TRUE(r.done()) << chunk;
    ASSERT_EQ(c.parts.size(), 2u);
    EXPECT_EQ(c.parts[1].data, "line1\r\n--X not a boundary\r\nline3") << chunk;
  }
}

TEST(MultipartTest, LargeFileArrivesInPiecesNotWhole) {
  std::string big(1 << 20, 'z');
  std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"f\"; "
      "filename=\"big\"\r\n\r\n" +
      big + "\r\n--b--\r\n";
  MultipartReader r("b");
  Collector c;
  std::string pending;
  for (size_t i = 0; i < body.size(); i += 65536) {
    pending += body.substr(i, 65536);
    DecodeResult d = r.Feed(pending, c);
    ASSERT_FALSE(d.failed());
    pending.erase(0, d.consumed);
    EXPECT_LT(pending.size(), 65536u + 16);  // never buffers the file
  }
  ASSERT_TRUE(r.done());
  EXPECT_EQ(c.parts[0].data.size(), big.size());
  EXPECT_GT(c.data_calls, 10);
}

TEST(MultipartTest, RejectsMalformed) {
  Collector c;
  for (std::string body : {
           std::string("--b\r\nNo-Colon\r\n\r\nx\r\n--b--"),
           std::string(
               "--b\r\nContent-Disposition: attachment\r\n\r\nx\r\n--b--"),
           std::string("--bjunk\r\n"),
           std::string("--b\r\nContent-Disposition: form-data; name=a\r\nX: "
                       "\x01\r\n\r\n"),
       }) {
    MultipartReader r("b");
    EXPECT_TRUE(r.Feed(body, c).failed()) << body;
  }
  MultipartReader limited("b", {.max_part_header_bytes = 32});
  EXPECT_TRUE(limited
                  .Feed("--b\r\nContent-Disposition: form-data; name=\"" +
                            std::string(100, 'n') + "\"\r\n\r\n",
                        c)
                  .failed());
}

TEST(MultipartTest, HandlerCanStopOnQuota) {
  MultipartReader r("XyZ");
  Collector c;
  c.quota = 3;
  EXPECT_TRUE(r.Feed(kBody, c).failed());
}

}  // namespace
}  // namespace brisk::http
