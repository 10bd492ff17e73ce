// File: tools/flag_file.h
//
// ReadFlagFile: the whole of a file a command-line flag names (a PEM
// certificate, a key), with an error that names the flag.

#ifndef BRISK_TOOLS_FLAG_FILE_H_
#define BRISK_TOOLS_FLAG_FILE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace brisk::tools {

// NotFound "--<flag>: cannot read <path>" when it cannot be read.
absl::StatusOr<std::string> ReadFlagFile(std::string_view flag,
                                         const std::string& path);

}  // namespace brisk::tools

#endif  // BRISK_TOOLS_FLAG_FILE_H_
