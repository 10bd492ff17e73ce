#include "tools/serve.h"

#include <signal.h>

#include <cstdio>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#include "bytes/conv.h"
#include "compress/compress.h"
#include "http/uri.h"

ABSL_FLAG(std::string, tls_cert, "",
          "serve HTTPS with this certificate chain (PEM file, leaf first)");
ABSL_FLAG(std::string, tls_key, "", "the private key of --tls-cert (PEM)");
ABSL_FLAG(std::string, tls_client_ca, "",
          "require client certificates signed by these CAs (PEM file)");
ABSL_FLAG(std::string, http_redirect, "",
          "with TLS: also listen on this address in clear and redirect "
          "every request to HTTPS (308)");
ABSL_FLAG(std::string, access_log, "",
          "write one line per request to this file (- for stdout)");
ABSL_FLAG(std::string, access_log_format, "combined",
          "combined, common or json");
ABSL_FLAG(std::string, compress, "",
          "compress responses: codings in order of preference with optional "
          "levels (zstd,br,gzip:1), on (zstd,br,gzip) or off (default: "
          "helloserver off, fileserver zstd:12,br:9,gzip:9)");

namespace brisk::tools {
namespace {

// "host:port" for URLs and Location fields: [::1] bracketed, 0.0.0.0 or an
// empty host shown as 127.0.0.1.
std::string Authority(const std::string& addr, uint16_t port) {
  http::HostPort hp;
  (void)http::SplitHostPort(addr, hp, /*allow_empty_host=*/true);
  std::string host(hp.host);  // Listen() accepted it
  if (host.empty() || host == "0.0.0.0") {
    host = "127.0.0.1";
  } else if (host.find(':') != std::string::npos) {
    host = "[" + host + "]";
  }
  return absl::StrCat(host, ":", port);
}

// The redirect's handler: the same host (its port replaced) and target.
void RedirectToHttps(server::RequestCtx& ctx, uint16_t https_port) {
  const http::RequestHeader& h = ctx.request().header();
  http::HostPort hp;
  std::string host = "localhost";
  if (http::SplitHostPort(h.host(), hp, /*allow_empty_host=*/false)) {
    host = std::string(hp.host);
    if (host.find(':') != std::string::npos) {
      host = "[" + host + "]";
    }
  }
  http::Response& r = ctx.response();
  r.header().SetStatusCode(308);
  r.header().Set("Location", absl::StrCat("https://", host, ":", https_port,
                                          std::string(h.request_uri())));
  r.SetBody("use HTTPS\n");
}

}  // namespace

absl::StatusOr<std::optional<middleware::CompressOptions>> ParseCompress(
    std::string_view spec) {
  using compress::Encoding;
  if (spec.empty() || spec == "off" || spec == "false" || spec == "none") {
    return std::nullopt;
  }
  middleware::CompressOptions o;
  if (spec == "on" || spec == "true") {
    return o;
  }
  o.encodings.clear();
  while (!spec.empty()) {
    const size_t comma = spec.find(',');
    std::string_view item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view()
                                           : spec.substr(comma + 1);
    const size_t colon = item.find(':');
    const std::string_view name = item.substr(0, colon);
    const std::optional<Encoding> e = compress::FromName(name);
    if (!e || *e == Encoding::kIdentity) {
      return absl::InvalidArgumentError(
          absl::StrCat("--compress: unknown coding \"", bytes::ToAbsl(name),
                       "\" (gzip, deflate, br, zstd)"));
    }
    o.encodings.push_back(*e);
    if (colon != std::string_view::npos) {
      int level = 0;
      if (!absl::SimpleAtoi(bytes::ToAbsl(item.substr(colon + 1)), &level)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--compress: bad level in \"", bytes::ToAbsl(item), "\""));
      }
      int* field = *e == Encoding::kGzip      ? &o.gzip_level
                   : *e == Encoding::kDeflate ? &o.deflate_level
                   : *e == Encoding::kBrotli  ? &o.brotli_level
                                              : &o.zstd_level;
      *field = level;
    }
  }
  if (absl::StatusOr<std::shared_ptr<middleware::Compress>> c =
          middleware::Compress::Create(o);
      !c.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--compress: ", c.status().message()));
  }
  return o;
}

absl::StatusOr<std::optional<middleware::CompressOptions>> CompressFromFlags(
    std::string_view default_spec) {
  const std::string spec = absl::GetFlag(FLAGS_compress);
  return ParseCompress(spec.empty() ? default_spec : std::string_view(spec));
}

absl::StatusOr<std::shared_ptr<middleware::AccessLog>> AccessLogFromFlags() {
  const std::string path = absl::GetFlag(FLAGS_access_log);
  if (path.empty()) {
    return nullptr;
  }
  middleware::AccessLogOptions o;
  o.path = path;
  const std::string format = absl::GetFlag(FLAGS_access_log_format);
  if (format == "combined") {
    o.format = middleware::AccessLogOptions::Format::kCombined;
  } else if (format == "common") {
    o.format = middleware::AccessLogOptions::Format::kCommon;
  } else if (format == "json") {
    o.format = middleware::AccessLogOptions::Format::kJson;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "--access-log-format must be combined, common or json, not \"", format,
        "\""));
  }
  return middleware::AccessLog::Create(std::move(o));
}

void ParseFlags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    char* a = argv[i];
    if (a[0] != '-' || a[1] != '-') {
      continue;
    }
    if (a[2] == '\0') {
      break;  // "--": what follows is not flags
    }
    for (char* p = a + 2; *p != '\0' && *p != '='; ++p) {
      if (*p == '-') {
        *p = '_';
      }
    }
  }
  absl::ParseCommandLine(argc, argv);
}

absl::StatusOr<std::shared_ptr<const tls::Context>> TlsFromFlags() {
  const std::string cert = absl::GetFlag(FLAGS_tls_cert);
  const std::string key = absl::GetFlag(FLAGS_tls_key);
  const std::string ca = absl::GetFlag(FLAGS_tls_client_ca);
  if (cert.empty()) {
    if (!key.empty() || !ca.empty()) {
      return absl::InvalidArgumentError(
          "--tls-key and --tls-client-ca need --tls-cert");
    }
    return std::shared_ptr<const tls::Context>();
  }
  tls::ServerConfig config;
  absl::StatusOr<std::string> pem = tls::ReadPemFile(cert);
  if (!pem.ok()) {
    return pem.status();
  }
  config.cert_chain_pem = *std::move(pem);
  pem = tls::ReadPemFile(key.empty() ? cert : key);
  if (!pem.ok()) {
    return pem.status();
  }
  config.key_pem = *std::move(pem);
  if (!ca.empty()) {
    pem = tls::ReadPemFile(ca);
    if (!pem.ok()) {
      return pem.status();
    }
    config.client_ca_pem = *std::move(pem);
  }
  return tls::Context::MakeServer(config);
}

int ServeUntilSignal(
    server::Server& server, const std::string& addr, std::string_view name,
    absl::FunctionRef<std::string(const std::string& url)> banner) {
  const std::string who(name);
  // Signals are taken by sigwait below, never by a loop thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  if (absl::Status s = server.Listen(addr); !s.ok()) {
    std::fprintf(stderr, "%s: %s\n", who.c_str(), s.ToString().c_str());
    return 1;
  }
  const bool https = server.options().tls != nullptr;
  std::unique_ptr<server::Server> redirect;
  if (const std::string plain = absl::GetFlag(FLAGS_http_redirect);
      !plain.empty()) {
    if (!https) {
      std::fprintf(stderr, "%s: --http-redirect needs --tls-cert\n",
                   who.c_str());
      return 1;
    }
    server::ServerOptions o;
    o.threads = 1;
    const uint16_t port = server.port();
    redirect = std::make_unique<server::Server>(
        o, [port](server::RequestCtx& ctx) { RedirectToHttps(ctx, port); });
    if (absl::Status s = redirect->Listen(plain); !s.ok()) {
      std::fprintf(stderr, "%s: --http-redirect: %s\n", who.c_str(),
                   s.ToString().c_str());
      return 1;
    }
    redirect->Start();
  }
  server.Start();
  std::printf("%s\n", banner(absl::StrCat(https ? "https://" : "http://",
                                          Authority(addr, server.port()), "/"))
                          .c_str());
  if (redirect != nullptr) {
    std::printf("%s: http://%s/ redirects to HTTPS\n", who.c_str(),
                Authority(absl::GetFlag(FLAGS_http_redirect), redirect->port())
                    .c_str());
  }
  std::fflush(stdout);

  for (;;) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig != SIGHUP) {
      std::fprintf(stderr, "%s: signal %d, shutting down\n", who.c_str(), sig);
      break;
    }
    if (!https) {
      std::fprintf(stderr, "%s: SIGHUP: nothing to reload (no TLS)\n",
                   who.c_str());
      continue;
    }
    absl::StatusOr<std::shared_ptr<const tls::Context>> tls = TlsFromFlags();
    absl::Status s = tls.ok() ? server.SetTls(*tls) : tls.status();
    if (s.ok()) {
      std::fprintf(stderr, "%s: SIGHUP: certificate reloaded\n", who.c_str());
    } else {
      std::fprintf(stderr, "%s: SIGHUP: kept the old certificate: %s\n",
                   who.c_str(), s.ToString().c_str());
    }
  }
  if (redirect != nullptr) {
    redirect->Shutdown(absl::Seconds(5));
  }
  const server::ShutdownReport report = server.Shutdown(absl::Seconds(5));
  const server::ServerStats stats = server.stats();
  std::fprintf(stderr, "%s: answered %llu requests", who.c_str(),
               static_cast<unsigned long long>(stats.requests));
  if (https) {
    std::fprintf(stderr, "; %llu TLS handshakes, %llu resumed, %llu failed",
                 static_cast<unsigned long long>(stats.tls_handshakes),
                 static_cast<unsigned long long>(stats.tls_resumed),
                 static_cast<unsigned long long>(stats.tls_failures));
  }
  std::fprintf(stderr, "\n");
  if (!report.drained) {
    std::fprintf(stderr, "%s: closed %llu connections at the deadline\n",
                 who.c_str(),
                 static_cast<unsigned long long>(report.hard_closed));
  }
  return 0;
}

}  // namespace brisk::tools
