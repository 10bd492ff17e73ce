#include "http/uri.h"

#include <string>

#include "gtest/gtest.h"

#include "http/args.h"
#include "testing/counting_allocator.h"

namespace brisk::http {
namespace {

std::string Norm(std::string p) {
  p.resize(NormalizePath(p.data(), p.size()));
  return p;
}

TEST(NormalizePathTest, DotSegmentsAndSlashes) {
  EXPECT_EQ(Norm("/"), "/");
  EXPECT_EQ(Norm("/a/b"), "/a/b");
  EXPECT_EQ(Norm("/a/b/"), "/a/b/");
  EXPECT_EQ(Norm("//a///b//"), "/a/b/");
  EXPECT_EQ(Norm("/a/./b"), "/a/b");
  EXPECT_EQ(Norm("/a/."), "/a/");
  EXPECT_EQ(Norm("/a/b/../c"), "/a/c");
  EXPECT_EQ(Norm("/a/b/.."), "/a/");
  EXPECT_EQ(Norm("/.."), "/");
  EXPECT_EQ(Norm("/../../etc/passwd"), "/etc/passwd");
  EXPECT_EQ(Norm("/a/../../b"), "/b");
  EXPECT_EQ(Norm("/a/...b/..."), "/a/...b/...");  // not dot segments
  EXPECT_EQ(Norm("/.a/b."), "/.a/b.");
}

TEST(URITest, OriginForm) {
  URI u;
  ASSERT_EQ(u.Parse("/a/b?x=1&y=two", "example.com:8080"), ParseError::kNone);
  EXPECT_EQ(u.path(), "/a/b");
  EXPECT_EQ(u.query_string(), "x=1&y=two");
  EXPECT_EQ(u.host(), "example.com:8080");
  EXPECT_EQ(u.hostname(), "example.com");
  EXPECT_EQ(u.port(), "8080");
  EXPECT_EQ(u.query_args().Peek("y"), "two");
  EXPECT_EQ(u.scheme(), "");
}

TEST(URITest, AbsoluteForm) {
  URI u;
  ASSERT_EQ(u.Parse("http://[::1]:9000/x%20y?q", "ignored"), ParseError::kNone);
  EXPECT_EQ(u.scheme(), "http");
  EXPECT_EQ(u.host(), "[::1]:9000");
  EXPECT_EQ(u.hostname(), "::1");
  EXPECT_EQ(u.port(), "9000");
  EXPECT_EQ(u.path(), "/x y");
  EXPECT_EQ(u.path_original(), "/x%20y");
  ASSERT_EQ(u.Parse("https://example.com"), ParseError::kNone);
  EXPECT_EQ(u.path(), "/");
  EXPECT_EQ(u.port(), "");
  ASSERT_EQ(u.Parse("http://example.com?a=b"), ParseError::kNone);
  EXPECT_EQ(u.path(), "/");
  EXPECT_EQ(u.query_string(), "a=b");
  EXPECT_EQ(u.Parse("http://user:pw@example.com/"), ParseError::kBadUri);
  EXPECT_EQ(u.Parse("http:///path"), ParseError::kBadUri);
}

TEST(URITest, AuthorityAndAsteriskForms) {
  URI u;
  ASSERT_EQ(u.Parse("example.com:443"), ParseError::kNone);
  EXPECT_TRUE(u.is_authority_form());
  EXPECT_EQ(u.host(), "example.com:443");
  ASSERT_EQ(u.Parse("*", "h"), ParseError::kNone);
  EXPECT_TRUE(u.is_asterisk());
  EXPECT_EQ(u.path(), "*");
  EXPECT_EQ(u.Parse("a/b"), ParseError::kBadUri);
  EXPECT_EQ(u.Parse(""), ParseError::kBadUri);
}

TEST(URITest, TraversalIsNormalizedAway) {
  URI u;
  for (std::string_view t : {"/../etc/passwd", "/a/../../etc/passwd",
                             "/%2e%2e/etc/passwd", "/%2E%2E%2Fetc%2Fpasswd",
                             "/a/..%2f..%2fetc/passwd", "//..//etc/passwd"}) {
    ASSERT_EQ(u.Parse(t), ParseError::kNone) << t;
    EXPECT_EQ(u.path(), "/etc/passwd") << t;
  }
}

TEST(URITest, BadEscapesAndNulAreRejected) {
  URI u;
  EXPECT_EQ(u.Parse("/a%00b"), ParseError::kBadUri);
  EXPECT_EQ(u.Parse("/a%zz"), ParseError::kBadUri);
  EXPECT_EQ(u.Parse("/a%2"), ParseError::kBadUri);
  EXPECT_EQ(u.Parse("/a%"), ParseError::kBadUri);
}

TEST(URITest, NormalizationCanBeTurnedOff) {
  URI u;
  u.set_normalize_path(false);
  ASSERT_EQ(u.Parse("/a//b/../c"), ParseError::kNone);
  EXPECT_EQ(u.path(), "/a//b/../c");
}

TEST(URITest, DecodingCanBeTurnedOff) {
  URI u;
  u.set_decode_path(false);
  // As received: escapes a decoding Parse refuses, dot segments, slashes.
  for (const char* t : {"/a%00b", "/a%zz", "/a%", "/a//b/../%2e%2e/c"}) {
    ASSERT_EQ(u.Parse(t), ParseError::kNone) << t;
    EXPECT_EQ(u.path(), t) << t;
    EXPECT_EQ(u.path_original(), t) << t;
  }
  ASSERT_EQ(u.Parse("http://h:8080/a%zz?x=%00#f"), ParseError::kNone);
  EXPECT_EQ(u.host(), "h:8080");
  EXPECT_EQ(u.path(), "/a%zz");
  EXPECT_EQ(u.query_string(), "x=%00");
  ASSERT_EQ(u.Parse("http://h?q"), ParseError::kNone);
  EXPECT_EQ(u.path(), "/");
  // What it never accepted, it still refuses.
  EXPECT_EQ(u.Parse("http://user@h/"), ParseError::kBadUri);
  EXPECT_EQ(u.Parse("http:///a"), ParseError::kBadUri);
  // The default decodes.
  URI d;
  EXPECT_EQ(d.Parse("/a%zz"), ParseError::kBadUri);
}

TEST(URITest, FragmentIsDropped) {
  URI u;
  ASSERT_EQ(u.Parse("/page?x=1#top"), ParseError::kNone);
  EXPECT_EQ(u.query_string(), "x=1");
}

TEST(URITest, RequestTarget) {
  URI u;
  ASSERT_EQ(u.Parse("http://h/a%20b?c=d"), ParseError::kNone);
  bytes::ByteBuffer out;
  u.AppendRequestTarget(out);
  EXPECT_EQ(out.view(), "/a%20b?c=d");
}

TEST(URITest, ParseAllocatesNothingOnceWarm) {
  URI u;
  ASSERT_EQ(u.Parse("/a/b/../c?x=1", "h"), ParseError::kNone);
  (void)u.query_args();
  testing::AllocationCounter count;
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(u.Parse("/a/b/../c?x=1", "h"), ParseError::kNone);
    EXPECT_EQ(u.query_args().Peek("x"), "1");
  }
  EXPECT_EQ(count.allocations(), 0u);
}

TEST(ArgsTest, ParseAndLookup) {
  Args a;
  a.Parse("a=1&b=hello+world&c=%41%42&a=2&flag&empty=&&bad=%zz&pct=100%");
  EXPECT_EQ(a.size(), 8u);
  EXPECT_EQ(a.Peek("a"), "1");
  EXPECT_EQ(a.Peek("b"), "hello world");
  EXPECT_EQ(a.Peek("c"), "AB");
  EXPECT_EQ(a.Peek("bad"), "%zz");
  EXPECT_EQ(a.Peek("pct"), "100%");
  EXPECT_TRUE(a.Has("flag"));
  EXPECT_FALSE(a[4].has_value);
  EXPECT_TRUE(a[5].has_value);
  EXPECT_EQ(a.Peek("missing"), "");
  std::vector<std::string_view> all;
  for (int i = a.Find("a"); i >= 0;
       i = a.Find("a", static_cast<size_t>(i) + 1)) {
    all.push_back(a[static_cast<size_t>(i)].value);
  }
  EXPECT_EQ(all, (std::vector<std::string_view>{"1", "2"}));
}

TEST(ArgsTest, EditAndEncode) {
  Args a;
  a.Add("q", "a b&c");
  a.Add("x", "1");
  a.Add("q", "second");
  a.Set("q", "é");
  EXPECT_EQ(a.Del("x"), 1);
  bytes::ByteBuffer out;
  a.AppendTo(out);
  EXPECT_EQ(out.view(), "q=%C3%A9");
  Args b;
  b.Parse(out.view());
  EXPECT_EQ(b.Peek("q"), "é");
}

TEST(ArgsTest, QueryAndPathSegmentEscaping) {
  bytes::ByteBuffer q, p;
  AppendQueryEscaped(q, "a b/c&d~");
  AppendPathSegmentEscaped(p, "a b/c&d~");
  EXPECT_EQ(q.view(), "a+b%2Fc%26d~");
  EXPECT_EQ(p.view(), "a%20b%2Fc%26d~");
}

TEST(ArgsTest, LookupAllocatesNothing) {
  Args a;
  a.Parse("a=1&b=2&c=3");
  testing::AllocationCounter count;
  for (int i = 0; i < 100; ++i) {
    a.Parse("a=1&b=2&c=3");
    EXPECT_EQ(a.Peek("c"), "3");
  }
  EXPECT_EQ(count.allocations(), 0u);
}

}  // namespace
}  // namespace brisk::http

namespace brisk::http {
namespace {

TEST(SplitHostPortTest, HostsPortsAndIpv6Literals) {
  HostPort hp;
  ASSERT_TRUE(SplitHostPort("example.com:8080", hp));
  EXPECT_EQ(hp.host, "example.com");
  EXPECT_EQ(hp.port, "8080");
  EXPECT_EQ(hp.port_number, 8080);
  ASSERT_TRUE(SplitHostPort("[::1]:9000", hp));
  EXPECT_EQ(hp.host, "::1");
  EXPECT_EQ(hp.port_number, 9000);
  ASSERT_TRUE(SplitHostPort("[::1]", hp));
  EXPECT_EQ(hp.host, "::1");
  EXPECT_TRUE(hp.port.empty());
  ASSERT_TRUE(SplitHostPort("host", hp));
  EXPECT_EQ(hp.host, "host");
  EXPECT_TRUE(hp.port.empty());
  ASSERT_TRUE(SplitHostPort(":8080", hp, /*allow_empty_host=*/true));
  EXPECT_EQ(hp.host, "");
  EXPECT_EQ(hp.port_number, 8080);
  // "host:http" made std::stoi throw in the client's dial before.
  for (const char* bad :
       {"host:http", "host:", "host:65536", "host:-1", "host:+80", ":8080", "",
        "[::1", "[::1]x", "[::1]:", "::1:80", "h:8 0"}) {
    EXPECT_FALSE(SplitHostPort(bad, hp)) << bad;
  }
}

}  // namespace
}  // namespace brisk::http
