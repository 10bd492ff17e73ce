#include "testing/process.h"

#include <dirent.h>

#include <fstream>
#include <string>

namespace brisk::testing {

int OpenFileDescriptors() {
  int n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') {
        ++n;
      }
    }
    ::closedir(d);
    --n;  // the directory stream itself
  }
  return n;
}

int64_t ProcessRssKib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stoll(line.substr(6));
    }
  }
  return 0;
}

}  // namespace brisk::testing
