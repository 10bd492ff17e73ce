// File: tools/serve.h
//
// What the sample servers (fileserver, helloserver) share: the TLS flags,
// and running a server until SIGINT or SIGTERM — reloading the certificate
// on SIGHUP, and answering plain HTTP on another address with a redirect
// to HTTPS when asked.
//
// Flags are absl flags, spelled with dashes or underscores alike
// (--tls-cert or --tls_cert); these are defined here, so every server that
// links this has them:
//   --tls-cert=FILE        certificate chain (PEM, leaf first): serve HTTPS
//   --tls-key=FILE         its private key (PEM)
//   --tls-client-ca=FILE   ask clients for a certificate signed by these
//   --http-redirect=ADDR   also listen on ADDR in clear, answering every
//                          request with 308 to the same URL over HTTPS
//   --compress=LIST        compress responses for clients that accept it:
//                          codings in the server's order of preference,
//                          each with an optional level ("zstd,br,gzip:1");
//                          "off" for none, "on" for zstd,br,gzip; each
//                          server says what an empty value means
//   --access-log=FILE      one line per request to FILE ("-": stdout)
//   --access-log-format=F  combined (default), common or json
//
// Example (main of a sample server):
//   absl::StatusOr<std::shared_ptr<const tls::Context>> tls = TlsFromFlags();
//   if (!tls.ok()) { ...; return 2; }
//   options.tls = *tls;
//   server::Server server(options, handler);
//   return tools::ServeUntilSignal(server, addr, "helloserver",
//       [](const std::string& url) { return "listening on " + url; });

#ifndef BRISK_TOOLS_SERVE_H_
#define BRISK_TOOLS_SERVE_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"

#include "middleware/access_log.h"
#include "middleware/compress.h"
#include "server/server.h"
#include "tls/context.h"

namespace brisk::tools {

// absl::ParseCommandLine, after turning the dashes of a flag's name into
// underscores (--cache-duration=5s is --cache_duration=5s).
void ParseFlags(int argc, char** argv);

// The context the TLS flags ask for; null when --tls-cert is not given. An
// error names the file or OpenSSL's reason.
[[nodiscard]] absl::StatusOr<std::shared_ptr<const tls::Context>>
TlsFromFlags();

// The --compress flag's choice, `default_spec` when it is empty; nullopt
// when off. InvalidArgument names a bad coding or level.
[[nodiscard]] absl::StatusOr<std::optional<middleware::CompressOptions>>
CompressFromFlags(std::string_view default_spec);
// The same for a value of the flag's syntax.
[[nodiscard]] absl::StatusOr<std::optional<middleware::CompressOptions>>
ParseCompress(std::string_view spec);

// The access log the flags ask for; null when --access-log is empty.
[[nodiscard]] absl::StatusOr<std::shared_ptr<middleware::AccessLog>>
AccessLogFromFlags();

// Listens on `addr`, starts, prints banner(url) with the server's URL
// ("https://127.0.0.1:8443/"), and serves until SIGINT or SIGTERM, then
// shuts down (5 s deadline). SIGHUP reloads the TLS flags' files into the
// server (Server::SetTls), or says why not and keeps the old ones. Blocks
// those signals in every thread (it must run before anything starts a
// thread). Returns the process exit code (1: cannot listen).
int ServeUntilSignal(
    server::Server& server, const std::string& addr, std::string_view name,
    absl::FunctionRef<std::string(const std::string& url)> banner);

}  // namespace brisk::tools

#endif  // BRISK_TOOLS_SERVE_H_
