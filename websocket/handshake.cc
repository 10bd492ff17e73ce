#include "websocket/handshake.h"

#include <openssl/sha.h>

#include <string>

#include "absl/strings/escaping.h"

#include "bytes/conv.h"

namespace brisk::websocket {
namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// Calls `f` with each trimmed, non-empty element of a comma list; stops
// when it returns true, and returns whether one did.
template <typename F>
bool AnyListElement(std::string_view list, F f) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view item = bytes::TrimOws(list.substr(0, comma));
    if (!item.empty() && f(item)) {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::string AcceptKey(std::string_view key) {
  std::string input;
  input.reserve(key.size() + kGuid.size());
  input.append(key).append(kGuid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(),
       digest);
  return absl::Base64Escape(absl::string_view(
      reinterpret_cast<const char*>(digest), SHA_DIGEST_LENGTH));
}

bool FieldHasToken(const http::HeaderFields& fields, std::string_view name,
                   std::string_view token) {
  for (int i = fields.Find(name); i >= 0;
       i = fields.Find(name, static_cast<size_t>(i) + 1)) {
    if (AnyListElement(fields[static_cast<size_t>(i)].value,
                       [token](std::string_view item) {
                         return bytes::EqualsIgnoreCase(item, token);
                       })) {
      return true;
    }
  }
  return false;
}

bool IsUpgradeRequest(const http::RequestHeader& req) {
  return FieldHasToken(req.fields(), "upgrade", "websocket");
}

HandshakeError CheckClientHello(const http::RequestHeader& req,
                                ClientHello& out) {
  if (req.method_id() != http::Method::kGet) {
    return {405, "a WebSocket handshake is a GET"};
  }
  if (req.http_minor() < 1) {
    return {400, "a WebSocket handshake needs HTTP/1.1"};
  }
  if (!IsUpgradeRequest(req)) {
    return {426, "Upgrade: websocket expected"};
  }
  if (!req.upgrade()) {
    return {400, "Connection: upgrade expected"};
  }
  const http::HeaderFields& f = req.fields();
  if (f.Peek("sec-websocket-version") != "13" ||
      f.Find("sec-websocket-version",
             static_cast<size_t>(f.Find("sec-websocket-version")) + 1) >= 0) {
    return {426, "Sec-WebSocket-Version 13 expected"};
  }
  const std::string_view key = bytes::TrimOws(f.Peek("sec-websocket-key"));
  std::string raw;
  if (key.size() != 24 || !absl::Base64Unescape(bytes::ToAbsl(key), &raw) ||
      raw.size() != 16) {
    return {400, "Sec-WebSocket-Key must be 16 bytes in base64"};
  }
  if (f.Find("sec-websocket-key",
             static_cast<size_t>(f.Find("sec-websocket-key")) + 1) >= 0) {
    return {400, "more than one Sec-WebSocket-Key"};
  }
  if (const int o = f.Find("origin");
      o >= 0 && f.Find("origin", static_cast<size_t>(o) + 1) >= 0) {
    return {400, "more than one Origin"};  // which one to check?
  }
  out.key = key;
  out.origin = f.Peek("origin");
  out.extensions = f.Peek("sec-websocket-extensions");
  return {};
}

std::string_view ChooseSubprotocol(const http::RequestHeader& req,
                                   std::span<const std::string> supported) {
  for (const std::string& s : supported) {
    if (FieldHasToken(req.fields(), "sec-websocket-protocol", s)) {
      return s;
    }
  }
  return {};
}

bool SameOrigin(std::string_view origin, std::string_view host) {
  if (origin.empty()) {
    return true;
  }
  const size_t scheme = origin.find("://");
  if (scheme == std::string_view::npos) {
    return false;
  }
  std::string_view rest = origin.substr(scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  return bytes::EqualsIgnoreCase(rest, host);
}

}  // namespace brisk::websocket
