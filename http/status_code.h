// File: http/status_code.h
//
// Status codes (RFC 9110 §15) as named constants, with reason phrases.

#ifndef BRISK_HTTP_STATUS_CODE_H_
#define BRISK_HTTP_STATUS_CODE_H_

#include <string_view>

namespace brisk::http {

inline constexpr int kStatusContinue = 100;
inline constexpr int kStatusSwitchingProtocols = 101;
inline constexpr int kStatusOK = 200;
inline constexpr int kStatusCreated = 201;
inline constexpr int kStatusAccepted = 202;
inline constexpr int kStatusNoContent = 204;
inline constexpr int kStatusPartialContent = 206;
inline constexpr int kStatusMovedPermanently = 301;
inline constexpr int kStatusFound = 302;
inline constexpr int kStatusSeeOther = 303;
inline constexpr int kStatusNotModified = 304;
inline constexpr int kStatusTemporaryRedirect = 307;
inline constexpr int kStatusPermanentRedirect = 308;
inline constexpr int kStatusBadRequest = 400;
inline constexpr int kStatusUnauthorized = 401;
inline constexpr int kStatusForbidden = 403;
inline constexpr int kStatusNotFound = 404;
inline constexpr int kStatusMethodNotAllowed = 405;
inline constexpr int kStatusRequestTimeout = 408;
inline constexpr int kStatusConflict = 409;
inline constexpr int kStatusGone = 410;
inline constexpr int kStatusLengthRequired = 411;
inline constexpr int kStatusPreconditionFailed = 412;
inline constexpr int kStatusContentTooLarge = 413;
inline constexpr int kStatusUriTooLong = 414;
inline constexpr int kStatusUnsupportedMediaType = 415;
inline constexpr int kStatusRangeNotSatisfiable = 416;
inline constexpr int kStatusExpectationFailed = 417;
inline constexpr int kStatusTooManyRequests = 429;
inline constexpr int kStatusRequestHeaderFieldsTooLarge = 431;
inline constexpr int kStatusInternalServerError = 500;
inline constexpr int kStatusNotImplemented = 501;
inline constexpr int kStatusBadGateway = 502;
inline constexpr int kStatusServiceUnavailable = 503;
inline constexpr int kStatusGatewayTimeout = 504;
inline constexpr int kStatusHttpVersionNotSupported = 505;

// The reason phrase ("Not Found"); "Unknown Status Code" for unregistered
// codes, as fasthttp.
std::string_view StatusText(int code);

// The whole status line for HTTP/1.1 ("HTTP/1.1 404 Not Found\r\n"),
// precomputed for the registered codes; empty for others.
std::string_view StatusLine(int code);

// 1xx, 204 and 304 responses never have a body (RFC 9110 §6.4.1).
inline bool StatusHasNoBody(int code) {
  return (code >= 100 && code < 200) || code == 204 || code == 304;
}

}  // namespace brisk::http

#endif  // BRISK_HTTP_STATUS_CODE_H_
