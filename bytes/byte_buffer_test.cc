#include "bytes/byte_buffer.h"

#include <string>
#include <utility>

#include "gtest/gtest.h"

#include "testing/counting_allocator.h"

namespace brisk::bytes {
namespace {

using ::brisk::testing::AllocationCounter;

TEST(ByteBufferTest, EmptyAllocatesNothing) {
  AllocationCounter count;
  ByteBuffer b;
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.capacity(), 0u);
  EXPECT_EQ(b.view(), "");
  EXPECT_EQ(count.allocations(), 0u);
}

TEST(ByteBufferTest, AppendAndView) {
  ByteBuffer b;
  b.Append("GET ");
  b.Append('/');
  b.Append(std::string_view(" HTTP/1.1"));
  EXPECT_EQ(b.view(), "GET / HTTP/1.1");
  EXPECT_EQ(b.size(), 14u);
}

TEST(ByteBufferTest, ResetKeepsCapacityAndDoesNotAllocateAgain) {
  ByteBuffer b;
  std::string big(5000, 'a');
  b.Append(big);
  size_t cap = b.capacity();
  EXPECT_GE(cap, 5000u);
  b.Reset();
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.capacity(), cap);
  AllocationCounter count;
  for (int i = 0; i < 100; ++i) {
    b.Reset();
    b.Append(big);
  }
  EXPECT_EQ(count.allocations(), 0u);
  EXPECT_EQ(b.view(), big);
}

TEST(ByteBufferTest, AppendFromItselfWhileGrowing) {
  ByteBuffer b;
  b.Append("abcdefgh");
  for (int i = 0; i < 10; ++i) {
    b.Append(b.view());  // doubles, forcing growth
  }
  EXPECT_EQ(b.size(), 8u << 10);
  EXPECT_EQ(b.view().substr(0, 16), "abcdefghabcdefgh");
  EXPECT_EQ(b.view().substr(b.size() - 8), "abcdefgh");
}

TEST(ByteBufferTest, AssignFromItsOwnSuffix) {
  ByteBuffer b;
  b.Append("hello world");
  b.Assign(b.view().substr(6));
  EXPECT_EQ(b.view(), "world");
}

TEST(ByteBufferTest, PrepareAndCommitAppend) {
  ByteBuffer b;
  b.Append("ab");
  char* p = b.PrepareAppend(100);
  EXPECT_GE(b.available(), 100u);
  p[0] = 'c';
  p[1] = 'd';
  b.CommitAppend(2);
  EXPECT_EQ(b.view(), "abcd");
  // Growth keeps the committed bytes.
  b.PrepareAppend(1 << 20);
  EXPECT_EQ(b.view(), "abcd");
}

TEST(ByteBufferTest, DiscardPrefixMovesTheRestToTheFront) {
  ByteBuffer b;
  b.Append("GET /a HTTP/1.1\r\n\r\nGET /b");
  b.DiscardPrefix(19);
  EXPECT_EQ(b.view(), "GET /b");
  b.DiscardPrefix(100);  // more than the size: empties
  EXPECT_TRUE(b.empty());
}

TEST(ByteBufferTest, TruncateAndResize) {
  ByteBuffer b;
  b.Append("abcdef");
  b.Truncate(2);
  EXPECT_EQ(b.view(), "abcd");
  b.Truncate(10);
  EXPECT_TRUE(b.empty());
  b.Resize(3);
  EXPECT_EQ(b.size(), 3u);
}

TEST(ByteBufferTest, MoveTransfersStorageWithoutCopy) {
  ByteBuffer a;
  a.Append("payload");
  const char* storage = a.data();
  AllocationCounter count;
  ByteBuffer b(std::move(a));
  EXPECT_EQ(b.data(), storage);
  EXPECT_EQ(b.view(), "payload");
  EXPECT_EQ(a.capacity(),
            0u);  // NOLINT(bugprone-use-after-move): moved-from is empty
  ByteBuffer c;
  c = std::move(b);
  EXPECT_EQ(c.data(), storage);
  EXPECT_EQ(count.allocations(), 0u);
}

TEST(ByteBufferTest, CopyFromIsExplicitAndDeep) {
  ByteBuffer a;
  a.Append("x");
  ByteBuffer b;
  b.CopyFrom(a);
  a.Append("y");
  EXPECT_EQ(b.view(), "x");
  EXPECT_EQ(a.view(), "xy");
}

TEST(ByteBufferTest, HugeBuffer) {
  ByteBuffer b;
  constexpr size_t kSize = size_t{64} << 20;  // 64 MiB
  char* p = b.PrepareAppend(kSize);
  p[0] = 'a';
  p[kSize - 1] = 'z';
  b.CommitAppend(kSize);
  EXPECT_EQ(b.size(), kSize);
  EXPECT_EQ(b[0], 'a');
  EXPECT_EQ(b[kSize - 1], 'z');
  b.Release();
  EXPECT_EQ(b.capacity(), 0u);
}

TEST(ByteBufferTest, ExplicitCapacity) {
  ByteBuffer b(4096);
  EXPECT_GE(b.capacity(), 4096u);
  AllocationCounter count;
  b.Append(std::string(4096, 'x'));
  EXPECT_EQ(count.allocations(), 1u);  // the std::string, not the buffer
}

}  // namespace
}  // namespace brisk::bytes
