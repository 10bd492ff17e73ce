// Serves "Hello, <name>!" on 127.0.0.1 (a free port), asks itself once with
// brisk's client, prints the answer and stops: the smallest whole program on
// brisk, built from another workspace.

#include <cstdio>
#include <string>

#include "client/host_client.h"
#include "server/server.h"

int main() {
  brisk::server::Server server(
      {.threads = 1}, [](brisk::server::RequestCtx& ctx) {
        std::string name(ctx.request().uri().query_args().Peek("name"));
        ctx.SetContentType("text/plain; charset=utf-8");
        ctx.SetBody("Hello, " + (name.empty() ? std::string("World") : name) +
                    "!");
      });
  if (absl::Status s = server.Listen("127.0.0.1:0"); !s.ok()) {
    std::fprintf(stderr, "hello: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  server.Start();

  brisk::client::HostClient client(
      {.addrs = {"127.0.0.1:" + std::to_string(server.port())}});
  brisk::http::Response resp;
  absl::Status s = client.Get("/?name=brisk", resp);
  if (!s.ok()) {
    std::fprintf(stderr, "hello: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::printf("%d %.*s\n", resp.status_code(),
              static_cast<int>(resp.body().size()), resp.body().data());
  server.Shutdown(absl::Seconds(5));
  return 0;
}
