// File: http/wire.h
//
// The one check every brisk serializer runs before bytes go on the wire:
// requests (client), responses (server heads, Response::AppendTo) and
// everything built on them (the file server, a proxy). A method, a
// request-target, a field name, a field value or a reason phrase holding a
// byte that could end a line (CR, LF), cut a string (NUL) or otherwise
// change the message's framing is refused: the serializer writes nothing of
// the message and says which part was bad. Parsed messages passed these
// rules on the way in; values set by code are checked here, on the way out.
//
// Allocation: none. Thread-safe (pure functions).

#ifndef BRISK_HTTP_WIRE_H_
#define BRISK_HTTP_WIRE_H_

#include <cstdint>
#include <string_view>

#include "bytes/byte_buffer.h"

namespace brisk::http {

// Why a serializer refused a message.
enum class WireError : uint8_t {
  kNone = 0,
  kBadMethod,      // not a token (RFC 9110 §9.1)
  kBadTarget,      // empty, or a byte outside 0x21-0x7E (RFC 9112 §3.2)
  kBadFieldName,   // not a token (RFC 9110 §5.1)
  kBadFieldValue,  // a control byte other than HTAB, or DEL (RFC 9110 §5.5)
  kBadReason,      // a control byte other than HTAB, or DEL (RFC 9112 §4)
  kBadStatus,      // a status code outside 100-999 (or, to a server's
                   // writer, a 1xx it cannot send as the answer)
};
std::string_view ToString(WireError e);

bool IsToken(std::string_view s);
bool IsSafeRequestTarget(std::string_view s);
// Field values and reason phrases: *( HTAB / SP / VCHAR / obs-text ).
bool IsSafeFieldValue(std::string_view s);

// Appends "name: value\r\n", the name in canonical case (content-type ->
// Content-Type) when `canonical`; when the name or value is unsafe appends
// nothing and returns the error. Every serializer writes fields through it.
[[nodiscard]] WireError AppendField(bytes::ByteBuffer& out,
                                    std::string_view name,
                                    std::string_view value, bool canonical);

// Appends "HTTP/1.<minor> <code> <reason>\r\n"; an empty `reason` writes the
// standard one. Nothing is appended on error.
[[nodiscard]] WireError AppendStatusLine(bytes::ByteBuffer& out, int minor,
                                         int code, std::string_view reason);

}  // namespace brisk::http

#endif  // BRISK_HTTP_WIRE_H_
