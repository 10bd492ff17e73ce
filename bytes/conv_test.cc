#include "bytes/conv.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"

#include "testing/counting_allocator.h"

namespace brisk::bytes {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

TEST(ParseUintTest, Valid) {
  EXPECT_EQ(ParseUint("0"), 0u);
  EXPECT_EQ(ParseUint("7"), 7u);
  EXPECT_EQ(ParseUint("1234567890"), 1234567890u);
  EXPECT_EQ(ParseUint("18446744073709551615"), kMax);  // 2^64-1
}

TEST(ParseUintTest, LeadingZerosAreAccepted) {
  EXPECT_EQ(ParseUint("007"), 7u);
  EXPECT_EQ(ParseUint("0000000000000000000000000000042"), 42u);  // 31 digits
  EXPECT_EQ(ParseUint("00018446744073709551615"), kMax);
}

TEST(ParseUintTest, Overflow) {
  EXPECT_EQ(ParseUint("18446744073709551616"), std::nullopt);  // 2^64
  EXPECT_EQ(ParseUint("18446744073709551620"), std::nullopt);
  EXPECT_EQ(ParseUint("99999999999999999999"), std::nullopt);
  EXPECT_EQ(ParseUint("100000000000000000000"), std::nullopt);  // 21 digits
  EXPECT_EQ(ParseUint(std::string(1000, '9')), std::nullopt);
}

TEST(ParseUintTest, RejectsNonDigits) {
  EXPECT_EQ(ParseUint(""), std::nullopt);
  EXPECT_EQ(ParseUint(" 1"), std::nullopt);
  EXPECT_EQ(ParseUint("1 "), std::nullopt);
  EXPECT_EQ(ParseUint("+1"), std::nullopt);
  EXPECT_EQ(ParseUint("-1"), std::nullopt);
  EXPECT_EQ(ParseUint("1a"), std::nullopt);
  EXPECT_EQ(ParseUint("0x10"), std::nullopt);
  EXPECT_EQ(ParseUint("1,000"), std::nullopt);
  EXPECT_EQ(ParseUint(std::string_view("1\0", 2)), std::nullopt);
  EXPECT_EQ(ParseUint("\xff"), std::nullopt);
  EXPECT_EQ(ParseUint("12345678901234567890x"),
            std::nullopt);  // past the safe prefix
}

TEST(ParseHexTest, Valid) {
  EXPECT_EQ(ParseHex("0"), 0u);
  EXPECT_EQ(ParseHex("a"), 10u);
  EXPECT_EQ(ParseHex("Ff"), 255u);
  EXPECT_EQ(ParseHex("ffffffffffffffff"), kMax);
  EXPECT_EQ(ParseHex("000000000000000000001"), 1u);  // leading zeros
}

TEST(ParseHexTest, Invalid) {
  EXPECT_EQ(ParseHex(""), std::nullopt);
  EXPECT_EQ(ParseHex("10000000000000000"), std::nullopt);  // 2^64
  EXPECT_EQ(ParseHex("0x1"), std::nullopt);
  EXPECT_EQ(ParseHex("g"), std::nullopt);
  EXPECT_EQ(ParseHex("1 "), std::nullopt);
  EXPECT_EQ(ParseHex("-1"), std::nullopt);
}

TEST(FormatTest, AppendUintRoundTrips) {
  ByteBuffer b;
  for (uint64_t v :
       {uint64_t{0}, uint64_t{9}, uint64_t{10}, uint64_t{99}, uint64_t{100},
        uint64_t{999}, uint64_t{1000}, uint64_t{9999}, uint64_t{10000},
        uint64_t{4096}, uint64_t{10000000000000000000u}, kMax}) {
    b.Reset();
    AppendUint(b, v);
    EXPECT_EQ(b.view(), std::to_string(v));
    EXPECT_EQ(ParseUint(b.view()), v);
  }
  char out[kMaxUintDigits];
  EXPECT_EQ(std::string_view(out, FormatUint(kMax, out)),
            "18446744073709551615");
}

TEST(FormatTest, AppendHex) {
  ByteBuffer b;
  AppendHex(b, 0);
  b.Append(' ');
  AppendHex(b, 0x1a2b);
  b.Append(' ');
  AppendHex(b, kMax);
  EXPECT_EQ(b.view(), "0 1a2b ffffffffffffffff");
}

TEST(FormatTest, AppendDoesNotAllocateOnceWarm) {
  ByteBuffer b(64);
  testing::AllocationCounter count;
  AppendUint(b, kMax);
  AppendHex(b, kMax);
  EXPECT_EQ(count.allocations(), 0u);
}

TEST(CaseTest, EqualsIgnoreCase) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Length", "content-length"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("Content-Length", "Content-Lengt"));
  EXPECT_FALSE(EqualsIgnoreCase("a-b", "a_b"));
  // Only ASCII letters fold: '@' (0x40) and '`' (0x60) differ by 32 too.
  EXPECT_FALSE(EqualsIgnoreCase("@", "`"));
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));
  EXPECT_FALSE(EqualsIgnoreCase("\xc3", "\xe3"));  // not letters outside ASCII
}

TEST(CaseTest, EqualsLowercase) {
  EXPECT_TRUE(EqualsLowercase("HOST", "host"));
  EXPECT_TRUE(EqualsLowercase("host", "host"));
  EXPECT_FALSE(EqualsLowercase("hosts", "host"));
  EXPECT_FALSE(EqualsLowercase("h0st", "host"));
}

TEST(CaseTest, ToLowerAndUpper) {
  EXPECT_EQ(ToLower('A'), 'a');
  EXPECT_EQ(ToLower('z'), 'z');
  EXPECT_EQ(ToLower('-'), '-');
  EXPECT_EQ(ToUpper('q'), 'Q');
  EXPECT_EQ(ToUpper('\xe9'), '\xe9');
  std::string s = "Content-TYPE: 1";
  ToLowerInPlace(s.data(), s.size());
  EXPECT_EQ(s, "content-type: 1");
  ToUpperInPlace(s.data(), s.size());
  EXPECT_EQ(s, "CONTENT-TYPE: 1");
}

TEST(TrimTest, Ows) {
  EXPECT_EQ(TrimOws("  \tgzip \t "), "gzip");
  EXPECT_EQ(TrimOws(""), "");
  EXPECT_EQ(TrimOws(" \t "), "");
  EXPECT_EQ(TrimOws("a b"), "a b");
  EXPECT_EQ(TrimOws("\r\nx\r\n"), "\r\nx\r\n");  // CR and LF are not OWS
  EXPECT_EQ(TrimLeftOws("  x "), "x ");
  EXPECT_EQ(TrimRightOws("  x "), "  x");
}

}  // namespace
}  // namespace brisk::bytes
