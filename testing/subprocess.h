// File: testing/subprocess.h
//
// Runs a shell command for a test and returns what it printed (stdout and
// stderr together) and its exit code: the way tests drive real peers
// (curl, python3) and brisk's own binaries. Blocks until the command exits;
// bound it with the command's own timeout (curl --max-time, timeout(1)).

#ifndef BRISK_TESTING_SUBPROCESS_H_
#define BRISK_TESTING_SUBPROCESS_H_

#include <string>

namespace brisk::testing {

struct CommandResult {
  std::string out;     // stdout and stderr, interleaved
  int exit_code = -1;  // -1 when it did not exit normally (or did not run)
};

CommandResult RunCommand(const std::string& command);

}  // namespace brisk::testing

#endif  // BRISK_TESTING_SUBPROCESS_H_
