#include "tools/flag_file.h"

#include "absl/strings/str_cat.h"

#include "tls/context.h"

namespace brisk::tools {

absl::StatusOr<std::string> ReadFlagFile(std::string_view flag,
                                         const std::string& path) {
  absl::StatusOr<std::string> pem = tls::ReadPemFile(path);
  if (!pem.ok()) {
    return absl::NotFoundError(
        absl::StrCat("--", std::string(flag), ": cannot read ", path));
  }
  return pem;
}

}  // namespace brisk::tools
