// File: client/body_sink.h
//
// BodySink receives a streamed response body piece by piece (DoStream,
// DoRedirects with a sink), on the client's loop thread, as it arrives. A
// piece is valid only during the call; copy what must outlive it. A non-OK
// return stops the transfer (the connection is closed) and becomes the
// call's result. Move-only: it may own what it captures.

#ifndef BRISK_CLIENT_BODY_SINK_H_
#define BRISK_CLIENT_BODY_SINK_H_

#include <string_view>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"

namespace brisk::client {

using BodySink = absl::AnyInvocable<absl::Status(std::string_view piece) const>;

}  // namespace brisk::client

#endif  // BRISK_CLIENT_BODY_SINK_H_
