// File: http/uri.h
//
// URI: a request-target (RFC 9112 §3.2) or an absolute URL, split into its
// parts, with the path percent-decoded and normalized.
//
//   origin-form     /path?query          (most requests)
//   absolute-form   http://host:port/path?query   (proxies; client URLs)
//   authority-form  host:port            (CONNECT)
//   asterisk-form   *                    (OPTIONS)
//
// Normalization (on by default, as in fasthttp): the path is decoded (%XX),
// then repeated slashes are merged and "." and ".." segments removed, never
// climbing above "/". So "/a/..%2f..%2fetc/passwd" becomes "/etc/passwd"
// and cannot leave the root. A decoded NUL or a malformed escape in the path
// is rejected (kBadUri). path_original() keeps the bytes as received.
//
// Views are into the parsed input (raw parts) or the URI's own buffer
// (decoded parts); they are valid until the next Parse() or Reset(). Not
// thread-safe; move-only.

#ifndef BRISK_HTTP_URI_H_
#define BRISK_HTTP_URI_H_

#include <cstdint>
#include <string_view>

#include "absl/base/attributes.h"

#include "bytes/byte_buffer.h"
#include "http/args.h"
#include "http/parse_error.h"

namespace brisk::http {

// An authority ("host", "host:port", "[v6]:port") split in two: the one
// place brisk does it (servers' listen addresses, clients' addresses and
// URLs, Host headers).
struct HostPort {
  std::string_view host;  // without the brackets of an IPv6 literal
  std::string_view port;  // the digits; empty when there is none
  uint16_t port_number = 0;
};
// False when `authority` is malformed: an empty host (unless
// `allow_empty_host`, for ":8080" listen addresses), an unclosed bracket,
// bytes after "]" other than ":port", a port that is not 0-65535 in digits.
[[nodiscard]] bool SplitHostPort(std::string_view authority, HostPort& out,
                                 bool allow_empty_host = false);

class URI {
 public:
  URI() = default;
  URI(URI&&) = default;
  URI& operator=(URI&&) = default;
  URI(const URI&) = delete;
  URI& operator=(const URI&) = delete;

  // Parses `target`. `host_header` is used when the target has no authority.
  // Returns kNone or kBadUri.
  [[nodiscard]] ParseError Parse(std::string_view target,
                                 std::string_view host_header = {});
  void Reset();

  // Whether Parse() merges slashes and removes dot segments (default true).
  void set_normalize_path(bool normalize) { normalize_ = normalize; }
  // Whether Parse() decodes the path (default true). Off, path() is the
  // path as received (or "/"): no escape is checked or decoded and nothing
  // is normalized, for a client that sends a URL as it was given.
  void set_decode_path(bool decode) { decode_ = decode; }

  std::string_view scheme() const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return scheme_;
  }
  // "example.com:8080" or "[::1]:80"; from the target or the Host header.
  std::string_view host() const ABSL_ATTRIBUTE_LIFETIME_BOUND { return host_; }
  // host() without the port, and without brackets for IPv6.
  std::string_view hostname() const ABSL_ATTRIBUTE_LIFETIME_BOUND;
  // The port digits, or empty.
  std::string_view port() const ABSL_ATTRIBUTE_LIFETIME_BOUND;
  // Decoded and (by default) normalized; always starts with '/' except for
  // the asterisk-form ("*") and the authority-form ("").
  std::string_view path() const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return path_.view();
  }
  std::string_view path_original() const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return path_original_;
  }
  // Without '?'; still encoded.
  std::string_view query_string() const ABSL_ATTRIBUTE_LIFETIME_BOUND {
    return query_;
  }
  bool is_asterisk() const { return asterisk_; }
  bool is_authority_form() const { return authority_form_; }

  // The decoded query arguments (parsed on first use).
  const Args& query_args() const ABSL_ATTRIBUTE_LIFETIME_BOUND;

  // Appends what a client puts on its request line: the path as received
  // (or "/") and "?query" if any.
  void AppendRequestTarget(bytes::ByteBuffer& out) const;

 private:
  ParseError DecodePath(std::string_view raw);

  bool normalize_ = true;
  bool decode_ = true;
  std::string_view scheme_;
  std::string_view host_;
  std::string_view path_original_;
  std::string_view query_;
  bool asterisk_ = false;
  bool authority_form_ = false;
  bytes::ByteBuffer path_;
  mutable Args args_;
  mutable bool args_parsed_ = false;
};

// Removes dot segments and merges slashes of an absolute path in place
// ("/a//b/../c/." -> "/a/c/"). Returns the new length.
size_t NormalizePath(char* path, size_t size);

}  // namespace brisk::http

#endif  // BRISK_HTTP_URI_H_
