// Range, If-Range and If-None-Match decisions (http/conditional.h).

#include "http/conditional.h"

#include <cstdint>
#include <string>

#include "gtest/gtest.h"

namespace brisk::http {
namespace {

// "part a-b", "whole" or "416" for `value` on a `size`-byte representation.
std::string Range(std::string_view value, uint64_t size) {
  uint64_t first = 7777;
  uint64_t last = 7777;
  switch (ParseRange(value, size, first, last)) {
    case RangeResult::kPart:
      return "part " + std::to_string(first) + "-" + std::to_string(last);
    case RangeResult::kWhole:
      EXPECT_EQ(first, 7777u) << "written only for a part";
      return "whole";
    case RangeResult::kUnsatisfiable:
      EXPECT_EQ(first, 7777u) << "written only for a part";
      return "416";
  }
  return "?";
}

TEST(ParseRangeTest, OneRangeOfEachForm) {
  EXPECT_EQ(Range("bytes=0-4", 10), "part 0-4");
  EXPECT_EQ(Range("bytes=5-", 10), "part 5-9");
  EXPECT_EQ(Range("bytes=-3", 10), "part 7-9");
  EXPECT_EQ(Range("bytes=-20", 10), "part 0-9");  // more than there is
  EXPECT_EQ(Range("bytes=8-20", 10), "part 8-9");
  EXPECT_EQ(Range("bytes=9-9", 10), "part 9-9");
  EXPECT_EQ(Range("BYTES=0-0", 10), "part 0-0");  // units are case-blind
  EXPECT_EQ(Range("bytes= 2-3 ", 10), "part 2-3");
}

TEST(ParseRangeTest, InvalidOnesAreIgnored) {
  for (const char* v :
       {"bytes=1-0", "bytes=2-x", "bytes=x-2", "bytes=-", "bytes=5",
        "items=0-1", "bytes", "", "bytes=+1-2", "bytes=-+3", "bytes=0-1,3-4"}) {
    EXPECT_EQ(Range(v, 10), "whole") << v;
  }
}

TEST(ParseRangeTest, UnsatisfiableOnes) {
  EXPECT_EQ(Range("bytes=10-", 10), "416");
  EXPECT_EQ(Range("bytes=10-20", 10), "416");
  EXPECT_EQ(Range("bytes=-0", 10), "416");
  EXPECT_EQ(Range("bytes=0-", 0), "416");
  EXPECT_EQ(Range("bytes=-5", 0), "416");
}

TEST(ParseRangeTest, PositionsOfAnyLength) {
  EXPECT_EQ(Range("bytes=99999999999999999999999-", 10), "416");
  EXPECT_EQ(Range("bytes=0-99999999999999999999999", 10), "part 0-9");
  EXPECT_EQ(Range("bytes=-99999999999999999999999", 10), "part 0-9");
  // Compared as numbers, not as strings of digits.
  EXPECT_EQ(Range("bytes=0002-10", 20), "part 2-10");
  EXPECT_EQ(Range("bytes=99999999999999999999999-1", 10), "whole");
}

constexpr int64_t kS = 1'000'000'000;
// Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example date).
constexpr int64_t kMtime = 784111777 * kS;

TEST(IfRangeMatchesTest, StrongEtagsOnly) {
  EXPECT_TRUE(IfRangeMatches("\"abc\"", "\"abc\"", kMtime, kMtime + 5 * kS));
  EXPECT_TRUE(IfRangeMatches(" \"abc\" ", "\"abc\"", kMtime, kMtime));
  EXPECT_FALSE(IfRangeMatches("\"abd\"", "\"abc\"", kMtime, kMtime + 5 * kS));
  EXPECT_FALSE(IfRangeMatches("W/\"abc\"", "\"abc\"", kMtime, kMtime + 5 * kS));
}

TEST(IfRangeMatchesTest, DatesOfFilesASecondOld) {
  const char* date = "Sun, 06 Nov 1994 08:49:37 GMT";
  EXPECT_TRUE(IfRangeMatches(date, "\"x\"", kMtime, kMtime + kS));
  EXPECT_TRUE(
      IfRangeMatches(date, "\"x\"", kMtime + 500'000'000, kMtime + 2 * kS));
  // Changed within the last second: the date cannot tell two versions apart.
  EXPECT_FALSE(IfRangeMatches(date, "\"x\"", kMtime, kMtime + kS - 1));
  EXPECT_FALSE(IfRangeMatches("Sun, 06 Nov 1994 08:49:38 GMT", "\"x\"", kMtime,
                              kMtime + 5 * kS));
  EXPECT_FALSE(IfRangeMatches("yesterday", "\"x\"", kMtime, kMtime + 5 * kS));
  EXPECT_FALSE(IfRangeMatches("", "\"x\"", kMtime, kMtime + 5 * kS));
}

TEST(EtagMatchesTest, WeakComparisonOverTheList) {
  EXPECT_TRUE(EtagMatches("\"a\"", "\"a\""));
  EXPECT_TRUE(EtagMatches("\"x\", W/\"a\"", "\"a\""));
  EXPECT_TRUE(EtagMatches("\"x\",\"a\" ", "\"a\""));
  EXPECT_TRUE(EtagMatches("*", "\"a\""));
  EXPECT_FALSE(EtagMatches("\"x\", \"y\"", "\"a\""));
  EXPECT_FALSE(EtagMatches("", "\"a\""));
  EXPECT_FALSE(EtagMatches("\"a", "\"a\""));
}

}  // namespace
}  // namespace brisk::http
