#include "websocket/test_util.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

#include "testing/subprocess.h"

namespace brisk::websocket {

server::Task Echo(Conn& conn) {
  for (;;) {
    absl::StatusOr<Message> m = co_await conn.Read();
    if (!m.ok()) {
      co_return;
    }
    absl::Status w = co_await conn.Write(m->data, m->type);
    if (!w.ok()) {
      co_return;
    }
  }
}

std::string BuildGoProgram(const std::string& src, std::string* log) {
  const std::string tmp = ::testing::TempDir();
  const size_t slash = src.rfind('/');
  const std::string bin =
      tmp + "/" + src.substr(slash + 1, src.size() - slash - 4);
  const testing::CommandResult build = testing::RunCommand(absl::StrCat(
      "GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=", tmp,
      "/gocache HOME=", tmp, " timeout 300 go build -o ", bin, " ", src));
  if (build.exit_code != 0) {
    *log = build.out;
    return "";
  }
  return bin;
}

}  // namespace brisk::websocket
