#include "testing/json_like.h"

namespace brisk::testing {

std::string JsonLike(size_t n) {
  std::string s = "[";
  uint32_t x = 7;  // a fixed LCG: the same body in every run
  for (int i = 0; s.size() < n; ++i) {
    x = x * 1103515245u + 12345u;
    s += "{\"id\":" + std::to_string(i) + ",\"name\":\"user" +
         std::to_string((x >> 8) % 1000) +
         "\",\"active\":" + ((x >> 4) % 2 ? "true" : "false") +
         ",\"score\":" + std::to_string((x >> 12) % 100000) + "},";
  }
  s.resize(n);
  return s;
}

}  // namespace brisk::testing
