#include "client/client.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"

#include "bytes/conv.h"
#include "client/internal/loop_thread.h"
#include "http/method.h"
#include "http/uri.h"

namespace brisk::client {
namespace {

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         bytes::EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

absl::Status BadUrl(std::string_view url, std::string_view why) {
  return MakeError(ErrorKind::kInvalidRequest, Phase::kQueue, 0, url, why);
}

bool IsRedirect(int code) {
  return code == 301 || code == 302 || code == 303 || code == 307 ||
         code == 308;
}

}  // namespace

absl::Status SplitUrl(std::string_view url, Url& out) {
  // http::URI splits scheme, authority and target (the fragment dropped,
  // userinfo refused); the path is sent as given, so it is not decoded.
  http::URI uri;
  uri.set_decode_path(false);
  if (uri.Parse(url) != http::ParseError::kNone) {
    return BadUrl(url, "bad authority");
  }
  const std::string_view scheme = uri.scheme();
  if (bytes::EqualsIgnoreCase(scheme, "http")) {
    out.https = false;
  } else if (bytes::EqualsIgnoreCase(scheme, "https")) {
    out.https = true;
  } else {
    return BadUrl(url, "not an absolute http:// or https:// URL");
  }
  // An absolute URL's authority is a view into `url`: the target is what
  // follows it, up to the fragment.
  const std::string_view authority = uri.host();
  const size_t target_at =
      static_cast<size_t>(authority.data() - url.data()) + authority.size();
  const std::string_view path =
      url.substr(target_at, url.find('#', target_at) - target_at);
  http::HostPort hp;
  if (!http::SplitHostPort(authority, hp) ||
      (!hp.port.empty() && hp.port_number == 0)) {
    return BadUrl(url, "bad host or port");
  }
  const std::string_view default_port = out.https ? "443" : "80";
  const std::string_view port = hp.port.empty() ? default_port : hp.port;
  // The name as written (an IPv6 literal keeps its brackets).
  const std::string_view name = authority.substr(
      0, hp.port.empty() ? authority.size()
                         : authority.size() - hp.port.size() - 1);
  out.host_port = absl::StrCat(bytes::ToAbsl(name), ":", bytes::ToAbsl(port));
  out.host = port == default_port ? std::string(name) : std::string(authority);
  if (path.empty()) {
    out.target = "/";
  } else if (path.front() == '?') {
    out.target = absl::StrCat("/", bytes::ToAbsl(path));
  } else {
    out.target = std::string(path);
  }
  return absl::OkStatus();
}

std::string Url::origin() const {
  return absl::StrCat(https ? "https://" : "http://", host);
}

absl::Status ResolveLocation(std::string_view location, const Url& base,
                             std::string& url) {
  const std::string_view target = base.target;
  location = location.substr(0, location.find('#'));
  // RFC 3986 §3.1: a scheme is ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
  size_t colon = location.find(':');
  size_t stop = location.find_first_of("/?");
  if (colon != std::string_view::npos && colon < stop && colon > 0 &&
      ((location[0] | 0x20) >= 'a' && (location[0] | 0x20) <= 'z') &&
      location.substr(0, colon).find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-"
          ".") == std::string_view::npos) {
    if (!StartsWithNoCase(location, "http:") &&
        !StartsWithNoCase(location, "https:")) {
      return BadUrl(location, "redirect to an unsupported scheme");
    }
    url = std::string(location);
    return absl::OkStatus();
  }
  if (location.substr(0, 2) == "//") {
    url =
        absl::StrCat(base.https ? "https:" : "http:", bytes::ToAbsl(location));
    return absl::OkStatus();
  }
  const std::string_view path = target.substr(0, target.find('?'));
  std::string merged;
  if (location.empty()) {
    merged = std::string(target);  // the same resource
  } else if (location.front() == '/') {
    merged = std::string(location);
  } else if (location.front() == '?') {
    merged = absl::StrCat(bytes::ToAbsl(path), bytes::ToAbsl(location));
  } else {
    const size_t slash = path.rfind('/');
    merged = absl::StrCat(slash == std::string_view::npos
                              ? "/"
                              : bytes::ToAbsl(path.substr(0, slash + 1)),
                          bytes::ToAbsl(location));
  }
  // Dot segments go from the path, not from the query.
  if (merged.empty() || merged.front() != '/') {
    merged.insert(0, "/");
  }
  const size_t path_len = std::min(merged.find('?'), merged.size());
  const size_t n = http::NormalizePath(merged.data(), path_len);
  merged.erase(n, path_len - n);
  url = absl::StrCat(base.origin(), merged);
  return absl::OkStatus();
}

Client::Client(ClientOptions options)
    : options_(std::move(options)),
      loop_(std::make_unique<client_internal::LoopThread>()),
      tls_(options_.host.tls) {
  loop_->Start();
}

Client::~Client() {
  // HostClients on a shared loop are closed on that loop.
  std::vector<std::unique_ptr<HostClient>> all;
  {
    base::MutexLock lock(&mu_);
    for (auto& [key, host] : hosts_) {
      all.push_back(std::move(host.client));
    }
    hosts_.clear();
  }
  // The aborted completions of the closed clients run, then the loop stops.
  loop_->Stop([all = std::move(all)]() mutable { all.clear(); });
}

absl::Status Client::Target(const http::RequestHeader& h, Url& url) {
  const std::string_view uri = h.request_uri();
  if (StartsWithNoCase(uri, "http://") || StartsWithNoCase(uri, "https://")) {
    return SplitUrl(uri, url);
  }
  // Origin-form with a Host header: cleartext (https needs a URL).
  const std::string_view host = h.host();
  if (host.empty()) {
    return BadUrl(uri, "no absolute URL and no Host header");
  }
  http::HostPort hp;
  if (!http::SplitHostPort(host, hp)) {
    return BadUrl(host, "bad Host header");
  }
  url.https = false;
  url.host = std::string(host);
  url.host_port = hp.port.empty() ? absl::StrCat(bytes::ToAbsl(host), ":80")
                                  : std::string(host);
  url.target = std::string(uri);
  return absl::OkStatus();
}

absl::StatusOr<HostClient*> Client::Route(http::Request& req, std::string& key,
                                          Url& url) {
  http::RequestHeader& h = req.header();
  if (absl::Status s = Target(h, url); !s.ok()) {
    return s;
  }
  h.Set("Host", url.host);
  h.SetRequestUri(url.target);
  // One HostClient per scheme and host:port.
  key = absl::StrCat(url.https ? "https://" : "http://", url.host_port);
  const absl::Time now = absl::Now();
  base::MutexLock lock(&mu_);
  auto it = hosts_.find(key);
  if (it == hosts_.end()) {
    DropIdleHosts(now);
    HostClientOptions o = options_.host;
    o.addrs = {url.host_port};
    o.tls = nullptr;
    if (url.https) {
      if (tls_ == nullptr) {
        // The system's trust store, loaded at the first https call.
        absl::StatusOr<std::shared_ptr<const tls::Context>> made =
            tls::Context::MakeClient({});
        if (!made.ok()) {
          return MakeError(ErrorKind::kTlsHandshake, Phase::kQueue, 0, key,
                           std::string(made.status().message()));
        }
        tls_ = *std::move(made);
      }
      o.tls = tls_;
    }
    Host host;
    host.client = std::make_unique<HostClient>(std::move(o), loop_->io());
    it = hosts_.emplace(key, std::move(host)).first;
  }
  it->second.last_used = now;
  ++it->second.in_flight;
  if (!it->second.client->status().ok()) {
    --it->second.in_flight;
    return it->second.client->status();
  }
  return it->second.client.get();
}

boost::asio::awaitable<absl::Status> Client::AsyncDo(
    http::Request& req, http::Response& resp, absl::Time deadline,
    boost::asio::cancellation_slot cancel) {
  std::string key;
  Url url;
  absl::StatusOr<HostClient*> host = Route(req, key, url);
  if (!host.ok()) {
    co_return host.status();
  }
  absl::Status s = co_await (*host)->AsyncDo(req, resp, deadline, cancel);
  Done(key);
  co_return s;
}

void Client::Done(const std::string& key) {
  base::MutexLock lock(&mu_);
  auto it = hosts_.find(key);
  if (it != hosts_.end()) {
    --it->second.in_flight;
  }
}

void Client::DropIdleHosts(absl::Time now) {
  std::vector<std::unique_ptr<HostClient>> dropped;
  // Expired hosts first; then, at the bound, the least recently used idle.
  for (auto it = hosts_.begin(); it != hosts_.end();) {
    if (it->second.in_flight == 0 &&
        now - it->second.last_used >= options_.max_idle_host_duration) {
      dropped.push_back(std::move(it->second.client));
      hosts_.erase(it++);
    } else {
      ++it;
    }
  }
  while (hosts_.size() >= options_.max_hosts) {
    auto oldest = hosts_.end();
    for (auto it = hosts_.begin(); it != hosts_.end(); ++it) {
      if (it->second.in_flight == 0 &&
          (oldest == hosts_.end() ||
           it->second.last_used < oldest->second.last_used)) {
        oldest = it;
      }
    }
    if (oldest == hosts_.end()) {
      break;  // every host is busy: allow one more
    }
    dropped.push_back(std::move(oldest->second.client));
    hosts_.erase(oldest);
  }
  if (!dropped.empty()) {
    boost::asio::post(loop_->io(),
                      [d = std::move(dropped)]() mutable { d.clear(); });
  }
}

size_t Client::hosts() const {
  base::MutexLock lock(&mu_);
  return hosts_.size();
}

absl::Status Client::Do(http::Request& req, http::Response& resp) {
  return DoDeadline(req, resp, absl::InfiniteFuture());
}

absl::Status Client::DoTimeout(http::Request& req, http::Response& resp,
                               absl::Duration timeout) {
  return DoDeadline(req, resp, absl::Now() + timeout);
}

absl::Status Client::DoDeadline(http::Request& req, http::Response& resp,
                                absl::Time deadline) {
  Url url;
  return Run(req, resp, deadline, nullptr, url);
}

absl::Status Client::DoStream(http::Request& req, http::Response& resp,
                              const BodySink& sink, absl::Time deadline) {
  Url url;
  return Run(req, resp, deadline, &sink, url);
}

absl::Status Client::Run(http::Request& req, http::Response& resp,
                         absl::Time deadline, const BodySink* sink, Url& url) {
  std::string key;
  absl::StatusOr<HostClient*> hc = Route(req, key, url);
  if (!hc.ok()) {
    return hc.status();
  }
  absl::Status s = sink != nullptr ? (*hc)->DoStream(req, resp, *sink, deadline)
                                   : (*hc)->DoDeadline(req, resp, deadline);
  Done(key);
  return s;
}

namespace {

// What DoRedirects does with a response: it is the answer, its Location is
// followed (to `next`, split into `to`), or the call fails with `error`.
// Decided from the head alone, so that the body of a redirect that is
// followed (or fails the call) is dropped and any other answer's is kept.
struct Hop {
  enum Kind { kAnswer, kFollow, kError } kind = kAnswer;
  absl::Status error;
  std::string next;
  Url to;
};

Hop NextHop(const http::Request& req, const http::Response& resp,
            const Url& base, int redirects, int max_redirects) {
  Hop hop;
  const int code = resp.status_code();
  if (!IsRedirect(code)) {
    return hop;
  }
  std::string_view location = resp.header().Peek("Location");
  if (location.empty()) {
    return hop;  // nothing to follow: the 3xx is the answer
  }
  hop.kind = Hop::kError;
  if (redirects == max_redirects) {
    hop.error = MakeError(ErrorKind::kTooManyRedirects, Phase::kRead,
                          redirects + 1, req.header().host(),
                          absl::StrCat("more than ", max_redirects));
    return hop;
  }
  // The next target, absolute or relative to the current one.
  if (absl::Status r = ResolveLocation(location, base, hop.next); !r.ok()) {
    hop.error = r;
    return hop;
  }
  if (absl::Status u = SplitUrl(hop.next, hop.to); !u.ok()) {
    hop.error = u;
    return hop;
  }
  if (base.https && !hop.to.https) {
    // What was asked over TLS is not continued in cleartext.
    hop.error = MakeError(ErrorKind::kInvalidRequest, Phase::kQueue, 0,
                          hop.next, "redirect from https to http refused");
    return hop;
  }
  if (hop.to.host != base.host && (code == 307 || code == 308) &&
      !req.body().empty()) {
    hop.kind = Hop::kAnswer;  // the body is not resent to another host
    return hop;
  }
  hop.kind = Hop::kFollow;
  return hop;
}

}  // namespace

absl::Status Client::DoRedirects(http::Request& req, http::Response& resp,
                                 int max_redirects, absl::Time deadline,
                                 const BodySink* sink) {
  if (max_redirects < 0) {
    max_redirects = options_.max_redirects;
  }
  int redirects = 0;
  Url base;  // where the request went (Route rewrites it to origin-form)
  // The response header is in `resp` before its first body piece: the
  // body of a response that is not the answer is dropped.
  std::optional<bool> keep_body;  // decided at the first piece
  const BodySink gate = [&](std::string_view piece) {
    if (!keep_body) {
      keep_body = NextHop(req, resp, base, redirects, max_redirects).kind ==
                  Hop::kAnswer;
    }
    return *keep_body ? (*sink)(piece) : absl::OkStatus();
  };
  for (;; ++redirects) {
    base = Url();
    keep_body.reset();
    absl::Status s =
        Run(req, resp, deadline, sink != nullptr ? &gate : nullptr, base);
    if (!s.ok()) {
      return s;
    }
    Hop hop = NextHop(req, resp, base, redirects, max_redirects);
    if (hop.kind == Hop::kAnswer) {
      return s;
    }
    if (hop.kind == Hop::kError) {
      return hop.error;
    }
    const int code = resp.status_code();
    http::RequestHeader& h = req.header();
    const bool other_host = hop.to.host != base.host;
    if ((code == 303 && h.method_id() != http::Method::kHead) ||
        ((code == 301 || code == 302) &&
         h.method_id() == http::Method::kPost)) {
      h.SetMethod("GET");
      req.SetBody("");
      h.Del("Content-Length");
      h.Del("Content-Type");
      h.Del("Transfer-Encoding");
    }
    h.SetRequestUri(hop.next);
    if (other_host) {
      // Credentials are for the host they were given to.
      for (std::string_view name :
           {"Authorization", "Proxy-Authorization", "Cookie"}) {
        h.Del(name);
      }
      for (const std::string& name : options_.sensitive_headers) {
        h.Del(name);
      }
    }
  }
}

absl::Status Client::DoStreamTimeout(http::Request& req, http::Response& resp,
                                     const BodySink& sink,
                                     absl::Duration timeout) {
  return DoStream(req, resp, sink, absl::Now() + timeout);
}

absl::Status Client::Get(std::string_view url, http::Response& resp) {
  return GetDeadline(url, resp, absl::InfiniteFuture());
}

absl::Status Client::GetTimeout(std::string_view url, http::Response& resp,
                                absl::Duration timeout) {
  return GetDeadline(url, resp, absl::Now() + timeout);
}

absl::Status Client::GetDeadline(std::string_view url, http::Response& resp,
                                 absl::Time deadline) {
  http::Request req;
  req.header().SetMethod("GET");
  req.header().SetRequestUri(url);
  return DoRedirects(req, resp, -1, deadline);
}

absl::Status Client::Post(std::string_view url, std::string_view content_type,
                          std::string_view body, http::Response& resp) {
  return PostDeadline(url, content_type, body, resp, absl::InfiniteFuture());
}

absl::Status Client::PostTimeout(std::string_view url,
                                 std::string_view content_type,
                                 std::string_view body, http::Response& resp,
                                 absl::Duration timeout) {
  return PostDeadline(url, content_type, body, resp, absl::Now() + timeout);
}

absl::Status Client::PostDeadline(std::string_view url,
                                  std::string_view content_type,
                                  std::string_view body, http::Response& resp,
                                  absl::Time deadline) {
  http::Request req;
  req.header().SetMethod("POST");
  req.header().SetRequestUri(url);
  if (!content_type.empty()) {
    req.header().Set("Content-Type", content_type);
  }
  req.SetBody(body);
  return DoRedirects(req, resp, -1, deadline);
}

}  // namespace brisk::client
