// Replays a fuzz target's corpus (seeds and every input a fuzzer found) as an
// ordinary test, so each stays a regression test in every build, sanitizers
// included. Usage: <test> <corpus directory relative to the workspace>.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gtest/gtest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::string g_corpus_dir;

TEST(CorpusReplayTest, EveryInputRunsCleanly) {
  ASSERT_FALSE(g_corpus_dir.empty()) << "pass the corpus directory";
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(g_corpus_dir)) {
    if (e.is_regular_file()) {
      files.push_back(e.path());
    }
  }
  ASSERT_FALSE(files.empty()) << "empty corpus: " << g_corpus_dir;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
    SCOPED_TRACE(f.string());
    EXPECT_EQ(LLVMFuzzerTestOneInput(
                  reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
              0);
  }
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc > 1) {
    const char* srcdir = std::getenv("TEST_SRCDIR");
    const char* ws = std::getenv("TEST_WORKSPACE");
    g_corpus_dir = srcdir != nullptr && ws != nullptr
                       ? std::string(srcdir) + "/" + ws + "/" + argv[1]
                       : argv[1];
  }
  return RUN_ALL_TESTS();
}
