// File: client/message_pool.h
//
// fasthttp's AcquireRequest/ReleaseRequest and AcquireResponse/
// ReleaseResponse: warm Request and Response objects from process-wide pools
// (//pool's Pool<T>, Go's sync.Pool), so code that makes many calls, each with
// its own request, allocates nothing per call once warm. The handle gives the
// object back — Reset(), capacity kept — when it goes away; it may go away on
// any thread.
//
//   client::RequestHandle req = client::AcquireRequest();
//   req->header().SetRequestUri("/users/7");
//   client::ResponseHandle resp = client::AcquireResponse();
//   absl::Status s = host_client.Do(*req, *resp);
//
// A message must not be used after its handle is gone: with --config=asan its
// memory is poisoned while idle, so such a use aborts.

#ifndef BRISK_CLIENT_MESSAGE_POOL_H_
#define BRISK_CLIENT_MESSAGE_POOL_H_

#include "http/message.h"
#include "pool/pool.h"

namespace brisk::client {

using RequestHandle = pool::Pool<http::Request>::Handle;
using ResponseHandle = pool::Pool<http::Response>::Handle;

// An empty request (GET /, no fields, no body), warm when one is idle.
RequestHandle AcquireRequest();
// An empty response, warm when one is idle.
ResponseHandle AcquireResponse();

}  // namespace brisk::client

#endif  // BRISK_CLIENT_MESSAGE_POOL_H_
