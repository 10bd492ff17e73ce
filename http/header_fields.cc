#include "http/header_fields.h"

#include "bytes/conv.h"

namespace brisk::http {

int HeaderFields::Find(std::string_view name, size_t from) const {
  for (size_t i = from; i < entries_.size(); ++i) {
    if (bytes::EqualsIgnoreCase(View(entries_[i].name), name)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

std::string_view HeaderFields::Peek(std::string_view name) const {
  int i = Find(name);
  return i < 0 ? std::string_view() : View(entries_[i].value);
}

Slice HeaderFields::Store(std::string_view s) {
  Slice slice{static_cast<uint32_t>(own_.size()),
              static_cast<uint32_t>(s.size()), true};
  own_.Append(s);
  return slice;
}

void HeaderFields::Add(std::string_view name, std::string_view value) {
  Slice n = Store(name);
  Slice v = Store(value);
  entries_.push_back({n, v});
}

void HeaderFields::Set(std::string_view name, std::string_view value) {
  int first = Find(name);
  if (first < 0) {
    Add(name, value);
    return;
  }
  entries_[first].value = Store(value);
  for (int i = Find(name, first + 1); i >= 0; i = Find(name, i)) {
    entries_.erase(entries_.begin() + i);
  }
}

void HeaderFields::SetUint(std::string_view name, uint64_t value) {
  char digits[bytes::kMaxUintDigits];
  Set(name, std::string_view(digits, bytes::FormatUint(value, digits)));
}

int HeaderFields::Del(std::string_view name) {
  int removed = 0;
  for (int i = Find(name); i >= 0; i = Find(name, i)) {
    entries_.erase(entries_.begin() + i);
    ++removed;
  }
  return removed;
}

void HeaderFields::Reset() {
  entries_.clear();
  own_.Reset();
  src_ = nullptr;
}

void HeaderFields::CopyFrom(const HeaderFields& other) {
  Reset();
  for (size_t i = 0; i < other.size(); ++i) {
    Field f = other[i];
    Add(f.name, f.value);
  }
}

void AppendCanonicalName(bytes::ByteBuffer& out, std::string_view name) {
  char* p = out.PrepareAppend(name.size());
  bool upper = true;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    p[i] = upper ? bytes::ToUpper(c) : bytes::ToLower(c);
    upper = c == '-';
  }
  out.CommitAppend(name.size());
}

WireError HeaderFields::AppendTo(bytes::ByteBuffer& out, bool canonical) const {
  const size_t mark = out.size();
  for (const Entry& e : entries_) {
    if (WireError w = AppendField(out, View(e.name), View(e.value), canonical);
        w != WireError::kNone) {
      out.Resize(mark);
      return w;
    }
  }
  return WireError::kNone;
}

}  // namespace brisk::http
