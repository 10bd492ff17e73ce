// File: tools/flag_file.h
//
// ReadFlagFile: the PEM file a command-line flag names (a certificate, a
// key, CAs; tls::ReadPemFile), with an error that names the flag.

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
