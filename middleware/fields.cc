#include "middleware/internal/fields.h"

#include "bytes/conv.h"

namespace brisk::middleware::middleware_internal {

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
