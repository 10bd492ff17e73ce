// fetch: a curl-like one-shot HTTP/1.1 client on brisk's Client.
//
//   ./bazelw run //tools:fetch -- [-X METHOD] [-H 'K: V']... [-d DATA|@FILE]
//       [-o FILE] [-i] [--timeout SECONDS] [-L] [--max-redirs N] [--fail]
//       [--compressed] [-k] [--cacert FILE] [--cert FILE --key FILE] URL
//
// --compressed asks for zstd, br, gzip or deflate and writes the body
// decoded as it arrives (as curl's: no size limit, the output is streamed;
// -i shows the head as it came).
//
// https:// URLs are verified against the system's trust store (or
// --cacert) with the host checked; -k skips that, as curl's does.
//
// Exit codes (curl's numbers where curl has one):
//   0 success   2 bad arguments   6 name not resolved   7 connect failed
//   22 HTTP status >= 400 with --fail   26 a file could not be read
//   23 output could not be written   28 timeout   47 too many redirects
//   35 TLS handshake failed (or an alert during it)   56 the connection
//   failed mid-exchange (a TLS alert or broken record included)   58 a client
//   certificate or key could not be used 60 the server's certificate failed
//   verification   61 a body that cannot be decoded (--compressed)
//   1 anything else
// Each failure prints one line on stderr.

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/time/time.h"

#include "bytes/conv.h"
#include "client/client.h"
#include "client/decode.h"
#include "client/errors.h"
#include "compress/compress.h"
#include "http/message.h"
#include "tools/client_tls.h"

namespace {

constexpr char kUsage[] =
    "usage: fetch [-X METHOD] [-H 'Name: value']... [-d DATA|@FILE] "
    "[-o FILE] [-i] [--timeout SECONDS] [-L] [--max-redirs N] [--fail] "
    "[--compressed] [-k|--insecure] [--cacert FILE] [--cert FILE --key FILE] "
    "URL";

struct Args {
  std::string method;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> data;
  std::string output;
  bool include = false;
  bool follow = false;
  bool fail = false;
  bool compressed = false;
  int max_redirs = 16;
  double timeout_s = 0;
  brisk::tools::ClientTlsFlags tls;
  std::string url;
};

int Bad(const std::string& why) {
  std::fprintf(stderr, "fetch: %s\n%s\n", why.c_str(), kUsage);
  return 2;
}

// Parses argv; returns an exit code when it cannot go on (-1 otherwise).
int Parse(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) {
        return false;
      }
      out = argv[++i];
      return true;
    };
    std::string v;
    std::string error;
    if (brisk::tools::ParseClientTlsFlag(arg, value, a.tls, error)) {
      if (!error.empty()) {
        return Bad(error);
      }
    } else if (arg == "-h" || arg == "--help") {
      std::printf("%s\n", kUsage);
      return 0;
    } else if (arg == "-X" || arg == "--request") {
      if (!value(a.method) || a.method.empty()) {
        return Bad("-X needs a method");
      }
    } else if (arg == "-H" || arg == "--header") {
      if (!value(v)) {
        return Bad("-H needs 'Name: value'");
      }
      size_t colon = v.find(':');
      if (colon == std::string::npos || colon == 0) {
        return Bad("-H \"" + v + "\" is not 'Name: value'");
      }
      std::string name = v.substr(0, colon);
      std::string val = v.substr(colon + 1);
      val.erase(0, val.find_first_not_of(" \t"));
      a.headers.emplace_back(name, val);
    } else if (arg == "-d" || arg == "--data") {
      if (!value(v)) {
        return Bad("-d needs data or @file");
      }
      if (!v.empty() && v[0] == '@') {
        std::ifstream f(v.substr(1), std::ios::binary);
        if (!f) {
          std::fprintf(stderr, "fetch: cannot read %s\n", v.c_str() + 1);
          return 26;
        }
        a.data = std::string(std::istreambuf_iterator<char>(f), {});
      } else {
        a.data = v;
      }
    } else if (arg == "-o" || arg == "--output") {
      if (!value(a.output)) {
        return Bad("-o needs a file");
      }
    } else if (arg == "-i" || arg == "--include") {
      a.include = true;
    } else if (arg == "-L" || arg == "--location") {
      a.follow = true;
    } else if (arg == "--fail" || arg == "-f") {
      a.fail = true;
    } else if (arg == "--compressed") {
      a.compressed = true;
    } else if (arg == "--timeout" || arg == "-m" || arg == "--max-time") {
      if (!value(v) || !absl::SimpleAtod(v, &a.timeout_s) ||
          !std::isfinite(a.timeout_s) || a.timeout_s <= 0) {
        return Bad("--timeout needs a positive number of seconds");
      }
    } else if (arg == "--max-redirs") {
      if (!value(v) || !absl::SimpleAtoi(v, &a.max_redirs) ||
          a.max_redirs < 0) {
        return Bad("--max-redirs needs a count");
      }
    } else if (!arg.empty() && arg[0] == '-') {
      return Bad("unknown option " + std::string(arg));
    } else if (a.url.empty()) {
      a.url = std::string(arg);
    } else {
      return Bad("more than one URL");
    }
  }
  if (a.url.empty()) {
    return Bad("no URL");
  }
  if (a.url.find("://") == std::string::npos) {
    a.url = "http://" + a.url;
  }
  return -1;
}

int ExitCodeFor(const absl::Status& s) {
  using brisk::client::ErrorKind;
  using brisk::client::Phase;
  switch (brisk::client::KindOf(s)) {
    case ErrorKind::kDial:
      return brisk::client::PhaseOf(s) == Phase::kResolve ? 6 : 7;
    case ErrorKind::kTimeout:
      return 28;
    case ErrorKind::kTooManyRedirects:
      return 47;
    case ErrorKind::kInvalidRequest:
      return 2;
    case ErrorKind::kConnectionClosed:
      return 56;
    case ErrorKind::kTlsHandshake:
      return 35;
    case ErrorKind::kTlsAlert:
      // curl: 35 for the handshake, 56 for an alert while receiving.
      return brisk::client::PhaseOf(s) == Phase::kHandshake ? 35 : 56;
    case ErrorKind::kTlsVerification:
      return 60;
    default:
      return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (int code = Parse(argc, argv, a); code >= 0) {
    return code;
  }
  brisk::http::Request req;
  std::string method = a.method;
  if (method.empty()) {
    method = a.data ? "POST" : "GET";
  }
  req.header().SetMethod(method);
  req.header().SetRequestUri(a.url);
  bool has_type = false;
  for (const auto& [name, value] : a.headers) {
    req.header().Add(name, value);
    has_type = has_type || brisk::bytes::EqualsIgnoreCase(name, "content-type");
  }
  if (a.compressed && !req.header().fields().Has("Accept-Encoding")) {
    req.header().Set("Accept-Encoding", brisk::client::kAcceptEncoding);
  }
  if (a.data) {
    if (!has_type) {
      req.header().Set("Content-Type", "application/x-www-form-urlencoded");
    }
    req.SetBody(*a.data);
  }
  std::FILE* out = stdout;
  if (!a.output.empty()) {
    out = std::fopen(a.output.c_str(), "wb");
    if (out == nullptr) {
      std::fprintf(stderr, "fetch: cannot write %s\n", a.output.c_str());
      return 23;
    }
  }
  brisk::client::ClientOptions options;
  // Without TLS flags the Client loads the system's store itself, and only
  // if an https URL comes (it is megabytes of certificates).
  if (a.tls.insecure || !a.tls.cacert.empty() || !a.tls.cert.empty() ||
      !a.tls.key.empty()) {
    absl::StatusOr<std::shared_ptr<const brisk::tls::Context>> tls =
        brisk::tools::MakeClientTls(a.tls);
    if (!tls.ok()) {
      std::fprintf(stderr, "fetch: %s\n",
                   std::string(tls.status().message()).c_str());
      return absl::IsNotFound(tls.status()) ? 26 : 58;
    }
    options.host.tls = *std::move(tls);
  }
  if (a.timeout_s > 3) {
    // A slow TLS server may take up to --timeout to connect and shake hands.
    options.host.dial_timeout = absl::Seconds(a.timeout_s);
  }
  brisk::client::Client client(std::move(options));
  brisk::http::Response resp;
  // The body is written as it arrives (never held whole), after the head
  // when -i; --fail writes nothing for an answer of 400 or more.
  bool head_written = false;
  bool write_failed = false;
  auto write = [&](std::string_view bytes) {
    if (!bytes.empty() &&
        std::fwrite(bytes.data(), 1, bytes.size(), out) != bytes.size()) {
      write_failed = true;
    }
    return !write_failed;
  };
  auto write_head = [&] {
    if (head_written || !a.include) {
      return true;
    }
    head_written = true;
    const brisk::http::ResponseHeader& h = resp.header();
    std::string head = "HTTP/1." + std::to_string(h.http_minor()) + " " +
                       std::to_string(h.status_code()) + " " +
                       std::string(h.reason()) + "\r\n";
    for (size_t i = 0; i < h.fields().size(); ++i) {
      auto f = h.fields()[i];
      head += std::string(f.name) + ": " + std::string(f.value) + "\r\n";
    }
    head += "\r\n";
    return write(head);
  };
  // --compressed: the body's decoder, made at its first piece from every
  // Content-Encoding line; its output goes out a step at a time, so memory
  // stays flat however much the body expands.
  std::unique_ptr<brisk::compress::Decoder> decoder;
  bool decoder_checked = false;
  absl::Status decode_error;
  auto decode_and_write = [&](std::string_view piece) {
    if (!decoder_checked) {
      decoder_checked = true;
      absl::StatusOr<brisk::client::ContentCodings> codings =
          brisk::client::ParseContentEncoding(resp.header().fields());
      if (!codings.ok()) {
        decode_error = codings.status();
        return false;
      }
      if (codings->size > 1) {
        decode_error = absl::UnimplementedError(
            "cannot decode stacked content codings while streaming");
        return false;
      }
      if (codings->size == 1) {
        decoder = std::move(brisk::compress::Decoder::Create(codings->items[0]))
                      .value();
        // As curl: no limit (the output is streamed, never held).
        decoder->Start({.max_output_bytes = UINT64_MAX, .max_ratio = 0});
      }
    }
    if (decoder == nullptr) {
      return write(piece);
    }
    if (absl::Status d = decoder->WriteTo(
            piece, [&](std::string_view out) { return write(out); });
        !d.ok()) {
      if (!write_failed) {
        decode_error = d;
      }
      return false;
    }
    return true;
  };
  const brisk::client::BodySink sink = [&](std::string_view piece) {
    if (a.fail && resp.status_code() >= 400) {
      return absl::OkStatus();
    }
    if (!write_head()) {
      return absl::CancelledError("cannot write the output");
    }
    if (!(a.compressed ? decode_and_write(piece) : write(piece))) {
      return absl::CancelledError(decode_error.ok() ? "cannot write the output"
                                                    : "cannot decode the body");
    }
    return absl::OkStatus();
  };
  const absl::Time deadline = a.timeout_s > 0
                                  ? absl::Now() + absl::Seconds(a.timeout_s)
                                  : absl::InfiniteFuture();
  absl::Status s =
      a.follow ? client.DoRedirects(req, resp, a.max_redirs, deadline, &sink)
               : client.DoStream(req, resp, sink, deadline);
  if (s.ok() && decoder != nullptr) {
    decode_error = decoder->Finish();
  }
  if (!decode_error.ok()) {
    if (out != stdout) {
      std::fclose(out);
    }
    std::fprintf(stderr, "fetch: %s\n",
                 std::string(decode_error.message()).c_str());
    return 61;
  }
  if (!s.ok()) {
    if (out != stdout) {
      std::fclose(out);
    }
    if (write_failed) {
      std::fprintf(stderr, "fetch: cannot write the output\n");
      return 23;
    }
    std::fprintf(stderr, "fetch: %s\n", std::string(s.message()).c_str());
    return ExitCodeFor(s);
  }
  const bool failed = a.fail && resp.status_code() >= 400;
  if (!failed && !write_head()) {
    std::fprintf(stderr, "fetch: cannot write the output\n");
    return 23;
  }
  // What stdio still buffers is written now: a full disk fails here.
  const bool flushed =
      out != stdout ? std::fclose(out) == 0 : std::fflush(stdout) == 0;
  if (!flushed) {
    std::fprintf(stderr, "fetch: cannot write the output\n");
    return 23;
  }
  if (failed) {
    std::fprintf(stderr, "fetch: the server answered %d\n", resp.status_code());
    return 22;
  }
  return 0;
}
