#include "http/multipart.h"

#include <ostream>
#include <string>
#include <tuple>
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

TEST(MultipartTest, PaddingAfterABoundaryIsNotBuffered) {
  const std::string body = "--b" + std::string(1 << 20, ' ') +
                           "\r\nContent-Disposition: form-data; "
                           "name=\"f\"\r\n\r\nd\r\n--b--";
  MultipartReader r("b");
  Collector c;
  std::string pending;
  for (size_t i = 0; i < body.size(); i += 65536) {
    pending += body.substr(i, 65536);
    DecodeResult d = r.Feed(pending, c);
    ASSERT_FALSE(d.failed());
    pending.erase(0, d.consumed);
    EXPECT_LT(pending.size(), 65536u + 16);
  }
  ASSERT_TRUE(r.done());
  ASSERT_EQ(c.parts.size(), 1u);
  EXPECT_EQ(c.parts[0].data, "d");
  // Padding ends with CRLF; "--" after padding is no closing boundary.
  MultipartReader r2("b");
  EXPECT_TRUE(r2.Feed("--b  --\r\n", c).failed());
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

// Everything the handler saw and how the parse ended, to compare runs.
struct Outcome {
  struct Seen {
    std::string name, filename, type, fields, data;
    bool ended = false;
    bool operator==(const Seen& o) const {
      return std::tie(name, filename, type, fields, data, ended) ==
             std::tie(o.name, o.filename, o.type, o.fields, o.data, o.ended);
    }
  };
  std::vector<Seen> parts;
  ParseStatus status = ParseStatus::kIncomplete;
  ParseError error = ParseError::kNone;
  bool done = false;
  bool operator==(const Outcome& o) const {
    return parts == o.parts && status == o.status && error == o.error &&
           done == o.done;
  }
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  os << "status=" << static_cast<int>(o.status)
     << " error=" << static_cast<int>(o.error) << " done=" << o.done;
  for (const Outcome::Seen& p : o.parts) {
    os << " [name=" << p.name << " filename=" << p.filename
       << " type=" << p.type << " fields={" << p.fields << "} data={" << p.data
       << "} ended=" << p.ended << "]";
  }
  return os;
}

class Recorder : public MultipartHandler {
 public:
  bool OnPartBegin(const MultipartPart& p) override {
    Outcome::Seen s{std::string(p.name),
                    std::string(p.filename),
                    std::string(p.content_type),
                    "",
                    "",
                    false};
    for (size_t i = 0; i < p.fields.size(); ++i) {
      s.fields += std::string(p.fields[i].name) + ": " +
                  std::string(p.fields[i].value) + "\n";
    }
    parts.push_back(std::move(s));
    return true;
  }
  bool OnPartData(std::string_view d) override {
    parts.back().data += d;
    return true;
  }
  bool OnPartEnd() override {
    parts.back().ended = true;
    return true;
  }
  std::vector<Outcome::Seen> parts;
};

// Feeds `body` in the pieces that end at `cuts` (and at its end) the way a
// caller does: unconsumed bytes are kept and fed again with the next piece.
Outcome FeedInPieces(std::string_view boundary, const MultipartLimits& limits,
                     std::string_view body, const std::vector<size_t>& cuts) {
  MultipartReader reader(boundary, limits);
  Recorder rec;
  std::string pending;
  DecodeResult d{};
  size_t from = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(body.size());
  for (size_t end : ends) {
    pending.append(body.substr(from, end - from));
    from = end;
    d = reader.Feed(pending, rec);
    if (d.failed()) {
      break;
    }
    pending.erase(0, d.consumed);
  }
  return Outcome{rec.parts, d.status, d.error, reader.done()};
}

struct SplitCase {
  std::string body;
  MultipartLimits limits;
};

TEST(MultipartTest, SameResultHoweverTheInputIsSplit) {
  const std::string disp = "Content-Disposition: form-data; name=\"f\"";
  // The header block of this part is exactly 64 bytes.
  const std::string h64 = disp + "\r\nX-Pad: " + std::string(15, 'p');
  ASSERT_EQ(h64.size(), 64u);
  const std::vector<SplitCase> cases = {
      {kBody, {}},
      // The first boundary at offset 0; boundary-like text in the data.
      {"--XyZ\r\n" + disp +
           "; filename=\"x.bin\"\r\nContent-Type: a/b\r\n\r\n"
           "--XyZ-\r\n--Xy\r\n-\r\r\n\r\n--XyZ \t\r\n" +
           disp + "\r\n\r\n\r\n--XyZ--",
       {}},
      // Boundaries in the preamble that do not start a line are text.
      {"preamble--XyZ\r\n" + disp + "\r\n\r\nnot a part\r\n--XyZ--", {}},
      {"p--XyZ\r\nmore--XyZ\r\n\r\n--XyZ\r\n" + disp +
           "\r\n\r\nthe part\r\n--XyZ--\r\n",
       {}},
      // A preamble that starts like the boundary but is not it.
      {"--Xy\r\n--XyZ\r\n" + disp + "\r\n\r\nd\r\n--XyZ--", {}},
      {"--XyZZ\r\n" + disp + "\r\n\r\nd\r\n--XyZ--", {}},
      // An empty preamble line; a part without fields; closed at once.
      {"\r\n--XyZ\r\n\r\nno fields\r\n--XyZ--", {}},
      {"--XyZ--\r\nepilogue", {}},
      // Malformed: junk after a boundary, a bad field, no closing boundary.
      {"--XyZjunk\r\n" + disp + "\r\n\r\nd\r\n--XyZ--", {}},
      {"--XyZ\r\n" + disp + "\r\n\r\nd\r\n--XyZ\r\nBad Name: x\r\n\r\n", {}},
      {"--XyZ\r\n" + disp + "\r\n\r\nunfinished data\r\n--Xy", {}},
      {"only a preamble\r\n--X", {}},
      // A header block of exactly the limit, and one byte over it.
      {"--XyZ\r\n" + h64 + "\r\n\r\nd\r\n--XyZ--",
       {.max_part_header_bytes = 64}},
      {"--XyZ\r\n" + h64 + "p\r\n\r\nd\r\n--XyZ--",
       {.max_part_header_bytes = 64}},
      // Quoted parameters with escapes and separators inside.
      {"--XyZ\r\nContent-Disposition: form-data; name=\"a\\\"; filename=x\"; "
       "filename=\"q\\\\\\\"b.txt\"\r\n\r\nd\r\n--XyZ--",
       {}},
  };
  for (size_t c = 0; c < cases.size(); ++c) {
    const SplitCase& sc = cases[c];
    SCOPED_TRACE(::testing::Message() << "case " << c << ": " << sc.body);
    const Outcome whole = FeedInPieces("XyZ", sc.limits, sc.body, {});
    for (size_t cut = 0; cut <= sc.body.size(); ++cut) {
      ASSERT_EQ(FeedInPieces("XyZ", sc.limits, sc.body, {cut}), whole)
          << "cut " << cut;
    }
    std::vector<size_t> every;
    for (size_t i = 1; i < sc.body.size(); ++i) {
      every.push_back(i);
    }
    ASSERT_EQ(FeedInPieces("XyZ", sc.limits, sc.body, every), whole)
        << "byte by byte";
  }
}

TEST(MultipartTest, BoundaryOnlyOpensTheBodyOrALine) {
  const std::string body =
      "preamble--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n"
      "not a part\r\n--XyZ--";
  for (size_t cut = 0; cut <= body.size(); ++cut) {
    Outcome o = FeedInPieces("XyZ", {}, body, {cut});
    EXPECT_TRUE(o.done) << cut;
    EXPECT_TRUE(o.parts.empty()) << cut << ": " << o;
  }
}

TEST(MultipartTest, QuotedParametersHonourBackslashEscapes) {
  MultipartReader r("b");
  Recorder rec;
  DecodeResult d = r.Feed(
      "--b\r\nContent-Disposition: form-data; name=\"a\\\"; filename=x\"; "
      "filename=\"a\\\"b\\\\.txt\"\r\n\r\nd\r\n--b--",
      rec);
  ASSERT_TRUE(d.done());
  ASSERT_EQ(rec.parts.size(), 1u);
  EXPECT_EQ(rec.parts[0].name, "a\"; filename=x");
  EXPECT_EQ(rec.parts[0].filename, "a\"b\\.txt");
  // An unterminated quoted string is no value.
  MultipartReader r2("b");
  Recorder rec2;
  ASSERT_TRUE(r2.Feed("--b\r\nContent-Disposition: form-data; name=\"f\"; "
                      "filename=\"a\\\"\r\n\r\nd\r\n--b--",
                      rec2)
                  .done());
  ASSERT_EQ(rec2.parts.size(), 1u);
  EXPECT_EQ(rec2.parts[0].name, "f");
  EXPECT_EQ(rec2.parts[0].filename, "");
  // Boundary characters never need an escape (RFC 2046 bchars).
  EXPECT_EQ(
      MultipartReader::BoundaryOf("multipart/form-data; boundary=\"a\\\"b\""),
      "");
}

TEST(MultipartTest, HandlerCanStopOnQuota) {
  MultipartReader r("XyZ");
  Collector c;
  c.quota = 3;
  EXPECT_TRUE(r.Feed(kBody, c).failed());
}

}  // namespace
}  // namespace brisk::http
