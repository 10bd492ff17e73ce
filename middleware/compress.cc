#include "middleware/compress.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"

#include "bytes/byte_buffer.h"
#include "bytes/conv.h"
#include "client/decode.h"
#include "http/header_fields.h"
#include "http/status_code.h"
#include "middleware/internal/fields.h"

namespace brisk::middleware {
namespace {

using compress::Encoding;
using middleware_internal::AddVary;
using middleware_internal::ListHas;

// Per-thread scratch space, kept across requests (no allocation once warm).
bytes::ByteBuffer& Scratch() {
  thread_local bytes::ByteBuffer buf;
  return buf;
}
std::string& ScratchString() {
  thread_local std::string s;
  return s;
}

compress::AcceptEncoding ClientAccepts(server::RequestCtx& ctx) {
  compress::AcceptEncoding a;
  const http::HeaderFields& f = ctx.request().header().fields();
  for (int i = f.Find("Accept-Encoding"); i >= 0;
       i = f.Find("Accept-Encoding", static_cast<size_t>(i) + 1)) {
    a.AddLine(f[static_cast<size_t>(i)].value);
  }
  return a;
}

// Whether `list` (If-None-Match) names `etag`, weakly compared (RFC 9110
// §13.1.2: W/ ignored), or is "*".
bool EtagListMatches(std::string_view list, std::string_view etag) {
  if (etag.starts_with("W/")) {
    etag.remove_prefix(2);
  }
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view item = bytes::TrimOws(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view()
                                           : list.substr(comma + 1);
    if (item.starts_with("W/")) {
      item.remove_prefix(2);
    }
    if (item == "*" || item == etag) {
      return true;
    }
  }
  return false;
}

// The state word: null, or the streaming encoder (from the pool).
compress::Encoder* StreamEncoder(void* state) {
  return static_cast<compress::Encoder*>(state);
}

}  // namespace

absl::StatusOr<std::shared_ptr<Compress>> Compress::Create(
    CompressOptions options) {
  for (Encoding e : options.encodings) {
    if (e == Encoding::kIdentity) {
      return absl::InvalidArgumentError(
          "identity is not a coding to prefer: it is what is left");
    }
  }
  for (auto [e, level] : {std::pair{Encoding::kGzip, options.gzip_level},
                          std::pair{Encoding::kDeflate, options.deflate_level},
                          std::pair{Encoding::kBrotli, options.brotli_level},
                          std::pair{Encoding::kZstd, options.zstd_level}}) {
    if (absl::Status s = compress::CheckLevel(e, level); !s.ok()) {
      return s;
    }
  }
  return std::shared_ptr<Compress>(new Compress(std::move(options)));
}

Compress::Compress(CompressOptions options) : options_(std::move(options)) {}

int Compress::LevelOf(Encoding e) const {
  switch (e) {
    case Encoding::kGzip:
      return options_.gzip_level;
    case Encoding::kDeflate:
      return options_.deflate_level;
    case Encoding::kBrotli:
      return options_.brotli_level;
    case Encoding::kZstd:
      return options_.zstd_level;
    case Encoding::kIdentity:
      break;
  }
  return 0;
}

bool Compress::Eligible(server::RequestCtx& ctx, bool stream) const {
  http::Response& resp = ctx.response();
  const http::ResponseHeader& h = resp.header();
  const int status = resp.status_code();
  if (status < 200 || status == 206 || http::StatusHasNoBody(status)) {
    return false;
  }
  if (h.fields().Has("Content-Range")) {
    return false;
  }
  const std::string_view coding = h.Peek("Content-Encoding");
  if (!coding.empty() && !bytes::EqualsIgnoreCase(coding, "identity")) {
    return false;
  }
  if (ListHas(h.fields(), "Cache-Control", "no-transform")) {
    return false;
  }
  // No Content-Type: the server sends text/plain.
  const std::string_view type = h.content_type();
  if (!type.empty() && !compress::Compressible(type, options_.types)) {
    return false;
  }
  if (stream) {
    // A stream is compressed a piece at a time: only its stated length
    // (if any) under min_bytes keeps it as it is.
    return h.content_length() < 0 ||
           static_cast<uint64_t>(h.content_length()) >= options_.min_bytes;
  }
  return resp.body().size() >= options_.min_bytes &&
         resp.body().size() <= options_.max_bytes;
}

bool Compress::Label(server::RequestCtx& ctx, Encoding e) const {
  http::ResponseHeader& h = ctx.response().header();
  const std::string_view etag = h.Peek("ETag");
  if (e != Encoding::kIdentity && etag.size() >= 2 && etag.back() == '"') {
    std::string& tagged = ScratchString();
    tagged.assign(etag.substr(0, etag.size() - 1));
    tagged.append("-");
    tagged.append(compress::Name(e));
    tagged.append("\"");
    h.Set("ETag", tagged);
    const http::RequestHeader& req = ctx.request().header();
    const http::Method m = req.method_id();
    if (m == http::Method::kGet || m == http::Method::kHead) {
      const http::HeaderFields& f = req.fields();
      for (int i = f.Find("If-None-Match"); i >= 0;
           i = f.Find("If-None-Match", static_cast<size_t>(i) + 1)) {
        if (EtagListMatches(f[static_cast<size_t>(i)].value, tagged)) {
          ctx.response().SetStatusCode(304);
          ctx.response().body_buffer().Reset();
          h.Del("Content-Length");
          return false;
        }
      }
    }
  }
  return true;
}

void Compress::OnResponse(server::RequestCtx& ctx, void*&) const {
  if (!Eligible(ctx, /*stream=*/false)) {
    return;
  }
  http::Response& resp = ctx.response();
  AddVary(resp.header(), "Accept-Encoding");
  if (ctx.is_head()) {
    return;
  }
  const Encoding e = ClientAccepts(ctx).Choose(options_.encodings);
  if (e == Encoding::kIdentity) {
    return;
  }
  compress::EncoderPool::Handle enc = encoders_.Take(e);
  bytes::ByteBuffer& out = Scratch();
  out.Reset();
  if (!enc->CompressWhole(LevelOf(e), resp.body(), out).ok() ||
      out.size() >= resp.body().size()) {
    return;  // no smaller: sent as it is
  }
  if (!Label(ctx, e)) {
    return;  // 304
  }
  // Copied into the response's own buffer (a few KiB): each buffer keeps
  // its capacity, so neither the scratch space nor the body's allocates.
  resp.body_buffer().Assign(out.view());
  resp.header().Set("Content-Encoding", compress::Name(e));
}

bool Compress::OnStreamStart(server::RequestCtx& ctx, void*& state) const {
  if (!Eligible(ctx, /*stream=*/true)) {
    return false;
  }
  http::ResponseHeader& h = ctx.response().header();
  AddVary(h, "Accept-Encoding");
  if (ctx.is_head()) {
    return false;
  }
  const Encoding e = ClientAccepts(ctx).Choose(options_.encodings);
  if (e == Encoding::kIdentity) {
    return false;
  }
  absl::StatusOr<compress::EncoderPool::Handle> enc =
      encoders_.Acquire(e, LevelOf(e));
  if (!enc.ok()) {
    return false;
  }
  if (!Label(ctx, e)) {
    return false;  // 304: no body goes out
  }
  state = enc->Detach();
  h.Set("Content-Encoding", compress::Name(e));
  h.SetContentLength(-1);
  return true;
}

void Compress::OnStreamData(server::RequestCtx&, void*& state,
                            std::string_view data, bool last,
                            bytes::ByteBuffer& out) const {
  compress::Encoder* enc = StreamEncoder(state);
  // An encoder fails only when out of memory; what it wrote stays framed,
  // and the stream ends there.
  if (!data.empty()) {
    (void)enc->Write(data, /*flush=*/!last, out);
  }
  if (last) {
    (void)enc->Finish(out);
  }
}

void Compress::OnDone(server::RequestCtx&, void*& state,
                      const server::ResponseOutcome&) const {
  if (compress::Encoder* enc = StreamEncoder(state)) {
    encoders_.Release(enc);
    state = nullptr;
  }
}

bool Decompress::OnRequest(server::RequestCtx& ctx, void*&) const {
  http::Request& req = ctx.request();
  http::RequestHeader& h = req.header();
  if (!h.fields().Has("Content-Encoding") || ctx.body_streamed()) {
    return true;
  }
  // Every Content-Encoding line, as one list (identity items skipped).
  const absl::StatusOr<client::ContentCodings> codings =
      client::ParseContentEncoding(h.fields());
  if (!codings.ok() || codings->size > 1) {
    // Unknown, or several codings stacked: not decoded here.
    ctx.Error(415, "unsupported Content-Encoding\n");
    ctx.response().header().Set("Accept-Encoding", "gzip, deflate, br, zstd");
    return false;
  }
  if (codings->size == 0 || req.body().empty()) {
    return true;  // identity, or no body to decode
  }
  const Encoding e = codings->items[0];
  bytes::ByteBuffer& out = Scratch();
  out.Reset();
  const absl::Status s = compress::DecodeAll(e, req.body(), out, limits_);
  if (!s.ok()) {
    if (absl::IsResourceExhausted(s)) {
      ctx.Error(413, absl::StrCat("request body: ", s.message(), "\n"));
    } else {
      ctx.Error(400, absl::StrCat("request body is not valid ",
                                  bytes::ToAbsl(compress::Name(e)), "\n"));
    }
    ctx.SetConnectionClose();
    out.Release();  // a bomb's output is not kept for the next request
    return false;
  }
  std::swap(req.body_buffer(), out);
  h.Del("Content-Encoding");
  h.SetContentLength(static_cast<int64_t>(req.body().size()));
  return true;
}

}  // namespace brisk::middleware
