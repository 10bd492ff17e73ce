#include "client/decode.h"

#include <array>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"

#include "bytes/byte_buffer.h"
#include "bytes/conv.h"

namespace brisk::client {

absl::StatusOr<ContentCodings> ParseContentEncoding(
    const http::HeaderFields& f) {
  ContentCodings c;
  for (int i = f.Find("Content-Encoding"); i >= 0;
       i = f.Find("Content-Encoding", static_cast<size_t>(i) + 1)) {
    std::string_view v = f[static_cast<size_t>(i)].value;
    while (!v.empty()) {
      const size_t comma = v.find(',');
      const std::string_view item = bytes::TrimOws(v.substr(0, comma));
      v = comma == std::string_view::npos ? std::string_view()
                                          : v.substr(comma + 1);
      if (item.empty()) {
        continue;
      }
      const std::optional<compress::Encoding> e = compress::FromName(item);
      if (!e) {
        return absl::InvalidArgumentError(absl::StrCat(
            "unknown Content-Encoding \"", bytes::ToAbsl(item), "\""));
      }
      if (*e == compress::Encoding::kIdentity) {
        continue;
      }
      if (c.size == ContentCodings::kMax) {
        return absl::InvalidArgumentError("more than 4 content codings");
      }
      c.items[c.size++] = *e;
    }
  }
  return c;
}

absl::Status DecodeBody(http::Response& resp,
                        const compress::DecodeLimits& limits) {
  http::ResponseHeader& h = resp.header();
  absl::StatusOr<ContentCodings> parsed = ParseContentEncoding(h.fields());
  if (!parsed.ok()) {
    return parsed.status();
  }
  const size_t n = parsed->size;
  const auto& codings = parsed->items;
  if (n == 0 || resp.body().empty()) {
    return absl::OkStatus();
  }
  bytes::ByteBuffer a;
  bytes::ByteBuffer b;
  std::string_view in = resp.body();
  bytes::ByteBuffer* out = &a;
  for (size_t i = n; i-- > 0;) {
    out->Reset();
    if (absl::Status s = compress::DecodeAll(codings[i], in, *out, limits);
        !s.ok()) {
      return s;
    }
    in = out->view();
    out = out == &a ? &b : &a;
  }
  bytes::ByteBuffer& decoded = out == &a ? b : a;  // the last one written
  std::swap(resp.body_buffer(), decoded);
  h.Del("Content-Encoding");
  h.SetContentLength(static_cast<int64_t>(resp.body().size()));
  return absl::OkStatus();
}

}  // namespace brisk::client
