#include "router/params.h"

namespace brisk::router {

std::string_view Params::Get(std::string_view name) const {
  for (size_t i = 0; i < size_; ++i) {
    if (names_[i] == name) {
      return values_[i];
    }
  }
  return {};
}

bool Params::Has(std::string_view name) const {
  for (size_t i = 0; i < size_; ++i) {
    if (names_[i] == name) {
      return true;
    }
  }
  return false;
}

std::string_view Params::name(size_t i) const {
  if (i >= size_) {
    return {};
  }
  return names_[i];
}

}  // namespace brisk::router
