#include "server/internal/response_writer.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

#include "bytes/conv.h"
#include "http/date.h"
#include "http/header_fields.h"
#include "http/status_code.h"

namespace brisk::server::server_internal {
namespace {

// Sent when even the error response is unsafe (an error handler's doing).
constexpr std::string_view kFixed500 =
    "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n"
    "Connection: close\r\n\r\n";
constexpr std::string_view kDefaultContentType =
    "Content-Type: text/plain; charset=utf-8\r\n";

}  // namespace

ResponseWriter::ResponseWriter(const ServerOptions& options, Logger log)
    : options_(options), log_(std::move(log)) {
  if (!options.name.empty()) {
    server_line_ = absl::StrCat("Server: ", options.name, "\r\n");
  }
  keep_alive_line_ = absl::StrCat(
      "Keep-Alive: timeout=",
      std::max<int64_t>(1, absl::ToInt64Seconds(options.idle_timeout)), "\r\n");
}

void ResponseWriter::FillError(http::Response& resp, int status,
                               http::ParseError pe,
                               std::string_view detail) const {
  resp.Reset();
  resp.SetStatusCode(status);
  resp.SetContentType("text/plain; charset=utf-8");
  resp.SetBody(detail);
  resp.AppendBody("\n");
  if (options_.error_handler) {
    ErrorInfo info{.status = status, .parse_error = pe, .detail = detail};
    try {
      options_.error_handler(info, resp);
    } catch (const std::exception& e) {
      log_(absl::StrCat("error_handler threw: ", e.what()));
    } catch (...) {
      log_("error_handler threw");
    }
  }
}

http::WireError ResponseWriter::AppendResponse(const http::Response& resp,
                                               bool head, bool keep_alive,
                                               int request_minor,
                                               bytes::ByteBuffer& out,
                                               Framing framing) const {
  http::WireError w =
      AppendHead(resp, head, keep_alive, request_minor, framing, out);
  if (w == http::WireError::kNone && !head &&
      !http::StatusHasNoBody(resp.status_code())) {
    out.Append(resp.body());
  }
  return w;
}

http::WireError ResponseWriter::AppendChecked(http::Response& resp, bool head,
                                              bool& keep_alive,
                                              int request_minor,
                                              bytes::ByteBuffer& out,
                                              Framing framing) const {
  http::WireError w =
      AppendResponse(resp, head, keep_alive, request_minor, out, framing);
  if (w == http::WireError::kNone) {
    return w;
  }
  if (framing == Framing::kUpgrade) {
    keep_alive = false;  // no upgrade: the connection ends after the 500
  }
  log_(absl::StrCat("response not sent, answered 500: ",
                    bytes::ToAbsl(http::ToString(w))));
  FillError(resp, 500, http::ParseError::kNone, "internal server error");
  if (AppendResponse(resp, head, keep_alive, request_minor, out) !=
      http::WireError::kNone) {
    // The error handler made it unsafe too: a fixed answer, then close.
    keep_alive = false;
    out.Append(kFixed500);
  }
  return w;
}

http::WireError ResponseWriter::AppendHead(const http::Response& resp,
                                           bool head, bool keep_alive,
                                           int request_minor, Framing framing,
                                           bytes::ByteBuffer& out) const {
  const http::ResponseHeader& h = resp.header();
  const int code = h.status_code();
  const bool upgrade = framing == Framing::kUpgrade;
  if (upgrade ? code != 101 || request_minor < 1 ||
                    h.fields().Peek("upgrade").empty()
              : code < 200) {
    // An interim status as the final answer would pair every later
    // pipelined response with the wrong request; a 101 must say what the
    // connection switches to, and an HTTP/1.0 client cannot switch.
    return http::WireError::kBadStatus;
  }
  const size_t mark = out.size();
  if (http::WireError w = http::AppendStatusLine(out, 1, code, h.reason());
      w != http::WireError::kNone) {
    return w;
  }
  bool has_server = false;
  bool has_date = false;
  bool has_type = false;
  const http::HeaderFields& fields = h.fields();
  for (size_t i = 0; i < fields.size(); ++i) {
    http::HeaderFields::Field f = fields[i];
    // The framing and connection fields are the server's.
    switch (f.name.size()) {
      case 4:
        has_date |= bytes::EqualsIgnoreCase(f.name, "date");
        break;
      case 6:
        has_server |= bytes::EqualsIgnoreCase(f.name, "server");
        break;
      case 10:
        if (bytes::EqualsIgnoreCase(f.name, "connection") ||
            bytes::EqualsIgnoreCase(f.name, "keep-alive")) {
          continue;
        }
        break;
      case 12:
        has_type |= bytes::EqualsIgnoreCase(f.name, "content-type");
        break;
      case 14:
        if (bytes::EqualsIgnoreCase(f.name, "content-length")) {
          continue;
        }
        break;
      case 17:
        if (bytes::EqualsIgnoreCase(f.name, "transfer-encoding")) {
          continue;
        }
        break;
      default:
        break;
    }
    if (http::WireError w = http::AppendField(out, f.name, f.value, true);
        w != http::WireError::kNone) {
      out.Resize(mark);
      return w;
    }
  }
  if (!has_server) {
    out.Append(server_line_);
  }
  if (!has_date) {
    out.Append("Date: ");
    out.Append(http::CurrentHttpDate());
    out.Append("\r\n");
  }
  const bool no_body = http::StatusHasNoBody(code);
  std::string_view body = resp.body();
  if (!no_body) {
    if (!has_type && !body.empty()) {
      out.Append(kDefaultContentType);
    }
    if (framing == Framing::kChunked) {
      out.Append("Transfer-Encoding: chunked\r\n");
    } else {
      // A HEAD handler or a stream may state the length without the body.
      uint64_t length = body.size();
      if ((head || framing == Framing::kStated) && body.empty() &&
          h.content_length() > 0) {
        length = static_cast<uint64_t>(h.content_length());
      }
      out.Append("Content-Length: ");
      bytes::AppendUint(out, length);
      out.Append("\r\n");
    }
  }
  if (upgrade) {
    out.Append("Connection: upgrade\r\n");
  } else if (!keep_alive) {
    out.Append("Connection: close\r\n");
  } else {
    if (request_minor == 0) {
      out.Append("Connection: keep-alive\r\n");
    }
    out.Append(keep_alive_line_);
  }
  out.Append("\r\n");
  return http::WireError::kNone;
}

}  // namespace brisk::server::server_internal
