#include "client/host_client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/async_result.hpp"
#include "boost/asio/this_coro.hpp"
#include "boost/asio/use_awaitable.hpp"

#include "client/decode.h"
#include "client/errors.h"
#include "client/internal/host_pool.h"
#include "client/internal/loop_thread.h"

namespace brisk::client {

namespace asio = boost::asio;

HostClient::HostClient(HostClientOptions options)
    : options_(std::move(options)),
      status_(Validate(options_)),
      own_loop_(std::make_unique<client_internal::LoopThread>()),
      loop_(&own_loop_->io()) {
  if (!status_.ok()) {
    return;
  }
  pool_ = std::make_unique<client_internal::HostPool>(options_, *loop_);
  pool_->Start();
  own_loop_->Start();
}

HostClient::HostClient(HostClientOptions options, asio::io_context& loop)
    : options_(std::move(options)), status_(Validate(options_)), loop_(&loop) {
  if (!status_.ok()) {
    return;
  }
  pool_ = std::make_unique<client_internal::HostPool>(options_, *loop_);
  pool_->Start();
}

HostClient::~HostClient() {
  if (!pool_) {
    return;
  }
  if (own_loop_ != nullptr) {
    // In-flight calls finish failing, then the loop ends; completions still
    // queued (closed sockets) run here, off the thread, while the pool is
    // still there to take them.
    own_loop_->Stop([p = pool_.get()] { p->Close(); });
    own_loop_->RunQueued();
  } else {
    pool_->Close();
  }
}

namespace {

// HostClientOptions::decompress (client/decode.h): ask for a coding...
void AskCompressed(const HostClientOptions& o, http::Request& req) {
  if (o.decompress && !req.header().fields().Has("Accept-Encoding")) {
    req.header().Set("Accept-Encoding", kAcceptEncoding);
  }
}

// ... and decode what came, failing the call when that cannot be done.
absl::Status Decoded(const HostClientOptions& o, absl::Status s,
                     http::Response& resp) {
  if (!s.ok() || !o.decompress) {
    return s;
  }
  absl::Status d = DecodeBody(resp, o.decode_limits);
  if (d.ok()) {
    return d;
  }
  return ResponseError(absl::IsResourceExhausted(d), 1,
                       o.addrs.empty() ? "" : o.addrs.front(),
                       absl::StrCat("decoding the body: ", d.message()));
}

}  // namespace

absl::Status HostClient::Do(http::Request& req, http::Response& resp) {
  return DoDeadline(req, resp, absl::InfiniteFuture());
}

absl::Status HostClient::DoTimeout(http::Request& req, http::Response& resp,
                                   absl::Duration timeout) {
  return DoDeadline(req, resp, absl::Now() + timeout);
}

absl::Status HostClient::DoDeadline(http::Request& req, http::Response& resp,
                                    absl::Time deadline) {
  return Run(req, resp, deadline, nullptr);
}

absl::Status HostClient::Run(http::Request& req, http::Response& resp,
                             absl::Time deadline, const BodySink* sink) {
  if (!status_.ok()) {
    return status_;
  }
  if (loop_->get_executor().running_in_this_thread()) {
    return absl::FailedPreconditionError(
        "HostClient::Do called on the client's own loop thread (it would "
        "deadlock); use AsyncDo there");
  }
  if (sink == nullptr) {
    AskCompressed(options_, req);
  }
  client_internal::Call call;
  call.req = &req;
  call.resp = &resp;
  call.deadline = deadline;
  call.sink = sink;
  pool_->Submit(&call);
  absl::Status s = call.Wait();
  return sink == nullptr ? Decoded(options_, std::move(s), resp) : s;
}

absl::Status HostClient::DoStream(http::Request& req, http::Response& resp,
                                  const BodySink& sink, absl::Time deadline) {
  return Run(req, resp, deadline, &sink);
}

absl::Status HostClient::DoStreamTimeout(http::Request& req,
                                         http::Response& resp,
                                         const BodySink& sink,
                                         absl::Duration timeout) {
  return DoStream(req, resp, sink, absl::Now() + timeout);
}

absl::Status HostClient::Get(std::string_view path_and_query,
                             http::Response& resp) {
  return GetDeadline(path_and_query, resp, absl::InfiniteFuture());
}

absl::Status HostClient::GetTimeout(std::string_view path_and_query,
                                    http::Response& resp,
                                    absl::Duration timeout) {
  return GetDeadline(path_and_query, resp, absl::Now() + timeout);
}

absl::Status HostClient::GetDeadline(std::string_view path_and_query,
                                     http::Response& resp,
                                     absl::Time deadline) {
  http::Request req;
  req.header().SetMethod("GET");
  req.header().SetRequestUri(path_and_query);
  return DoDeadline(req, resp, deadline);
}

asio::awaitable<absl::Status> HostClient::AsyncDo(
    http::Request& req, http::Response& resp, absl::Time deadline,
    asio::cancellation_slot cancel) {
  if (!status_.ok()) {
    co_return status_;
  }
  AskCompressed(options_, req);
  if (loop_->get_executor().running_in_this_thread()) {
    absl::Status s =
        co_await pool_->Exchange(req, resp, deadline, cancel, nullptr);
    co_return Decoded(options_, std::move(s), resp);
  }
  // Awaited on another loop (a server's coroutine handler): the call runs
  // on the client's loop, and the coroutine resumes on its own.
  client_internal::Call call;
  call.req = &req;
  call.resp = &resp;
  call.deadline = deadline;
  absl::Status s = co_await client_internal::AwaitCall(
      call, *loop_, cancel,
      [this](client_internal::Call* c) { pool_->Submit(c); });
  co_return Decoded(options_, std::move(s), resp);
}

void HostClient::Close() {
  if (pool_) {
    pool_->Close();
  }
}

HostClientStats HostClient::stats() const {
  return pool_ ? pool_->stats() : HostClientStats{};
}

}  // namespace brisk::client
