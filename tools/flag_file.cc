#include "tools/flag_file.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace brisk::tools {

absl::StatusOr<std::string> ReadFlagFile(std::string_view flag,
                                         const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("--", std::string(flag), ": cannot read ", path));
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace brisk::tools
