#include "client/message_pool.h"

namespace brisk::client {
namespace {

// Never destroyed: handles may be given back during static destruction.
pool::Pool<http::Request>& Requests() {
  static auto* p = new pool::Pool<http::Request>({.name = "client.request"});
  return *p;
}

pool::Pool<http::Response>& Responses() {
  static auto* p = new pool::Pool<http::Response>({.name = "client.response"});
  return *p;
}

}  // namespace

RequestHandle AcquireRequest() {
  return Requests().Acquire();
}

ResponseHandle AcquireResponse() {
  return Responses().Acquire();
}

}  // namespace brisk::client
