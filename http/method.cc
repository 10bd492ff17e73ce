#include "http/method.h"

namespace brisk::http {

Method ParseMethod(std::string_view t) {
  switch (t.size()) {
    case 3:
      if (t == "GET") {
        return Method::kGet;
      }
      if (t == "PUT") {
        return Method::kPut;
      }
      break;
    case 4:
      if (t == "POST") {
        return Method::kPost;
      }
      if (t == "HEAD") {
        return Method::kHead;
      }
      break;
    case 5:
      if (t == "PATCH") {
        return Method::kPatch;
      }
      if (t == "TRACE") {
        return Method::kTrace;
      }
      break;
    case 6:
      if (t == "DELETE") {
        return Method::kDelete;
      }
      break;
    case 7:
      if (t == "OPTIONS") {
        return Method::kOptions;
      }
      if (t == "CONNECT") {
        return Method::kConnect;
      }
      break;
    default:
      break;
  }
  return Method::kOther;
}

std::string_view MethodName(Method m) {
  switch (m) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kDelete:
      return "DELETE";
    case Method::kConnect:
      return "CONNECT";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kTrace:
      return "TRACE";
    case Method::kPatch:
      return "PATCH";
    case Method::kOther:
      break;
  }
  return "";
}

bool IsIdempotent(Method m) {
  switch (m) {
    case Method::kGet:
    case Method::kHead:
    case Method::kPut:
    case Method::kDelete:
    case Method::kOptions:
    case Method::kTrace:
      return true;
    default:
      return false;
  }
}

}  // namespace brisk::http
