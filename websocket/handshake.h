// File: websocket/handshake.h
//
// The opening handshake (RFC 6455 §4) as functions of HTTP messages: the
// server's checks of a client's request and its 101, the client's request
// and its checks of the server's answer. No I/O.

#ifndef BRISK_WEBSOCKET_HANDSHAKE_H_
#define BRISK_WEBSOCKET_HANDSHAKE_H_

#include <span>
#include <string>
#include <string_view>

#include "http/header_fields.h"
#include "http/request_header.h"

namespace brisk::websocket {

// base64(SHA-1(key + the RFC's GUID)): Sec-WebSocket-Accept for `key`.
std::string AcceptKey(std::string_view key);

// Whether the comma-separated field values named `name` hold `token`
// (case-insensitive), as Connection and Upgrade list theirs.
bool FieldHasToken(const http::HeaderFields& fields, std::string_view name,
                   std::string_view token);

// Whether `req` asks for a WebSocket (Upgrade: websocket): a handler's test
// before websocket::Upgrade.
bool IsUpgradeRequest(const http::RequestHeader& req);

// What a client's opening handshake asked for, once checked.
struct ClientHello {
  std::string_view key;
  std::string_view origin;      // empty when absent
  std::string_view extensions;  // first Sec-WebSocket-Extensions value
};

// Why a request is not a valid opening handshake: the HTTP status to answer
// (400, 405, 426 with `Sec-WebSocket-Version: 13`) and the reason.
struct HandshakeError {
  int status = 0;  // 0: none
  std::string_view reason;
};

// Checks `req` per §4.2.1: GET, HTTP/1.1, Upgrade: websocket, Connection:
// upgrade, Sec-WebSocket-Version 13 and a key of 16 bytes in base64.
HandshakeError CheckClientHello(const http::RequestHeader& req,
                                ClientHello& out);

// The subprotocol to answer: the first of `supported` (the server's order
// of preference) that a Sec-WebSocket-Protocol field of `req` offers; empty
// when none (the field is then left out of the answer).
std::string_view ChooseSubprotocol(const http::RequestHeader& req,
                                   std::span<const std::string> supported);

// gorilla/websocket's default origin check: true when there is no Origin
// field or its host (with port) equals the request's Host,
// case-insensitively.
bool SameOrigin(std::string_view origin, std::string_view host);

}  // namespace brisk::websocket

#endif  // BRISK_WEBSOCKET_HANDSHAKE_H_
