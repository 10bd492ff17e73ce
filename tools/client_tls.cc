#include "tools/client_tls.h"

#include <utility>

#include "tls/context.h"

namespace brisk::tools {

bool ParseClientTlsFlag(std::string_view arg,
                        const std::function<bool(std::string&)>& next,
                        ClientTlsFlags& flags, std::string& error) {
  error.clear();
  if (arg == "-k" || arg == "--insecure") {
    flags.insecure = true;
    return true;
  }
  std::string* file = arg == "--cacert" ? &flags.cacert
                      : arg == "--cert" ? &flags.cert
                      : arg == "--key"  ? &flags.key
                                        : nullptr;
  if (file == nullptr) {
    return false;
  }
  if (!next(*file) || file->empty()) {
    error = std::string(arg) + " needs a file";
  }
  return true;
}

absl::StatusOr<std::shared_ptr<const tls::Context>> MakeClientTls(
    const ClientTlsFlags& flags) {
  tls::ClientConfig config;
  config.insecure_skip_verify = flags.insecure;
  if (!flags.cacert.empty()) {
    absl::StatusOr<std::string> pem = tls::ReadPemFile(flags.cacert);
    if (!pem.ok()) {
      return pem.status();
    }
    config.ca_pem = *std::move(pem);
  }
  if (flags.cert.empty() != flags.key.empty()) {
    return absl::InvalidArgumentError("--cert and --key go together");
  }
  if (!flags.cert.empty()) {
    absl::StatusOr<std::string> cert = tls::ReadPemFile(flags.cert);
    if (!cert.ok()) {
      return cert.status();
    }
    absl::StatusOr<std::string> key = tls::ReadPemFile(flags.key);
    if (!key.ok()) {
      return key.status();
    }
    config.cert_chain_pem = *std::move(cert);
    config.key_pem = *std::move(key);
  }
  return tls::Context::MakeClient(config);
}

}  // namespace brisk::tools
