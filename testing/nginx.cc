#include "testing/nginx.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "testing/raw_conn.h"

extern char** environ;

namespace brisk::testing {

uint16_t FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(fd);
    return 0;
  }
  close(fd);
  return ntohs(a.sin_port);
}

Nginx::Nginx(const std::function<std::string(const std::string& dir,
                                             uint16_t port)>& servers) {
  static std::atomic<int> count{0};
  const char* tmp = std::getenv("TEST_TMPDIR");
  dir_ = std::string(tmp != nullptr ? tmp : "/tmp") + "/nginx-" +
         std::to_string(getpid()) + "-" + std::to_string(count++);
  mkdir(dir_.c_str(), 0755);
  port_ = FreePort();
  const std::string& d = dir_;
  std::ofstream(d + "/nginx.conf")
      << "daemon off; master_process off; worker_processes 1;\n"
      << "pid " << d << "/nginx.pid; error_log " << d << "/error.log;\n"
      << "events { worker_connections 256; }\n"
      << "http {\n"
      << "  access_log off;\n"
      << "  client_body_temp_path " << d << "; proxy_temp_path " << d << ";\n"
      << "  fastcgi_temp_path " << d << "; uwsgi_temp_path " << d << ";\n"
      << "  scgi_temp_path " << d << ";\n"
      << servers(d, port_) << "\n}\n";
  const std::string conf = d + "/nginx.conf";
  const char* argv[] = {"/usr/sbin/nginx", "-c",   conf.c_str(), "-p",
                        d.c_str(),         nullptr};
  if (posix_spawn(&pid_, argv[0], nullptr, nullptr, const_cast<char**>(argv),
                  environ) != 0) {
    pid_ = -1;
    return;
  }
  for (int i = 0; i < 100; ++i) {  // up to 5 s for the port
    RawConn probe;
    if (probe.Connect(port_)) {
      ready_ = true;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Nginx::~Nginx() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
}

}  // namespace brisk::testing
