#include <string>
#include <vector>

#include "gtest/gtest.h"

#include "http/cookie.h"
#include "http/date.h"
#include "testing/counting_allocator.h"

namespace brisk::http {
namespace {

TEST(DateTest, FormatKnownInstants) {
  char buf[kHttpDateSize];
  FormatHttpDate(784111777, buf);  // RFC 9110's example
  EXPECT_EQ(std::string_view(buf, kHttpDateSize),
            "Sun, 06 Nov 1994 08:49:37 GMT");
  FormatHttpDate(0, buf);
  EXPECT_EQ(std::string_view(buf, kHttpDateSize),
            "Thu, 01 Jan 1970 00:00:00 GMT");
  FormatHttpDate(951782400, buf);  // leap day
  EXPECT_EQ(std::string_view(buf, kHttpDateSize),
            "Tue, 29 Feb 2000 00:00:00 GMT");
}

TEST(DateTest, ParsesTheThreeFormats) {
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
  EXPECT_EQ(ParseHttpDate("Sun Nov  6 08:49:37 1994"), 784111777);
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 UTC"), std::nullopt);
  EXPECT_EQ(ParseHttpDate("Sun, 06 Xyz 1994 08:49:37 GMT"), std::nullopt);
  EXPECT_EQ(ParseHttpDate("Sun, 06 Nov 1994 25:49:37 GMT"), std::nullopt);
  EXPECT_EQ(ParseHttpDate(""), std::nullopt);
  EXPECT_EQ(ParseHttpDate("yesterday"), std::nullopt);
}

TEST(DateTest, RoundTripsOverYears) {
  char buf[kHttpDateSize];
  for (int64_t t = 0; t < 4102444800; t += 86400 * 37 + 3671) {
    FormatHttpDate(t, buf);
    ASSERT_EQ(ParseHttpDate(std::string_view(buf, kHttpDateSize)), t);
  }
}

TEST(DateTest, CurrentDateIsCachedAndAllocatesNothing) {
  std::string_view a = CurrentHttpDate();
  ASSERT_EQ(a.size(), kHttpDateSize);
  EXPECT_TRUE(ParseHttpDate(a).has_value());
  testing::AllocationCounter count;
  for (int i = 0; i < 1000; ++i) {
    (void)CurrentHttpDate();
  }
  EXPECT_EQ(count.allocations(), 0u);
}

TEST(CookieTest, ReadsTheCookieHeader) {
  std::vector<std::pair<std::string_view, std::string_view>> got;
  ForEachCookie(
      " a=1; b=\"two\";c=; =x; novalue; d=4=4 ",
      [&](std::string_view n, std::string_view v) { got.emplace_back(n, v); });
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0], (std::pair<std::string_view, std::string_view>{"a", "1"}));
  EXPECT_EQ(got[1].second, "two");
  EXPECT_EQ(got[2].second, "");
  EXPECT_EQ(got[3].second, "4=4");
  EXPECT_EQ(PeekCookie("a=1; session=abc", "session"), "abc");
  EXPECT_EQ(PeekCookie("a=1", "missing"), "");
}

TEST(CookieTest, BuildsSetCookie) {
  Cookie c;
  c.name = "session";
  c.value = "abc";
  c.path = "/";
  c.domain = "example.com";
  c.expires = 784111777;
  c.max_age = 3600;
  c.http_only = true;
  c.same_site = SameSite::kLax;
  bytes::ByteBuffer out;
  c.AppendTo(out);
  EXPECT_EQ(out.view(),
            "session=abc; Max-Age=3600; Expires=Sun, 06 Nov 1994 08:49:37 GMT; "
            "Domain=example.com; Path=/; HttpOnly; SameSite=Lax");
  Cookie none;
  none.name = "x";
  none.value = "1";
  none.same_site = SameSite::kNone;
  none.max_age = -1;
  out.Reset();
  none.AppendTo(out);
  EXPECT_EQ(out.view(), "x=1; Max-Age=0; Secure; SameSite=None");
}

TEST(CookieTest, ParsesSetCookie) {
  Cookie c;
  ASSERT_TRUE(
      c.Parse("id=\"a3fWa\"; Expires=Sun, 06 Nov 1994 08:49:37 GMT; "
              "Secure; HttpOnly; SameSite=Strict; Path=/docs; "
              "Max-Age=60; Unknown=1"));
  EXPECT_EQ(c.name, "id");
  EXPECT_EQ(c.value, "a3fWa");
  EXPECT_EQ(c.expires, 784111777);
  EXPECT_TRUE(c.secure);
  EXPECT_TRUE(c.http_only);
  EXPECT_EQ(c.same_site, SameSite::kStrict);
  EXPECT_EQ(c.path, "/docs");
  EXPECT_EQ(c.max_age, 60);
  EXPECT_FALSE(c.Parse("novalue; Path=/"));
  EXPECT_FALSE(c.Parse(""));
}

}  // namespace
}  // namespace brisk::http
