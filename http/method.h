// File: http/method.h
//
// Request methods: the registered ones as an enum, for cheap comparisons, and
// their properties (RFC 9110 §9).

#ifndef BRISK_HTTP_METHOD_H_
#define BRISK_HTTP_METHOD_H_

#include <cstdint>
#include <string_view>

namespace brisk::http {

enum class Method : uint8_t {
  kOther,  // a token that is not one of the below (extension method)
  kGet,
  kHead,
  kPost,
  kPut,
  kDelete,
  kConnect,
  kOptions,
  kTrace,
  kPatch,
};

// Case-sensitive, as RFC 9110 §9.1 says.
Method ParseMethod(std::string_view token);
std::string_view MethodName(Method m);  // "" for kOther

// RFC 9110 §9.2.2: GET, HEAD, PUT, DELETE, OPTIONS, TRACE.
bool IsIdempotent(Method m);

}  // namespace brisk::http

#endif  // BRISK_HTTP_METHOD_H_
