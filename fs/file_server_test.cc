#include "fs/file_server.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "bytes/byte_buffer.h"
#include "compress/compress.h"
#include "server/server_test_util.h"
#include "testing/raw_conn.h"

namespace brisk::fs {
namespace {

using server::Get;
using server::Reply;
using server::TestServer;

void Write(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

// Sets the modification time of `path` to `t` (seconds since the epoch).
void SetMtime(const std::string& path, time_t t) {
  struct timespec times[2] = {{t, 0}, {t, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
}

std::string Gunzip(const std::string& in) {
  z_stream z{};
  inflateInit2(&z, 15 + 16);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  inflate(&z, Z_FINISH);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

class FsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    base_ = absl::StrCat(tmp ? tmp : "/tmp", "/fs_test_", ::getpid());
    root_ = base_ + "/root";
    ::mkdir(base_.c_str(), 0755);
    ::mkdir(root_.c_str(), 0755);
    ::mkdir((root_ + "/sub").c_str(), 0755);
    Write(root_ + "/index.html", "<h1>home</h1>");
    text_ = std::string(2000, 'a') + "the end";
    Write(root_ + "/a.txt", text_);
    big_.resize(3 << 20);
    for (size_t i = 0; i < big_.size(); ++i) {
      big_[i] = static_cast<char>('A' + (i * 7) % 26);
    }
    Write(root_ + "/big.bin", big_);
    Write(root_ + "/sub/we<ird>&name.txt", "odd");
    Write(base_ + "/secret", "TOP SECRET");
    ASSERT_EQ(
        ::symlink((root_ + "/a.txt").c_str(), (root_ + "/link-in.txt").c_str()),
        0);
    ASSERT_EQ(
        ::symlink((base_ + "/secret").c_str(), (root_ + "/link-out").c_str()),
        0);
    ASSERT_EQ(::symlink(base_.c_str(), (root_ + "/dir-out").c_str()), 0);
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + base_ + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }

  std::unique_ptr<TestServer> Serve(FsOptions o = {}) {
    o.root = root_;
    auto fs = FileServer::Create(o);
    EXPECT_TRUE(fs.ok()) << fs.status();
    fs_ = std::move(*fs);
    FileServer* f = fs_.get();
    return std::make_unique<TestServer>(
        server::ServerOptions{},
        [f](server::RequestCtx& ctx) { f->Handle(ctx); });
  }

  std::string base_, root_, text_, big_;
  std::unique_ptr<FileServer> fs_;
};

TEST_F(FsTest, ServesIndexFilesAndTypes) {
  auto ts = Serve();
  Reply r = server::RoundTrip(ts->port(), Get("/"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "<h1>home</h1>");
  EXPECT_EQ(r.Header("Content-Type"), "text/html; charset=utf-8");
  r = server::RoundTrip(ts->port(), Get("/a.txt"));
  EXPECT_EQ(r.body, text_);
  EXPECT_EQ(r.Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.Header("Accept-Ranges"), "bytes");
  EXPECT_FALSE(r.Header("ETag").empty());
  EXPECT_EQ(r.Header("Last-Modified").size(), 29u);
  EXPECT_EQ(server::RoundTrip(ts->port(), Get("/missing")).status, 404);
  EXPECT_EQ(server::RoundTrip(ts->port(), Get("/link-in.txt")).body, text_);
  r = server::RoundTrip(ts->port(),
                        "POST /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: "
                        "0\r\n\r\n");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("Allow"), "GET, HEAD");
  EXPECT_EQ(ContentTypeFor("x/y.JS"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("noext"), "application/octet-stream");
}

TEST_F(FsTest, HeadHasLengthWithoutBody) {
  auto ts = Serve();
  testing::RawConn c = ts->Connect();
  ASSERT_TRUE(
      c.Send("HEAD /a.txt HTTP/1.1\r\nHost: t\r\n\r\n"
             "HEAD /big.bin HTTP/1.1\r\nHost: t\r\n\r\n" +
             Get("/index.html")));
  Reply a = server::ReadReply(c, true);
  EXPECT_EQ(a.Header("Content-Length"), std::to_string(text_.size()));
  EXPECT_EQ(a.body, "");
  Reply big = server::ReadReply(c, true);
  EXPECT_EQ(big.Header("Content-Length"), std::to_string(big_.size()));
  EXPECT_EQ(server::ReadReply(c).body, "<h1>home</h1>");
}

TEST_F(FsTest, ConditionalRequestsGet304) {
  auto ts = Serve();
  Reply r = server::RoundTrip(ts->port(), Get("/a.txt"));
  std::string etag = r.Header("ETag");
  std::string lm = r.Header("Last-Modified");
  Reply c1 = server::RoundTrip(
      ts->port(), Get("/a.txt", "If-None-Match: \"x\", " + etag + "\r\n"));
  EXPECT_EQ(c1.status, 304);
  EXPECT_EQ(c1.body, "");
  EXPECT_EQ(server::RoundTrip(
                ts->port(), Get("/a.txt", "If-None-Match: W/" + etag + "\r\n"))
                .status,
            304);
  EXPECT_EQ(server::RoundTrip(
                ts->port(), Get("/a.txt", "If-Modified-Since: " + lm + "\r\n"))
                .status,
            304);
  EXPECT_EQ(server::RoundTrip(ts->port(),
                              Get("/a.txt", "If-None-Match: \"other\"\r\n"))
                .status,
            200);
  EXPECT_EQ(
      server::RoundTrip(
          ts->port(),
          Get("/a.txt", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"))
          .status,
      200);
}

TEST_F(FsTest, ByteRanges) {
  auto ts = Serve();
  const std::string size = std::to_string(text_.size());
  Reply r =
      server::RoundTrip(ts->port(), Get("/a.txt", "Range: bytes=0-4\r\n"));
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "aaaaa");
  EXPECT_EQ(r.Header("Content-Range"), "bytes 0-4/" + size);
  r = server::RoundTrip(ts->port(), Get("/a.txt", "Range: bytes=-7\r\n"));
  EXPECT_EQ(r.body, "the end");
  r = server::RoundTrip(ts->port(), Get("/a.txt", "Range: bytes=2000-\r\n"));
  EXPECT_EQ(r.body, "the end");
  r = server::RoundTrip(ts->port(), Get("/a.txt", "Range: bytes=99999-\r\n"));
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(r.Header("Content-Range"), "bytes */" + size);
  r = server::RoundTrip(ts->port(), Get("/a.txt", "Range: bytes=0-1,5-6\r\n"));
  EXPECT_EQ(r.status, 200);  // several ranges: the whole file
  EXPECT_EQ(r.body, text_);
  // A range of a streamed file.
  r = server::RoundTrip(ts->port(),
                        Get("/big.bin", "Range: bytes=1000000-1000009\r\n"));
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, big_.substr(1000000, 10));
}

TEST_F(FsTest, InvalidRangesGetTheWholeFileAndUnsatisfiableOnes416) {
  auto ts = Serve();
  for (const std::string& path :
       {std::string("/a.txt"), std::string("/big.bin")}) {
    const std::string& file = path == "/a.txt" ? text_ : big_;
    const std::string etag =
        server::RoundTrip(ts->port(), Get(path)).Header("ETag");
    // Syntactically invalid: ignored, so 200 with the whole file.
    for (const char* range :
         {"bytes=1-0", "bytes=2-x", "bytes=399990-0", "bytes=x-5", "bytes=-x",
          "bytes=--5", "bytes=1-2-3", "bytes=5", "bytes=", "bytes=-",
          "bytes=+1-2", "bytes=1 -2", "items=0-4", "bytes 0-4"}) {
      SCOPED_TRACE(path + " " + range);
      Reply r = server::RoundTrip(
          ts->port(), Get(path, absl::StrCat("Range: ", range, "\r\n")));
      EXPECT_EQ(r.status, 200);
      EXPECT_TRUE(r.body == file) << r.body.size();
      EXPECT_EQ(r.Header("ETag"), etag);
      EXPECT_FALSE(r.Has("Content-Range"));
    }
    // Valid but unsatisfiable: 416 with the size and no part of the file.
    const std::string size = std::to_string(file.size());
    for (const std::string& range :
         {"bytes=" + size + "-", "bytes=" + size + "-" + size + "0",
          std::string("bytes=-0"), std::string("bytes=99999999-"),
          std::string("bytes=123456789012345678901234567890-")}) {
      SCOPED_TRACE(path + " " + range);
      Reply r =
          server::RoundTrip(ts->port(), Get(path, "Range: " + range + "\r\n"));
      EXPECT_EQ(r.status, 416);
      EXPECT_EQ(r.Header("Content-Range"), "bytes */" + size);
      EXPECT_EQ(r.body.find(file.substr(0, 16)), std::string::npos);
    }
    // A last position past the end (even past 2^64) is the end; the unit is
    // case-insensitive.
    Reply r = server::RoundTrip(
        ts->port(),
        Get(path, "Range: Bytes=3-123456789012345678901234567890\r\n"));
    EXPECT_EQ(r.status, 206);
    EXPECT_EQ(r.Header("Content-Range"),
              absl::StrCat("bytes 3-", file.size() - 1, "/", size));
    EXPECT_TRUE(r.body == file.substr(3));
  }
}

TEST_F(FsTest, RangeIsOnlyForGet) {
  auto ts = Serve();
  testing::RawConn c = ts->Connect();
  ASSERT_TRUE(
      c.Send("HEAD /a.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=0-4\r\n\r\n"));
  Reply r = server::ReadReply(c, true);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Length"), std::to_string(text_.size()));
  EXPECT_FALSE(r.Has("Content-Range"));
}

TEST_F(FsTest, IfRangeSendsThePartOnlyForTheSameRepresentation) {
  Write(root_ + "/old.txt", text_);
  SetMtime(root_ + "/old.txt", 1'600'000'000);  // long ago: a strong date
  Write(root_ + "/future.txt", text_);
  SetMtime(root_ + "/future.txt", ::time(nullptr) + 3600);  // not strong
  auto ts = Serve();
  auto get = [&](const std::string& path, const std::string& if_range) {
    return server::RoundTrip(ts->port(),
                             Get(path,
                                 "Range: bytes=0-4\r\nAccept-Encoding: gzip\r\n"
                                 "If-Range: " +
                                     if_range + "\r\n"));
  };
  Reply full = server::RoundTrip(ts->port(), Get("/old.txt"));
  const std::string etag = full.Header("ETag");
  const std::string lm = full.Header("Last-Modified");
  EXPECT_EQ(lm, "Sun, 13 Sep 2020 12:26:40 GMT");
  Reply r = get("/old.txt", etag);
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "aaaaa");
  r = get("/old.txt", lm);
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "aaaaa");
  // No match: the Range is ignored and the whole file is sent (here gzip,
  // as the client accepts it).
  for (const std::string& other :
       {std::string("\"other\""), "W/" + etag, std::string("*"),
        std::string("Sun, 13 Sep 2020 12:26:39 GMT"),
        std::string("Sun, 13 Sep 2020 12:26:41 GMT"), std::string("junk"),
        etag.substr(0, etag.size() - 1), etag + ", " + etag}) {
    SCOPED_TRACE(other);
    r = get("/old.txt", other);
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(r.Has("Content-Range"));
    EXPECT_TRUE(Gunzip(r.body) == text_);
  }
  // A date is only trusted when the file did not change in the last second.
  Reply future = server::RoundTrip(ts->port(), Get("/future.txt"));
  r = get("/future.txt", future.Header("Last-Modified"));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Gunzip(r.body) == text_);
  r = get("/future.txt", future.Header("ETag"));
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "aaaaa");
  // Without Range, If-Range does nothing.
  r = server::RoundTrip(ts->port(), Get("/old.txt", "If-Range: \"x\"\r\n"));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body == text_);
}

TEST_F(FsTest, GzipHasItsOwnEtag) {
  auto ts = Serve();
  const std::string gzip = "Accept-Encoding: gzip\r\n";
  Reply plain = server::RoundTrip(ts->port(), Get("/a.txt"));
  Reply gz = server::RoundTrip(ts->port(), Get("/a.txt", gzip));
  const std::string etag = plain.Header("ETag");
  const std::string gz_etag = gz.Header("ETag");
  ASSERT_EQ(gz.Header("Content-Encoding"), "gzip");
  EXPECT_EQ(gz_etag, etag.substr(0, etag.size() - 1) + "-gzip\"");
  // Each validator matches its own representation only.
  Reply r = server::RoundTrip(
      ts->port(), Get("/a.txt", gzip + "If-None-Match: " + gz_etag + "\r\n"));
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(r.Header("ETag"), gz_etag);
  r = server::RoundTrip(
      ts->port(), Get("/a.txt", gzip + "If-None-Match: " + etag + "\r\n"));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Gunzip(r.body) == text_);
  r = server::RoundTrip(ts->port(),
                        Get("/a.txt", "If-None-Match: " + gz_etag + "\r\n"));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body == text_);
  EXPECT_EQ(r.Header("ETag"), etag);
  r = server::RoundTrip(ts->port(),
                        Get("/a.txt", "If-None-Match: " + etag + "\r\n"));
  EXPECT_EQ(r.status, 304);
  // Ranges are of the identity representation.
  r = server::RoundTrip(ts->port(),
                        Get("/a.txt", gzip + "Range: bytes=0-4\r\nIf-Range: " +
                                          gz_etag + "\r\n"));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Gunzip(r.body) == text_);
}

TEST_F(FsTest, ListFieldsCountOnEveryLine) {
  auto ts = Serve();
  const std::string etag =
      server::RoundTrip(ts->port(), Get("/a.txt")).Header("ETag");
  Reply r = server::RoundTrip(
      ts->port(),
      Get("/a.txt", "If-None-Match: \"x\"\r\nIf-None-Match: " + etag + "\r\n"));
  EXPECT_EQ(r.status, 304);
  r = server::RoundTrip(
      ts->port(),
      Get("/a.txt", "Accept-Encoding: deflate\r\nAccept-Encoding: gzip\r\n"));
  EXPECT_EQ(r.Header("Content-Encoding"), "gzip");
  // gzip;q=0 is a refusal that "*" does not override, on any line ("*"
  // takes the others).
  r = server::RoundTrip(
      ts->port(),
      Get("/a.txt", "Accept-Encoding: gzip;q=0\r\nAccept-Encoding: *\r\n"));
  EXPECT_EQ(r.Header("Content-Encoding"), "zstd");
  r = server::RoundTrip(ts->port(),
                        Get("/a.txt",
                            "Accept-Encoding: gzip;q=0\r\n"
                            "Accept-Encoding: gzip, zstd;q=0, *;q=0\r\n"));
  EXPECT_FALSE(r.Has("Content-Encoding"));
  EXPECT_TRUE(r.body == text_);
  r = server::RoundTrip(ts->port(), Get("/a.txt", "Accept-Encoding: *\r\n"));
  EXPECT_EQ(r.Header("Content-Encoding"), "zstd");  // the server's first
  for (const char* refusal :
       {"*;q=0, gzip;q=0", "gzip;level=1;q=0", "gzip; Q=0.0"}) {
    r = server::RoundTrip(
        ts->port(),
        Get("/a.txt", absl::StrCat("Accept-Encoding: ", refusal, "\r\n")));
    EXPECT_FALSE(r.Has("Content-Encoding")) << refusal;
  }
  r = server::RoundTrip(ts->port(),
                        Get("/a.txt", "Accept-Encoding: x-gzip\r\n"));
  EXPECT_EQ(r.Header("Content-Encoding"), "gzip");
  // Range, If-Range and If-Modified-Since are not lists: on two lines they
  // are invalid and ignored, which never yields a part or a 304.
  r = server::RoundTrip(
      ts->port(), Get("/a.txt", "Range: bytes=0-4\r\nRange: bytes=5-9\r\n"));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body == text_);
  r = server::RoundTrip(ts->port(),
                        Get("/a.txt", "Range: bytes=0-4\r\nIf-Range: " + etag +
                                          "\r\nIf-Range: " + etag + "\r\n"));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body == text_);
  r = server::RoundTrip(
      ts->port(),
      Get("/a.txt", "Range: bytes=0-4\r\nIf-Range: " + etag + "\r\n"));
  EXPECT_EQ(r.status, 206);
  const std::string lm =
      server::RoundTrip(ts->port(), Get("/a.txt")).Header("Last-Modified");
  r = server::RoundTrip(
      ts->port(), Get("/a.txt", "If-Modified-Since: " + lm +
                                    "\r\nIf-Modified-Since: " + lm + "\r\n"));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body == text_);
}

TEST_F(FsTest, LargeFilesAreStreamedWhole) {
  auto ts = Serve();
  Reply r = server::RoundTrip(ts->port(), Get("/big.bin"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), big_.size());
  EXPECT_TRUE(r.body == big_);
  EXPECT_EQ(fs_->stats().streamed, 1u);
}

TEST_F(FsTest, GzipWhenAcceptedAndRefreshedWhenTheFileChanges) {
  FsOptions o;
  o.cache_duration = absl::Milliseconds(1);
  auto ts = Serve(o);
  Reply r = server::RoundTrip(
      ts->port(), Get("/a.txt", "Accept-Encoding: deflate, gzip;q=0.8\r\n"));
  EXPECT_EQ(r.Header("Content-Encoding"), "gzip");
  EXPECT_EQ(r.Header("Vary"), "Accept-Encoding");
  EXPECT_LT(r.body.size(), text_.size());
  EXPECT_EQ(Gunzip(r.body), text_);
  r = server::RoundTrip(ts->port(),
                        Get("/a.txt", "Accept-Encoding: gzip;q=0\r\n"));
  EXPECT_FALSE(r.Has("Content-Encoding"));
  EXPECT_EQ(r.body, text_);
  // Past cache_duration an unchanged file is re-checked, not re-read: its
  // compressed copy is kept.
  ::usleep(5'000);
  r = server::RoundTrip(ts->port(), Get("/a.txt", "Accept-Encoding: gzip\r\n"));
  EXPECT_EQ(Gunzip(r.body), text_);
  EXPECT_EQ(fs_->stats().compressions, 1u);
  // Images are not compressed.
  Write(root_ + "/p.png", std::string(1000, 'p'));
  r = server::RoundTrip(ts->port(), Get("/p.png", "Accept-Encoding: gzip\r\n"));
  EXPECT_FALSE(r.Has("Content-Encoding"));
  // The file changes: a new ETag and a new compressed copy.
  std::string old_etag =
      server::RoundTrip(ts->port(), Get("/a.txt")).Header("ETag");
  ::usleep(20'000);
  std::string changed = std::string(3000, 'z') + "changed";
  Write(root_ + "/a.txt", changed);
  r = server::RoundTrip(ts->port(), Get("/a.txt", "Accept-Encoding: gzip\r\n"));
  EXPECT_EQ(Gunzip(r.body), changed);
  EXPECT_NE(r.Header("ETag"), old_etag);
  EXPECT_EQ(fs_->stats().compressions, 2u);
}

TEST_F(FsTest, EveryCodingHasItsCopyAndItsEtag) {
  auto ts = Serve();
  const std::string etag =
      server::RoundTrip(ts->port(), Get("/a.txt")).Header("ETag");
  for (compress::Encoding c :
       {compress::Encoding::kZstd, compress::Encoding::kBrotli,
        compress::Encoding::kGzip}) {
    const std::string name(compress::Name(c));
    for (int twice = 0; twice < 2; ++twice) {  // the second from the cache
      Reply r = server::RoundTrip(
          ts->port(), Get("/a.txt", "Accept-Encoding: " + name + "\r\n"));
      ASSERT_EQ(r.Header("Content-Encoding"), name);
      EXPECT_EQ(r.Header("ETag"),
                etag.substr(0, etag.size() - 1) + "-" + name + "\"");
      bytes::ByteBuffer plain;
      ASSERT_TRUE(compress::DecodeAll(c, r.body, plain).ok()) << name;
      EXPECT_TRUE(plain.view() == text_) << name;
    }
  }
  EXPECT_EQ(fs_->stats().compressions, 3u);
  // Browsers name all of them: the server's order decides.
  Reply r = server::RoundTrip(
      ts->port(),
      Get("/a.txt", "Accept-Encoding: gzip, deflate, br, zstd\r\n"));
  EXPECT_EQ(r.Header("Content-Encoding"), "zstd");
}

TEST_F(FsTest, NoCompressionWhenNoCodingIsConfigured) {
  FsOptions o;
  o.compress.clear();
  auto ts = Serve(o);
  Reply r =
      server::RoundTrip(ts->port(), Get("/a.txt", "Accept-Encoding: gzip\r\n"));
  EXPECT_FALSE(r.Has("Content-Encoding"));
  EXPECT_FALSE(r.Has("Vary"));
  EXPECT_TRUE(r.body == text_);
}

TEST_F(FsTest, DirectoriesRedirectAndList) {
  auto ts = Serve();
  Reply r = server::RoundTrip(ts->port(), Get("/sub?x=1"));
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.Header("Location"), "/sub/?x=1");
  r = server::RoundTrip(ts->port(), Get("/sub/"));
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("we&lt;ird&gt;&amp;name.txt"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("href=\"we%3Cird%3E%26name.txt\""), std::string::npos)
      << r.body;
  EXPECT_EQ(r.body.find("<ird>"), std::string::npos);
  EXPECT_EQ(
      server::RoundTrip(ts->port(), Get("/sub/we%3Cird%3E%26name.txt")).body,
      "odd");
}

TEST_F(FsTest, ListingOmitsSymlinksThatLeaveTheRoot) {
  const std::string sub = root_ + "/sub/";
  ASSERT_EQ(::symlink((base_ + "/secret").c_str(), (sub + "out-file").c_str()),
            0);
  ASSERT_EQ(::symlink(base_.c_str(), (sub + "out-dir").c_str()), 0);
  ASSERT_EQ(::symlink("sub/out-file", (root_ + "/chain").c_str()), 0);
  ASSERT_EQ(::symlink("../chain", (sub + "out-chain").c_str()), 0);
  ASSERT_EQ(::symlink("../a.txt", (sub + "in-link.txt").c_str()), 0);
  ASSERT_EQ(::symlink("nowhere", (sub + "dangling").c_str()), 0);
  Write(base_ + "/secret", "TOP SECRET, 27 bytes long!!");
  auto ts = Serve();
  Reply r = server::RoundTrip(ts->port(), Get("/sub/"));
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("in-link.txt"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(std::to_string(text_.size())), std::string::npos);
  for (const char* hidden : {"out-file", "out-dir", "out-chain", "dangling",
                             "<td>27</td>", "<td>-</td>"}) {
    EXPECT_EQ(r.body.find(hidden), std::string::npos) << hidden << r.body;
  }
  for (const char* path : {"/sub/out-file", "/sub/out-dir", "/sub/out-dir/",
                           "/sub/out-dir/secret", "/sub/out-chain", "/chain"}) {
    EXPECT_EQ(server::RoundTrip(ts->port(), Get(path)).status, 403) << path;
  }
  EXPECT_EQ(server::RoundTrip(ts->port(), Get("/sub/dangling")).status, 404);
  EXPECT_EQ(server::RoundTrip(ts->port(), Get("/sub/in-link.txt")).body, text_);
}

TEST_F(FsTest, RedirectLocationIsPercentEncoded) {
  ASSERT_EQ(::mkdir((root_ + "/evil\r\nX-Injected: yes").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((root_ + "/sub/50% \xC3\xA9").c_str(), 0755), 0);
  auto ts = Serve();
  Reply r = server::RoundTrip(ts->port(), Get("/evil%0D%0AX-Injected:%20yes"));
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.status, 301);
  EXPECT_FALSE(r.Has("X-Injected")) << r.head;
  EXPECT_EQ(r.Header("Location"), "/evil%0D%0AX-Injected%3A%20yes/");
  r = server::RoundTrip(ts->port(), Get("/sub/50%25%20%c3%a9?a=%0D%0A&b"));
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.Header("Location"), "/sub/50%25%20%C3%A9/?a=%0D%0A&b");
  // The encoded Location leads to the directory.
  r = server::RoundTrip(ts->port(), Get("/evil%0D%0AX-Injected%3A%20yes/"));
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("Index of"), std::string::npos);
}

TEST_F(FsTest, ListingCanBeOff) {
  FsOptions o;
  o.listing = false;
  auto ts = Serve(o);
  EXPECT_EQ(server::RoundTrip(ts->port(), Get("/sub/")).status, 403);
}

TEST_F(FsTest, NoPathLeavesTheRoot) {
  auto ts = Serve();
  const char* attacks[] = {
      "/../secret",        "/..%2fsecret",
      "/%2e%2e/secret",    "/%2e%2e%2fsecret",
      "/sub/../../secret", "/sub/%2e%2e/%2e%2e/secret",
      "/..%5csecret",      "/sub\\..\\..\\secret",
      "/%00/a.txt",        "/a.txt%00.html",
      "/link-out",         "/dir-out/secret",
      "//../secret",       "/./../secret",
  };
  for (const char* path : attacks) {
    Reply r = server::RoundTrip(ts->port(), Get(path));
    EXPECT_TRUE(r.ok) << path;
    EXPECT_NE(r.status, 200) << path;
    EXPECT_EQ(r.body.find("TOP SECRET"), std::string::npos) << path;
  }
  EXPECT_EQ(server::RoundTrip(ts->port(), Get("/link-out")).status, 403);
  EXPECT_EQ(server::RoundTrip(ts->port(), Get("/..%5csecret")).status, 400);
  EXPECT_GE(fs_->stats().refused, 3u);
}

TEST_F(FsTest, BadRootIsAnError) {
  FsOptions o;
  o.root = root_ + "/nope";
  EXPECT_FALSE(FileServer::Create(o).ok());
  o.root = root_ + "/a.txt";
  EXPECT_FALSE(FileServer::Create(o).ok());
}

}  // namespace
}  // namespace brisk::fs
