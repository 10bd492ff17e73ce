#include "http/args.h"

#include "bytes/internal/char_tables.h"

namespace brisk::http {
namespace {

uint8_t HexValue(char c) {
  return bytes::bytes_internal::kCharTables
      .hex_value[static_cast<unsigned char>(c)];
}

bool IsUnreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

}  // namespace

void Args::AppendDecoded(std::string_view s, uint32_t& off, uint32_t& len) {
  off = static_cast<uint32_t>(buf_.size());
  char* out = buf_.PrepareAppend(s.size());
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      c = ' ';
    } else if (c == '%' && i + 2 < s.size()) {
      uint8_t hi = HexValue(s[i + 1]);
      uint8_t lo = HexValue(s[i + 2]);
      if (hi != bytes::bytes_internal::kNotHex &&
          lo != bytes::bytes_internal::kNotHex) {
        c = static_cast<char>(hi << 4 | lo);
        i += 2;
      }
    }
    out[n++] = c;
  }
  buf_.CommitAppend(n);
  len = static_cast<uint32_t>(n);
}

void Args::Parse(std::string_view query) {
  Reset();
  buf_.Reserve(query.size());
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view()
                                          : query.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    size_t eq = pair.find('=');
    Entry e{};
    AppendDecoded(pair.substr(0, eq), e.key_off, e.key_len);
    e.has_value = eq != std::string_view::npos;
    if (e.has_value) {
      AppendDecoded(pair.substr(eq + 1), e.value_off, e.value_len);
    } else {
      e.value_off = static_cast<uint32_t>(buf_.size());
    }
    args_.push_back(e);
  }
}

void Args::Reset() {
  buf_.Reset();
  args_.clear();
}

Args::Arg Args::operator[](size_t i) const {
  const Entry& e = args_[i];
  return {View(e.key_off, e.key_len), View(e.value_off, e.value_len),
          e.has_value};
}

int Args::Find(std::string_view key, size_t from) const {
  for (size_t i = from; i < args_.size(); ++i) {
    if (View(args_[i].key_off, args_[i].key_len) == key) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

std::string_view Args::Peek(std::string_view key) const {
  int i = Find(key);
  return i < 0 ? std::string_view() : (*this)[static_cast<size_t>(i)].value;
}

void Args::Add(std::string_view key, std::string_view value) {
  Entry e{};
  e.key_off = static_cast<uint32_t>(buf_.size());
  buf_.Append(key);
  e.key_len = static_cast<uint32_t>(key.size());
  e.value_off = static_cast<uint32_t>(buf_.size());
  buf_.Append(value);
  e.value_len = static_cast<uint32_t>(value.size());
  e.has_value = true;
  args_.push_back(e);
}

void Args::Set(std::string_view key, std::string_view value) {
  Del(key);
  Add(key, value);
}

int Args::Del(std::string_view key) {
  int removed = 0;
  for (int i = Find(key); i >= 0; i = Find(key, static_cast<size_t>(i))) {
    args_.erase(args_.begin() + i);
    ++removed;
  }
  return removed;
}

namespace {

void AppendPercentEscaped(bytes::ByteBuffer& out, std::string_view s,
                          bool space_as_plus) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : s) {
    if (IsUnreserved(c)) {
      out.Append(c);
    } else if (c == ' ' && space_as_plus) {
      out.Append('+');
    } else {
      auto u = static_cast<unsigned char>(c);
      char esc[3] = {'%', kHex[u >> 4], kHex[u & 0xF]};
      out.Append(std::string_view(esc, 3));
    }
  }
}

}  // namespace

void AppendQueryEscaped(bytes::ByteBuffer& out, std::string_view s) {
  AppendPercentEscaped(out, s, /*space_as_plus=*/true);
}

void AppendPathSegmentEscaped(bytes::ByteBuffer& out, std::string_view s) {
  AppendPercentEscaped(out, s, /*space_as_plus=*/false);
}

void Args::AppendTo(bytes::ByteBuffer& out) const {
  for (size_t i = 0; i < args_.size(); ++i) {
    if (i != 0) {
      out.Append('&');
    }
    Arg a = (*this)[i];
    AppendQueryEscaped(out, a.key);
    if (a.has_value) {
      out.Append('=');
      AppendQueryEscaped(out, a.value);
    }
  }
}

}  // namespace brisk::http
