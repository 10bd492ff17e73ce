// File: middleware/cors.h
//
// CORS (the Fetch standard's "CORS protocol", §3.2) as server middleware.
//
//   - A preflight (OPTIONS with Origin and Access-Control-Request-Method)
//     is answered here, before any route: 204 with the Allow-* fields when
//     the origin, the method and every requested header are allowed; 403
//     with none of them otherwise (the browser refuses the request; the
//     403 says why to whoever reads the network panel). CORS-safelisted
//     methods (GET, HEAD, POST) and request headers (Accept,
//     Accept-Language, Content-Language) are always allowed, as browsers
//     do not ask for them.
//   - Any other request with an allowed Origin gets
//     Access-Control-Allow-Origin (and -Credentials, -Expose-Headers) on
//     its response, whatever the handler answered; a disallowed one gets
//     none (the browser hides the response from the page).
//   - Credentials: Access-Control-Allow-Origin is then the request's own
//     origin, never "*", and "*" in any list is refused by Create() —
//     with credentials the standard treats "*" as a literal name, so a
//     server that means "anyone" with credentials is a mistake to stop
//     early (reflecting any origin with credentials lets every site read
//     the user's data).
//   - `Vary: Origin` on every response whose fields depend on the origin
//     (all but the "*" case), so a cache never serves one origin's answer
//     to another. Preflight answers also vary by the two request fields.
//   - "null" (sandboxed frames, file: pages) is an origin only when listed.
//
// Example:
//   auto cors = middleware::Cors::Create({
//       .allowed_origins = {"https://app.example.com"},
//       .allowed_methods = {"GET", "POST", "DELETE"},
//       .allowed_headers = {"Content-Type", "Authorization"},
//       .allow_credentials = true}).value();
//   server::Server server(opts, server::Wrap({cors}, router.handler()));
//
// Put it around the whole handler (as above) so preflights reach it: on a
// route group (router::Hooks) it sees only requests routed to the group,
// and the router answers OPTIONS itself when no OPTIONS route exists.

#ifndef BRISK_MIDDLEWARE_CORS_H_
#define BRISK_MIDDLEWARE_CORS_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

#include "server/middleware.h"

namespace brisk::middleware {

struct CorsOptions {
  // Origins allowed ("https://app.example.com", scheme://host[:port] as
  // browsers send it; compared without case), or {"*"} for any (not with
  // credentials).
  std::vector<std::string> allowed_origins;
  // Decides instead of the list when set (called on loop threads).
  std::function<bool(std::string_view origin)> allow_origin = nullptr;
  // Methods a preflight may ask for (GET, HEAD and POST always pass).
  std::vector<std::string> allowed_methods = {"GET", "HEAD", "POST"};
  // Request headers a preflight may ask for (without case), or {"*"} for
  // any (not with credentials).
  std::vector<std::string> allowed_headers;
  // Response headers the page may read beyond the safelisted ones.
  std::vector<std::string> exposed_headers;
  // Cookies and HTTP authentication allowed (Access-Control-Allow-
  // Credentials: true).
  bool allow_credentials = false;
  // How long a browser may cache a preflight's answer
  // (Access-Control-Max-Age); zero sends none (browsers use 5 s).
  absl::Duration max_age = absl::ZeroDuration();
};

class Cors : public server::Middleware {
 public:
  // InvalidArgument: "*" with credentials, an empty origin list without
  // allow_origin, an empty entry or one with CR, LF or a comma.
  [[nodiscard]] static absl::StatusOr<std::shared_ptr<Cors>> Create(
      CorsOptions options);

  bool OnRequest(server::RequestCtx& ctx, void*& state) const override;
  void OnResponse(server::RequestCtx& ctx, void*& state) const override;
  bool OnStreamStart(server::RequestCtx& ctx, void*& state) const override;

  // Whether `origin` may read responses.
  bool Allowed(std::string_view origin) const;

 private:
  explicit Cors(CorsOptions options);
  // The fields of an actual (not preflight) response.
  void Decorate(server::RequestCtx& ctx, void* state) const;

  CorsOptions options_;
  bool any_origin_ = false;
  bool any_header_ = false;
  std::string methods_;  // "GET, HEAD, POST, DELETE"
  std::string exposed_;  // "X-Total, X-Page"
  std::string max_age_;  // "600" or ""
};

}  // namespace brisk::middleware

#endif  // BRISK_MIDDLEWARE_CORS_H_
