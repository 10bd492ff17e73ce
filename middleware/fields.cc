#include "middleware/internal/fields.h"

#include <algorithm>
#include <chrono>

#include "bytes/conv.h"

namespace brisk::middleware::middleware_internal {
namespace {

int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void StartClock(void*& state) {
  state = reinterpret_cast<void*>(static_cast<uintptr_t>(SteadyNowNs()));
}

int64_t ElapsedNs(void* state) {
  const auto start = static_cast<int64_t>(reinterpret_cast<uintptr_t>(state));
  return std::max<int64_t>(0, SteadyNowNs() - start);
}

std::string_view TrimOwsItem(std::string_view s) {
  return bytes::TrimOws(s);
}

bool ListHas(const http::HeaderFields& fields, std::string_view name,
             std::string_view token) {
  return !ForEachListItem(fields, name, [token](std::string_view item) {
    const size_t end = item.find_first_of("=;");
    return !bytes::EqualsIgnoreCase(bytes::TrimOws(item.substr(0, end)), token);
  });
}

void AddVary(http::ResponseHeader& h, std::string_view token) {
  if (ListHas(h.fields(), "Vary", token) || ListHas(h.fields(), "Vary", "*")) {
    return;
  }
  h.Add("Vary", token);
}

}  // namespace brisk::middleware::middleware_internal
