// File: tools/client_tls.h
//
// The TLS flags the client tools share, with curl's names and meanings:
//   -k, --insecure   do not verify the server's certificate or name
//   --cacert FILE    trust the CAs in FILE (PEM) instead of the system's
//   --cert FILE      present this client certificate chain (PEM)...
//   --key FILE       ...with this private key (PEM)
// Without any of them an https:// URL is verified against the system's
// trust store, with the URL's host checked.

#ifndef BRISK_TOOLS_CLIENT_TLS_H_
#define BRISK_TOOLS_CLIENT_TLS_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

#include "tls/context.h"

namespace brisk::tools {

struct ClientTlsFlags {
  bool insecure = false;
  std::string cacert;
  std::string cert;
  std::string key;
};

// Whether `arg` is one of the flags above; if so, its value (when it takes
// one) is read with `next`, and `error` says what is wrong ("" when
// nothing is).
bool ParseClientTlsFlag(std::string_view arg,
                        const std::function<bool(std::string&)>& next,
                        ClientTlsFlags& flags, std::string& error);

// The context the flags describe (files read now). NotFound for a file
// that cannot be read, InvalidArgument for one OpenSSL refuses.
[[nodiscard]] absl::StatusOr<std::shared_ptr<const tls::Context>> MakeClientTls(
    const ClientTlsFlags& flags);

// The usage text of the flags, for a tool's usage line.
inline constexpr char kClientTlsUsage[] =
    "[-k|--insecure] [--cacert FILE] [--cert FILE --key FILE]";

}  // namespace brisk::tools

#endif  // BRISK_TOOLS_CLIENT_TLS_H_
