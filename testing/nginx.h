// File: testing/nginx.h
//
// nginx as a test peer (./bazelw installs nginx-light): one process on
// 127.0.0.1, no master, one worker, its files in a fresh directory under
// the test's temporary directory, ended by the destructor.
//
//   testing::Nginx nginx([](const std::string& dir, uint16_t port) {
//     return absl::StrCat("server { listen 127.0.0.1:", port, "; ... }");
//   });
//   ASSERT_TRUE(nginx.ready());

#ifndef BRISK_TESTING_NGINX_H_
#define BRISK_TESTING_NGINX_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

namespace brisk::testing {

// A port free a moment ago on 127.0.0.1 (for a peer that cannot be told to
// pick one).
uint16_t FreePort();

class Nginx {
 public:
  // `servers(dir, port)` returns the http block's contents (server blocks,
  // gzip settings, ...); `dir` is nginx's own directory (put files there),
  // `port` a free port to listen on.
  explicit Nginx(const std::function<std::string(const std::string& dir,
                                                 uint16_t port)>& servers);
  ~Nginx();
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;

  // Whether nginx is listening (it may be missing, or refuse its config:
  // error.log in dir() says why).
  bool ready() const { return ready_; }
  uint16_t port() const { return port_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  bool ready_ = false;
};

}  // namespace brisk::testing

#endif  // BRISK_TESTING_NGINX_H_
