// File: client/client.h
//
// Client: requests to any host (fasthttp's Client). A HostClient is made on
// demand per scheme and "host:port" and they all share one event loop thread;
// hosts not used for max_idle_host_duration are dropped, and at most max_hosts
// are kept (the least recently used idle one goes first), so a crawler cannot
// grow the map without bound.
//
// The request names its target either as an absolute URL in its request
// line (`http://example.com:8080/path?q`) or as a path plus a Host header;
// the client sends origin-form (`/path?q`) with the Host header set.
// `https://` URLs go over TLS, verified against the system's trust store
// with the URL's host checked (or options.host.tls); a path plus a Host
// header is always cleartext.
//
// Bounds: each blocking call comes in three forms, as HostClient's: without
// a bound beyond the options' timeouts (Do, Get, Post), within a duration
// from now (DoTimeout, GetTimeout, PostTimeout, DoStreamTimeout) and by a
// point in time (DoDeadline, GetDeadline, PostDeadline; DoStream,
// DoRedirects and AsyncDo take theirs as an argument).
//
// Thread-safe: Do and friends may be called from any thread except the
// client's own loop.
//
//   Client c;
//   http::Response resp;
//   absl::Status s = c.Get("http://127.0.0.1:8080/", resp);

#ifndef BRISK_CLIENT_CLIENT_H_
#define BRISK_CLIENT_CLIENT_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/cancellation_signal.hpp"

#include "base/mutex.h"
#include "client/host_client.h"
#include "client/options.h"
#include "http/message.h"

namespace brisk::client {

namespace client_internal {
class LoopThread;
}  // namespace client_internal

// An absolute http:// or https:// URL, split.
struct Url {
  bool https = false;
  std::string host_port;  // "example.com:443": where to connect
  std::string host;       // the Host field: the port only when not default
  std::string target;     // origin-form: "/path?query"
  // "https://example.com" (scheme and Host).
  std::string origin() const;
};

// Splits an absolute http:// or https:// URL with http::URI (port 80 or 443
// unless given; the fragment dropped; "?q" becomes "/?q"; the path goes as
// given, neither decoded nor normalized). kInvalidRequest for other schemes,
// userinfo ("user@host") or a bad host or port.
[[nodiscard]] absl::Status SplitUrl(std::string_view url, Url& out);

// The absolute URL a redirect's `location` names (RFC 3986 §5.2), relative
// to `base`: absolute http(s) URLs as they are, "//authority" with base's
// scheme, "/path", "?query" and relative paths merged with base's target,
// dot segments removed, the fragment dropped. kInvalidRequest for a
// reference with another scheme (file:, ftp:, javascript:, ...).
[[nodiscard]] absl::Status ResolveLocation(std::string_view location,
                                           const Url& base, std::string& url);

struct ClientOptions {
  // Options for every per-host client (`addrs` is filled in per host).
  // host.tls is the context for https:// URLs (nullptr: the system's trust
  // store, verification on); http:// URLs ignore it.
  HostClientOptions host;
  // Hosts kept at once (fasthttp: unbounded, cleaned every 10 s).
  size_t max_hosts = 1024;
  // A host unused this long is dropped with its connections.
  absl::Duration max_idle_host_duration = absl::Seconds(60);
  // DoRedirects' default limit (fasthttp: 16).
  int max_redirects = 16;
  // Fields DoRedirects removes, besides Authorization, Proxy-Authorization
  // and Cookie, when a redirect leaves the host (name or port) it was sent
  // to: credentials are for the host they were given to.
  std::vector<std::string> sensitive_headers;
};

class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  [[nodiscard]] absl::Status Do(http::Request& req, http::Response& resp);
  [[nodiscard]] absl::Status DoTimeout(http::Request& req, http::Response& resp,
                                       absl::Duration timeout);
  [[nodiscard]] absl::Status DoDeadline(http::Request& req,
                                        http::Response& resp,
                                        absl::Time deadline);
  // Like DoDeadline, with the body going to `sink` piece by piece as it
  // arrives (see HostClient::DoStream): never held whole.
  [[nodiscard]] absl::Status DoStream(
      http::Request& req, http::Response& resp, const BodySink& sink,
      absl::Time deadline = absl::InfiniteFuture());
  // DoStream within `timeout` from now.
  [[nodiscard]] absl::Status DoStreamTimeout(http::Request& req,
                                             http::Response& resp,
                                             const BodySink& sink,
                                             absl::Duration timeout);
  // Follows 301, 302, 303, 307 and 308 up to `max_redirects` (the option's
  // value when negative); 303, and 301/302 after a POST, continue as GET
  // without a body. http may go to https, never back: a redirect from
  // https to http fails with kInvalidRequest. kTooManyRedirects past the limit.
  // Leaving the host strips the credentials (see sensitive_headers); a 307 or
  // 308 that would send a request body to another host is not followed: the 3xx
  // is the answer, and the caller decides. With `sink` (optional), the final
  // response's body goes to it piece by piece as it arrives
  // (HostClient::DoStream), never held whole; the bodies of redirects that
  // are followed (or that fail the call) are read and dropped, and any 3xx
  // that is the answer (no Location, or a body not resent) keeps its body.
  [[nodiscard]] absl::Status DoRedirects(
      http::Request& req, http::Response& resp, int max_redirects = -1,
      absl::Time deadline = absl::InfiniteFuture(),
      const BodySink* sink = nullptr);
  // In a coroutine on any loop (a server's coroutine handler): the call runs
  // on the client's loop and the coroutine resumes on its own; `cancel`
  // (ctx.cancellation_slot()) interrupts it across the loops, with
  // kCancelled. No redirects followed.
  boost::asio::awaitable<absl::Status> AsyncDo(
      http::Request& req, http::Response& resp,
      absl::Time deadline = absl::InfiniteFuture(),
      boost::asio::cancellation_slot cancel = {});
  // GET `url` into `resp`, following redirects (DoRedirects).
  [[nodiscard]] absl::Status Get(std::string_view url, http::Response& resp);
  [[nodiscard]] absl::Status GetTimeout(std::string_view url,
                                        http::Response& resp,
                                        absl::Duration timeout);
  [[nodiscard]] absl::Status GetDeadline(std::string_view url,
                                         http::Response& resp,
                                         absl::Time deadline);
  // POST `body` (with its Content-Type, unless empty) to `url`, following
  // redirects (DoRedirects: a 301, 302 or 303 continues as GET).
  [[nodiscard]] absl::Status Post(std::string_view url,
                                  std::string_view content_type,
                                  std::string_view body, http::Response& resp);
  [[nodiscard]] absl::Status PostTimeout(std::string_view url,
                                         std::string_view content_type,
                                         std::string_view body,
                                         http::Response& resp,
                                         absl::Duration timeout);
  [[nodiscard]] absl::Status PostDeadline(std::string_view url,
                                          std::string_view content_type,
                                          std::string_view body,
                                          http::Response& resp,
                                          absl::Time deadline);

  size_t hosts() const;

 private:
  // `url` gets where the request went (Route's).
  [[nodiscard]] absl::Status Run(http::Request& req, http::Response& resp,
                                 absl::Time deadline, const BodySink* sink,
                                 Url& url);
  // The HostClient for the request's target, which goes to `url`;
  // rewrites the request line to origin-form and sets Host.
  [[nodiscard]] absl::StatusOr<HostClient*> Route(http::Request& req,
                                                  std::string& key, Url& url);
  // Where `h` goes: its absolute URL, or (cleartext) its Host and target.
  [[nodiscard]] static absl::Status Target(const http::RequestHeader& h,
                                           Url& url);
  void Done(const std::string& key);
  void DropIdleHosts(absl::Time now);

  struct Host {
    std::unique_ptr<HostClient> client;
    absl::Time last_used;
    int in_flight = 0;
  };

  const ClientOptions options_;
  // The loop every host's HostClient runs on, and its thread.
  std::unique_ptr<client_internal::LoopThread> loop_;
  mutable base::Mutex mu_;
  absl::flat_hash_map<std::string, Host> hosts_ ABSL_GUARDED_BY(mu_);
  // https hosts' TLS context: options_.host.tls, or the system's trust
  // store (made at the first https call).
  std::shared_ptr<const tls::Context> tls_ ABSL_GUARDED_BY(mu_);
};

}  // namespace brisk::client

#endif  // BRISK_CLIENT_CLIENT_H_
